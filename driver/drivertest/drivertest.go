// Package drivertest is a runner for tests of the driver and its faces:
// it records what was started, with which facts and answers, and hands
// back jobs that the test reports progress on and ends.
//
//	tests of driver, ui ──▶ driver/drivertest ──▶ driver, steps
//
// It may import driver and steps. Only tests import it.
package drivertest

import (
	"context"
	"sync"
	"testing"

	"flyover/driver"
	"flyover/steps"
)

// Runner is a driver.Runner whose steps never send anything.
type Runner struct {
	// Err, when set, is Start's refusal.
	Err error

	mu     sync.Mutex
	starts []Start
}

// Start is one step the runner was asked to start.
type Start struct {
	ID      steps.StepID
	Facts   steps.Facts
	Answers steps.Answers
	Job     *Job
}

// Declined records nothing: the audit trail is not under test.
func (r *Runner) Declined(steps.StepID, steps.Confirmation, string) error { return nil }

// Start records the step and hands back its job, or refuses with Err.
func (r *Runner) Start(_ context.Context, id steps.StepID, f steps.Facts, a steps.Answers) (driver.Job, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Err != nil {
		return nil, r.Err
	}
	j := &Job{updates: make(chan steps.Progress, 64), done: make(chan struct{})}
	r.starts = append(r.starts, Start{ID: id, Facts: f, Answers: a, Job: j})
	return j, nil
}

// Starts are the steps started so far, in order.
func (r *Runner) Starts() []Start {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Start(nil), r.starts...)
}

// Ran are the IDs of the steps started so far, in order.
func (r *Runner) Ran() []steps.StepID {
	var out []steps.StepID
	for _, s := range r.Starts() {
		out = append(out, s.ID)
	}
	return out
}

// Last is the step started last; the test fails when none was.
func (r *Runner) Last(t testing.TB) Start {
	t.Helper()
	s := r.Starts()
	if len(s) == 0 {
		t.Fatal("nothing was started")
	}
	return s[len(s)-1]
}

// Job is a step that runs until the test ends it.
type Job struct {
	updates   chan steps.Progress
	done      chan struct{}
	once      sync.Once
	err       error
	mu        sync.Mutex
	cancelled bool
}

func (j *Job) Updates() <-chan steps.Progress { return j.updates }
func (j *Job) Done() <-chan struct{}          { return j.done }
func (j *Job) Err() error                     { return j.err }

// Cancel notes the request; the job runs until End.
func (j *Job) Cancel() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.cancelled = true
}

// Cancelled reports whether the job was asked to stop.
func (j *Job) Cancelled() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.cancelled
}

// Report sends a progress update.
func (j *Job) Report(p steps.Progress) { j.updates <- p }

// End ends the job with err (once).
func (j *Job) End(err error) {
	j.once.Do(func() { j.err = err; close(j.updates); close(j.done) })
}
