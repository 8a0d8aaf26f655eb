// Package steps is flyover's checklist: the migration as an ordered list
// of steps, the checks that decide where it stands (pure functions of the
// live topology), the guarded cutover, and the audit log every command
// goes through.
//
// The UI drives it like this: on every poll, Session.Observe(snapshot) and
// Plan(session.Facts(topo, snapshot), opts) to render the checklist; for
// the current step, show Step.Why, Step.Commands and each of
// Step.Confirmations; collect the answers; Runner.Start returns a Job
// whose Progress channel the UI reads from a tea.Cmd until it closes, then
// Job.Err says how it ended.
package steps

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"flyover/probe"
)

// StepID names a step.
type StepID string

const (
	StepPreflight    StepID = "preflight"
	StepAttach       StepID = "attach"
	StepFullSync     StepID = "full-sync"
	StepSteady       StepID = "steady-state"
	StepRegister     StepID = "sentinel-registers"
	StepCutover      StepID = "cutover"
	StepVerify       StepID = "verify"
	StepDecommission StepID = "decommission"
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
	Cutover      CutoverOptions
}

func (o Options) withDefaults() Options {
	if o.SteadyPolls <= 0 {
		o.SteadyPolls = 5
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 500 * time.Millisecond
	}
	if o.AttachTimeout <= 0 {
		o.AttachTimeout = 15 * time.Second
	}
	if o.SyncStallTimeout <= 0 {
		o.SyncStallTimeout = 2 * time.Minute
	}
	if o.SteadyTimeout <= 0 {
		o.SteadyTimeout = 2 * time.Minute
	}
	if o.RegisterTimeout <= 0 {
		o.RegisterTimeout = 45 * time.Second
	}
	if o.ResetTimeout <= 0 {
		o.ResetTimeout = 20 * time.Second
	}
	o.Cutover = o.Cutover.withDefaults()
	return o
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
		return isYes(answer)
	}
}

