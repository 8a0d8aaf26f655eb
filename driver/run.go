// Running a step: started through the runner, its progress read, its end
// recorded, and stopped on request.

package driver

import (
	"context"
	"fmt"
	"time"

	"flyover/steps"
)

// Started is how a Start ended: the job, or why the step did not start.
type Started struct {
	ID  steps.StepID
	Job Job
	Err error
}

// Launch is the blocking half of a start: the runner writes the answers
// to the audit log (synced) before the step runs. Its result goes back to
// Started, on the driver's goroutine.
type Launch func() Started

// Start asks to run step id on facts f with answers a (the answers to
// the step's Confirmations, by their ID). It returns the blocking half to
// run away from the driver's goroutine, or nil when a step is still
// stopping: then the step starts once it has (Finish hands it back).
func (d *Driver) Start(id steps.StepID, f steps.Facts, a steps.Answers) Launch {
	if d.job != nil {
		d.pending = &pendingStart{id: id, f: f, a: a}
		return nil
	}
	d.starting = true
	r, gate, ctx := d.cfg.Runner, d.cfg.Gate, d.ctx
	d.logf("start %s answers=%v", id, a)
	return func() Started {
		job, err := launch(ctx, r, gate, d.cfg.Now, id, f, a)
		return Started{ID: id, Job: job, Err: err}
	}
}

// launch starts the step, after its turn when there is a gate. A step
// without one is stamped ended when its owner finishes it: nothing
// waits on its end (and the owner's clock may be a test's, read on the
// owner's goroutine only).
func launch(ctx context.Context, r Runner, gate Gate, now func() time.Time, id steps.StepID, f steps.Facts, a steps.Answers) (Job, error) {
	if gate == nil {
		return r.Start(ctx, id, f, a)
	}
	release, err := gate(id)
	if err != nil {
		return nil, err
	}
	job, err := r.Start(ctx, id, f, a)
	if err != nil {
		release(err)
		return nil, err
	}
	t := &turnJob{Job: job, done: make(chan struct{})}
	go func() {
		<-job.Done()
		t.ended = now()
		close(t.done)
		release(job.Err())
	}()
	return t, nil
}

// turnJob is a step that holds a turn. Its end is stamped before the
// turn goes back, so a step's recorded end comes before the start of
// the step that waited for it (a fleet's cutovers read in order, even
// when the owner finishes the step a moment later).
type turnJob struct {
	Job
	done  chan struct{}
	ended time.Time // set before done is closed
}

func (t *turnJob) Done() <-chan struct{} { return t.done }

// endedAt is when job ended, if it knows (read once Done is closed).
func endedAt(job Job) (time.Time, bool) {
	if t, ok := job.(*turnJob); ok {
		return t.ended, true
	}
	return time.Time{}, false
}

// Started records how a Launch ended; true when the step runs.
func (d *Driver) Started(s Started) bool {
	d.starting = false
	if s.Err != nil {
		d.results[s.ID] = Result{Err: s.Err, At: d.cfg.Now()}
		d.logf("%s not started: %v", s.ID, s.Err)
		return false
	}
	d.job, d.jobID, d.jobStart = s.Job, s.ID, d.cfg.Now()
	d.prog, d.hasProg, d.phases = steps.Progress{}, false, nil
	delete(d.results, s.ID)
	d.replan()
	return true
}

// Drain reads what the running step reported since it was last read,
// without waiting.
func (d *Driver) Drain() {
	if d.job == nil {
		return
	}
	ups := d.job.Updates()
	for ups != nil {
		select {
		case p, ok := <-ups:
			if !ok {
				ups = nil
				break
			}
			d.progress(p)
		default:
			ups = nil
		}
	}
}

func (d *Driver) progress(p steps.Progress) {
	if len(d.phases) == 0 || d.phases[len(d.phases)-1].Phase != p.Phase {
		at := p.At
		if at.IsZero() {
			at = d.cfg.Now()
		}
		d.phases = append(d.phases, PhaseMark{Phase: p.Phase, At: at})
	}
	if p.Offsets == nil && d.prog.Offsets != nil && p.Phase == d.prog.Phase {
		p.Offsets = d.prog.Offsets
	}
	d.prog, d.hasProg = p, true
}

