package commands

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"flyover/driver"
	"flyover/fleet"
	"flyover/probe"
	"flyover/probe/canary"
	"flyover/steps"
)

const migrateUsage = `flyover migrate --source HOST:PORT --target HOST:PORT --sentinel HOST:PORT[,...] --master NAME
                [--until STEP] [--confirm-master NAME] [--shutdown-old-redis] [--new-replica HOST:PORT]
                [--abort [--detach-on-abort] [--restore-priorities]]
                [--allow-nonempty-target] [--canary] [--json] [--blocked-for 10s]
                [--audit-log FILE] [--log FILE] [--tick 500ms]
       flyover migrate --sentinel HOST:PORT[,...] --targets FILE [--max-syncs 1] [--confirm-masters A,B]
                [--until STEP] ... (a fleet)

The guided checklist without a terminal: the same plan, steps, rechecks,
commands, audit log and report as the dashboard, answered by flags instead
of keys. It runs the steps in order up to --until (default: the last step
before the cutover) and sends nothing the flags did not ask for:
  --confirm-master NAME  the cutover (and its fence) runs only with the master
                         name typed exactly, as in the guided mode
  --shutdown-old-redis   the decommission's "shut the old Redis down?" (else n)
  --abort                the way back instead of the plan (before the cutover);
                         --detach-on-abort and --restore-priorities answer its
                         two optional questions (else n)
It stops where the guided mode stops: a check that blocks (for --blocked-for),
a step whose recheck finds the topology moved, a step that fails. SIGTERM or
Ctrl-C stops the running step as esc does: before SENTINEL FAILOVER the
cutover unpauses and changes nothing; after it, the fence and unpause finish.
A run started again continues from the live topology, never from saved state.

With --targets FILE instead of --source/--target/--master: every master of
the file (as flyover fleet reads it), at most --max-syncs full syncs at once,
cutovers one at a time, each only for a master named in --confirm-masters.

Steps: preflight, attach, full-sync, steady-state, sentinel-registers,
only-target-promotable, cutover, verify, decommission, restore-ha, report.

A line per event on stderr; with --json also one JSON object per event on
stdout (schema in the README).

Exit status: 0 done up to --until; 1 blocked or failed (nothing past the last
step done was changed); 2 bad usage; 3 interrupted after the point of no
return, with the fence finished (the report and the plan say what remains).
`

// Exit statuses of flyover migrate.
const (
	migrateDone         = 0
	migrateStopped      = 1
	migrateUsageError   = 2
	migratePastNoReturn = 3
)

// migrateFlags are what the flags answer for a person at the checklist.
type migrateFlags struct {
	raiseBuffer       bool
	until             string
	confirmMaster     string
	shutdownOld       bool
	abort             bool
	detachOnAbort     bool
	restorePriorities bool
	asJSON            bool
	allowNonempty     bool
	canary            bool
	newReplicas       addrList
	blockedFor        time.Duration
	// A fleet: every master the Sentinels monitor with a line in targets.
	targets        string
	confirmMasters string
	maxSyncs       int
}

// defaultUntil is where a run stops unless told otherwise: the last step
// before the cutover.
var defaultUntil = steps.StepPriority

