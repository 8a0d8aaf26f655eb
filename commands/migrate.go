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
	"flyover/probe"
	"flyover/probe/canary"
	"flyover/probe/events"
	"flyover/steps"
)

const migrateUsage = `flyover migrate --source HOST:PORT --target HOST:PORT --sentinel HOST:PORT[,...] --master NAME
                [--until STEP] [--confirm-master NAME] [--shutdown-old-redis] [--new-replica HOST:PORT]
                [--raise-output-buffer]
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
  --raise-output-buffer  the attach's "raise the source's replica output buffer
                         limit?" and, at the decommission (or --abort), "put it
                         back?" (else n)
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
	fs.BoolVar(&m.raiseBuffer, "raise-output-buffer", false, "answer y to the attach step's offer to raise the source's client-output-buffer-limit replica to the computed value (the old value goes to the audit log and the report), and to putting it back: at the decommission while the old primary answers, or with --abort")
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
	watcher := events.WatchSentinels(work, p.Sentinels)
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
	events <-chan events.Event
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
