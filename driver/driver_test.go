package driver

import (
	"context"
	"errors"
	"testing"
	"time"

	"flyover/steps"
)

type fakeRunner struct{ started []steps.StepID }

func (r *fakeRunner) Start(_ context.Context, id steps.StepID, _ steps.Facts, _ steps.Answers) (Job, error) {
	r.started = append(r.started, id)
	return &fakeJob{updates: make(chan steps.Progress, 8), done: make(chan struct{})}, nil
}

func (r *fakeRunner) Declined(steps.StepID, steps.Confirmation, string) error { return nil }

type fakeJob struct {
	updates   chan steps.Progress
	done      chan struct{}
	err       error
	cancelled bool
}

func (j *fakeJob) Updates() <-chan steps.Progress { return j.updates }
func (j *fakeJob) Done() <-chan struct{}          { return j.done }
func (j *fakeJob) Err() error                     { return j.err }
func (j *fakeJob) Cancel()                        { j.cancelled = true }
func (j *fakeJob) end(err error)                  { j.err = err; close(j.updates); close(j.done) }

func TestNextWaitsForTheFirstPollThenRunsPreflightByItself(t *testing.T) {
	r := &fakeRunner{}
	d := New(context.Background(), Config{Runner: r})
	if n := d.Next(); n.Kind != NotReady && n.Kind != Finished {
		t.Fatalf("before any facts: %v %q", n.Kind, n.Why)
	}
	d.Observe(steps.Facts{}, true)
	id, ok := d.Auto()
	if !ok || id != steps.StepPreflight {
		t.Fatalf("Auto = %q %t, want preflight", id, ok)
	}
	if !d.Started(d.Start(id, *d.Facts(), nil)()) {
		t.Fatal("preflight did not start")
	}
	if n := d.Next(); n.Kind != Busy {
		t.Fatalf("while preflight runs Next = %v, want Busy", n.Kind)
	}
	job, _ := d.Running()
	job.(*fakeJob).updates <- steps.Progress{Phase: "reading"}
	job.(*fakeJob).end(errors.New("blocked"))
	last, next := d.Follow(nil)
	if next != nil || last.ID != steps.StepPreflight || last.Err == nil || len(last.Phases) != 1 {
		t.Fatalf("last %+v next %v", last, next != nil)
	}
	if _, ok := d.Auto(); ok {
		t.Fatal("a failed preflight starts again by itself; want it left to Next")
	}
}

func TestAStepConfirmedWhileAnotherStopsStartsAfterIt(t *testing.T) {
	r := &fakeRunner{}
	d := New(context.Background(), Config{Runner: r})
	d.Observe(steps.Facts{}, true)
	d.Started(d.Start(steps.StepPreflight, steps.Facts{}, nil)())
	if l := d.Start(steps.StepAttach, steps.Facts{}, nil); l != nil {
		t.Fatal("a second step launched while the first runs")
	}
	job, _ := d.Running()
	job.(*fakeJob).end(nil)
	_, next := d.Finish()
	if next == nil {
		t.Fatal("the pending step was not handed back")
	}
	if s := next(); s.ID != steps.StepAttach || !d.Started(s) {
		t.Fatalf("pending start %+v", s)
	}
}

func TestGateRefusalIsTheStepsResult(t *testing.T) {
	r := &fakeRunner{}
	refused := errors.New("waiting its turn")
	d := New(context.Background(), Config{Runner: r, Now: func() time.Time { return time.Unix(0, 0) },
		Gate: func(steps.StepID) (func(error), error) { return nil, refused }})
	d.Observe(steps.Facts{}, true)
	if d.Started(d.Start(steps.StepAttach, steps.Facts{}, nil)()) {
		t.Fatal("started past the gate")
	}
	if res, ok := d.Result(steps.StepAttach); !ok || !errors.Is(res.Err, refused) || len(r.started) != 0 {
		t.Fatalf("result %+v %t, runner started %v", res, ok, r.started)
	}
}
