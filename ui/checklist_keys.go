// The checklist's keys: enter, a, esc, q, tab, and the questions they open.

package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"flyover/probe"
	"flyover/steps"
)

// ---- keys ----

func (c *Checklist) key(k tea.KeyPressMsg) (tea.Cmd, bool) {
	if c.dlg != nil {
		return c.answer(k), true
	}
	if c.quitting {
		return nil, true // stopping the step; Ctrl-C still quits at once
	}
	switch {
	case key.Matches(k, c.keys.Toggle):
		c.hidden = !c.hidden
		return nil, true
	case key.Matches(k, c.keys.Run):
		c.hidden = false
		return c.runCurrent(), true
	case key.Matches(k, c.keys.Abort):
		return c.abort(), true
	case key.Matches(k, c.keys.Stop):
		if c.job == nil {
			return nil, false
		}
		c.job.Cancel()
		c.note = cell{text: "stopping " + stepTitle(c.jobID) + "…", tone: toneWarn}
		if steps.Lookup(c.jobID).PointOfNoReturn {
			c.note.text = "stopping the cutover: before SENTINEL FAILOVER it unpauses and changes nothing; after it, the fence finishes"
		}
		return nil, true
	case key.Matches(k, c.keys.Quit):
		if c.job == nil {
			return nil, false
		}
		if c.onlyWatching() {
			// A wait sends nothing: stopping it changes nothing, so
			// there is nothing to ask.
			c.job.Cancel()
			c.logf("quit while %s waits: stopped it", c.jobID)
			return tea.Quit, true
		}
		return c.open(newQuitConfirm(c.common, c.jobID)), true
	}
	return nil, false
}

// runCurrent is enter: ask to run the current step.
func (c *Checklist) runCurrent() tea.Cmd {
	id := c.plan.Current
	switch {
	case c.job != nil || c.starting:
		c.note = cell{text: stepTitle(c.jobID) + " is running: wait for it, or esc to stop it", tone: toneWarn}
		return nil
	case id == "":
		c.note = cell{text: "every step is done", tone: toneOK}
		return nil
	case !c.ready:
		c.note = cell{text: "waiting for the first poll of the source and the target", tone: toneMuted}
		return nil
	case c.justDone(id):
		c.note = cell{text: stepTitle(id) + " just finished: confirming it on the next poll", tone: toneMuted}
		return nil
	}
	st := c.plan.State(id)
	step := steps.Lookup(id)
	confs := step.Confirmations(c.facts, c.g.Options)
	if st.Status == steps.Blocked && !step.Survey && !offersFix(step, confs) {
		c.note = cell{text: "blocked: " + st.Reason, tone: toneBad}
		return nil
	}
	if c.cfg.ReadOnly && writes(step, c.facts, c.g.Options) {
		c.note = cell{text: "read-only: flyover shows this step's commands but sends none of them (restart without --read-only to act)", tone: toneWarn}
		return nil
	}
	if len(confs) == 0 {
		return c.start(id, c.facts, nil)
	}
	return c.open(newStepConfirm(c.common, step, c.facts, confs))
}

// offersFix reports whether a blocked step's questions are its fix: step
// 5 offers to raise the other replicas' priority numbers when another
// replica would be promoted instead of the target.
func offersFix(step *steps.Step, confs []steps.Confirmation) bool {
	return step.FixWhenBlocked && len(confs) > 0
}

// onlyWatching reports whether the running step is a wait that sends
// nothing but reads.
func (c *Checklist) onlyWatching() bool {
	step := steps.Lookup(c.jobID)
	return step != nil && step.Watches && !writes(step, c.facts, c.g.Options)
}

// writes reports whether a step would send anything but reads.
func writes(step *steps.Step, f steps.Facts, o steps.Options) bool {
	cmds := step.Commands(f, o)
	for _, q := range step.Confirmations(f, o) {
		cmds = append(cmds, q.Commands...)
	}
	for _, cmd := range cmds {
		if !probe.IsRead(cmd.Args) {
			return true
		}
	}
	return false
}

