package steps

import (
	"context"
	"strings"
	"time"

	"flyover/steps/auditlog"
)

// StepID names a step. The audit log records it, so it is auditlog's.
type StepID = auditlog.StepID

const (
	StepPreflight    StepID = "preflight"
	StepAttach       StepID = "attach"
	StepFullSync     StepID = "full-sync"
	StepSteady       StepID = "steady-state"
	StepRegister     StepID = "sentinel-registers"
	StepPriority     StepID = "only-target-promotable"
	StepCutover      StepID = "cutover"
	StepVerify       StepID = "verify"
	StepDecommission StepID = "decommission"
	StepRestoreHA    StepID = "restore-ha"
	StepReport       StepID = "report"
	// StepAbort is not in the plan: it is the way back, offered before the
	// cutover (Checklist.CanAbort).
	StepAbort StepID = "abort"
)

// Options tune the plan and the actions. The zero value means the defaults.
type Options struct {
	// AllowNonemptyTarget lets REPLICAOF wipe a target that holds data
	// (--allow-nonempty-target).
	AllowNonemptyTarget bool
	// SteadyPolls is how many consecutive polls in sync make a steady
	// state (default 5).
	SteadyPolls int
	// PollInterval is how often waits poll the topology (default 500 ms).
	PollInterval time.Duration
	// AttachTimeout bounds the wait for the target to follow the source
	// after REPLICAOF (default 15 s).
	AttachTimeout time.Duration
	// SyncStallTimeout fails the full-sync wait when nothing moves for
	// this long (default 2 min). The sync itself has no deadline: it
	// takes as long as the data takes.
	SyncStallTimeout time.Duration
	// SteadyTimeout bounds the wait for a steady state (default 2 min).
	SteadyTimeout time.Duration
	// RegisterTimeout bounds the wait for every Sentinel to list the
	// target (default 45 s: Sentinel reads the source's INFO every 10 s).
	RegisterTimeout time.Duration
	// ResetTimeout bounds the wait, per Sentinel, for it to know the
	// other Sentinels again after SENTINEL RESET (default 20 s).
	ResetTimeout time.Duration
	// NewReplicas are Dragonfly instances (host:port) to attach to the new
	// primary after the cutover, so that Sentinel has a replica to promote
	// again (--new-replica, repeatable).
	NewReplicas []string
	Cutover     CutoverOptions
}

func (o Options) WithDefaults() Options {
	orDefault(&o.SteadyPolls, 5)
	orDefault(&o.PollInterval, 500*time.Millisecond)
	orDefault(&o.AttachTimeout, 15*time.Second)
	orDefault(&o.SyncStallTimeout, 2*time.Minute)
	orDefault(&o.SteadyTimeout, 2*time.Minute)
	orDefault(&o.RegisterTimeout, 45*time.Second)
	orDefault(&o.ResetTimeout, 20*time.Second)
	o.Cutover = o.Cutover.WithDefaults()
	return o
}

// orDefault sets an option left at zero (or below) to its default.
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// ConfirmKind is how the operator confirms.
type ConfirmKind string

const (
	// ConfirmYesNo acts only on y (or yes); anything else is no.
	ConfirmYesNo ConfirmKind = "y/N"
	// ConfirmTypeName acts only when the master name is typed exactly.
	ConfirmTypeName ConfirmKind = "type the master name"
)

// Confirmation is one question the operator answers before a step runs.
type Confirmation struct {
	ID     string      `json:"id"`
	Kind   ConfirmKind `json:"kind"`
	Prompt string      `json:"prompt"`
	// Expect is what ConfirmTypeName wants typed: the master name.
	Expect string `json:"expect,omitempty"`
	// Warning is shown above the prompt (the cutover's point of no return).
	Warning string `json:"warning,omitempty"`
	// WorstCase is what a yes may cost at worst, said on its own under
	// the warning and never cut (the cutover: how long writes may stay
	// paused).
	WorstCase string `json:"worst_case,omitempty"`
	// Commands are what a yes sends.
	Commands []Command `json:"commands,omitempty"`
	// Optional: no is an answer that changes what the step does (leave
	// the old Redis running) rather than one that cancels the step.
	Optional bool `json:"optional,omitempty"`
}

// Answers are the operator's answers by Confirmation.ID: "y"/"n" or the
// typed text.
type Answers map[string]string

// Yes reports whether answer is a yes for c.
func (c Confirmation) Yes(answer string) bool {
	switch c.Kind {
	case ConfirmTypeName:
		return answer == c.Expect && c.Expect != ""
	default:
		return IsYes(answer)
	}
}

func IsYes(answer string) bool {
	a := strings.ToLower(strings.TrimSpace(answer))
	return a == "y" || a == "yes"
}

// Progress is one update from a running step, for the UI to render.
type Progress struct {
	At    time.Time `json:"at"`
	Step  StepID    `json:"step"`
	Phase string    `json:"phase"`
	// Message is one line for the operator.
	Message string `json:"message"`
	// Fraction is 0..1 when the step can tell how far along it is, else -1.
	Fraction float64 `json:"fraction"`
	// Deadline is when the current wait gives up (a countdown), or zero.
	Deadline time.Time `json:"deadline,omitempty"`
	// Offsets are the drain's readings during the cutover.
	Offsets *Offsets `json:"offsets,omitempty"`
}

