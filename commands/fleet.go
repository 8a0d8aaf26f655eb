package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"flyover/fleet"
	"flyover/lab"
	"flyover/probe"
	"flyover/probe/events"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/plan"
	"flyover/ui"
	"flyover/ui/common"
	"flyover/ui/fleetview"
)

const fleetUsage = `flyover fleet --sentinel HOST:PORT[,...] --targets FILE [--max-syncs 1]
              [--metrics-addr 127.0.0.1:9121] [--slow-tick 2s] [--max-polls 40] [--tick 500ms]
              [--audit-log FILE] [--read-only] [--allow-nonempty-target] [--canary]

Every master the Sentinels monitor, one row each, migrated one after another.
FILE maps each master to its Dragonfly target, one "master-name host:port" a
line (# comments). A master without a line shows as "no target" and is never
written to. enter opens a master's dashboard and checklist; esc (or ←) comes
back. At most --max-syncs attaches run their full syncs at once; cutovers run
one at a time. One audit log for the fleet: each line names its master. On
exit (or r on the fleet screen) the fleet's report, a row per master, is
written next to it as <audit-log-base>-fleet-report.md. --read-only keeps
neither (nor a log file) unless --audit-log (or --log) asks for one.
`

// fleetFlags are the fleet's own flags beside the connection flags.
type fleetFlags struct {
	targets     string
	maxSyncs    int
	metricsAddr string
	slowTick    time.Duration
	maxPolls    int
}

// fleetSetup reads the connection flags without --source/--target/--master,
// the targets file, and discovers the fleet. Errors are usage errors
// (exit 2) unless no Sentinel answers.
func fleetSetup(ctx context.Context, c *connFlags, targetsPath string, readOnly bool) (*fleet.Fleet, resolved, error) {
	var problems []string
	if c.source != "" || c.target != "" || c.master != "" {
		problems = append(problems, "--source, --target and --master name one master: the fleet finds every master through --sentinel, and their targets in --targets")
	}
	var sentinels []string
	for _, s := range strings.Split(c.sentinels, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
			problems = append(problems, fmt.Sprintf("--sentinel %q is not HOST:PORT", s))
		}
		sentinels = append(sentinels, s)
	}
	if len(sentinels) == 0 {
		problems = append(problems, "--sentinel is required")
	}
	if c.timeout <= 0 {
		problems = append(problems, "--timeout must be positive")
	}
	if len(problems) > 0 {
		return nil, resolved{}, errors.New(strings.Join(problems, "\n"))
	}
	var targets map[string]string
	if targetsPath != "" {
		var err error
		if targets, err = fleet.ReadTargets(targetsPath); err != nil {
			return nil, resolved{}, err
		}
	}
	r, err := c.resolve(os.Getenv)
	if err != nil {
		return nil, r, err
	}
	src, tgt, sen := r.groups[groupSource], r.groups[groupTarget], r.groups[groupSentinel]
	ctx, cancel := context.WithTimeout(ctx, 2*c.timeout)
	defer cancel()
	f, err := fleet.Discover(ctx, fleet.Options{
		Sentinels: sentinels, Targets: targets,
		SourceAuth: src.auth, TargetAuth: tgt.auth, SentinelAuth: sen.auth,
		SourceTLS: src.tls, TargetTLS: tgt.tls, SentinelTLS: sen.tls,
		Timeout: c.timeout, ReadOnly: readOnly,
	})
	return f, r, err
}