func (m *migrateFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.until, "until", string(defaultUntil), "the last step to run (the steps are listed in the usage); past the cutover it needs --confirm-master")
	fs.StringVar(&m.confirmMaster, "confirm-master", "", "the master name, typed exactly: the only yes to the cutover and its fence")
	fs.BoolVar(&m.shutdownOld, "shutdown-old-redis", false, "answer y to the decommission's questions to shut the old Redis servers down (else n: they are left running)")
	fs.BoolVar(&m.abort, "abort", false, "go back instead: lift any pause on the source (before the cutover only)")
	fs.BoolVar(&m.detachOnAbort, "detach-on-abort", false, "with --abort: also detach the target and reset the Sentinels so they forget it")
	fs.BoolVar(&m.restorePriorities, "restore-priorities", false, "with --abort: also put back the replica priorities step 6 set to 0")
	fs.BoolVar(&m.asJSON, "json", false, "also print one JSON object per event on stdout (schema in the README)")
	fs.BoolVar(&m.raiseBuffer, "raise-output-buffer", false, "answer y to the attach step's offer to raise the source's client-output-buffer-limit replica to the computed value (the old value goes to the audit log and the report), and with --abort to putting it back")
	fs.BoolVar(&m.allowNonempty, "allow-nonempty-target", false, "let REPLICAOF wipe a target that holds keys")
	fs.BoolVar(&m.canary, "canary", false, fmt.Sprintf("write canary keys through Sentinel (%d/s) and read them back after the cutover", canary.DefaultCanaryRate))
	fs.Var(&m.newReplicas, "new-replica", "a Dragonfly instance (host:port) to attach to the new primary after the cutover (repeatable; each one is a yes)")
	fs.StringVar(&m.targets, "targets", "", "a fleet: file of `master-name host:port` lines; every master in it is migrated in turn (no --source/--target/--master)")
	fs.StringVar(&m.confirmMasters, "confirm-masters", "", "with --targets: the masters whose cutover may run, comma-separated, each name typed exactly")
	fs.IntVar(&m.maxSyncs, "max-syncs", 1, "with --targets: attaches (full syncs) that may run at once; cutovers run one at a time")
	fs.DurationVar(&m.blockedFor, "blocked-for", 10*time.Second, "how long a blocking check may last (a lag that catches up) before the run stops with exit 1")
}

// check validates the flags against the master name and returns the step
// to stop after. Errors name the flag and the fix.
func (m *migrateFlags) check(master string) (steps.StepID, error) {
	var problems []string
	until := steps.StepID(m.until)
	switch {
	case m.abort:
		until = steps.StepAbort
		if m.until != string(defaultUntil) || m.confirmMaster != "" || m.shutdownOld {
			problems = append(problems, "--abort goes back: it takes no --until, --confirm-master or --shutdown-old-redis")
		}
	case driver.Index(until) < 0:
		var names []string
		for _, s := range steps.Steps() {
			names = append(names, string(s.ID))
		}
		problems = append(problems, fmt.Sprintf("--until %q is not a step: one of %s", m.until, strings.Join(names, ", ")))
	default:
		if m.detachOnAbort || m.restorePriorities {
			problems = append(problems, "--detach-on-abort and --restore-priorities answer the abort's questions: add --abort")
		}
		if driver.Index(until) >= driver.Index(steps.StepCutover) && m.confirmMaster == "" {
			problems = append(problems, fmt.Sprintf("--until %s runs the cutover, the point of no return: add --confirm-master with the master name", until))
		}
		if m.confirmMaster != "" && driver.Index(until) < driver.Index(steps.StepCutover) {
			problems = append(problems, fmt.Sprintf("--confirm-master confirms the cutover, and --until %s stops before it: add --until cutover (or a later step)", until))
		}
		if m.shutdownOld && driver.Index(until) < driver.Index(steps.StepDecommission) {
			problems = append(problems, fmt.Sprintf("--shutdown-old-redis answers the decommission, and --until %s stops before it: add --until decommission (or later)", until))
		}
	}
	if m.targets == "" && (m.confirmMasters != "" || m.maxSyncs != 1) {
		problems = append(problems, "--confirm-masters and --max-syncs are for a fleet: add --targets FILE")
	}
	if m.confirmMaster != "" && m.confirmMaster != master {
		problems = append(problems, fmt.Sprintf("--confirm-master %q is not the master name %q: type it exactly", m.confirmMaster, master))
	}
	if m.blockedFor < 0 {
		problems = append(problems, "--blocked-for must not be negative")
	}
	if len(problems) > 0 {
		return "", errors.New(strings.Join(problems, "\n"))
	}
	return until, nil
}

// answer is the flags' answer to one of a step's questions: the typed
// name for the cutover, each optional question by its own flag (n without
// it), and y to the questions a step within --until cannot run without.
func (m *migrateFlags) answer(c steps.Confirmation) string {
	yn := func(b bool) string {
		if b {
			return "y"
		}
		return "n"
	}
	switch {
	case c.Kind == steps.ConfirmTypeName:
		return m.confirmMaster
	case c.ID == "fence":
		return yn(m.confirmMaster != "")
	case c.ID == "detach":
		return yn(m.detachOnAbort)
	case c.ID == "raise-buffer", c.ID == "restore-buffer":
		return yn(m.raiseBuffer)
	case c.ID == "restore-priorities":
		return yn(m.restorePriorities)
	case c.ID == "shutdown" || strings.HasPrefix(c.ID, "shutdown "):
		return yn(m.shutdownOld)
	case c.Optional:
		return "n"
	}
	return "y" // --until asked for the step
}