// Offsets are the replication offsets the drain compares.
type Offsets struct {
	Source int64 `json:"source"` // master_repl_offset
	Target int64 `json:"target"` // the one the drain is judged by
	// JudgedBy says which offset Target is: the target's own
	// slave_repl_offset, or what the source's slaveN line says it acked.
	JudgedBy string `json:"judged_by"`
}

// Step is one step of the migration.
type Step struct {
	ID    StepID
	Title string
	// Why is one paragraph: what the step is for and what could go wrong.
	Why string
	// OnFailure says what to do when the step fails.
	OnFailure string

	// What the checklist needs to know about the step, so that it asks
	// the step instead of comparing IDs.

	// Watches: the step only watches or reads, so it starts without a
	// question when it becomes current.
	Watches bool
	// Survey: its blocks are findings to show, not a reason not to run:
	// it runs once at startup even when blocked, and enter runs it again.
	Survey bool
	// FixWhenBlocked: when blocked, its confirmations are the fix it
	// offers (another replica would be promoted: raise its priority).
	FixWhenBlocked bool
	// WritesFiles: it writes files on the operator's machine, so it is not
	// started on its own in read-only mode.
	WritesFiles bool
	// PointOfNoReturn: the cutover. Its progress has phases and a write
	// stall, and its confirmation asks for the master name.
	PointOfNoReturn bool
	// ReadsBackWrites: its run reads the application's acknowledged
	// writes back from the new primary (readback.go).
	ReadsBackWrites bool

	DeadlineFn func(Facts, Options) time.Duration
	PreFn      func(Facts, Options) []Check
	PostFn     func(Facts, Options) []Check
	DoneFn     func(Facts, Options) bool
	CommandsFn func(Facts, Options) []Command
	ConfirmFn  func(Facts, Options) []Confirmation
	// RunFn is the step's action, given the facts the operator confirmed
	// on (f) and, for a step that asks before it sends, the same polled
	// again with its precondition checked on them (fresh; else f).
	RunFn func(ctx context.Context, r *Runner, f, fresh Facts, a Answers, progress func(Progress)) error
}

// Precondition checks, against f, what must hold before the step runs.
func (s *Step) Precondition(f Facts, o Options) []Check { return ask(s.PreFn, f, o) }

// Verify checks the step's postcondition against f.
func (s *Step) Verify(f Facts, o Options) []Check { return ask(s.PostFn, f, o) }

// Deadline bounds the wait for the step's postcondition once its action
// is done; zero when each command's own timeout is the only bound. The
// full sync has no deadline as such: its bound is on a sync that stops
// moving.
func (s *Step) Deadline(f Facts, o Options) time.Duration { return ask(s.DeadlineFn, f, o) }

// Done reports whether the step's postcondition holds in f.
func (s *Step) Done(f Facts, o Options) bool { return ask(s.DoneFn, f, o) }

// Commands are the exact commands the step will send, redacted. Steps that
// only wait send none.
func (s *Step) Commands(f Facts, o Options) []Command { return ask(s.CommandsFn, f, o) }

// Confirmations are the questions to ask, in order, before the step runs;
// none for a step that only reads or waits.
func (s *Step) Confirmations(f Facts, o Options) []Confirmation { return ask(s.ConfirmFn, f, o) }

// ask asks one of a step's parts, with the defaults filled in; a part the
// step does not have answers nothing (nil, zero, false).
func ask[T any](part func(Facts, Options) T, f Facts, o Options) T {
	if part == nil {
		var none T
		return none
	}
	return part(f, o.WithDefaults())
}

// Status is a step's place in the plan.
type Status string

const (
	Done    Status = "done"
	Current Status = "current" // the step to act on (or wait for) now
	Blocked Status = "blocked" // the current step, but a check blocks it: see Checks
	Pending Status = "pending"
)

// StepState is one step as the plan sees it now.
type StepState struct {
	ID     StepID `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	// Reason is one line: why it is done, what it waits for, or, when
	// blocked, the block and its fix.
	Reason string `json:"reason"`
	// Checks are the lines to show under the step: preflight's list; for
	// a blocked step, its precondition; for the current one, what it
	// waits for (its postcondition).
	Checks []Check `json:"checks,omitempty"`
}

// Checklist is the plan derived from one set of facts.
type Checklist struct {
	Stage Stage       `json:"stage"`
	Steps []StepState `json:"steps"`
	// Current is the step to act on next, "" when every step is done.
	Current StepID `json:"current"`
	// CanAbort: the abort path can return the topology to how it was.
	// AbortWhy says why not when it cannot.
	CanAbort bool   `json:"can_abort"`
	AbortWhy string `json:"abort_why,omitempty"`
}

// State returns the state of step id.
func (c Checklist) State(id StepID) StepState {
	for _, s := range c.Steps {
		if s.ID == id {
			return s
		}
	}
	return StepState{ID: id}
}
