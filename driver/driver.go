// Package driver turns the plan into action, one step at a time: which
// step is next, what to ask before it, starting it through the runner
// (which checks its precondition again on fresh facts), following its
// progress, stopping it, and recording what was declined.
//
//	probe ── Snapshot ──▶ steps ── Plan, Runner ──▶ driver ──▶ faces
//	                                                  ▲   (checklist, autoplay,
//	                                                  └── fleet, unattended run)
//	                                                      answers come in
//
// The driver owns the loop and its state; the faces feed it facts and
// answers and show what it holds. It knows nothing of screens or keys: the
// checklist adapts it to tea.Cmds, an unattended run calls it directly.
//
// It may import probe and steps. It must never import ui, lab, fleet or
// the commands: a face depends on the driver, never the reverse.
//
// A Driver is not safe for concurrent use: its owner (a Bubble Tea
// Update, or an unattended loop) calls it from one goroutine. What blocks
// (starting a step: the audit log is synced first; recording a declined
// answer) is handed back as a function the owner runs elsewhere.
package driver

import (
	"context"
	"fmt"
	"maps"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/plan"
)

// Runner starts steps through the audited path; Steps adapts
// *steps.Runner.
type Runner interface {
	Start(ctx context.Context, id steps.StepID, f steps.Facts, a steps.Answers) (Job, error)
	// Declined records an answer that cancelled a step's question: the
	// runner is the only writer of the audit trail.
	Declined(id steps.StepID, q steps.Confirmation, why string) error
}

// Job is a step the runner is running (*steps.Job).
type Job interface {
	// Updates carries progress; it is closed when the step ends.
	Updates() <-chan steps.Progress
	Done() <-chan struct{}
	// Err is how the step ended, once Done is closed.
	Err() error
	// Cancel stops waits at once; the cutover undoes before SENTINEL
	// FAILOVER and ignores it after.
	Cancel()
}

// Steps is r as the driver runs it.
func Steps(r *steps.Runner) Runner { return stepsRunner{r} }

type stepsRunner struct{ r *steps.Runner }