func cmdMigrate(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signalContext()
	defer stop()
	return runMigrate(ctx, args, stdout, stderr)
}

// runMigrate is flyover migrate until ctx ends (SIGTERM, Ctrl-C; a test's
// cancel).
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, c, sf := session("migrate", migrateUsage, stderr)
	var mf migrateFlags
	mf.register(fs)
	if err := fs.Parse(args); err != nil {
		return migrateUsageError
	}
	cmd := command{name: "flyover migrate", stderr: stderr}
	if fs.NArg() > 0 {
		return cmd.fail(migrateUsageError, fmt.Errorf("unexpected arguments %q", fs.Args()))
	}
	if sf.tick <= 0 {
		return cmd.fail(migrateUsageError, errors.New("--tick must be positive"))
	}
	if mf.targets != "" {
		return runMigrateFleet(ctx, cmd, c, sf, &mf, stdout)
	}
	until, err := mf.check(c.master)
	if err != nil {
		return cmd.fail(migrateUsageError, err)
	}
	p, conn, err := c.setup(ctx, false)
	if err != nil {
		return cmd.fail(migrateUsageError, err)
	}
	defer p.Close()
	logger, closeLog, err := openLog(sf.logFile(false))
	if err != nil {
		return cmd.fail(migrateUsageError, err)
	}
	defer closeLog()
	logger.Printf("migrate start: %s until=%s", c.args(), until)
	cmd.warn(conn.warnings)

	// Steps and polls run on without ctx: a signal stops the running step
	// through its Cancel, as esc does, and the run waits for it to end.
	work := context.WithoutCancel(ctx)
	g, err := openGuide(work, p, guideSetup{conn: conn, auditPath: sf.auditPath, canary: mf.canary, opts: mf.options()})
	if err != nil {
		return cmd.fail(migrateStopped, err)
	}
	defer g.close()
	watcher := probe.WatchSentinels(work, p.Sentinels)
	defer watcher.Stop()
	out := &migrateOut{cmd: cmd, stdout: stdout, json: mf.asJSON, master: c.master, secrets: conn.secrets, mu: &sync.Mutex{}}
	code := migrateMaster(ctx, migrateSetup{flags: &mf, until: until, p: p, guide: g, events: watcher.Events, out: out, tick: sf.tick, logf: logger.Printf})
	logger.Printf("migrate end: exit %d", code)
	return code
}

// options are the steps' options the flags ask for.
func (m *migrateFlags) options() steps.Options {
	return steps.Options{AllowNonemptyTarget: m.allowNonempty, NewReplicas: m.newReplicas}
}

// migrateSetup is one master's unattended run, wired.
type migrateSetup struct {
	flags  *migrateFlags
	until  steps.StepID
	p      *probe.Prober
	guide  *guide
	events <-chan probe.Event
	out    *migrateOut
	tick   time.Duration
	logf   func(format string, args ...any)
	// gate, when set, makes a step wait its turn (a fleet's); observed is
	// told every snapshot.
	gate     driver.Gate
	observed func(probe.Snapshot)
}

// migrateMaster runs one master's migration to its end and says where
// the record is; it returns the exit status.
func migrateMaster(ctx context.Context, s migrateSetup) int {
	work := context.WithoutCancel(ctx)
	g := s.guide
	m := &migration{
		out: s.out, flags: s.flags, until: s.until, p: s.p, session: g.guide.Session, events: s.events,
		tick: s.tick, tries: map[steps.StepID]int{}, observed: s.observed,
		drv: driver.New(work, driver.Config{Runner: g.guide.Runner, Session: g.guide.Session, Options: s.flags.options(), Gate: s.gate, Logf: s.logf}),
	}
	for _, n := range g.recalled {
		s.out.emit(MigrateEvent{Event: "note", Message: n.Text}, n.Text)
	}
	code := m.run(ctx, work)
	audit, report := g.record()
	line := fmt.Sprintf("exit %d; audit log %s", code, audit)
	if report != "" {
		line += "; report " + report
	}
	s.out.emit(MigrateEvent{Event: "exit", Exit: &code, AuditLog: audit, Report: report}, line)
	return code
}

