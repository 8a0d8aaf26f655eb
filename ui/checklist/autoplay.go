package checklist

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/driver"
	"flyover/steps"
	"flyover/ui/common"
	"flyover/ui/confirm"
)

// Autoplay walks the checklist by itself for unattended demo loops: it
// presses enter on the next step, leaves each question on screen long
// enough to read, answers y (and types the master name), exactly as an
// operator would, through the same keys. Only in a lab: NewChecklist turns
// it off without Config.Lab, and Run refuses it.

// autoplay's pacing.
const (
	AutoplayEvery  = 250 * time.Millisecond
	autoplayBefore = 2 * time.Second         // on a step before pressing enter
	autoplayRead   = 3 * time.Second         // a question on screen before answering
	autoplayRetry  = 5 * time.Second         // after a step failed, before trying again
	autoplayTries  = 3                       // attempts per step before giving up
	autoplayType   = 1500 * time.Millisecond // before typing the master name
)

type AutoplayTickMsg struct{}

func autoplayTick() tea.Cmd {
	return tea.Tick(AutoplayEvery, func(time.Time) tea.Msg { return AutoplayTickMsg{} })
}

type autoplay struct {
	on     bool
	what   string    // what autoplay is waiting to act on
	since  time.Time // since when
	tries  map[steps.StepID]int
	doneAt time.Time // every step done
	status string    // shown in the panel: what autoplay does next
}

// waitOn notes what autoplay is about to act on and returns how long it
// has been waiting to.
func (a *autoplay) waitOn(what string, now time.Time) time.Duration {
	if a.what != what {
		a.what, a.since = what, now
	}
	return now.Sub(a.since)
}

// autoplayStep does the next thing an operator would, when its pause is
// over.
func (c *Checklist) autoplayStep() tea.Cmd {
	a := &c.auto
	if !a.on || c.quitting {
		return nil
	}
	if a.tries == nil {
		a.tries = map[steps.StepID]int{}
	}
	now := c.now()
	if d := c.dlg; d != nil {
		if d.Kind != confirm.KindStep {
			return nil
		}
		q := d.Question()
		waited := a.waitOn(fmt.Sprintf("answer %s %d", d.ID, d.Index), now)
		if q.Kind == steps.ConfirmTypeName {
			want := []rune(q.Expect)
			if waited < autoplayType {
				a.status = "autoplay: typing the master name"
				return nil
			}
			if len(d.Typed) < len(want) {
				return c.answer(keyText(string(want[len(d.Typed)])))
			}
			if waited < autoplayType+time.Duration(len(want))*AutoplayEvery+time.Second {
				return nil
			}
			return c.answer(tea.KeyPressMsg{Code: tea.KeyEnter})
		}
		a.status = "autoplay: answering y in " + countdown(autoplayRead-waited)
		if waited < autoplayRead {
			return nil
		}
		return c.answer(keyText(d.Keys.Yes.Keys()[0]))
	}
	if c.running() || c.drv.Starting() || !c.drv.Ready() {
		a.what, a.status = "", ""
		return nil
	}
	// What enter would do now, as the driver says; autoplay presses it
	// when there are questions to answer or a failure to try again.
	n := c.drv.Next()
	if n.Kind == driver.Finished {
		if a.doneAt.IsZero() {
			a.doneAt = now
		}
		a.status = "autoplay: done"
		if l := c.g.Linger; l > 0 {
			left := l - now.Sub(a.doneAt)
			a.status = "autoplay: done · quits in " + countdown(left)
			if left <= 0 {
				if c.g.Finished != nil {
					c.g.Finished()
				}
				return tea.Quit
			}
		}
		return nil
	}
	a.doneAt = time.Time{}
	id := c.drv.Plan().Current
	switch n.Kind {
	case driver.Settling:
		a.what, a.status = "", "autoplay: waiting for the polls to confirm "+common.StepTitle(id)
		return nil
	case driver.Blocked:
		a.what, a.status = "", "autoplay: waiting for "+common.StepTitle(id)+" to be unblocked"
		return nil
	}
	r, ran := c.drv.Result(id)
	failed := ran && r.Err != nil
	needsEnter := failed || len(n.Confirmations) > 0
	if !needsEnter {
		a.what, a.status = "", ""
		return nil // a wait: maybeAuto runs it
	}
	pause := autoplayBefore
	if failed {
		if a.tries[id] >= autoplayTries {
			a.status = fmt.Sprintf("autoplay stopped: %s failed %d times", common.StepTitle(id), a.tries[id])
			return nil
		}
		pause = autoplayRetry
	}
	waited := a.waitOn(fmt.Sprintf("enter %s %v", id, r.At), now)
	a.status = "autoplay: enter in " + countdown(pause-waited)
	if waited < pause {
		return nil
	}
	a.tries[id]++
	return c.runCurrent()
}

// countdown is a short wait for the panel: 2 s, 0.4 s.
func countdown(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < 10*time.Second {
		return fmt.Sprintf("%.0f s", d.Seconds()+0.49)
	}
	return common.Duration(d)
}

// keyText is the key press for a typed character.
func keyText(s string) tea.KeyPressMsg {
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}
