package driver_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"flyover/driver"
	"flyover/driver/drivertest"
	"flyover/steps"
)

func TestNextWaitsForTheFirstPollThenRunsPreflightByItself(t *testing.T) {
	r := &drivertest.Runner{}
	d := driver.New(context.Background(), driver.Config{Runner: r})
	if n := d.Next(); n.Kind != driver.NotReady && n.Kind != driver.Finished {
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
	if n := d.Next(); n.Kind != driver.Busy {
		t.Fatalf("while preflight runs Next = %v, want Busy", n.Kind)
	}
	if s := d.State(); s.Running != steps.StepPreflight {
		t.Fatalf("State().Running = %q while preflight runs", s.Running)
	}
	job, _ := d.Running()
	job.(*drivertest.Job).Report(steps.Progress{Phase: "reading"})
	job.(*drivertest.Job).End(errors.New("blocked"))
	last, next := d.Follow(nil)
	if next != nil || last.ID != steps.StepPreflight || last.Err == nil || len(last.Phases) != 1 {
		t.Fatalf("last %+v next %v", last, next != nil)
	}
	if _, ok := d.Auto(); ok {
		t.Fatal("a failed preflight starts again by itself; want it left to Next")
	}
	if s := d.State(); s.Running != "" || s.Last == nil || s.Last.ID != steps.StepPreflight {
		t.Fatalf("State() after preflight ended: running %q, last %+v", s.Running, s.Last)
	}
}

func TestAStepConfirmedWhileAnotherStopsStartsAfterIt(t *testing.T) {
	r := &drivertest.Runner{}
	d := driver.New(context.Background(), driver.Config{Runner: r})
	d.Observe(steps.Facts{}, true)
	d.Started(d.Start(steps.StepPreflight, steps.Facts{}, nil)())
	if l := d.Start(steps.StepAttach, steps.Facts{}, nil); l != nil {
		t.Fatal("a second step launched while the first runs")
	}
	job, _ := d.Running()
	job.(*drivertest.Job).End(nil)
	_, next := d.Finish()
	if next == nil {
		t.Fatal("the pending step was not handed back")
	}
	if s := next(); s.ID != steps.StepAttach || !d.Started(s) {
		t.Fatalf("pending start %+v", s)
	}
}

func TestGateRefusalIsTheStepsResult(t *testing.T) {
	r := &drivertest.Runner{}
	refused := errors.New("waiting its turn")
	d := driver.New(context.Background(), driver.Config{Runner: r, Now: func() time.Time { return time.Unix(0, 0) },
		Gate: func(steps.StepID) (func(error), error) { return nil, refused }})
	d.Observe(steps.Facts{}, true)
	if d.Started(d.Start(steps.StepAttach, steps.Facts{}, nil)()) {
		t.Fatal("started past the gate")
	}
	if res, ok := d.Result(steps.StepAttach); !ok || !errors.Is(res.Err, refused) || len(r.Ran()) != 0 {
		t.Fatalf("result %+v %t, runner started %v", res, ok, r.Ran())
	}
}

func TestTheRunningStepIsInTheFactsThePlanIsDerivedFrom(t *testing.T) {
	r := &drivertest.Runner{}
	d := driver.New(context.Background(), driver.Config{Runner: r})
	d.Observe(steps.Facts{}, true)
	if !d.Started(d.Start(steps.StepPreflight, *d.Facts(), nil)()) {
		t.Fatal("preflight did not start")
	}
	if got := d.Facts().Running; got != steps.StepPreflight {
		t.Fatalf("facts while preflight runs: Running %q", got)
	}
	d.Observe(steps.Facts{}, true)
	if got := d.Facts().Running; got != steps.StepPreflight {
		t.Fatalf("facts polled again while preflight runs: Running %q", got)
	}
	job, _ := d.Running()
	job.(*drivertest.Job).End(nil)
	d.Finish()
	if got := d.Facts().Running; got != "" {
		t.Fatalf("facts after preflight ended: Running %q", got)
	}
}

// A step that holds a turn is recorded as ended before its turn goes
// back, even when its owner finishes it later: the step that waited for
// the turn cannot seem to start before it ended (a fleet's cutovers,
// one at a time).
func TestAGatedStepEndsBeforeItsTurnGoesBack(t *testing.T) {
	var tick atomic.Int64
	clock := func() time.Time { return time.Unix(tick.Add(1), 0) }
	released := make(chan time.Time, 1)
	r := &drivertest.Runner{}
	d := driver.New(context.Background(), driver.Config{Runner: r, Now: clock,
		Gate: func(steps.StepID) (func(error), error) { return func(error) { released <- clock() }, nil }})
	d.Observe(steps.Facts{}, true)
	if !d.Started(d.Start(steps.StepCutover, steps.Facts{}, nil)()) {
		t.Fatal("the cutover did not start")
	}
	r.Last(t).Job.End(nil)
	var back time.Time
	select {
	case back = <-released:
	case <-time.After(10 * time.Second):
		t.Fatal("the turn was not given back after the step ended")
	}
	clock() // the owner finishes a moment later
	last, _ := d.Finish()
	if !last.Ended.Before(back) {
		t.Fatalf("the step is recorded as ended at %v, its turn went back at %v", last.Ended.Unix(), back.Unix())
	}
}
