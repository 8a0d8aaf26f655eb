// Running a step: started through the runner from a tea.Cmd, its progress
// read on a tick, its end recorded; and the application's writes read back.

package ui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/probe"
	"flyover/steps"
)

// phaseMark is one phase of the running step and when it began.
type phaseMark struct {
	phase string
	at    time.Time
}

// result is how a step's last run in this session ended.
type result struct {
	err error
	at  time.Time
}

// lastRun is how the last step ended, kept for a summary line (the
// cutover's stall) and to bridge the moment until the polls show it.
type lastRun struct {
	id      steps.StepID
	err     error
	took    time.Duration
	ended   time.Time
	phases  []phaseMark
	prog    steps.Progress
	hasProg bool
}

// pendingStart is a step confirmed while another was still stopping.
type pendingStart struct {
	id steps.StepID
	f  steps.Facts
	a  steps.Answers
}

// Messages of the checklist.
type (
	stepStartedMsg struct {
		id  steps.StepID
		job RunningStep
		err error
	}
	jobTickMsg struct{}
	// jobDoneMsg: the running step job has ended; it is read at once,
	// not at the next tick.
	jobDoneMsg    struct{ job RunningStep }
	writerTickMsg struct{ stats probe.CanaryStats }
	verdictMsg    struct {
		v   probe.CanaryVerdict
		err error
	}
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
	return tea.Tick(writerTick, func(time.Time) tea.Msg { return writerTickMsg{stats: w.Stats()} })
}

// start runs step id through the runner, from a command: Start writes the
// answers to the audit log (fsync'd) before it returns.
func (c *Checklist) start(id steps.StepID, f steps.Facts, a steps.Answers) tea.Cmd {
	if c.job != nil {
		// Still stopping: start once it has.
		c.pending = &pendingStart{id: id, f: f, a: a}
		return nil
	}
	c.starting = true
	c.note = cell{}
	r, ctx := c.g.Runner, c.ctx
	c.logf("start %s answers=%v", id, a)
	return func() tea.Msg {
		job, err := r.Start(ctx, id, f, a)
		return stepStartedMsg{id: id, job: job, err: err}
	}
}

func (c *Checklist) started(msg stepStartedMsg) tea.Cmd {
	c.starting = false
	if msg.err != nil {
		c.results[msg.id] = result{err: msg.err, at: c.now()}
		c.logf("%s not started: %v", msg.id, msg.err)
		return nil
	}
	c.job, c.jobID, c.jobStart = msg.job, msg.id, c.now()
	c.prog, c.hasProg, c.phases = steps.Progress{}, false, nil
	delete(c.results, msg.id)
	return tea.Batch(c.armJobTick(), waitJob(c.ctx, msg.job))
}

// waitJob waits for job to end. It only waits on Done, which nothing
// drains: the ticks read the progress.
func waitJob(ctx context.Context, job RunningStep) tea.Cmd {
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
	return tea.Tick(c.tickEvery(), func(time.Time) tea.Msg { return jobTickMsg{} })
}

// tickEvery is how often the running step is read and drawn again.
func (c *Checklist) tickEvery() time.Duration {
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
	return c.dlg == nil || c.dlg.kind != confirmStep
}

// jobDone reads the end of the running step as soon as it comes.
func (c *Checklist) jobDone(msg jobDoneMsg) tea.Cmd {
	if c.job == nil || msg.job != c.job {
		return nil // already read by a tick
	}
	c.drain()
	return c.finish()
}

// tickJob reads what the running step reported since the last tick, and
// finishes it when it has ended.
func (c *Checklist) tickJob() tea.Cmd {
	c.ticking = false
	if c.job == nil {
		return nil
	}
	c.drain()
	select {
	case <-c.job.Done():
		return c.finish()
	default:
	}
	return c.armJobTick()
}

// drain reads what the running step reported since it was last read.
func (c *Checklist) drain() {
	ups := c.job.Updates()
	for ups != nil {
		select {
		case p, ok := <-ups:
			if !ok {
				ups = nil
				break
			}
			c.progress(p)
		default:
			ups = nil
		}
	}
}

func (c *Checklist) progress(p steps.Progress) {
	if len(c.phases) == 0 || c.phases[len(c.phases)-1].phase != p.Phase {
		at := p.At
		if at.IsZero() {
			at = c.now()
		}
		c.phases = append(c.phases, phaseMark{phase: p.Phase, at: at})
	}
	if p.Offsets == nil && c.prog.Offsets != nil && p.Phase == c.prog.Phase {
		p.Offsets = c.prog.Offsets
	}
	c.prog, c.hasProg = p, true
}

// finish records how the running step ended and starts what follows.
func (c *Checklist) finish() tea.Cmd {
	err := c.job.Err()
	id := c.jobID
	now := c.now()
	c.results[id] = result{err: err, at: now}
	c.last = &lastRun{id: id, err: err, took: now.Sub(c.jobStart), ended: now, phases: c.phases, prog: c.prog, hasProg: c.hasProg}
	c.job = nil
	c.logf("%s ended: %v", id, err)
	var cmds []tea.Cmd
	if c.quitting {
		return tea.Quit
	}
	if c.dlg != nil && c.dlg.kind == confirmQuit {
		c.dlg = nil // nothing runs any more: nothing to ask
		cmds = append(cmds, c.setMode(ModeNormal))
	}
	if p := c.pending; p != nil {
		c.pending = nil
		cmds = append(cmds, c.start(p.id, p.f, p.a))
	}
	// What the step did (a cutover, a report) is in the session now.
	c.derive(c.g.Session.Facts(c.cfg.Topo, c.facts.Snapshot))
	cmds = append(cmds, c.maybeAuto())
	if steps.Lookup(id).ReadsBackWrites && err == nil && c.g.Writer != nil && !c.verifying {
		// Every acknowledged write so far, read back: after the cutover
		// is verified, and again as the last word.
		cmds = append(cmds, c.verifyWriter())
	}
	return tea.Batch(cmds...)
}

// verifyWriter reads every acknowledged write of the application back
// from the primary Sentinel names.
func (c *Checklist) verifyWriter() tea.Cmd {
	c.verifying = true
	w, ctx := c.g.Writer, c.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		v, err := w.Verify(ctx)
		return verdictMsg{v: v, err: err}
	}
}

// Stop stops the running step, if any, and waits for it to end: the
// cutover unpauses (before SENTINEL FAILOVER) or finishes the fence
// (after). say reports what it waits for.
func (c *Checklist) Stop(say func(string)) {
	j := c.job
	if j == nil {
		return
	}
	select {
	case <-j.Done():
		return
	default:
	}
	say(fmt.Sprintf("stopping %s…", stepTitle(c.jobID)))
	j.Cancel()
	<-j.Done()
	if err := j.Err(); err != nil {
		say(fmt.Sprintf("%s: %v", stepTitle(c.jobID), err))
	} else {
		say(stepTitle(c.jobID) + ": finished")
	}
}