func cmdFleet(args []string, stderr io.Writer) int {
	fs, c, sf := session("fleet", fleetUsage, stderr)
	var ff fleetFlags
	fs.StringVar(&ff.targets, "targets", "", "file of `master-name host:port` lines: each master's Dragonfly target")
	fs.IntVar(&ff.maxSyncs, "max-syncs", 1, "attaches (full syncs) that may run at once: each loads its source")
	fs.StringVar(&ff.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on HOST:PORT (off when empty; e.g. 127.0.0.1:9121)")
	fs.DurationVar(&ff.slowTick, "slow-tick", 2*time.Second, "poll interval of the masters not on screen and of the Sentinels (longer for a fleet past --max-polls)")
	fs.IntVar(&ff.maxPolls, "max-polls", 40, "masters the fleet polls a second at most: a bigger fleet polls each less often than --slow-tick")
	inSync := fs.Int("in-sync-polls", 3, "consecutive in-sync polls of the source before IN SYNC shows")
	readOnly := fs.Bool("read-only", false, "refuse to send anything but reads")
	allowNonempty := fs.Bool("allow-nonempty-target", false, "let REPLICAOF wipe a target that holds keys")
	canary := fs.Bool("canary", false, "write canary keys through Sentinel for each master entered, and read them back after its cutover")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case ff.targets == "":
		fmt.Fprintln(stderr, "flyover fleet: --targets is required (one `master-name host:port` a line)")
		return 2
	case ff.maxSyncs <= 0 || sf.tick <= 0 || ff.slowTick <= 0 || *inSync <= 0 || ff.maxPolls <= 0:
		fmt.Fprintln(stderr, "flyover fleet: --max-syncs, --tick, --slow-tick, --max-polls and --in-sync-polls must be positive")
		return 2
	case *canary && *readOnly:
		fmt.Fprintln(stderr, "flyover fleet: --canary writes keys: it cannot run with --read-only")
		return 2
	}
	cmd := command{name: "flyover fleet", stderr: stderr}
	f, conn, code := cmd.connectFleet(context.Background(), c, ff.targets, *readOnly)
	if f == nil {
		return code
	}
	defer f.Close()
	if !ui.IsTerminal() {
		fmt.Fprintf(stderr, "flyover fleet: %v.\nFor a one-shot report of every master, run:\n  flyover status --sentinel %s --targets %s --json\n", ui.ErrNoTerminal, c.sentinels, ff.targets)
		return 2
	}
	// As the single master's screen: a fleet that may act keeps a log
	// and an audit log by default; --read-only leaves no files behind
	// unless --log or --audit-log asks for them.
	logger, closeLog, err := openLog(sf.logFile(*readOnly))
	if err != nil {
		return cmd.fail(2, err)
	}
	defer closeLog()
	audit, err := auditFor(guideSetup{readOnly: *readOnly, auditPath: sf.auditPath})
	if err != nil {
		return cmd.fail(2, err)
	}
	defer audit.Close()
	audit.SetSecrets(conn.secrets...)
	for _, w := range conn.warnings {
		audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Message: "warning: " + w}, false)
	}
	ctx, stop := signalContext()
	defer stop()
	st := fleet.NewState(f)
	turns := fleet.NewTurns(ff.maxSyncs)
	if ff.metricsAddr != "" {
		_, closeMetrics, err := serveMetrics(ff.metricsAddr, f, st, turns, logger)
		if err != nil {
			fmt.Fprintf(stderr, "flyover fleet: --metrics-addr: %v\n", err)
			return 2
		}
		defer closeMetrics()
	}
	logger.Printf("fleet start: %d masters, sentinels %s, targets %s, max-syncs %d", len(f.Masters), c.sentinels, ff.targets, ff.maxSyncs)

	fan := newEventFan(ctx, f.Sentinels)
	defer fan.stop()
	var guides []*guide
	var gmu sync.Mutex
	open := func(m *fleet.Master) (common.Config, error) {
		g, err := openGuide(ctx, m.Prober, guideSetup{
			conn: conn, readOnly: *readOnly, canary: *canary, audit: audit.ForMaster(m.Name),
			opts: steps.Options{AllowNonemptyTarget: *allowNonempty},
		})
		if err != nil {
			return common.Config{}, err
		}
		gmu.Lock()
		guides = append(guides, g)
		gmu.Unlock()
		p := m.Prober
		cfg := common.Config{
			Topo: p.Topo, Source: p.Source, Target: p.Target, Events: fan.forMaster(m.Name),
			Tick: sf.tick, InSyncPolls: *inSync, ReadOnly: *readOnly,
			Log: logger, Debug: sf.debug, LogPath: sf.logPath,
			Guide: &g.guide, Warnings: conn.warnings, Notes: g.recalled, Secrets: conn.secrets,
		}
		for _, e := range p.Sentinels {
			cfg.Sentinels = append(cfg.Sentinels, common.Sentinel{Addr: e.Addr, Poller: e})
		}
		return cfg, nil
	}
	var names []string
	for _, m := range f.Masters {
		names = append(names, m.Name)
	}
	var writeReport func() (string, error) // none without an audit log: the report is read from it
	if audit.Path() != "" {
		writeReport = func() (string, error) { return plan.WriteFleetReport(audit, names) }
	}
	err = fleetview.Run(ctx, fleetview.Config{
		Fleet: f, State: st, Turns: turns, Events: fan.all, Open: open, Report: writeReport,
		Tick: sf.tick, SlowTick: ff.slowTick, MaxPolls: ff.maxPolls, Warnings: append(append([]string(nil), conn.warnings...), f.Warnings()...), Log: logger,
	})
	logger.Printf("fleet end: %v", err)
	for _, g := range guides {
		g.close()
	}
	printFleetRecord(stderr, audit, names, writeReport)
	if err != nil {
		return cmd.fail(1, err)
	}
	return 0
}

// printFleetRecord writes the fleet's report and says, after the fleet
// screen, where the record is: the one audit log, the fleet's report, and
// each master's own report that its Report step wrote.
func printFleetRecord(w io.Writer, audit *auditlog.Audit, names []string, writeReport func() (string, error)) {
	if audit.Path() == "" {
		fmt.Fprintln(w, "flyover: read-only: no audit log or fleet report written (--audit-log FILE keeps them)")
		return
	}
	fmt.Fprintf(w, "flyover: audit log    %s\n", absPath(audit.Path()))
	if p, err := writeReport(); err != nil {
		fmt.Fprintf(w, "flyover: fleet report not written: %v\n", err)
	} else {
		fmt.Fprintf(w, "flyover: fleet report %s\n", absPath(p))
	}
	for _, n := range names {
		if p := audit.ForMaster(n).ReportPath(); fileExists(p) {
			fmt.Fprintf(w, "flyover: report of %s %s\n", n, absPath(p))
		}
	}
}

