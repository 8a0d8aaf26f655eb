package commands

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"flyover/lab"
	"flyover/probe"
	"flyover/probe/canary"
	"flyover/ui"
)

// demoOptions are flyover demo's flags.
type demoOptions struct {
	screenFlags
	keys, rate int
	autoplay   bool
	linger     time.Duration
	// valueSize, conns, pipeline: the dataset's values and the
	// application's (canary.CanaryOptions).
	valueSize, conns, pipeline int
}

// runDemo starts a lab, an application writing through Sentinel, and the
// guided migration; on the way out (q, Ctrl-C, a signal, an error at any
// point) it stops the writer and the lab and says where the record is.
func runDemo(o demoOptions, stdout, stderr io.Writer) int {
	if err := lab.Check(); err != nil {
		fmt.Fprintf(stderr, "flyover demo: %v\n", err)
		return 1
	}
	if !ui.IsTerminal() {
		fmt.Fprintf(stderr, "flyover demo: %v\n", ui.ErrNoTerminal)
		return 2
	}
	o.logPath = o.logFile(false)
	logger, closeLog, err := openLog(o.logPath)
	if err != nil {
		fmt.Fprintf(stderr, "flyover demo: %v\n", err)
		return 2
	}
	defer closeLog()
	ctx, stop := signalContext()
	defer stop()

	l, err := startLabShowing(ctx, lab.Options{PreloadKeys: o.keys, ValueSize: o.valueSize}, stderr)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "flyover demo: interrupted; nothing left running")
			return 130
		}
		fmt.Fprintf(stderr, "flyover demo: %v\n", err)
		return 1
	}
	defer func() {
		fmt.Fprintln(stderr, "stopping the lab…")
		l.Stop()
		fmt.Fprintln(stderr, "lab stopped, its files removed")
	}()
	logger.Printf("demo: %s; lab in %s", strings.Join(l.FlyoverArgs(), " "), l.Dir)

	p := l.Prober(probe.DefaultTimeout)
	defer p.Close()

	fmt.Fprintf(stderr, "starting the application: %s writes/s through Sentinel…\n", probe.Thousands(int64(o.rate)))
	app, err := canary.StartCanary(ctx, canary.CanaryOptions{MasterName: l.Opts.MasterName, Sentinels: l.SentinelAddrs(),
		Rate: o.rate, Namespace: "app:" + time.Now().Format("150405"), Conns: o.conns, Pipeline: o.pipeline, ValueSize: o.valueSize})
	if err != nil {
		fmt.Fprintf(stderr, "flyover demo: %v\n", err)
		return 1
	}
	defer app.Close()

	g, err := openGuide(ctx, p, guideSetup{auditPath: o.auditPath, writer: app,
		label: fmt.Sprintf("%s writes/s via Sentinel", probe.Thousands(int64(o.rate)))})
	if err != nil {
		fmt.Fprintf(stderr, "flyover demo: %v\n", err)
		return 1
	}
	defer g.close()
	finished := false
	g.guide.Autoplay, g.guide.Linger = o.autoplay, o.linger
	g.guide.Finished = func() { finished = true }

	err = runDashboard(ctx, p, g, dashboard{screenFlags: o.screenFlags, lab: "demo on loopback", logger: logger})
	logger.Printf("demo end: %v", err)
	app.Stop()
	if err != nil {
		fmt.Fprintf(stderr, "flyover demo: %v\n", err)
	}
	printDemoSummary(ctx, stdout, app, g)
	switch {
	case err != nil:
		return 1
	case ctx.Err() != nil:
		return 130
	case o.autoplay && o.linger > 0 && !finished:
		return 130 // quit before the end: a demo loop stops here
	}
	return 0
}