// abort is a: ask to go back to how things were, before the cutover.
func (c *Checklist) abort() tea.Cmd {
	if c.cfg.ReadOnly {
		c.note = cell{text: "read-only: the abort sends commands; restart without --read-only to act", tone: toneWarn}
		return nil
	}
	if !c.plan.CanAbort {
		c.note = cell{text: "no abort: " + c.plan.AbortWhy, tone: toneBad}
		return nil
	}
	if c.job != nil {
		if !steps.Lookup(c.jobID).Watches {
			c.note = cell{text: stepTitle(c.jobID) + " is running: wait for it, or esc to stop it, then a", tone: toneWarn}
			return nil
		}
		c.job.Cancel() // a wait: nothing to undo
	}
	step := steps.Abort()
	return c.open(newStepConfirm(c.common, step, c.facts, step.Confirmations(c.facts, c.g.Options)))
}

// open shows a question and hands it the keyboard.
func (c *Checklist) open(d *Confirm) tea.Cmd {
	c.dlg = d
	c.note = cell{}
	return tea.Batch(c.setMode(c.dialogMode()), d.settle())
}

func (c *Checklist) dialogMode() Mode {
	if c.dlg == nil {
		return ModeNormal
	}
	return c.dlg.Mode()
}

func (c *Checklist) setMode(m Mode) tea.Cmd {
	c.mode = m
	return func() tea.Msg { return ModeMsg{Mode: m} }
}

// answer hands a key to the open question; the keyboard mode follows the
// question (a typed name after a y/N).
func (c *Checklist) answer(k tea.KeyPressMsg) tea.Cmd {
	cmd := c.dlg.Update(k)
	if m := c.dialogMode(); m != c.mode && !c.dlg.done {
		return tea.Batch(cmd, c.setMode(m))
	}
	return cmd
}

// confirmed acts on a question's end: the step starts with the answers,
// or flyover quits once the running step has stopped; a cancel sends
// nothing.
func (c *Checklist) confirmed(msg confirmDoneMsg) tea.Cmd {
	d := msg.dlg
	if d != c.dlg {
		return nil
	}
	c.dlg = nil
	switch {
	case !msg.ok:
		return c.declined(d, msg.why)
	case d.kind == confirmQuit && c.job == nil:
		return tea.Quit
	case d.kind == confirmQuit:
		c.quitting = true
		c.job.Cancel()
		c.note = cell{text: "stopping " + stepTitle(c.jobID) + " before quitting…", tone: toneWarn}
		return c.setMode(ModeNormal)
	}
	return tea.Batch(c.setMode(ModeNormal), c.start(d.id, d.facts, d.answers))
}

// refusedName records a wrong typed answer; the question stays open for
// another try.
func (c *Checklist) refusedName(msg confirmRefusedMsg) tea.Cmd {
	if msg.dlg != c.dlg {
		return nil
	}
	return c.record(msg.dlg.id, msg.q, msg.why)
}

// record writes a question answered no (or refused) to the log and the
// audit log, so the record shows who declined what.
func (c *Checklist) record(id steps.StepID, q steps.Confirmation, why string) tea.Cmd {
	c.logf("%s", why)
	r := c.g.Runner
	if r == nil {
		return nil
	}
	return func() tea.Msg {
		r.Declined(id, q, why)
		return nil
	}
}

// declined closes a cancelled question; nothing is sent. A step's answer
// is recorded in the audit log, so it shows who declined what.
func (c *Checklist) declined(d *Confirm, why string) tea.Cmd {
	c.note = cell{text: why, tone: toneWarn}
	if d.kind != confirmStep {
		c.logf("%s", why)
		return c.setMode(ModeNormal)
	}
	return tea.Batch(c.setMode(ModeNormal), c.record(d.id, d.conf(), why))
}
