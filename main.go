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
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"flyover/lab"
	"flyover/probe"
	"flyover/ui"
)

const usage = `flyover supervises a live migration of a Redis primary onto Dragonfly through Redis Sentinel.

Usage:
  flyover        --source HOST:PORT --target HOST:PORT --sentinel HOST:PORT[,...] --master NAME
                 [--tick 500ms] [--read-only] [--log FILE] [--debug]
  flyover status --source HOST:PORT --target HOST:PORT --sentinel HOST:PORT[,...] --master NAME [--json]
  flyover lab    [--sentinels 3] [--replicas 0] [--keys 0] [--password-env VAR]
  flyover demo

Passwords are read from the environment, never from the command line:
  FLYOVER_SOURCE_PASSWORD, FLYOVER_TARGET_PASSWORD (default: REDISCLI_AUTH)
  FLYOVER_SENTINEL_PASSWORD (Sentinels' own requirepass, if any)

The first form opens the live dashboard (it needs a terminal); its log,
go-redis's included, goes to --log, never to the screen.

Exit status of status: 0 every endpoint answered, 1 some did not, 2 bad usage.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
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
	case "lab":
		return cmdLab(args[1:], stdout, stderr)
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

// cmdDashboard opens the live dashboard.
func cmdDashboard(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("flyover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c connFlags
	c.register(fs)
	tick := fs.Duration("tick", 500*time.Millisecond, "pause between two polls of one endpoint")
	inSync := fs.Int("in-sync-polls", 3, "consecutive in-sync polls of the source before IN SYNC shows")
	readOnly := fs.Bool("read-only", false, "refuse to send anything but reads (for observers and demos)")
	logPath := fs.String("log", filepath.Join(os.TempDir(), "flyover.log"), "append flyover's and go-redis's log lines to this file")
	debug := fs.Bool("debug", false, "also log every message the dashboard handles")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	p, conn, err := c.setup()
	if err == nil && (*tick <= 0 || *inSync <= 0) {
		err = errors.New("--tick and --in-sync-polls must be positive")
	}
	if err != nil {
		fmt.Fprintf(stderr, "flyover: %v\n", err)
		return 2
	}
	defer p.Close()
	_ = conn // warnings and secrets: shown and redacted by the checklist (next)
	if !ui.IsTerminal() {
		fmt.Fprintf(stderr, "flyover: %v.\nFor a one-shot report that works in pipes and scripts, run:\n  flyover status %s\n", ui.ErrNoTerminal, c.args())
		return 2
	}
	logf, err := os.OpenFile(*logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fmt.Fprintf(stderr, "flyover: log file: %v (choose another with --log)\n", err)
		return 2
	}
	defer logf.Close()
	probe.SetLogOutput(logf)
	log.SetOutput(logf) // anything on the standard logger stays off the screen
	logger := log.New(logf, "flyover: ", log.LstdFlags|log.Lmicroseconds)
	logger.Printf("dashboard start: %s read-only=%t tick=%s", c.args(), *readOnly, *tick)

	if *readOnly {
		guardReadOnly(append([]*probe.Endpoint{p.Source, p.Target}, p.Sentinels...)...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watcher := probe.WatchSentinels(ctx, p.Sentinels)
	cfg := ui.Config{
		Topo: p.Topo, Source: p.Source, Target: p.Target, Events: watcher.Events,
		Tick: *tick, InSyncPolls: *inSync, ReadOnly: *readOnly,
		Log: logger, Debug: *debug, LogPath: *logPath,
	}
	for _, e := range p.Sentinels {
		cfg.Sentinels = append(cfg.Sentinels, ui.Sentinel{Addr: e.Addr, Poller: e})
	}
	err = ui.Run(ctx, cfg)
	logger.Printf("dashboard end: %v", err)
	if err != nil {
		fmt.Fprintf(stderr, "flyover: %v\n", err)
		return 1
	}
	return 0
}

func cmdStatus(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c connFlags
	c.register(fs)
	asJSON := fs.Bool("json", false, "print the snapshot as JSON (schema in the README)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	p, conn, err := c.setup()
	if err != nil {
		fmt.Fprintf(stderr, "flyover status: %v\n", err)
		return 2
	}
	defer p.Close()
	for _, w := range conn.warnings {
		fmt.Fprintf(stderr, "flyover status: warning: %s\n", w)
	}
	snap := p.Poll(context.Background())
	if *asJSON {
		err = ui.WriteStatusJSON(stdout, snap)
	} else {
		err = ui.WriteStatusTable(stdout, snap, "")
	}
	if err != nil {
		fmt.Fprintf(stderr, "flyover status: %v\n", err)
		return 1
	}
	if !snap.AllReachable() {
		return 1
	}
	return 0
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
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *pwEnv != "" {
		if o.Password = os.Getenv(*pwEnv); o.Password == "" {
			fmt.Fprintf(stderr, "flyover lab: --password-env %s: the variable is empty or unset\n", *pwEnv)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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

// cmdDemo starts a lab and prints its status every second until Ctrl-C.
func cmdDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keys := fs.Int("keys", 10000, "keys to preload on the source")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintln(stderr, "starting lab...")
	l, err := lab.Start(ctx, lab.Options{PreloadKeys: *keys})
	if err != nil {
		fmt.Fprintf(stderr, "flyover demo: %v\n", err)
		return 1
	}
	defer l.Stop()
	if err := l.AttachTarget(ctx); err != nil {
		fmt.Fprintf(stderr, "flyover demo: attach: %v\n", err)
		return 1
	}
	c := connFlags{source: l.Source.Addr(), target: l.Target.Addr(), master: l.Opts.MasterName, timeout: probe.DefaultTimeout}
	p := c.prober(l.SentinelAddrs(), resolved{})
	defer p.Close()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		snap := p.Poll(ctx)
		fmt.Fprint(stdout, "\033[H\033[2J")
		ui.WriteStatusTable(stdout, snap, l.TargetLabel())
		fmt.Fprintln(stdout, "\nCtrl-C stops the demo and the lab.")
		select {
		case <-ctx.Done():
			return 0
		case <-t.C:
		}
	}
}