func isYes(answer string) bool {
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
	// ReadsBackWrites: once it succeeds, the application's acknowledged
	// writes are read back from the new primary.
	ReadsBackWrites bool

	deadline func(Facts, Options) time.Duration
	pre      func(Facts, Options) []Check
	post     func(Facts, Options) []Check
	done     func(Facts, Options) bool
	commands func(Facts, Options) []Command
	confirm  func(Facts, Options) []Confirmation
	run      func(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error
}

// Precondition checks, against f, what must hold before the step runs.
func (s *Step) Precondition(f Facts, o Options) []Check {
	if s.pre == nil {
		return nil
	}
	return s.pre(f, o.withDefaults())
}

// Verify checks the step's postcondition against f.
func (s *Step) Verify(f Facts, o Options) []Check {
	if s.post == nil {
		return nil
	}
	return s.post(f, o.withDefaults())
}

// Deadline bounds the wait for the step's postcondition once its action
// is done; zero when each command's own timeout is the only bound. The
// full sync has no deadline as such: its bound is on a sync that stops
// moving.
func (s *Step) Deadline(f Facts, o Options) time.Duration {
	if s.deadline == nil {
		return 0
	}
	return s.deadline(f, o.withDefaults())
}

// Done reports whether the step's postcondition holds in f.
func (s *Step) Done(f Facts, o Options) bool { return s.done(f, o.withDefaults()) }

// Commands are the exact commands the step will send, redacted. Steps that
// only wait send none.
func (s *Step) Commands(f Facts, o Options) []Command {
	if s.commands == nil {
		return nil
	}
	return s.commands(f, o.withDefaults())
}

// Confirmations are the questions to ask, in order, before the step runs;
// none for a step that only reads or waits.
func (s *Step) Confirmations(f Facts, o Options) []Confirmation {
	if s.confirm == nil {
		return nil
	}
	return s.confirm(f, o.withDefaults())
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

// Plan derives the checklist from the live topology (and what this session
// did for the steps the topology cannot show). It is a pure function:
// starting flyover in the middle of a migration lands on the right step.
func Plan(f Facts, o Options) Checklist {
	o = o.withDefaults()
	c := Checklist{Stage: StageOf(f)}
	for _, s := range Steps() {
		st := StepState{ID: s.ID, Title: s.Title}
		switch {
		case c.Current != "":
			st.Status, st.Reason = Pending, "after "+Lookup(c.Current).Title
		case s.done(f, o):
			st.Status, st.Reason = Done, doneReason(s.ID, f, o)
			if s.ID == StepPreflight {
				st.Checks = preflightOrSkip(f, o)
			}
		default:
			c.Current = s.ID
			st.Checks = s.Precondition(f, o)
			if b := FirstBlock(st.Checks); b != nil {
				st.Status, st.Reason = Blocked, b.Detail
				if b.Fix != "" {
					st.Reason += ": " + b.Fix
				}
			} else {
				st.Status, st.Reason = Current, currentReason(s.ID, f, o)
				// Nothing blocks: show what the step waits for.
				if post := s.Verify(f, o); len(post) > 0 {
					st.Checks = post
				}
			}
		}
		c.Steps = append(c.Steps, st)
	}
	switch c.Stage {
	case StagePromoting, StagePromoted:
		c.AbortWhy = "the failover has happened: there is no way back by replication (Redis cannot sync from Dragonfly)"
	default:
		c.CanAbort = true
	}
	return c
}

func preflightOrSkip(f Facts, o Options) []Check {
	switch StageOf(f) {
	case StagePromoting, StagePromoted:
		return nil
	}
	return Preflight(f, o)
}

// Steps is the migration, in order.
func Steps() []*Step { return append([]*Step(nil), allSteps...) }

// Lookup returns the step with id (StepAbort included), or nil.
func Lookup(id StepID) *Step {
	for _, s := range allSteps {
		if s.ID == id {
			return s
		}
	}
	if id == StepAbort {
		return abortStep
	}
	return nil
}

var allSteps []*Step

func init() {
	allSteps = []*Step{preflightStep, attachStep, fullSyncStep, steadyStep, registerStep,
		cutoverStep, verifyStep, decommissionStep, reportStep}
}

func afterCutover(f Facts) bool {
	st := StageOf(f)
	return st == StagePromoting || st == StagePromoted
}

func attached(f Facts) bool {
	st := StageOf(f)
	return st == StageSyncing || st == StageStreaming || afterCutover(f)
}

func doneReason(id StepID, f Facts, o Options) string {
	s := &f.Snapshot
	switch id {
	case StepPreflight:
		if afterCutover(f) {
			return "the cutover has happened"
		}
		return "no check blocks"
	case StepAttach:
		return "the target follows the source"
	case StepFullSync:
		return "the target streams from the source"
	case StepSteady:
		if afterCutover(f) {
			return "the cutover has happened"
		}
		return fmt.Sprintf("in sync for %d polls, key counts equal", f.InSyncPolls)
	case StepRegister:
		if afterCutover(f) {
			return "the cutover has happened"
		}
		return "every Sentinel lists the target and would promote it"
	case StepCutover:
		return fmt.Sprintf("%d of %d Sentinels name the target; the old primary is fenced", targetNaming(f), len(s.Sentinels))
	case StepVerify:
		return "every Sentinel names the target, a write through Sentinel landed on it"
	case StepDecommission:
		if f.LeftOldPrimary {
			return "the old Redis is left to the operator; the Sentinels were reset"
		}
		return "the old Redis is gone and no Sentinel lists it"
	case StepReport:
		return "written to " + f.Report
	}
	return ""
}

func currentReason(id StepID, f Facts, o Options) string {
	s := &f.Snapshot
	switch id {
	case StepPreflight:
		if f.Preflight == nil {
			return "read the settings preflight needs (reads only)"
		}
		return "run preflight again"
	case StepAttach:
		return "attach the target to the source"
	case StepFullSync:
		return fmt.Sprintf("full sync: %s", s.Link.Phase)
	case StepSteady:
		return fmt.Sprintf("in sync for %d of %d polls", f.InSyncPolls, o.SteadyPolls)
	case StepRegister:
		return "waiting for every Sentinel to list the target and rate it"
	case StepCutover:
		if afterCutover(f) {
			return "the failover has happened but the old primary is not fenced: fence it now"
		}
		return "ready for the guarded cutover"
	case StepVerify:
		return "check that clients reach the target through Sentinel"
	case StepDecommission:
		return "shut the old Redis down (or leave it to you) and reset the Sentinels"
	case StepReport:
		return "write the report"
	}
	return ""
}

// ---- Step 1: preflight ----

var preflightStep = &Step{
	Watches: true,
	Survey:  true,
	ID:      StepPreflight,
	Title:   "Preflight",
	Why: "Before anything changes, check every endpoint answers, the Sentinels agree on the source and can fail over, " +
		"the target is empty and big enough, and who Sentinel would promote. Preflight only reads: it reads configuration " +
		"the poll does not show (CONFIG GET on the source and the target, DBSIZE), what flyover's users may run on each endpoint " +
		"(ACL DRYRUN, which evaluates a command without running it), and whether the target's masterauth opens the source " +
		"(a PING on a new connection with it). A block stops the plan until it is fixed.",
	OnFailure: "Fix what the blocking lines say and run preflight again; nothing has changed.",
	pre:       func(f Facts, o Options) []Check { return Preflight(f, o) },
	post:      func(f Facts, o Options) []Check { return Preflight(f, o) },
	done: func(f Facts, o Options) bool {
		if afterCutover(f) {
			return true
		}
		// Before the attach, the settings preflight reads are needed to
		// judge it; once the target follows the source, what they were
		// for is past, and a restarted flyover must not stop here.
		return (f.Preflight != nil || attached(f)) && !AnyBlock(Preflight(f, o))
	},
	commands: func(f Facts, o Options) []Command {
		var cs []Command
		for _, p := range probe.PreflightSourceParams {
			cs = append(cs, Command{Endpoint: "source", Addr: f.Topo.Source, Args: []string{"CONFIG", "GET", p}})
		}
		for _, p := range probe.PreflightTargetParams {
			cs = append(cs, Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"CONFIG", "GET", p}})
		}
		cs = append(cs, Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"DBSIZE"}})
		return append(cs, accessCommands(f)...)
	},
	run: runPreflight,
}