// migration is one master's unattended run: it feeds the driver polls
// and the flags' answers, and says what happens.
type migration struct {
	out     *migrateOut
	flags   *migrateFlags
	until   steps.StepID // steps.StepAbort: --abort
	p       *probe.Prober
	session *steps.Session
	events  <-chan probe.Event
	drv     *driver.Driver
	tick    time.Duration

	observed     func(probe.Snapshot)
	tries        map[steps.StepID]int
	blockedSince time.Time
	blockedSaid  string
	// blockedSaidAt: when the wait for a block last said its time left.
	blockedSaidAt time.Time
	lastLag       time.Time
	phases        int // of the running step's, said so far
	aborted       bool
}

// maxTries bounds how often one step runs in one run: a step that
// succeeds and still is not done by the topology stops the run.
const maxTries = 3

// run feeds the driver until the plan is past --until, something stops
// it, or ctx ends; it returns the exit status.
func (m *migration) run(ctx, work context.Context) int {
	stop := ctx.Done()
	interrupted := false
	var polled time.Time
	for {
		// Idle, every round is a poll; while a step runs, its progress is
		// read every few milliseconds (the cutover's phases are short) and
		// the endpoints polled every tick, as the dashboard does.
		if !m.drv.Busy() || time.Since(polled) >= m.tick {
			m.observe(work)
			polled = time.Now()
		}
		switch {
		case m.drv.Busy():
			m.drain()
			if m.drv.Ended() {
				if code, end := m.finish(work, interrupted); end {
					return code
				}
			}
		case interrupted:
			return m.interrupted(work)
		default:
			if code, end := m.next(); end {
				return code
			}
		}
		wait := m.tick
		if m.drv.Busy() {
			wait = progressEvery
		}
		timer := time.NewTimer(wait)
		select {
		case <-stop:
			stop, interrupted = nil, true
			why := m.drv.Stop()
			if why == "" {
				why = "no step is running"
			}
			m.out.emit(MigrateEvent{Event: "interrupted", Message: why}, "signal: "+why)
		case <-timer.C:
		}
		timer.Stop()
	}
}

// progressEvery is how often a running step's progress is read.
const progressEvery = 20 * time.Millisecond

// observe polls every endpoint and hands the facts to the driver, as the
// dashboard's polls do.
func (m *migration) observe(ctx context.Context) {
	snap := m.p.Poll(ctx)
	m.session.Observe(snap)
	for more := true; more; {
		select {
		case e, ok := <-m.events:
			if !ok {
				m.events, more = nil, false
				break
			}
			m.session.ObserveEvent(m.p.Topo, e)
		default:
			more = false
		}
	}
	m.drv.Observe(m.session.Facts(m.p.Topo, snap), true)
	if m.observed != nil {
		m.observed(snap)
	}
	m.lag(snap)
}

// lag says how far behind the target is while it syncs, at most once a
// second.
func (m *migration) lag(snap probe.Snapshot) {
	_, id := m.drv.Running()
	switch id {
	case steps.StepAttach, steps.StepFullSync, steps.StepSteady:
	default:
		return
	}
	if time.Since(m.lastLag) < time.Second {
		return
	}
	m.lastLag = time.Now()
	l := snap.Link
	e := MigrateEvent{Event: "lag", Step: id, Link: string(l.Phase), InSync: &l.InSync}
	text := "lag unknown"
	if l.LagKnown {
		e.LagBytes = &l.LagBytes
		text = "lag " + probe.Bytes(l.LagBytes)
		if l.LagSeconds >= 0 {
			e.LagSeconds = &l.LagSeconds
			text += fmt.Sprintf(" (%.1f s behind)", l.LagSeconds)
		}
	}
	m.out.emit(e, fmt.Sprintf("%s: %s, link %s, in sync %t", id, text, l.Phase, l.InSync))
}

