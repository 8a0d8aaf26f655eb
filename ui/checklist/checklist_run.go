// Running a step: started through the runner from a tea.Cmd, its progress
// read on a tick, its end recorded; and the application's writes read back.

package checklist

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/driver"
	"flyover/probe/canary"
	"flyover/steps"
	"flyover/ui/common"
	"flyover/ui/confirm"
)

// Messages of the checklist.
type (
	StepStartedMsg struct{ driver.Started }
	JobTickMsg     struct{}
	// jobDoneMsg: the running step job has ended; it is read at once,
	// not at the next tick.
	jobDoneMsg    struct{ job driver.Job }
	WriterTickMsg struct{ Stats canary.CanaryStats }
)

// jobTick is the spinner's frame: one glyph per 100 ms of the clock.
const jobTick = 100 * time.Millisecond

// Redraws while a step runs cost a frame each: the panel is drawn again
// only as often as what is on screen moves. A visible spinner turns at
// spinnerEvery (skipping glyphs: it still turns, at half the frames); with
// none on screen, progress and countdowns are read at countdownEvery. The
// step's end is read at once (waitJob).
const (
	spinnerEvery   = 200 * time.Millisecond
	countdownEvery = time.Second
)

// writerTick is how often the application panel is refreshed.
const writerTick = 250 * time.Millisecond

func (c *Checklist) writerTick() tea.Cmd {
	w := c.g.Writer
	return tea.Tick(writerTick, func(time.Time) tea.Msg { return WriterTickMsg{Stats: w.Stats()} })
}

// start runs step id through the driver, from a command: the runner
// writes the answers to the audit log (fsync'd) before the step runs.
func (c *Checklist) start(id steps.StepID, f steps.Facts, a steps.Answers) tea.Cmd {
	l := c.drv.Start(id, f, a)
	if l == nil {
		return nil // still stopping: it starts once the running step has
	}
	c.note = common.Cell{}
	return func() tea.Msg { return StepStartedMsg{l()} }
}

func (c *Checklist) started(msg StepStartedMsg) tea.Cmd {
	if !c.drv.Started(msg.Started) {
		return nil
	}
	return tea.Batch(c.armJobTick(), waitJob(c.ctx, msg.Job))
}

// waitJob waits for job to end. It only waits on Done, which nothing
// drains: the ticks read the progress.
func waitJob(ctx context.Context, job driver.Job) tea.Cmd {
	return func() tea.Msg {
		select {
		case <-job.Done():
			return jobDoneMsg{job: job}
		case <-ctx.Done():
			return nil
		}
	}
}

func (c *Checklist) armJobTick() tea.Cmd {
	if c.ticking {
		return nil
	}
	c.ticking = true
	return tea.Tick(c.TickEvery(), func(time.Time) tea.Msg { return JobTickMsg{} })
}

// TickEvery is how often the running step is read and drawn again.
func (c *Checklist) TickEvery() time.Duration {
	if c.spinnerVisible() {
		return spinnerEvery
	}
	return countdownEvery
}

// spinnerVisible reports whether the running step's spinner is on
// screen: the panel is shown, and no step's questions cover it.
func (c *Checklist) spinnerVisible() bool {
	if c.width <= 0 || c.height <= 0 || (c.hidden && c.dlg == nil) {
		return false
	}
	return c.dlg == nil || c.dlg.Kind != confirm.KindStep
}

// jobDone reads the end of the running step as soon as it comes.
func (c *Checklist) jobDone(msg jobDoneMsg) tea.Cmd {
	if job, _ := c.drv.Running(); job == nil || msg.job != job {
		return nil // already read by a tick
	}
	return c.finish()
}

// tickJob reads what the running step reported since the last tick, and
// finishes it when it has ended.
func (c *Checklist) tickJob() tea.Cmd {
	c.ticking = false
	if job, _ := c.drv.Running(); job == nil {
		return nil
	}
	c.drv.Drain()
	if c.drv.Ended() {
		return c.finish()
	}
	return c.armJobTick()
}

// finish records how the running step ended and starts what follows.
func (c *Checklist) finish() tea.Cmd {
	_, pending := c.drv.Finish()
	var cmds []tea.Cmd
	if c.quitting {
		return tea.Quit
	}
	if c.dlg != nil && c.dlg.Kind == confirm.KindQuit {
		c.dlg = nil // nothing runs any more: nothing to ask
		cmds = append(cmds, c.setMode(common.ModeNormal))
	}
	if pending != nil {
		c.note = common.Cell{}
		cmds = append(cmds, func() tea.Msg { return StepStartedMsg{pending()} })
	}
	cmds = append(cmds, c.maybeAuto())
	return tea.Batch(cmds...)
}

// Stop stops the running step, if any, and waits for it to end: the
// cutover unpauses (before SENTINEL FAILOVER) or finishes the fence
// (after). say reports what it waits for.
func (c *Checklist) Stop(say func(string)) { c.drv.StopAndWait(say) }