// ---- Step 2: attach ----

var attachStep = &Step{
	ID:    StepAttach,
	Title: "Attach the target",
	Why: "REPLICAOF makes the target a replica of the source: it wipes the target and starts a full sync. " +
		"It uses the source's address exactly as the Sentinels know it: a target pointed at another name for the " +
		"same server is \"fixed\" by Sentinel after failover-timeout, with a second full sync.",
	OnFailure: "Nothing else changed. If the target does not follow the source, read its log (masterauth? " +
		"can it reach the source's address?). The abort path detaches it.",
	deadline: func(f Facts, o Options) time.Duration { return o.AttachTimeout },
	pre:      attachPre,
	post: func(f Facts, o Options) []Check {
		if attached(f) {
			return []Check{pass("attached", "the target follows the source", string(f.Snapshot.Link.Phase))}
		}
		return []Check{warn("attached", "the target follows the source", "not yet: "+string(f.Snapshot.Link.Phase))}
	},
	done:     func(f Facts, o Options) bool { return attached(f) },
	commands: func(f Facts, o Options) []Command { return attachCommands(f) },
	confirm: func(f Facts, o Options) []Confirmation {
		prompt := "Attach the target as a replica of the source?"
		if n := targetKeys(f); n > 0 {
			prompt = fmt.Sprintf("Attach the target as a replica of the source? This wipes its %d keys.", n)
		}
		return []Confirmation{{ID: "attach", Kind: ConfirmYesNo, Prompt: prompt, Commands: attachCommands(f)}}
	},
	run: runAttach,
}

func attachPre(f Facts, o Options) []Check {
	var cs []Check
	if b := FirstBlock(Preflight(f, o)); b != nil {
		cs = append(cs, *b)
	}
	if SourceAsSentinelKnowsIt(f) == "" {
		cs = append(cs, block("attach-address", "the source's address as Sentinel knows it",
			"the Sentinels do not agree on the source's address", "see preflight"))
	}
	if st := StageOf(f); st != StageDetached {
		cs = append(cs, block("attach-stage", "the target is detached", "the target is "+string(st), "the plan has moved on: poll again"))
	}
	return cs
}

func attachCommands(f Facts) []Command {
	addr := SourceAsSentinelKnowsIt(f)
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	return []Command{{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"REPLICAOF", h, p}}}
}

// ---- Step 3: full sync ----

var fullSyncStep = &Step{
	Watches: true,
	ID:      StepFullSync,
	Title:   "Full sync",
	Why: "The source forks, streams a snapshot to the target, and the target loads it; then the link streams every write. " +
		"Nothing to do but watch: the wait has no fixed deadline, since it takes what the data takes, but it gives up " +
		"when nothing moves for two minutes. Dragonfly says the link is up before it is synced; flyover waits for the real thing.",
	OnFailure: "Read the target's and the source's logs (memory? output buffer limits? the link dropping?). " +
		"The target stays attached; the abort path detaches it.",
	pre: func(f Facts, o Options) []Check {
		if !attached(f) {
			return []Check{block("sync-attached", "the target follows the source", "it does not", "run the attach step")}
		}
		return nil
	},
	post: func(f Facts, o Options) []Check {
		if f.Snapshot.Link.Phase == probe.PhaseOnline {
			return []Check{pass("sync-online", "the target streams", "online")}
		}
		return []Check{warn("sync-online", "the target streams", string(f.Snapshot.Link.Phase))}
	},
	done: func(f Facts, o Options) bool {
		st := StageOf(f)
		return st == StageStreaming || afterCutover(f)
	},
	deadline: func(f Facts, o Options) time.Duration { return o.SyncStallTimeout },
	run:      runFullSync,
}

// ---- Step 4: steady state ----