// next starts what the plan says comes next, or stops the run.
func (m *migration) next() (int, bool) {
	d := m.drv
	if m.until == steps.StepAbort {
		return m.abort()
	}
	if d.Reached(m.until) {
		m.out.emit(MigrateEvent{Event: "done", Step: m.until, Stage: string(d.Plan().Stage)},
			fmt.Sprintf("done up to %s (stage %s)", m.until, d.Plan().Stage))
		return migrateDone, true
	}
	if id, ok := d.Auto(); ok {
		return m.start(id, *d.Facts(), nil)
	}
	n := d.Next()
	switch n.Kind {
	case driver.NotReady, driver.Settling, driver.Busy:
		return 0, false
	case driver.Finished:
		m.out.emit(MigrateEvent{Event: "done", Stage: string(d.Plan().Stage)}, "every step is done")
		return migrateDone, true
	}
	blocks := d.Blocks()
	if n.Kind == driver.Blocked || n.Kind == driver.ReadOnly || (n.Step.Survey && len(blocks) > 0) {
		return m.blocked(n, blocks)
	}
	m.blockedSince, m.blockedSaid = time.Time{}, ""
	return m.start(n.Step.ID, n.Facts, driver.Answer(n.Confirmations, m.flags.answer))
}

// blocked waits --blocked-for for blocks that may clear by themselves
// (a Sentinel's flag, a lag that catches up), saying so with the time
// left, then stops the run with one line per reason; a block that cannot
// clear by itself stops it at once.
func (m *migration) blocked(n driver.Next, blocks []steps.Check) (int, bool) {
	id := m.drv.Plan().Current
	now := time.Now()
	if m.blockedSince.IsZero() {
		m.blockedSince = now
	}
	if len(blocks) == 0 {
		blocks = []steps.Check{{ID: string(id), Title: driver.Title(id), Level: steps.Block, Detail: n.Why, Clears: n.Kind != driver.ReadOnly}}
	}
	left := m.flags.blockedFor - now.Sub(m.blockedSince)
	if len(steps.Lasting(blocks)) == 0 && left > 0 {
		// A survey's blocks come partly from what it read (readiness):
		// those clear only when it reads again, which is not a try.
		if r, ran := m.drv.Result(id); n.Step != nil && n.Step.Survey && ran && now.Sub(r.At) >= surveyAgainEvery {
			m.tries[id]--
			return m.start(id, n.Facts, driver.Answer(n.Confirmations, m.flags.answer))
		}
		if say := blocks[0].Title; say != m.blockedSaid || now.Sub(m.blockedSaidAt) >= waitingEvery {
			m.blockedSaid, m.blockedSaidAt = say, now
			m.out.emit(MigrateEvent{Event: "waiting", Step: id, Check: blocks[0].ID, RemainingMS: left.Milliseconds(),
				Message: "waiting for it to clear by itself: " + checkLine(blocks[0])},
				fmt.Sprintf("%s waits for it to clear by itself (%s left of --blocked-for %s): %s", id, left.Round(100*time.Millisecond), m.flags.blockedFor, checkLine(blocks[0])))
		}
		return 0, false
	}
	for _, c := range blocks {
		m.out.emit(MigrateEvent{Event: "blocked", Step: id, Check: c.ID, Title: c.Title, Detail: c.Detail, Fix: c.Fix, Clears: c.Clears},
			fmt.Sprintf("blocked at %s: %s", id, checkLine(c)))
	}
	return migrateStopped, true
}

// surveyAgainEvery is how often a survey (preflight) blocked by what may
// clear by itself reads again while the run waits.
const surveyAgainEvery = 3 * time.Second

// waitingEvery is how often a wait for a block to clear says again how
// long it has left.
const waitingEvery = 2 * time.Second

// checkLine is a check as one line: title, what was found, the fix.
func checkLine(c steps.Check) string {
	s := c.Title
	if c.Detail != "" {
		s += ": " + c.Detail
	}
	if c.Fix != "" {
		s += " (fix: " + c.Fix + ")"
	}
	return s
}

