// Command flyover supervises a live migration of a Redis primary onto
// Dragonfly through Redis Sentinel.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"flyover/lab"
	"flyover/lab/bench"
	"flyover/probe"
	"flyover/steps"
	"flyover/ui"
	"flyover/ui/common"
	"flyover/ui/status"
)

const usage = `flyover supervises a live migration of a Redis primary onto Dragonfly through Redis Sentinel.

Usage:
  flyover        --source HOST:PORT --target HOST:PORT --sentinel HOST:PORT[,...] --master NAME
                 [--audit-log FILE] [--allow-nonempty-target] [--canary] [--read-only]
                 [--tick 500ms] [--log FILE] [--debug]
  flyover status --source HOST:PORT --target HOST:PORT --sentinel HOST:PORT[,...] --master NAME [--json]
  flyover preflight --source ... (as status) [--json] [--allow-nonempty-target]
  flyover verify --source ... (as status) --sample N [--rate 200] [--json]
  flyover lab    [--sentinels 3] [--replicas 0] [--keys 0] [--password-env VAR] [--masters N]
  flyover fleet  --sentinel HOST:PORT[,...] --targets FILE [--max-syncs 1] [--metrics-addr HOST:PORT]
  flyover status --sentinel HOST:PORT[,...] [--targets FILE] [--json]   (every master: no --master)
  flyover demo   [--rate 2000] [--keys 10000] [--autoplay [--linger 0s]] [--audit-log FILE]
  flyover bench  cutover [--runs 3] [--rate 2000] [--methods failover,stop-primary,guarded] [--json]

Passwords come from the environment or a file:
  FLYOVER_SOURCE_PASSWORD, FLYOVER_TARGET_PASSWORD (default: REDISCLI_AUTH)
  FLYOVER_SENTINEL_PASSWORD (Sentinels' own requirepass, if any)
  --source-password-file FILE (and --target-, --sentinel-)
--source-password PW works too, but shows in ps and shell history: every
screen then carries a warning. Passwords never appear on screen or in logs.

The first form opens the live dashboard and the guided checklist (it needs a
terminal); its log, go-redis's included, goes to --log, never to the screen.
Every command a step sends is written to the audit log first (default:
flyover-audit-YYYYMMDD-HHMMSS.jsonl in the current directory); the report
goes next to it.

Exit status of status: 0 every endpoint answered, 1 some did not, 2 bad usage.
Of preflight and verify: 0 nothing blocks (no key differs), 1 something
blocks (differs) or an endpoint did not answer, 2 bad usage.
`

func main() {
	os.Exit(profiled(func() int { return run(os.Args[1:], os.Stdout, os.Stderr) }))
}

// profiled runs f under a CPU profile written to $FLYOVER_CPUPROFILE, when
// set: how the idle cost of a running dashboard is found.
func profiled(f func() int) int {
	path := os.Getenv("FLYOVER_CPUPROFILE")
	if path == "" {
		return f()
	}
	out, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "flyover: FLYOVER_CPUPROFILE: %v\n", err)
		return 2
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		fmt.Fprintf(os.Stderr, "flyover: FLYOVER_CPUPROFILE: %v\n", err)
		return 2
	}
	defer pprof.StopCPUProfile()
	return f()
}