var steadyStep = &Step{
	Watches: true,
	ID:      StepSteady,
	Title:   "Steady state",
	Why: "Before the cutover the target must keep up: in sync for several consecutive polls, and the same number of keys " +
		"without a TTL in every database (keys with a TTL expire on the source's clock, so their counts may differ for a moment).",
	OnFailure: "If the lag does not settle, the target or the network cannot keep up with the write rate: look at the target's " +
		"CPU and the link before going on.",
	deadline: func(f Facts, o Options) time.Duration { return o.SteadyTimeout },
	pre: func(f Facts, o Options) []Check {
		if StageOf(f) != StageStreaming {
			return []Check{block("steady-streaming", "the target streams", "it is "+string(f.Snapshot.Link.Phase), "wait for the full sync")}
		}
		return nil
	},
	post: steadyChecks,
	done: func(f Facts, o Options) bool {
		return afterCutover(f) || StageOf(f) == StageStreaming && !anyNotPass(steadyChecks(f, o))
	},
	run: runSteady,
}

func steadyChecks(f Facts, o Options) []Check {
	l := &f.Snapshot.Link
	var cs []Check
	lag := fmt.Sprintf("lag %d bytes", l.LagBytes)
	if f.InSyncPolls >= o.SteadyPolls && l.InSync {
		cs = append(cs, pass("steady-polls", "in sync for consecutive polls", fmt.Sprintf("%d polls; %s", f.InSyncPolls, lag)))
	} else {
		cs = append(cs, warn("steady-polls", "in sync for consecutive polls", fmt.Sprintf("%d of %d; %s", f.InSyncPolls, o.SteadyPolls, lag)))
	}
	if f.KeysMatched {
		cs = append(cs, pass("steady-keys", "keys minus expires equal in every database", ""))
	} else {
		d := f.KeysDiff
		if d == "" {
			d = "not compared yet"
		}
		cs = append(cs, warn("steady-keys", "keys minus expires equal in every database", d))
	}
	return cs
}

func anyNotPass(cs []Check) bool {
	for _, c := range cs {
		if c.Level != Pass {
			return true
		}
	}
	return false
}

// ---- Step 5: Sentinel registers the target ----

var registerStep = &Step{
	Watches:        true,
	FixWhenBlocked: true,
	ID:             StepRegister,
	Title:          "Sentinel registers the target",
	Why: "Sentinel discovers a new replica from the source's INFO, which it reads every 10 s, then rates it. The cutover asks " +
		"Sentinel to fail over, and Sentinel promotes the replica it likes best: lowest priority number, then highest offset, " +
		"then lowest run id. Every Sentinel must list the target as healthy, with priority above 0, and pick it over any other replica.",
	OnFailure: "If a Sentinel never lists the target, it cannot reach the address the source lists it by (see preflight's target " +
		"address line). If another replica wins, apply the priority fix shown.",
	deadline: func(f Facts, o Options) time.Duration { return o.RegisterTimeout },
	pre: func(f Facts, o Options) []Check {
		if StageOf(f) != StageStreaming {
			return []Check{block("register-streaming", "the target streams", "it is "+string(f.Snapshot.Link.Phase), "wait for the full sync")}
		}
		return registrationChecks(f)
	},
	post: func(f Facts, o Options) []Check { return registrationChecks(f) },
	done: func(f Facts, o Options) bool {
		return afterCutover(f) || StageOf(f) == StageStreaming && !anyNotPass(registrationChecks(f))
	},
	commands: func(f Facts, o Options) []Command { return priorityFix(f) },
	confirm: func(f Facts, o Options) []Confirmation {
		fix := priorityFix(f)
		if len(fix) == 0 {
			return nil
		}
		return []Confirmation{{ID: "fix-priorities", Kind: ConfirmYesNo, Commands: fix,
			Prompt: "Another replica would be promoted instead of the target. Raise the other replicas' priority numbers so Sentinel picks the target?"}}
	},
	run: runRegister,
}

