// The checklist's keys: enter, a, esc, q, tab, and the questions they open.

package checklist

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"flyover/driver"
	"flyover/steps"
	"flyover/ui/common"
	"flyover/ui/confirm"
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
		c.note = common.Cell{Text: why, Tone: common.ToneWarn}
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
		return c.open(confirm.NewQuit(c.Common, id)), true
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
		return c.open(confirm.NewStep(c.Common, n.Step, n.Facts, n.Confirmations))
	}
	why := n.Why
	if n.Kind == driver.Busy {
		why += ": wait for it, or esc to stop it"
	}
	c.note = common.Cell{Text: why, Tone: whyTone(n.Kind)}
	return nil
}

// whyTone is how a refusal reads on the panel.
func whyTone(k driver.Kind) common.Tone {
	switch k {
	case driver.Finished:
		return common.ToneOK
	case driver.NotReady, driver.Settling:
		return common.ToneMuted
	case driver.Blocked, driver.Refused:
		return common.ToneBad
	}
	return common.ToneWarn
}

// abort is a: ask to go back to how things were, before the cutover.
func (c *Checklist) abort() tea.Cmd {
	n := c.drv.Abort()
	if n.Kind != driver.Ask {
		why := n.Why
		if n.Kind == driver.Busy {
			why += ": wait for it, or esc to stop it, then a"
		}
		c.note = common.Cell{Text: why, Tone: whyTone(n.Kind)}
		return nil
	}
	return c.open(confirm.NewStep(c.Common, n.Step, n.Facts, n.Confirmations))
}

// open shows a question and hands it the keyboard.
func (c *Checklist) open(d *confirm.Confirm) tea.Cmd {
	c.dlg = d
	c.note = common.Cell{}
	return tea.Batch(c.setMode(c.dialogMode()), d.Settle())
}

func (c *Checklist) dialogMode() common.Mode {
	if c.dlg == nil {
		return common.ModeNormal
	}
	return c.dlg.Mode()
}

func (c *Checklist) setMode(m common.Mode) tea.Cmd {
	c.mode = m
	return func() tea.Msg { return common.ModeMsg{Mode: m} }
}

// answer hands a key to the open question; the keyboard mode follows the
// question (a typed name after a y/N).
func (c *Checklist) answer(k tea.KeyPressMsg) tea.Cmd {
	cmd := c.dlg.Update(k)
	if m := c.dialogMode(); m != c.mode && !c.dlg.Done {
		return tea.Batch(cmd, c.setMode(m))
	}
	return cmd
}

// confirmed acts on a question's end: the step starts with the answers,
// or flyover quits once the running step has stopped; a cancel sends
// nothing.
func (c *Checklist) confirmed(msg confirm.DoneMsg) tea.Cmd {
	d := msg.Dialog
	if d != c.dlg {
		return nil
	}
	c.dlg = nil
	switch {
	case !msg.OK:
		return c.declined(d, msg.Why)
	case d.Kind == confirm.KindQuit && !c.running():
		return tea.Quit
	case d.Kind == confirm.KindQuit:
		c.quitting = true
		_, id := c.drv.Running()
		c.drv.Cancel()
		c.note = common.Cell{Text: "stopping " + common.StepTitle(id) + " before quitting…", Tone: common.ToneWarn}
		return c.setMode(common.ModeNormal)
	}
	return tea.Batch(c.setMode(common.ModeNormal), c.start(d.ID, d.Facts, d.Answers))
}

// refusedName records a wrong typed answer; the question stays open for
// another try.
func (c *Checklist) refusedName(msg confirm.RefusedMsg) tea.Cmd {
	if msg.Dialog != c.dlg {
		return nil
	}
	return c.record(msg.Dialog.ID, msg.Question, msg.Why)
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
func (c *Checklist) declined(d *confirm.Confirm, why string) tea.Cmd {
	c.note = common.Cell{Text: why, Tone: common.ToneWarn}
	if d.Kind != confirm.KindStep {
		c.logf("%s", why)
		return c.setMode(common.ModeNormal)
	}
	return tea.Batch(c.setMode(common.ModeNormal), c.record(d.ID, d.Question(), why))
}
