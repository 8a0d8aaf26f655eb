package ui

import (
	"context"
	"time"

	"flyover/probe"
	"flyover/steps"
)

// Guide is what the guided mode needs beside the dashboard: the runner
// that sends every command through the audited path, the session the plan
// is derived with, and, optionally, an application-like writer to show.
type Guide struct {
	Runner  StepRunner
	Session *steps.Session
	// Options are the runner's options: the plan is derived with the same.
	Options steps.Options
	// Audit is the audit log, whose path is shown. Nil in tests.
	Audit *steps.Audit
	// Writer is the application-like writer (probe.Canary), nil for none.
	Writer Writer
	// WriterLabel says what the writer is ("2,000 writes/s through Sentinel").
	WriterLabel string
	// Autoplay walks the steps and answers every question by itself, with
	// pauses to read. Only in a lab (Config.Lab): Run refuses otherwise.
	Autoplay bool
	// Linger: with Autoplay, quit this long after the last step (0: stay
	// until the operator quits).
	Linger time.Duration
	// Finished is called when autoplay quits by itself after Linger.
	Finished func()
}

// StepRunner starts steps; StepsRunner adapts *steps.Runner.
type StepRunner interface {
	Start(ctx context.Context, id steps.StepID, f steps.Facts, a steps.Answers) (RunningStep, error)
	// Declined records an answer that cancelled a step's question: the
	// runner is the only writer of the audit trail.
	Declined(id steps.StepID, q steps.Confirmation, why string) error
}

// RunningStep is a step the runner is running (*steps.Job).
type RunningStep interface {
	// Updates carries progress; it is closed when the step ends.
	Updates() <-chan steps.Progress
	Done() <-chan struct{}
	// Err is how the step ended, once Done is closed.
	Err() error
	// Cancel stops waits at once; the cutover undoes before SENTINEL
	// FAILOVER and ignores it after.
	Cancel()
}

// Writer is the application-like writer the application panel shows.
type Writer interface {
	Stats() probe.CanaryStats
	// Verify reads every acknowledged write back from the primary
	// Sentinel names and counts the ones lost.
	Verify(ctx context.Context) (probe.CanaryVerdict, error)
}

// StepsRunner is r as the checklist drives it.
func StepsRunner(r *steps.Runner) StepRunner { return stepsRunner{r} }

type stepsRunner struct{ r *steps.Runner }

func (s stepsRunner) Start(ctx context.Context, id steps.StepID, f steps.Facts, a steps.Answers) (RunningStep, error) {
	j, err := s.r.Start(ctx, id, f, a)
	if err != nil {
		return nil, err
	}
	return stepsJob{j}, nil
}

func (s stepsRunner) Declined(id steps.StepID, q steps.Confirmation, why string) error {
	return s.r.Declined(id, q, why)
}

type stepsJob struct{ j *steps.Job }

func (j stepsJob) Updates() <-chan steps.Progress { return j.j.Progress }
func (j stepsJob) Done() <-chan struct{}          { return j.j.Done() }
func (j stepsJob) Err() error                     { return j.j.Err() }
func (j stepsJob) Cancel()                        { j.j.Cancel() }