// registrationChecks says, per Sentinel, whether it lists the target,
// healthy, with priority above 0, and would promote it. A Sentinel that
// has not listed it yet is a wait (warn); another replica winning, or
// priority 0, is a block with the fix.
func registrationChecks(f Facts) []Check {
	var cs []Check
	fix := priorityFix(f)
	for i, v := range f.Snapshot.Sentinels {
		id, title := endpointLabel(i)+"-registers", endpointLabel(i)+" lists the target and would promote it"
		if !v.Reachable || !v.Monitors {
			cs = append(cs, block(id, title, v.Error, "every Sentinel must answer: see preflight"))
			continue
		}
		r := targetEntry(f, i)
		switch {
		case r == nil:
			if detail, ok := listingProblem(f); ok {
				cs = append(cs, block(id, title, detail, listingFix))
				continue
			}
			cs = append(cs, warn(id, title, "not listed yet (Sentinel reads the source's INFO every 10 s)"))
		case r.Down():
			cs = append(cs, warn(id, title, "listed, flagged "+strings.Join(r.Flags, ",")+": Sentinel cannot reach it at "+r.Addr()))
		case r.Priority == 0:
			c := block(id, title, "the target's replica priority is 0: Sentinel never promotes it",
				"set a priority above 0 on the target (CONFIG SET replica-priority 100; Dragonfly v1.21+ or --replica_priority)")
			c.FixCommands = []Command{{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"CONFIG", "SET", "replica-priority", "100"}}}
			cs = append(cs, c)
		case v.WouldPromoteTarget:
			cs = append(cs, pass(id, title, fmt.Sprintf("listed as %s, priority %d, offset %d", r.Addr(), r.Priority, r.Offset)))
		case v.WouldPromote != "" && len(fix) > 0:
			c := block(id, title, fmt.Sprintf("it would promote %s instead (priority, then offset, then run id)", v.WouldPromote),
				"raise the other replicas' priority numbers above the target's")
			c.FixCommands = fix
			cs = append(cs, c)
		default:
			_, skipped := v.PromotionCandidate()
			why := skipped[r.Addr()]
			if why == "" {
				why = "not rated yet"
			}
			cs = append(cs, warn(id, title, "listed, not eligible yet: "+why))
		}
	}
	return cs
}

func targetEntry(f Facts, i int) *probe.SentinelReplica {
	v := &f.Snapshot.Sentinels[i]
	for j := range v.Replicas {
		if f.Topo.IsTarget(v.Replicas[j].Addr()) {
			return &v.Replicas[j]
		}
	}
	return nil
}

// priorityFix returns the commands that make every Sentinel prefer the
// target: each other eligible replica whose priority number is not above
// the target's gets the target's plus one. Empty when no Sentinel prefers
// another replica.
func priorityFix(f Facts) []Command {
	need := false
	for _, v := range f.Snapshot.Sentinels {
		if v.Reachable && v.Monitors && v.KnowsTarget && !v.WouldPromoteTarget && v.WouldPromote != "" {
			need = true
		}
	}
	if !need {
		return nil
	}
	tp := 0
	for i := range f.Snapshot.Sentinels {
		if r := targetEntry(f, i); r != nil {
			tp = r.Priority
			break
		}
	}
	if tp <= 0 {
		return nil
	}
	seen := map[string]bool{}
	var cs []Command
	for _, v := range f.Snapshot.Sentinels {
		for _, r := range v.Replicas {
			if f.Topo.IsTarget(r.Addr()) || seen[r.Addr()] || r.Priority == 0 || r.Priority > tp {
				continue
			}
			seen[r.Addr()] = true
			cs = append(cs, Command{Endpoint: "replica", Addr: r.Addr(),
				Args: []string{"CONFIG", "SET", "replica-priority", strconv.Itoa(tp + 1)},
				Note: fmt.Sprintf("priority %d now; the target's is %d, and the lower number wins", r.Priority, tp)})
		}
	}
	return cs
}

// ---- Step 6: the guarded cutover ----

var cutoverStep = &Step{
	PointOfNoReturn: true,
	ID:              StepCutover,
	Title:           "Cutover",
	Why: "The documented SENTINEL FAILOVER loses every write the old primary acknowledges before clients learn of the switch. " +
		"The guarded cutover pauses writes on the source (with a hard expiry, so the pause lifts itself even if flyover dies), " +
		"waits until the target has every byte, asks Sentinel to fail over, waits until a majority of Sentinels name the target " +
		"and it reports master, fences the old primary (it becomes a replica of the target and its clients are disconnected so " +
		"they ask Sentinel again), and unpauses. Writes stall for about a second and none is lost.",
	OnFailure: "Before SENTINEL FAILOVER every failure unpauses and leaves the topology as it was: read the message, fix, retry. " +
		"After it, there is no way back by replication (Redis cannot sync from Dragonfly): finish the fence, then verify.",
	deadline: func(f Facts, o Options) time.Duration { return o.Cutover.Pause() },
	pre:      cutoverPre,
	post:     cutoverPost,
	done:     func(f Facts, o Options) bool { return !anyNotPass(cutoverPost(f, o)) },
	commands: func(f Facts, o Options) []Command { return cutoverCommands(f, o) },
	confirm: func(f Facts, o Options) []Confirmation {
		if afterCutover(f) {
			return []Confirmation{{ID: "fence", Kind: ConfirmYesNo, Commands: cutoverCommands(f, o),
				Prompt: "The failover has happened and the old primary still takes writes. Fence it now?"}}
		}
		return []Confirmation{{ID: "cutover", Kind: ConfirmTypeName, Expect: f.Topo.MasterName, Commands: cutoverCommands(f, o),
			Warning: "SENTINEL FAILOVER is the point of no return. Until it is sent, any failure unpauses and changes nothing. " +
				"After it, the target is the primary and there is no way back by replication: Redis replicas cannot sync from Dragonfly." +
				cutoverAckWarning(f),
			Prompt: fmt.Sprintf("Type the master name (%s) to run the cutover:", f.Topo.MasterName)}}
	},
	run: runCutover,
}