// eventFan is one Pub/Sub watch of the fleet's Sentinels, fanned out: every
// event to the fleet's table, and each master's to that master's
// dashboard once it is entered. A slow reader loses events, never stalls
// the others.
type eventFan struct {
	all     chan events.Event
	watcher *events.Watcher
	mu      sync.Mutex
	masters map[string]chan events.Event
	done    chan struct{}
}

func newEventFan(ctx context.Context, sentinels []*probe.Endpoint) *eventFan {
	w := events.WatchSentinels(ctx, sentinels)
	f := &eventFan{all: make(chan events.Event, 512), watcher: w, masters: map[string]chan events.Event{}, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		defer close(f.all)
		for e := range w.Events {
			select {
			case f.all <- e:
			default:
			}
			f.mu.Lock()
			ch := f.masters[e.MasterName]
			f.mu.Unlock()
			if ch != nil {
				select {
				case ch <- e:
				default:
				}
			}
		}
		f.mu.Lock()
		for _, ch := range f.masters {
			close(ch)
		}
		f.masters = nil
		f.mu.Unlock()
	}()
	return f
}

// forMaster is master name's share of the events, from now on.
func (f *eventFan) forMaster(name string) <-chan events.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.masters == nil {
		return nil
	}
	if f.masters[name] == nil {
		f.masters[name] = make(chan events.Event, 256)
	}
	return f.masters[name]
}

func (f *eventFan) stop() {
	f.watcher.Stop()
	<-f.done
}

// cmdStatusFleet is status for every master the Sentinels monitor: one
// full poll of the fleet, a row each (an array with --json).
func cmdStatusFleet(c *connFlags, targetsPath string, asJSON bool, stdout, stderr io.Writer) int {
	cmd := command{name: "flyover status", stderr: stderr}
	f, conn, code := cmd.connectFleet(context.Background(), c, targetsPath, true)
	if f == nil {
		return code
	}
	defer f.Close()
	cmd.warn(append(conn.warnings, f.Warnings()...))
	rows := f.PollAll(context.Background(), fleet.NewState(f))
	var err error
	if asJSON {
		err = writeJSON(stdout, rows)
	} else {
		err = writeFleetTable(stdout, rows)
	}
	unreachable := false
	for _, r := range rows {
		if !r.Snapshot.Source.Reachable || r.Target != "" && !r.Snapshot.Target.Reachable {
			unreachable = true
			break
		}
	}
	return cmd.exit(err, unreachable)
}

// writeFleetTable is the fleet's status as text: a row per master.
func writeFleetTable(w io.Writer, rows []fleet.Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MASTER\tSOURCE\tTARGET\tPHASE\tLAG\tKEYS SRC\tKEYS TGT")
	for _, r := range rows {
		lag := "—"
		if l := r.Snapshot.Link; l.LagKnown {
			lag = probe.Bytes(l.LagBytes)
		}
		keys := func(n probe.Node) string {
			if !n.Reachable {
				return "—"
			}
			return probe.Thousands(n.Keys())
		}
		tgt := r.Target
		if tgt == "" {
			tgt = "—"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Master, r.Source, tgt, r.Phase, lag, keys(r.Snapshot.Source), keys(r.Snapshot.Target))
	}
	return tw.Flush()
}

// runFleetLab is flyover lab --masters N: N sources, each with its target,
// under one Sentinel set, and a targets file for flyover fleet.
func runFleetLab(ctx context.Context, o lab.FleetOptions, stdout, stderr io.Writer) int {
	fmt.Fprintf(stderr, "starting a fleet lab of %d masters...\n", o.Masters)
	l, err := lab.StartFleet(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "flyover lab: %v\n", err)
		return 1
	}
	defer l.Stop()
	targets, err := l.TargetsFile()
	if err != nil {
		fmt.Fprintf(stderr, "flyover lab: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "fleet lab running in %s (targets: redis-server standing in for Dragonfly)\n\n", l.Dir)
	for i, name := range l.Names {
		if i == 5 && len(l.Names) > 6 {
			fmt.Fprintf(stdout, "  ... %d more\n", len(l.Names)-5)
			break
		}
		fmt.Fprintf(stdout, "  %-14s source %s  target %s\n", name, l.Sources[i].Addr(), l.Targets[i].Addr())
	}
	fmt.Fprintf(stdout, "  sentinels %s (quorum %d)\n  targets file %s\n\n", strings.Join(l.SentinelAddrs(), ","), l.Opts.Quorum, targets)
	a := strings.Join(l.FleetArgs(targets), " ")
	fmt.Fprintf(stdout, "point flyover at it:\n  flyover fleet %s\n  flyover status --json %s\n\nCtrl-C stops the lab and removes its files.\n", a, a)
	<-ctx.Done()
	fmt.Fprintln(stderr, "\nstopping lab...")
	return 0
}