// abort runs the way back once, with the flags' answers.
func (m *migration) abort() (int, bool) {
	if m.aborted {
		m.out.emit(MigrateEvent{Event: "done", Step: steps.StepAbort, Stage: string(m.drv.Plan().Stage)}, "aborted")
		return migrateDone, true
	}
	if !m.drv.Ready() {
		return 0, false
	}
	n := m.drv.Abort()
	if n.Kind != driver.Ask {
		c := steps.Check{ID: "abort", Title: "the abort", Level: steps.Block, Detail: n.Why}
		m.out.emit(MigrateEvent{Event: "blocked", Step: steps.StepAbort, Check: c.ID, Title: c.Title, Detail: c.Detail},
			"blocked at abort: "+n.Why)
		return migrateStopped, true
	}
	m.aborted = true
	return m.start(steps.StepAbort, n.Facts, driver.Answer(n.Confirmations, m.flags.answer))
}

// start runs step id with answers a; it stops the run when the step does
// not start, or has run too often.
func (m *migration) start(id steps.StepID, f steps.Facts, a steps.Answers) (int, bool) {
	if m.tries[id] >= maxTries {
		st := m.drv.Plan().State(id)
		m.out.emit(MigrateEvent{Event: "failed", Step: id, Error: "ran " + fmt.Sprint(maxTries) + " times: " + st.Reason},
			fmt.Sprintf("%s ran %d times and the topology still does not show it done: %s", id, maxTries, st.Reason))
		return migrateStopped, true
	}
	m.tries[id]++
	m.phases = 0
	var answered []string
	for k, v := range a {
		answered = append(answered, k+"="+v)
	}
	msg := driver.Title(id)
	if len(answered) > 0 {
		msg += " (answers: " + strings.Join(sortedStrings(answered), ", ") + ")"
	}
	if s := steps.Lookup(id); s != nil && s.PointOfNoReturn {
		if worst := steps.CutoverWorstCase(f, m.drv.Options()); worst != "" {
			m.out.emit(MigrateEvent{Event: "note", Step: id, Message: worst}, string(id)+": "+worst)
		}
	}
	ok, err := m.drv.RunNow(id, f, a)
	if ok {
		m.blockedSaid = ""
		m.out.emit(MigrateEvent{Event: "step-start", Step: id, Title: driver.Title(id), Answers: a}, "start "+string(id)+": "+msg)
		return 0, false
	}
	var turn *fleet.WaitingError
	if errors.As(err, &turn) {
		// A fleet's turn: asked again on the next round.
		m.tries[id]--
		if say := turn.Why; say != m.blockedSaid {
			m.blockedSaid = say
			m.out.emit(MigrateEvent{Event: "waiting", Step: id, Message: turn.Error()}, fmt.Sprintf("%s %s", id, turn.Error()))
		}
		return 0, false
	}
	m.out.emit(MigrateEvent{Event: "step-end", Step: id, Error: errString(err)}, fmt.Sprintf("%s not started: %v", id, err))
	return migrateStopped, true
}

// drain says each new phase of the running step (a short one, read
// after the next has begun, by its name alone).
func (m *migration) drain() {
	m.drv.Drain()
	p, ok := m.drv.Progress()
	_, id := m.drv.Running()
	phases := m.drv.Phases()
	if !ok || len(phases) <= m.phases {
		return
	}
	for _, ph := range phases[m.phases:] {
		msg := ""
		if ph.Phase == p.Phase {
			msg = p.Message
		}
		m.out.emit(MigrateEvent{At: ph.At, Event: "phase", Step: id, Phase: ph.Phase, Message: msg},
			strings.TrimSuffix(fmt.Sprintf("%s: %s: %s", id, ph.Phase, msg), ": "))
	}
	m.phases = len(phases)
}