func (s stepsRunner) Start(ctx context.Context, id steps.StepID, f steps.Facts, a steps.Answers) (Job, error) {
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

// Gate makes a step wait its turn (a fleet's turns): a refusal is the
// step's result; release is called with how the step ended.
type Gate func(id steps.StepID) (release func(error), err error)

// Config is what a driver runs with.
type Config struct {
	Runner  Runner
	Session *steps.Session
	// Options are the runner's options: the plan is derived with the same.
	Options steps.Options
	// ReadOnly: the steps' commands are shown, none is sent.
	ReadOnly bool
	// Gate, when set, is asked before every step starts.
	Gate Gate
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Logf, when set, is told what the driver does.
	Logf func(format string, args ...any)
}

// Driver is one migration's loop and its state.
type Driver struct {
	cfg Config
	ctx context.Context

	facts steps.Facts
	plan  steps.Checklist
	ready bool // the source and the target have answered once: the plan means something

	job      Job
	jobID    steps.StepID
	jobStart time.Time
	prog     steps.Progress
	hasProg  bool
	phases   []PhaseMark
	starting bool // a Start is on its way
	pending  *pendingStart

	results map[steps.StepID]Result
	last    *LastRun

	// adjust adds to the facts what only a real session could know.
	adjust func(*steps.Facts)
}

// New returns a driver whose steps run under ctx.
func New(ctx context.Context, cfg Config) *Driver {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Driver{cfg: cfg, ctx: ctx, results: map[steps.StepID]Result{}}
}

// PhaseMark is one phase of the running step and when it began.
type PhaseMark struct {
	Phase string
	At    time.Time
}

// Result is how a step's last run in this session ended.
type Result struct {
	Err error
	At  time.Time
}

// LastRun is how the last step ended, kept for a summary line (the
// cutover's stall) and to bridge the moment until the polls show it.
type LastRun struct {
	ID          steps.StepID
	Err         error
	Took        time.Duration
	Ended       time.Time
	Phases      []PhaseMark
	Progress    steps.Progress
	HasProgress bool
}

// pendingStart is a step confirmed while another was still stopping.
type pendingStart struct {
	id steps.StepID
	f  steps.Facts
	a  steps.Answers
}

// SettleTime is how long after a step succeeded the plan may still show
// it current: the polls have not caught up yet.
const SettleTime = 4 * time.Second

func (d *Driver) logf(format string, args ...any) {
	if d.cfg.Logf != nil {
		d.cfg.Logf(format, args...)
	}
}

// Title is a step's title, or its ID when there is no such step.
func Title(id steps.StepID) string {
	if s := steps.Lookup(id); s != nil {
		return s.Title
	}
	return string(id)
}

// ---- what the driver holds ----

// Facts are the facts the plan was last derived from.
func (d *Driver) Facts() *steps.Facts { return &d.facts }

// Plan is the checklist as last derived.
func (d *Driver) Plan() steps.Checklist { return d.plan }

// Ready reports whether the source and the target have answered once.
func (d *Driver) Ready() bool { return d.ready }

// Options are the options the plan is derived with.
func (d *Driver) Options() steps.Options { return d.cfg.Options }

// ReadOnly reports whether the steps' commands are only shown.
func (d *Driver) ReadOnly() bool { return d.cfg.ReadOnly }

// Running is the step running now (nil, "" when none).
func (d *Driver) Running() (Job, steps.StepID) { return d.job, d.jobID }

// Busy reports whether a step runs or is starting.
func (d *Driver) Busy() bool { return d.job != nil || d.starting }

// Starting reports whether a Start is on its way.
func (d *Driver) Starting() bool { return d.starting }

// Since is when the running step started.
func (d *Driver) Since() time.Time { return d.jobStart }

// Progress is the running step's latest progress (false: none yet).
func (d *Driver) Progress() (steps.Progress, bool) { return d.prog, d.hasProg }

// Phases are the running step's phases so far.
func (d *Driver) Phases() []PhaseMark { return d.phases }

// Result is how step id's last run in this session ended.
func (d *Driver) Result(id steps.StepID) (Result, bool) {
	r, ok := d.results[id]
	return r, ok
}

// Results are how each step's last run in this session ended.
func (d *Driver) Results() map[steps.StepID]Result { return maps.Clone(d.results) }

// Last is the step that ended last, or nil.
func (d *Driver) Last() *LastRun { return d.last }

// JustDone reports whether step id succeeded moments ago.
func (d *Driver) JustDone(id steps.StepID) bool { return d.JustDoneAt(id, d.cfg.Now()) }

// JustDoneAt is JustDone as of now.
func (d *Driver) JustDoneAt(id steps.StepID, now time.Time) bool {
	r, ok := d.results[id]
	return ok && r.Err == nil && now.Sub(r.At) < SettleTime
}

// State is what the driver holds, at once: for a face that reports it
// (an unattended run's log line, a status document).
type State struct {
	Plan  steps.Checklist
	Ready bool
	// Running is the step running now ("" when none); Starting, one whose
	// start is on its way.
	Running     steps.StepID
	Starting    bool
	Since       time.Time
	Progress    steps.Progress
	HasProgress bool
	Phases      []PhaseMark
	Last        *LastRun
}

// State is what the driver holds now.
func (d *Driver) State() State {
	s := State{Plan: d.plan, Ready: d.ready, Starting: d.starting, Last: d.last}
	if d.job != nil {
		s.Running, s.Since, s.Progress, s.HasProgress, s.Phases = d.jobID, d.jobStart, d.prog, d.hasProg, d.phases
	}
	return s
}

// Adjust adds fn's changes to the facts on every derive (in tests: what
// only a real session could know, a verified write, a report).
func (d *Driver) Adjust(fn func(*steps.Facts)) { d.adjust = fn }

// ---- facts in ----

// Observe derives the plan again from fresh facts; ready says the source
// and the target have answered once.
func (d *Driver) Observe(f steps.Facts, ready bool) {
	d.ready = ready
	d.derive(f)
}

func (d *Driver) derive(f steps.Facts) {
	d.facts = f
	if d.adjust != nil {
		d.adjust(&d.facts)
	}
	d.replan()
}

// replan derives the plan again from the facts it holds, with the step
// that runs now: it stays current until it ends.
func (d *Driver) replan() {
	d.facts.Running = ""
	if d.job != nil {
		d.facts.Running = d.jobID
	}
	d.plan = plan.Plan(d.facts, d.cfg.Options)
}

// ---- what is next ----

// Kind is what the driver says about a request to run a step.
type Kind int

const (
	// Ask: the step asks its Confirmations first.
	Ask Kind = iota
	// Run: the step asks nothing: start it.
	Run
	// Busy: a step is running or starting.
	Busy
	// Finished: every step is done.
	Finished
	// NotReady: the first poll of the source and the target has not come.
	NotReady
	// Settling: the step finished moments ago; the polls confirm it next.
	Settling
	// Blocked: the step's precondition does not hold.
	Blocked
	// ReadOnly: the step would send commands, and flyover sends none.
	ReadOnly
	// Refused: there is nothing to do (no abort now).
	Refused
)

// String is the kind in a word, for logs and test failures.
func (k Kind) String() string {
	names := [...]string{"ask", "run", "busy", "finished", "not ready", "settling", "blocked", "read-only", "refused"}
	if k < 0 || int(k) >= len(names) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return names[k]
}

// Next is the answer to "run the next step": what to ask, or why not.
type Next struct {
	Kind Kind
	Step *steps.Step
	// Confirmations are the step's questions, on Facts.
	Confirmations []steps.Confirmation
	Facts         steps.Facts
	// Why says, for an operator, why nothing starts (a face adds what to
	// press: the driver knows no keys).
	Why string
}

// Next is what running the plan's current step means now.
func (d *Driver) Next() Next {
	id := d.plan.Current
	switch {
	case d.Busy():
		return Next{Kind: Busy, Why: Title(d.jobID) + " is running"}
	case id == "":
		return Next{Kind: Finished, Why: "every step is done"}
	case !d.ready:
		return Next{Kind: NotReady, Why: "waiting for the first poll of the source and the target"}
	case d.JustDone(id):
		return Next{Kind: Settling, Why: Title(id) + " just finished: confirming it on the next poll"}
	}
	st := d.plan.State(id)
	step := steps.Lookup(id)
	confs := step.Confirmations(d.facts, d.cfg.Options)
	n := Next{Step: step, Confirmations: confs, Facts: d.facts}
	switch {
	case st.Status == steps.Blocked && !step.Survey && !OffersFix(step, confs):
		n.Kind, n.Why = Blocked, "blocked: "+st.Reason
	case d.cfg.ReadOnly && Writes(step, d.facts, d.cfg.Options):
		n.Kind, n.Why = ReadOnly, "read-only: flyover shows this step's commands but sends none of them (restart without --read-only to act)"
	case len(confs) == 0:
		n.Kind = Run
	default:
		n.Kind = Ask
	}
	return n
}

// Abort is what going back to how things were (before the cutover) means
// now. A running wait is stopped: there is nothing to undo.
func (d *Driver) Abort() Next {
	if d.cfg.ReadOnly {
		return Next{Kind: ReadOnly, Why: "read-only: the abort sends commands; restart without --read-only to act"}
	}
	if !d.plan.CanAbort {
		return Next{Kind: Refused, Why: "no abort: " + d.plan.AbortWhy}
	}
	if d.job != nil {
		if !steps.Lookup(d.jobID).Watches {
			return Next{Kind: Busy, Why: Title(d.jobID) + " is running"}
		}
		d.job.Cancel() // a wait: nothing to undo
	}
	step := steps.Abort()
	return Next{Kind: Ask, Step: step, Confirmations: step.Confirmations(d.facts, d.cfg.Options), Facts: d.facts}
}

// Auto is the step that starts without a question now, if any: preflight
// once at startup, then the waits (full sync, steady state, Sentinel
// registering the target) and the report as they become current. A wait
// that failed or was stopped is not restarted: Next runs it.
func (d *Driver) Auto() (steps.StepID, bool) {
	if !d.ready || d.Busy() {
		return "", false
	}
	id := d.plan.Current
	if id == "" {
		return "", false
	}
	step := steps.Lookup(id)
	if !step.Watches || (step.WritesFiles && d.cfg.ReadOnly) {
		return "", false
	}
	st := d.plan.State(id)
	if st.Status != steps.Current && !(step.Survey && st.Status == steps.Blocked) {
		return "", false
	}
	if len(step.Confirmations(d.facts, d.cfg.Options)) > 0 {
		return "", false // the priority fix asks first
	}
	if r, ran := d.results[id]; ran {
		// Once is enough for a survey (Next runs it again); a wait that
		// failed waits for Next; one that succeeded while the plan has
		// not caught up yet is given a moment.
		if step.Survey || r.Err != nil || d.JustDone(id) {
			return "", false
		}
	}
	return id, true
}

// OffersFix reports whether a blocked step's questions are its fix: step
// 5 offers to raise the other replicas' priority numbers when another
// replica would be promoted instead of the target.
func OffersFix(step *steps.Step, confs []steps.Confirmation) bool {
	return step.FixWhenBlocked && len(confs) > 0
}

// Writes reports whether a step would send anything but reads.
func Writes(step *steps.Step, f steps.Facts, o steps.Options) bool {
	return AnyWrites(step.Commands(f, o), step.Confirmations(f, o))
}

// AnyWrites is Writes for a step's commands and confirmations already
// derived: a face that shows them asks once per frame, not three times.
func AnyWrites(cmds []steps.Command, confs []steps.Confirmation) bool {
	writes := func(cmds []steps.Command) bool {
		for _, cmd := range cmds {
			if !probe.IsRead(cmd.Args) {
				return true
			}
		}
		return false
	}
	if writes(cmds) {
		return true
	}
	for _, q := range confs {
		if writes(q.Commands) {
			return true
		}
	}
	return false
}

// OnlyWatching reports whether the running step is a wait that sends
// nothing but reads: stopping it changes nothing.
func (d *Driver) OnlyWatching() bool {
	step := steps.Lookup(d.jobID)
	return step != nil && step.Watches && !Writes(step, d.facts, d.cfg.Options)
}
