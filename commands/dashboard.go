package commands

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"

	"flyover/probe"
	"flyover/probe/canary"
	"flyover/probe/events"
	"flyover/steps"
	"flyover/ui"
	"flyover/ui/common"
)

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
	canary := fs.Bool("canary", false, fmt.Sprintf("write canary keys through Sentinel (%d/s, %s TTL) and read them back after the cutover", canary.DefaultCanaryRate, canary.DefaultCanaryTTL))
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
	watcher := events.WatchSentinels(ctx, p.Sentinels)
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
