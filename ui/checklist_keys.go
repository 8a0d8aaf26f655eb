// The checklist's keys: enter, a, esc, q, tab, and the questions they open.

package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"flyover/driver"
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
		why := c.drv.Stop()
		if why == "" {
			return nil, false
		}
		c.note = cell{text: why, tone: toneWarn}
		return nil, true
	case key.Matches(k, c.keys.Quit):
		job, id := c.drv.Running()
		if job == nil {
			return nil, false
		}
		if c.drv.OnlyWatching() {
			// A wait sends nothing: stopping it changes nothing, so
			// there is nothing to ask.
			job.Cancel()
			c.logf("quit while %s waits: stopped it", id)
			return tea.Quit, true
		}
		return c.open(newQuitConfirm(c.common, id)), true
	}
	return nil, false
}

// runCurrent is enter: ask to run the current step.
func (c *Checklist) runCurrent() tea.Cmd {
	n := c.drv.Next()
	switch n.Kind {
	case driver.Run:
		return c.start(n.Step.ID, n.Facts, nil)
	case driver.Ask:
		return c.open(newStepConfirm(c.common, n.Step, n.Facts, n.Confirmations))
	}
	c.note = cell{text: n.Why, tone: whyTone(n.Kind)}
	return nil
}

// whyTone is how a refusal reads on the panel.
func whyTone(k driver.Kind) tone {
	switch k {
	case driver.Finished:
		return toneOK
	case driver.NotReady, driver.Settling:
		return toneMuted
	case driver.Blocked, driver.Refused:
		return toneBad
	}
	return toneWarn
}

// abort is a: ask to go back to how things were, before the cutover.
func (c *Checklist) abort() tea.Cmd {
	n := c.drv.Abort()
	if n.Kind != driver.Ask {
		c.note = cell{text: n.Why, tone: whyTone(n.Kind)}
		return nil
	}
	return c.open(newStepConfirm(c.common, n.Step, n.Facts, n.Confirmations))
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
	case d.kind == confirmQuit && !c.running():
		return tea.Quit
	case d.kind == confirmQuit:
		c.quitting = true
		_, id := c.drv.Running()
		c.drv.Cancel()
		c.note = cell{text: "stopping " + stepTitle(id) + " before quitting…", tone: toneWarn}
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
	rec := c.drv.Declined(id, q, why)
	if rec == nil {
		return nil
	}
	return func() tea.Msg {
		rec()
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