// startLabShowing starts the lab and shows, on stderr, that it is
// starting: it takes a few seconds. Interrupted, lab.Start stops what it
// started. The line counts the seconds on a terminal only: a file or a
// pipe gets how it ended, once.
func startLabShowing(ctx context.Context, o lab.Options, w io.Writer) (*lab.Lab, error) {
	redraw := ""
	if f, ok := w.(*os.File); ok && term.IsTerminal(f.Fd()) {
		redraw = "\r\033[K"
	}
	type started struct {
		l   *lab.Lab
		err error
	}
	done := make(chan started, 1)
	go func() {
		l, err := lab.Start(ctx, o)
		done <- started{l, err}
	}()
	what := fmt.Sprintf("starting the lab: a Redis source with %s keys, a target, 3 Sentinels", probe.Thousands(int64(o.PreloadKeys)))
	t0 := time.Now()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	if redraw == "" {
		t.Stop() // nothing to count on a file
	}
	interrupted := false
	cancelled := ctx.Done() // nil once seen: a closed channel would spin the loop
	for {
		select {
		case r := <-done:
			if r.err == nil && ctx.Err() != nil {
				r.l.Stop()
				r.l, r.err = nil, ctx.Err()
			}
			switch {
			case interrupted || errors.Is(r.err, context.Canceled):
				fmt.Fprintf(w, "%s%s: interrupted, stopped\n", redraw, what)
			case r.err != nil:
				fmt.Fprintf(w, "%s%s: failed\n", redraw, what)
			default:
				fmt.Fprintf(w, "%s%s: ready in %.1f s (%s)\n", redraw, what, time.Since(t0).Seconds(), r.l.Dir)
				if r.l.TargetStandIn {
					fmt.Fprintln(w, "  no dragonfly on PATH: a redis-server stands in for it, and the screen says so")
				}
			}
			return r.l, r.err
		case <-cancelled:
			cancelled, interrupted = nil, true
			if redraw != "" {
				fmt.Fprintf(w, "%s%s: interrupted, stopping what started…", redraw, what)
			}
		case <-t.C:
			if !interrupted {
				fmt.Fprintf(w, "%s%s… %.1f s", redraw, what, time.Since(t0).Seconds())
			}
		}
	}
}

// printDemoSummary reads every acknowledged write of the application back
// (from wherever Sentinel says the primary is now) and says what the
// migration cost it, and where the record is.
func printDemoSummary(ctx context.Context, w io.Writer, app *canary.Canary, g *guide) {
	s := app.Stats()
	fmt.Fprintf(w, "\nflyover demo\n  application  %s writes acknowledged, %s failed, longest stall %s\n",
		probe.Thousands(int64(s.Acked)), probe.Thousands(int64(s.Failed)), s.LongestStall.Round(time.Millisecond).String())
	if ctx.Err() == nil {
		vctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		v, err := app.Verify(vctx)
		cancel()
		if err != nil {
			fmt.Fprintf(w, "  verified     not checked: %v\n", err)
		} else {
			// Read back again at exit: every write acknowledged by now,
			// more than the report's read-back counted.
			// Two lines: one line was 125 columns, and the terminal cut
			// the primary's address at the tape's 120.
			fmt.Fprintf(w, "  verified     at exit: %s of %s acknowledged writes lost\n               (all acknowledged by %s, read back from %s)\n",
				probe.Thousands(int64(v.Lost)), probe.Thousands(int64(v.Checked)), v.At.Format("15:04:05"), v.Primary)
		}
	}
	audit, report := g.record()
	fmt.Fprintf(w, "  audit log    %s\n", audit)
	if report != "" {
		fmt.Fprintf(w, "  report       %s\n", report)
	}
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
	fs.IntVar(&o.valueSize, "value-size", 0, "bytes per preloaded value and per application write (0: small values)")
	fs.IntVar(&o.conns, "conns", 1, "the application's connections, sharing --rate")
	fs.IntVar(&o.pipeline, "pipeline", 1, "SETs the application sends per round trip on each connection")
	fs.BoolVar(&o.autoplay, "autoplay", false, "walk the steps and answer the questions by itself (lab only), for unattended demos")
	fs.DurationVar(&o.linger, "linger", 0, "with --autoplay: quit this long after the last step (0: stay until q); exit status 0 only then")
	o.screenFlags.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.rate <= 0 || o.keys < 0 || o.tick <= 0 || o.linger < 0 || o.valueSize < 0 || o.conns < 1 || o.pipeline < 1 {
		fmt.Fprintln(stderr, "flyover demo: --rate and --tick must be positive, --conns and --pipeline at least 1, --keys, --value-size and --linger not negative")
		return 2
	}
	return runDemo(o, stdout, stderr)
}