func run(args []string, stdout, stderr io.Writer) int {
	// go-redis logs to stderr by default; nothing of it may reach a screen.
	probe.SetLogOutput(io.Discard)
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "status":
		return cmdStatus(args[1:], stdout, stderr)
	case "preflight":
		return cmdPreflight(args[1:], stdout, stderr)
	case "verify":
		return cmdVerify(args[1:], stdout, stderr)
	case "lab":
		return cmdLab(args[1:], stdout, stderr)
	case "fleet":
		return cmdFleet(args[1:], stderr)
	case "bench":
		return bench.Main(args[1:], stdout, stderr)
	case "demo":
		return cmdDemo(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	if strings.HasPrefix(args[0], "-") {
		return cmdDashboard(args, stderr)
	}
	fmt.Fprintf(stderr, "flyover: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// cmdDashboard opens the live dashboard with the guided checklist.
func cmdDashboard(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("flyover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c connFlags
	c.register(fs)
	var sf screenFlags
	sf.register(fs)
	inSync := fs.Int("in-sync-polls", 3, "consecutive in-sync polls of the source before IN SYNC shows")
	readOnly := fs.Bool("read-only", false, "refuse to send anything but reads: the checklist shows the plan and its commands, and runs none")
	allowNonempty := fs.Bool("allow-nonempty-target", false, "let REPLICAOF wipe a target that holds keys")
	var newReplicas addrList
	fs.Var(&newReplicas, "new-replica", "a Dragonfly instance (host:port) to attach to the new primary after the cutover, so Sentinel can promote it (repeatable)")
	canary := fs.Bool("canary", false, fmt.Sprintf("write canary keys through Sentinel (%d/s, %s TTL) and read them back after the cutover", probe.DefaultCanaryRate, probe.DefaultCanaryTTL))
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cmd := command{name: "flyover", stderr: stderr}
	p, conn, err := c.setup(context.Background(), *readOnly)
	switch {
	case err != nil:
	case sf.tick <= 0 || *inSync <= 0:
		err = errors.New("--tick and --in-sync-polls must be positive")
	case *canary && *readOnly:
		err = errors.New("--canary writes keys: it cannot run with --read-only")
	}
	if err != nil {
		return cmd.fail(2, err)
	}
	defer p.Close()
	if !ui.IsTerminal() {
		fmt.Fprintf(stderr, "flyover: %v.\nFor a one-shot report that works in pipes and scripts, run:\n  flyover status %s\n", ui.ErrNoTerminal, c.args())
		return 2
	}
	sf.logPath = sf.logFile(*readOnly)
	logger, closeLog, err := openLog(sf.logPath)
	if err != nil {
		return cmd.fail(2, err)
	}
	defer closeLog()
	logger.Printf("dashboard start: %s read-only=%t tick=%s", c.args(), *readOnly, sf.tick)

	ctx, stop := signalContext()
	defer stop()
	g, err := openGuide(ctx, p, guideSetup{
		conn: conn, readOnly: *readOnly, auditPath: sf.auditPath, canary: *canary,
		opts: steps.Options{AllowNonemptyTarget: *allowNonempty, NewReplicas: newReplicas},
	})
	if err != nil {
		return cmd.fail(1, err)
	}
	defer g.close()
	err = runDashboard(ctx, p, g, dashboard{screenFlags: sf, inSyncPolls: *inSync, readOnly: *readOnly, conn: conn, logger: logger})
	logger.Printf("dashboard end: %v", err)
	g.printRecord(stderr)
	if err != nil {
		return cmd.fail(1, err)
	}
	return 0
}

// dashboard is how the dashboard runs: an operator's flags, or the demo's.
type dashboard struct {
	screenFlags
	inSyncPolls int // 0: the UI's default
	readOnly    bool
	conn        resolved // its warnings are shown, its secrets redacted
	lab         string   // labels a local lab; "" for an operator's topology
	logger      *log.Logger
}

// runDashboard watches the Sentinels' events and runs the dashboard with
// the guided checklist over p until the operator quits or ctx ends; the
// watch ends with it.
func runDashboard(ctx context.Context, p *probe.Prober, g *guide, d dashboard) error {
	watcher := probe.WatchSentinels(ctx, p.Sentinels)
	defer watcher.Stop()
	cfg := common.Config{
		Topo: p.Topo, Source: p.Source, Target: p.Target, Events: watcher.Events,
		Tick: d.tick, InSyncPolls: d.inSyncPolls, ReadOnly: d.readOnly,
		Log: d.logger, Debug: d.debug, LogPath: d.logPath,
		Guide: &g.guide, Warnings: d.conn.warnings, Notes: g.recalled, Secrets: d.conn.secrets, Lab: d.lab,
	}
	for _, e := range p.Sentinels {
		cfg.Sentinels = append(cfg.Sentinels, common.Sentinel{Addr: e.Addr, Poller: e})
	}
	return ui.Run(ctx, cfg)
}

func cmdStatus(args []string, stdout, stderr io.Writer) int {
	cmd, fs, c := oneShot("status", stderr)
	asJSON := fs.Bool("json", false, "print the snapshot as JSON (schema in the README)")
	targets := fs.String("targets", "", "with --sentinel and no --master: the fleet's targets file (see flyover fleet)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if c.master == "" && c.source == "" && c.target == "" && c.sentinels != "" {
		return cmdStatusFleet(c, *targets, *asJSON, stdout, stderr)
	}
	p := cmd.connect(context.Background(), c, false)
	if p == nil {
		return 2
	}
	defer p.Close()
	snap := p.Poll(context.Background())
	var err error
	if *asJSON {
		err = status.WriteStatusJSON(stdout, snap)
	} else {
		err = status.WriteStatusTable(stdout, snap, "")
	}
	return cmd.exit(err, !snap.AllReachable())
}

func cmdLab(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o lab.Options
	fs.StringVar(&o.MasterName, "master", "flyover", "master name the Sentinels monitor")
	fs.IntVar(&o.Sentinels, "sentinels", 3, "number of Sentinels")
	fs.IntVar(&o.Quorum, "quorum", 0, "Sentinel quorum (default: a majority)")
	fs.IntVar(&o.ExtraReplicas, "replicas", 0, "extra Redis replicas of the source")
	fs.IntVar(&o.PreloadKeys, "keys", 0, "keys to preload on the source")
	fs.DurationVar(&o.DownAfter, "down-after", 5*time.Second, "Sentinel down-after-milliseconds")
	fs.DurationVar(&o.FailoverTimeout, "failover-timeout", 60*time.Second, "Sentinel failover-timeout")
	pwEnv := fs.String("password-env", "", "protect the lab with the password in this environment variable")
	masters := fs.Int("masters", 0, "start a fleet: this many sources, each with its target, under one Sentinel set")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *pwEnv != "" {
		if o.Password = os.Getenv(*pwEnv); o.Password == "" {
			fmt.Fprintf(stderr, "flyover lab: --password-env %s: the variable is empty or unset\n", *pwEnv)
			return 2
		}
	}
	ctx, stop := signalContext()
	defer stop()
	if *masters > 0 {
		return runFleetLab(ctx, lab.FleetOptions{Masters: *masters, Sentinels: o.Sentinels, Quorum: o.Quorum,
			PreloadKeys: o.PreloadKeys, Password: o.Password, DownAfter: o.DownAfter, FailoverTimeout: o.FailoverTimeout}, stdout, stderr)
	}
	fmt.Fprintln(stderr, "starting lab...")
	l, err := lab.Start(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "flyover lab: %v\n", err)
		return 1
	}
	defer l.Stop()
	fmt.Fprintf(stdout, "lab running in %s (target: %s)\n\n", l.Dir, l.TargetLabel())
	fmt.Fprintf(stdout, "  source    %s\n  target    %s\n", l.Source.Addr(), l.Target.Addr())
	for i, s := range l.Replicas {
		fmt.Fprintf(stdout, "  replica %d %s\n", i+1, s.Addr())
	}
	fmt.Fprintf(stdout, "  sentinels %s (master %q, quorum %d)\n\n", strings.Join(l.SentinelAddrs(), ","), o.MasterName, l.Opts.Quorum)
	env := ""
	if *pwEnv != "" {
		env = fmt.Sprintf("FLYOVER_SOURCE_PASSWORD=\"$%s\" FLYOVER_TARGET_PASSWORD=\"$%s\" ", *pwEnv, *pwEnv)
	}
	fmt.Fprintf(stdout, "point flyover at it:\n  %sflyover %s\n  %sflyover status %s\n\nCtrl-C stops the lab and removes its files.\n",
		env, strings.Join(l.FlyoverArgs(), " "), env, strings.Join(l.FlyoverArgs(), " "))
	<-ctx.Done()
	fmt.Fprintln(stderr, "\nstopping lab...")
	return 0
}

// cmdDemo runs the whole story on a local lab: a source with keys, a
// target, three Sentinels, an application writing through Sentinel, and
// the guided migration (by itself with --autoplay).
func cmdDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o demoOptions
	fs.IntVar(&o.keys, "keys", 10000, "keys to preload on the source")
	fs.IntVar(&o.rate, "rate", 2000, "the application's writes per second, through Sentinel")
	fs.BoolVar(&o.autoplay, "autoplay", false, "walk the steps and answer the questions by itself (lab only), for unattended demos")
	fs.DurationVar(&o.linger, "linger", 0, "with --autoplay: quit this long after the last step (0: stay until q); exit status 0 only then")
	o.screenFlags.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.rate <= 0 || o.keys < 0 || o.tick <= 0 || o.linger < 0 {
		fmt.Fprintln(stderr, "flyover demo: --rate and --tick must be positive, --keys and --linger not negative")
		return 2
	}
	return runDemo(o, stdout, stderr)
}

// openLog opens the log file and sends every logger there, go-redis's
// included: nothing may reach the screen while the dashboard runs.
func openLog(path string) (*log.Logger, func(), error) {
	if path == "" {
		// Nowhere, but never the terminal the dashboard draws on.
		probe.SetLogOutput(io.Discard)
		log.SetOutput(io.Discard)
		return log.New(io.Discard, "", 0), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("log file: %w (choose another with --log)", err)
	}
	probe.SetLogOutput(f)
	log.SetOutput(f)
	return log.New(f, "flyover: ", log.LstdFlags|log.Lmicroseconds), func() { f.Close() }, nil
}
