package common

import (
	"time"

	"flyover/driver"
	"flyover/probe/canary"
	"flyover/steps"
	"flyover/steps/auditlog"
)

// Guide is what the guided mode needs beside the dashboard: the runner
// that sends every command through the audited path, the session the plan
// is derived with, and, optionally, an application-like writer to show.
type Guide struct {
	Runner  driver.Runner
	Session *steps.Session
	// Options are the runner's options: the plan is derived with the same.
	Options steps.Options
	// Audit is the audit log, whose path is shown. Nil in tests.
	Audit *auditlog.Audit
	// Writer is the application-like writer (canary.Canary), nil for none.
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
	// Gate, when set, makes every step wait its turn (a fleet's turns).
	Gate driver.Gate
}

// Writer is the application-like writer the application panel shows.
type Writer interface {
	Stats() canary.CanaryStats
}