func cutoverPre(f Facts, o Options) []Check {
	if afterCutover(f) {
		if targetNaming(f) == 0 && !f.Snapshot.Target.Reachable {
			return []Check{block("fence-target", "the target answers", f.Snapshot.Target.Error, "the failover is under way: bring the target back")}
		}
		return nil
	}
	var cs []Check
	if b := FirstBlock(Preflight(f, o)); b != nil {
		cs = append(cs, *b)
	}
	if StageOf(f) != StageStreaming {
		cs = append(cs, block("cutover-streaming", "the target streams", "the target is "+string(StageOf(f)), "complete the steps before"))
		return cs
	}
	if !f.Snapshot.Link.InSync {
		cs = append(cs, block("cutover-in-sync", "the target is in sync now", fmt.Sprintf("lag %d bytes", f.Snapshot.Link.LagBytes), "wait for the steady state"))
	}
	for _, c := range registrationChecks(f) {
		if c.Level != Pass {
			c.Level = Block
			if c.Fix == "" {
				c.Fix = "wait for step 5"
			}
			cs = append(cs, c)
		}
	}
	if !f.Snapshot.Source.Reachable {
		cs = append(cs, block("cutover-source", "the source is the primary", f.Snapshot.Source.Error,
			fmt.Sprintf("bring the source back; if it stays down, the Sentinels fail over on their own after down-after-milliseconds (%s) "+
				"and promote the best replica: then the plan moves on to verify", downAfter(f))))
	} else if f.Snapshot.Source.Role != probe.RolePrimary {
		cs = append(cs, block("cutover-source", "the source is the primary", "the source is "+string(f.Snapshot.Source.Role), "see preflight"))
	}
	if anyFailoverInProgress(f) {
		cs = append(cs, block("cutover-no-failover", "no failover is running", "a Sentinel reports a failover in progress",
			"wait for it to end (+failover-end or -failover-abort-*), then review the plan"))
	}
	return cs
}

func cutoverPost(f Facts, o Options) []Check {
	var cs []Check
	n, m := targetNaming(f), len(f.Snapshot.Sentinels)
	if StageOf(f) == StagePromoted {
		cs = append(cs, pass("cutover-majority", "a majority of Sentinels name the target", fmt.Sprintf("%d of %d", n, m)))
	} else {
		cs = append(cs, warn("cutover-majority", "a majority of Sentinels name the target", fmt.Sprintf("%d of %d", n, m)))
	}
	if f.Snapshot.Target.Reachable && f.Snapshot.Target.Role == probe.RolePrimary {
		cs = append(cs, pass("cutover-target-master", "the target reports role master", ""))
	} else {
		cs = append(cs, warn("cutover-target-master", "the target reports role master", "role "+string(f.Snapshot.Target.Role)))
	}
	if oldPrimaryFenced(f) {
		cs = append(cs, pass("cutover-fenced", "the old primary is fenced", fenceDetail(f)))
	} else {
		cs = append(cs, warn("cutover-fenced", "the old primary is fenced", "it reports role master and takes writes"))
	}
	return cs
}

func fenceDetail(f Facts) string {
	if !f.Snapshot.Source.Reachable {
		return "it does not answer"
	}
	return fmt.Sprintf("it is a replica of %s:%d", f.Snapshot.Source.MasterHost, f.Snapshot.Source.MasterPort)
}

// ---- Step 7: verify ----

var verifyStep = &Step{
	ReadsBackWrites: true,
	ID:              StepVerify,
	Title:           "Verify",
	Why: "Clients reach the primary through Sentinel, so check what they will see: every Sentinel names the target, the target " +
		"is master and takes a write sent to the address Sentinel gives, and Sentinel has finished the failover (+switch-master). " +
		"With other replicas, Sentinel finishes only at failover-timeout, since they never sync from Dragonfly: flyover counts down.",
	OnFailure: "If a Sentinel still names the old primary, check it can reach the others (SENTINEL CKQUORUM); if the write fails, " +
		"read the error: the target must accept writes as a primary.",
	deadline: func(f Facts, o Options) time.Duration { return failoverTimeout(f) + 10*time.Second },
	pre:      verifyPre,
	post:     verifyChecks,
	done:     func(f Facts, o Options) bool { return !anyNotPass(verifyChecks(f, o)) },
	commands: func(f Facts, o Options) []Command { return verifyCommands(f) },
	confirm: func(f Facts, o Options) []Confirmation {
		return []Confirmation{{ID: "verify", Kind: ConfirmYesNo, Commands: verifyCommands(f),
			Prompt: "Write one test key (60 s TTL) to the primary Sentinel names?"}}
	},
	run: runVerify,
}