// finish records how the running step ended and says so; true when the
// run ends here.
func (m *migration) finish(work context.Context, interrupted bool) (int, bool) {
	m.drain()
	last, _ := m.drv.Finish()
	took := last.Took.Round(time.Millisecond)
	f := m.drv.Facts()
	if rb := f.ReadBack; rb != nil && rb.Step == last.ID {
		m.out.emit(MigrateEvent{Event: "read-back", Step: last.ID, ReadBack: rb}, fmt.Sprintf("%s: canary read-back: %s", last.ID, rb.Summary()))
	}
	if last.Err != nil {
		m.out.emit(MigrateEvent{Event: "step-end", Step: last.ID, TookMS: took.Milliseconds(), Error: last.Err.Error()},
			fmt.Sprintf("%s failed after %s: %v", last.ID, took, last.Err))
		if interrupted {
			return m.interrupted(work), true
		}
		// A survey whose blocks may all clear by themselves (a Sentinel's
		// flag right after a partition heals) is given --blocked-for:
		// next waits for them, saying so, and runs it again.
		if b := m.drv.Blocks(); steps.Lookup(last.ID).Survey && len(b) > 0 && len(steps.Lasting(b)) == 0 && m.flags.blockedFor > 0 {
			return 0, false
		}
		// A survey that fails says why in its checks: one line each.
		for _, c := range m.drv.Blocks() {
			m.out.emit(MigrateEvent{Event: "blocked", Step: m.drv.Plan().Current, Check: c.ID, Title: c.Title, Detail: c.Detail, Fix: c.Fix},
				fmt.Sprintf("blocked at %s: %s", m.drv.Plan().Current, checkLine(c)))
		}
		return migrateStopped, true
	}
	m.out.emit(MigrateEvent{Event: "step-end", Step: last.ID, TookMS: took.Milliseconds()}, fmt.Sprintf("%s done in %s", last.ID, took))
	switch last.ID {
	case steps.StepPreflight:
		for _, c := range m.drv.Plan().Survey().Checks {
			m.out.check(last.ID, c)
		}
	case steps.StepCutover:
		if r := f.Cutover; r != nil {
			m.out.emit(MigrateEvent{Event: "cutover", Step: last.ID, Cutover: &MigrateCutover{
				StallMS: ms(r.Stall), DrainMS: ms(r.Drain), PromoteMS: ms(r.Promote),
				FailoverAttempts: r.FailoverAttempts, NewPrimary: r.NewPrimary, SentinelsNaming: r.SentinelsNaming,
			}}, fmt.Sprintf("cutover: writes stalled %s (drain %s, promotion %s); new primary %s, named by %d Sentinels",
				r.Stall.Round(time.Millisecond), r.Drain.Round(time.Millisecond), r.Promote.Round(time.Millisecond), r.NewPrimary, r.SentinelsNaming))
		}
	case steps.StepReport:
		if f.Report != "" {
			m.out.emit(MigrateEvent{Event: "report", Report: absPath(f.Report)}, "report "+absPath(f.Report))
		}
	}
	if interrupted {
		return m.interrupted(work), true
	}
	return 0, false
}

// interrupted is the exit status of a run stopped by a signal once no
// step runs: 3 past the point of no return with the fence finished, else 1.
func (m *migration) interrupted(work context.Context) int {
	m.observe(work)
	plan := m.drv.Plan()
	switch plan.Stage {
	case steps.StagePromoting, steps.StagePromoted, steps.StagePromotedUnannounced:
	default:
		m.out.emit(MigrateEvent{Event: "stopped", Stage: string(plan.Stage), Message: "interrupted before the point of no return"},
			fmt.Sprintf("interrupted before the point of no return: nothing promoted, the source unpaused (stage %s, next %s)", plan.Stage, plan.Current))
		return migrateStopped
	}
	if st := plan.State(steps.StepCutover); st.Status != steps.Done {
		m.out.emit(MigrateEvent{Event: "stopped", Stage: string(plan.Stage), Step: steps.StepCutover, Error: st.Reason},
			fmt.Sprintf("interrupted after SENTINEL FAILOVER and the cutover is not finished: %s: run flyover migrate again with --until cutover --confirm-master", st.Reason))
		return migrateStopped
	}
	m.out.emit(MigrateEvent{Event: "stopped", Stage: string(plan.Stage), Step: plan.Current, Message: "interrupted after the point of no return; the fence finished"},
		fmt.Sprintf("interrupted after the point of no return: the target is the primary, the old one fenced; remaining: %s (run flyover migrate again to finish)", plan.Current))
	return migratePastNoReturn
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