// Ended reports whether the running step has ended (and Finish is due).
func (d *Driver) Ended() bool {
	if d.job == nil {
		return false
	}
	select {
	case <-d.job.Done():
		return true
	default:
		return false
	}
}

// Finish records how the running step ended, derives the plan again with
// what the step did (a cutover, a report: it is in the session now), and
// hands back the step confirmed while this one was stopping, if any.
func (d *Driver) Finish() (*LastRun, Launch) {
	d.Drain()
	err := d.job.Err()
	id := d.jobID
	now := d.cfg.Now()
	if at, ok := endedAt(d.job); ok {
		now = at
	}
	d.results[id] = Result{Err: err, At: now}
	d.last = &LastRun{ID: id, Err: err, Took: now.Sub(d.jobStart), Ended: now, Phases: d.phases, Progress: d.prog, HasProgress: d.hasProg}
	d.job = nil
	d.logf("%s ended: %v", id, err)
	var next Launch
	if p := d.pending; p != nil {
		d.pending = nil
		next = d.Start(p.id, p.f, p.a)
	}
	if d.cfg.Session != nil {
		d.derive(d.cfg.Session.Facts(d.facts.Topo, d.facts.Snapshot))
	} else {
		d.replan()
	}
	return d.last, next
}

// Follow waits for the running step to end, handing each progress update
// to seen (nil: none), then finishes it. For an owner without a clock of
// its own (an unattended run); the checklist drains on its tick instead.
func (d *Driver) Follow(seen func(steps.Progress)) (*LastRun, Launch) {
	if d.job == nil {
		return nil, nil
	}
	for p := range d.job.Updates() {
		d.progress(p)
		if seen != nil {
			seen(p)
		}
	}
	<-d.job.Done()
	return d.Finish()
}

// Stop asks the running step to stop (esc) and says what that means; ""
// when nothing runs.
func (d *Driver) Stop() string {
	if d.job == nil {
		return ""
	}
	d.job.Cancel()
	if steps.Lookup(d.jobID).PointOfNoReturn {
		return "stopping the cutover: before SENTINEL FAILOVER it unpauses and changes nothing; after it, the fence finishes"
	}
	return "stopping " + Title(d.jobID) + "…"
}

// Cancel asks the running step to stop, saying nothing.
func (d *Driver) Cancel() {
	if d.job != nil {
		d.job.Cancel()
	}
}

// StopAndWait stops the running step, if any, and waits for it to end:
// the cutover unpauses (before SENTINEL FAILOVER) or finishes the fence
// (after). say reports what it waits for.
func (d *Driver) StopAndWait(say func(string)) {
	j := d.job
	if j == nil {
		return
	}
	select {
	case <-j.Done():
		return
	default:
	}
	say(fmt.Sprintf("stopping %s…", Title(d.jobID)))
	j.Cancel()
	<-j.Done()
	if err := j.Err(); err != nil {
		say(fmt.Sprintf("%s: %v", Title(d.jobID), err))
	} else {
		say(Title(d.jobID) + ": finished")
	}
}

// Declined returns the blocking half of recording that confirmation q of
// step id was answered no (or refused) with why, so the audit log shows
// who declined what; nil without a runner.
func (d *Driver) Declined(id steps.StepID, q steps.Confirmation, why string) func() {
	d.logf("%s", why)
	r := d.cfg.Runner
	if r == nil {
		return nil
	}
	return func() { r.Declined(id, q, why) }
}

// RunNow starts step id and waits for its start (for an owner that may
// block: an unattended run); true when the step runs.
func (d *Driver) RunNow(id steps.StepID, f steps.Facts, a steps.Answers) (bool, error) {
	l := d.Start(id, f, a)
	if l == nil {
		return false, fmt.Errorf("%s waits for %s to stop", Title(id), Title(d.jobID))
	}
	s := l()
	return d.Started(s), s.Err
}