func verifyPre(f Facts, o Options) []Check {
	if StageOf(f) != StagePromoted {
		return []Check{block("verify-promoted", "a majority of Sentinels name the target", string(StageOf(f)), "run the cutover")}
	}
	if !oldPrimaryFenced(f) {
		return []Check{block("verify-fenced", "the old primary is fenced", "it still takes writes", "fence it (cutover step)")}
	}
	return nil
}

func verifyChecks(f Facts, o Options) []Check {
	s := &f.Snapshot
	var cs []Check
	n, m := targetNaming(f), len(s.Sentinels)
	if n == m {
		cs = append(cs, pass("verify-all-sentinels", "every Sentinel names the target", fmt.Sprintf("%d of %d", n, m)))
	} else {
		cs = append(cs, warn("verify-all-sentinels", "every Sentinel names the target", fmt.Sprintf("%d of %d", n, m)))
	}
	if s.Target.Reachable && s.Target.Role == probe.RolePrimary {
		cs = append(cs, pass("verify-target-master", "the target is master", ""))
	} else {
		cs = append(cs, warn("verify-target-master", "the target is master", "role "+string(s.Target.Role)+" "+s.Target.Error))
	}
	switch {
	case f.SwitchMaster != nil:
		cs = append(cs, pass("verify-switch", "+switch-master", "seen from "+f.SwitchMaster.Sentinel+" at "+f.SwitchMaster.Time.Format(time.TimeOnly)))
	case n == m && !anyFailoverInProgress(f):
		cs = append(cs, pass("verify-switch", "+switch-master", "every Sentinel has switched (no failover in progress)"))
	default:
		detail := "Sentinel is still finishing the failover"
		if others := OtherReplicas(f); len(others) > 0 {
			detail += fmt.Sprintf(": other replicas (%s) cannot sync from Dragonfly, so it waits for failover-timeout (%s)", strings.Join(others, ", "), failoverTimeout(f))
		}
		cs = append(cs, warn("verify-switch", "+switch-master", detail))
	}
	if f.VerifiedWrite.IsZero() {
		cs = append(cs, warn("verify-write", "a write through Sentinel lands on the target", "not tried yet in this session"))
	} else {
		cs = append(cs, pass("verify-write", "a write through Sentinel lands on the target", "at "+f.VerifiedWrite.Format(time.TimeOnly)))
	}
	return cs
}

// verifyKey is the test key the verify step writes; it is derived from
// the facts so that the command shown is the command sent.
func verifyKey(f Facts) string {
	return "flyover:verify:" + strconv.FormatInt(f.Snapshot.At.UnixMilli(), 10)
}

func verifyCommands(f Facts) []Command {
	key := verifyKey(f)
	cs := []Command{{Endpoint: "sentinel-1", Addr: sentinelAddr(f, 0), Args: []string{"SENTINEL", "GET-MASTER-ADDR-BY-NAME", f.Topo.MasterName},
		Note: "or the next Sentinel that answers; the address must be the target's"}}
	cs = append(cs,
		Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"SET", key, key, "PX", "60000"}},
		Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"GET", key}})
	return cs
}

func sentinelAddr(f Facts, i int) string {
	if i < len(f.Snapshot.Sentinels) {
		return f.Snapshot.Sentinels[i].Addr
	}
	return ""
}

// ---- Step 8: decommission ----

var decommissionStep = &Step{
	ID:    StepDecommission,
	Title: "Decommission the old Redis",
	Why: "Sentinel keeps the old primary as a replica of the new one, and with Dragonfly as primary it never syncs. Shut it down " +
		"(or leave that to you), then SENTINEL RESET on each Sentinel, one at a time, so they forget it and every stale replica.",
	OnFailure: "If a Sentinel does not find the others again after its reset, check its network and the others' announce addresses; " +
		"reset the next one only once it has.",
	deadline: func(f Facts, o Options) time.Duration {
		return 15*time.Second + time.Duration(len(f.Snapshot.Sentinels))*o.ResetTimeout
	},
	pre:  decommissionPre,
	post: decommissionChecks,
	done: func(f Facts, o Options) bool {
		return StageOf(f) == StagePromoted && !anyNotPass(decommissionChecks(f, o))
	},
	commands: func(f Facts, o Options) []Command {
		return append(shutdownCommands(f), resetCommands(f)...)
	},
	confirm: func(f Facts, o Options) []Confirmation {
		var cs []Confirmation
		if f.Snapshot.Source.Reachable {
			cs = append(cs, Confirmation{ID: "shutdown", Kind: ConfirmYesNo, Optional: true, Commands: shutdownCommands(f),
				Prompt: "Shut the old Redis at " + f.Topo.Source + " down now? (n leaves it running for you to stop)"})
		}
		cs = append(cs, Confirmation{ID: "reset", Kind: ConfirmYesNo, Commands: resetCommands(f),
			Prompt: fmt.Sprintf("Reset the %d Sentinels one at a time so they forget the old primary?", len(f.Snapshot.Sentinels))})
		return cs
	},
	run: runDecommission,
}

func decommissionPre(f Facts, o Options) []Check {
	if StageOf(f) != StagePromoted {
		return []Check{block("decommission-promoted", "the cutover is done", string(StageOf(f)), "run the cutover")}
	}
	return nil
}

func decommissionChecks(f Facts, o Options) []Check {
	var cs []Check
	s := &f.Snapshot
	switch {
	case !s.Source.Reachable:
		cs = append(cs, pass("decommission-old", "the old Redis is stopped", "it does not answer"))
	case f.LeftOldPrimary:
		cs = append(cs, pass("decommission-old", "the old Redis is stopped", "left running for the operator to stop"))
	default:
		cs = append(cs, warn("decommission-old", "the old Redis is stopped", "it still runs, as "+string(s.Source.Role)))
	}
	var listing []string
	for i, v := range s.Sentinels {
		for _, r := range v.Replicas {
			if isSource(f, r.Addr()) {
				listing = append(listing, endpointLabel(i))
				break
			}
		}
	}
	switch {
	case len(listing) == 0:
		cs = append(cs, pass("decommission-forgotten", "no Sentinel lists the old Redis", ""))
	case f.LeftOldPrimary && f.Decommissioned:
		cs = append(cs, pass("decommission-forgotten", "no Sentinel lists the old Redis", "reset done; "+strings.Join(listing, ", ")+" found it again, since it still runs"))
	default:
		cs = append(cs, warn("decommission-forgotten", "no Sentinel lists the old Redis", strings.Join(listing, ", ")+" still list it"))
	}
	return cs
}

func shutdownCommands(f Facts) []Command {
	return []Command{{Endpoint: "source", Addr: f.Topo.Source, Args: []string{"SHUTDOWN"}}}
}

func resetCommands(f Facts) []Command {
	var cs []Command
	for i, v := range f.Snapshot.Sentinels {
		cs = append(cs, Command{Endpoint: endpointLabel(i), Addr: v.Addr, Args: []string{"SENTINEL", "RESET", f.Topo.MasterName},
			Note: "then wait until it knows the other Sentinels again"})
	}
	return cs
}

// ---- Step 9: report ----

var reportStep = &Step{
	Watches:         true,
	WritesFiles:     true,
	ReadsBackWrites: true,
	ID:              StepReport,
	Title:           "Report",
	Why: "A Markdown record of what happened, written next to the audit log: the timeline, every command that changed something, " +
		"the measured write stall, and key counts before and after.",
	OnFailure: "The audit log holds everything the report would; write it elsewhere or read the log.",
	done:      func(f Facts, o Options) bool { return f.Report != "" },
	run:       runReport,
}

// ---- Abort ----

var abortStep = &Step{
	ID:    StepAbort,
	Title: "Abort",
	Why: "Before the cutover everything can go back to how it was: lift a pause left on the source, and optionally detach the " +
		"target (REPLICAOF NO ONE) and reset the Sentinels one at a time so they forget it. The target keeps the data it copied.",
	OnFailure: "Read which command failed; each can be sent again.",
	pre:       abortPre,
	commands:  func(f Facts, o Options) []Command { return abortCommands(f, true) },
	confirm: func(f Facts, o Options) []Confirmation {
		cs := []Confirmation{{ID: "abort", Kind: ConfirmYesNo, Commands: abortCommands(f, false),
			Prompt: "Abort: lift any pause on the source?"}}
		if attached(f) {
			cs = append(cs, Confirmation{ID: "detach", Kind: ConfirmYesNo, Optional: true,
				Commands: abortCommands(f, true)[1:],
				Prompt:   "Also detach the target and reset the Sentinels so they forget it? (n leaves it replicating)"})
		}
		return cs
	},
	run: runAbort,
}

func abortPre(f Facts, o Options) []Check {
	if afterCutover(f) {
		return []Check{block("abort-before-cutover", "the failover has not happened",
			"the Sentinels name the target", "there is no way back by replication: finish the cutover")}
	}
	return nil
}

func abortCommands(f Facts, detach bool) []Command {
	cs := []Command{{Endpoint: "source", Addr: f.Topo.Source, Args: []string{"CLIENT", "UNPAUSE"}}}
	if detach {
		cs = append(cs, Command{Endpoint: "target", Addr: f.Topo.Target, Args: []string{"REPLICAOF", "NO", "ONE"}})
		cs = append(cs, resetCommands(f)...)
	}
	return cs
}
