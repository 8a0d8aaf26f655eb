// Package bench measures cutover methods on fresh labs. `flyover bench
// cutover` runs the documented SENTINEL FAILOVER, the documented
// stop-the-primary and flyover's guarded cutover, each several times under
// the same write load (an application-like canary writing through
// Sentinel), and reports for each the longest write stall, the failed
// writes and the acknowledged writes lost, next to Sentinel's own
// promotion time.
//
// The documented methods send their commands directly: this is a
// measurement harness. The guarded method runs the cutover step through
// steps.Runner, confirmations, audit log and all, so the bench measures
// what an operator runs.
package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Method is a way to move the primary onto the target.
type Method string

const (
	// MethodFailover is the documented SENTINEL FAILOVER, alone.
	MethodFailover Method = "failover"
	// MethodStopPrimary is the documented alternative: stop the Redis
	// primary (SIGTERM) and let Sentinel fail over after down-after.
	MethodStopPrimary Method = "stop-primary"
	// MethodGuarded is flyover's guarded cutover (steps.Runner.Cutover).
	MethodGuarded Method = "guarded"
)

// Methods are every method, in the order they are run and reported.
var Methods = []Method{MethodFailover, MethodStopPrimary, MethodGuarded}

// Title is the method as the table names it.
func (m Method) Title() string {
	switch m {
	case MethodFailover:
		return "SENTINEL FAILOVER, as documented"
	case MethodStopPrimary:
		return "stop the primary, as documented"
	case MethodGuarded:
		return "guarded cutover (flyover)"
	}
	return string(m)
}

// Settings are one bench's parameters.
type Settings struct {
	Runs    int      // runs per method
	Rate    int      // canary writes per second
	Keys    int      // keys preloaded on the source
	Methods []Method // which methods, in Methods order
	// Window is how long the canary writes before the cutover, and again
	// once the topology has settled and writes flow to the new primary.
	Window          time.Duration
	DownAfter       time.Duration // Sentinel down-after-milliseconds
	FailoverTimeout time.Duration // Sentinel failover-timeout
	StandIn         bool          // a redis-server target even when dragonfly is on PATH
	// At size (lab/bench/size.go): the preloaded values' size (also the
	// writer's), the writer's connections and SETs per round trip, the
	// source's client-output-buffer-limit for replicas ("" leaves Redis's
	// default), and whether to measure the full sync under the writes
	// with flyover's own process (Flyover: its binary).
	ValueSize          int
	Conns, Pipeline    int
	ReplicaBufferLimit string
	MeasureSync        bool
	Flyover            string
	// AuditDir keeps each run's audit log; empty: in the lab's directory,
	// removed with it.
	AuditDir string
	// Command is the command line, for the report.
	Command string
}

// Defaults: a full default bench (3 methods x 3 runs) takes about 3 to 4
// minutes on a 2-core machine, most of it waiting for Sentinel to
// discover the target (it reads the primary's INFO every 10 s) and, for
// stop-the-primary, for down-after.
const (
	DefaultRuns   = 3
	DefaultRate   = 2000
	DefaultKeys   = 100000
	DefaultWindow = 2 * time.Second
)

const synopsis = `Usage:
  flyover bench cutover [--runs 3] [--rate 2000] [--keys 100000] [--methods failover,stop-primary,guarded]
                        [--window 2s] [--down-after 5s] [--failover-timeout 60s] [--stand-in]
                        [--value-size 0] [--conns 1] [--pipeline 1] [--replica-buffer-limit "0 0 0"]
                        [--measure-sync] [--audit-dir DIR] [--json]
`

const usage = synopsis + `
Runs each cutover method --runs times, each on a fresh lab (a Redis source,
the target: dragonfly when on PATH, else a redis-server standing in for it,
and three Sentinels), under the same write load: a canary writing --rate SETs
a second through Sentinel with go-redis's NewFailoverClient. It prints, per
method, the longest write stall (median and max), the failed writes, the
acknowledged writes lost (every acknowledged key is read back from the new
primary), and Sentinel's own promotion time for comparison.

Methods:
  failover      SENTINEL FAILOVER, as documented
  stop-primary  stop the Redis primary (SIGTERM), as documented; Sentinel
                fails over after --down-after
  guarded       flyover's guarded cutover, run through its own step code

At size: --keys and --value-size make the source's dataset (2,000,000 x 512
is about 1.2 GB; the lab preloads it with DEBUG POPULATE in seconds); the
writer's values are --value-size bytes too, sent by --conns connections,
--pipeline SETs per round trip, and the report says the rate each run
achieved next to --rate. --measure-sync starts the writes before the attach
and runs flyover's own process (flyover migrate --until steady-state) to
attach the target: it reports the full sync's time, the source's output
buffer peak for the target (omem, sampled every 100 ms), the full syncs the
source ran, and flyover's CPU and peak RSS. A source whose
client-output-buffer-limit for replicas is too small for the sync drops it
and starts again (it loops): --replica-buffer-limit sets it ("0 0 0": no
limit; "512mb 256mb 60"), and the report says which limit the run had.

Progress goes to stderr; the table (or with --json, JSON) to stdout.
Exit status: 0 every run completed and the guarded cutover lost nothing,
1 a run failed or the guarded cutover lost an acknowledged write, 2 bad usage.
`

// Main is `flyover bench`: args are what follows "bench"; ctx ends the
// runs (the caller's signals: Ctrl-C, SIGTERM, a hang-up).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	s, asJSON, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "flyover bench: %v\n\n%s\nflyover bench --help says more.\n", err, synopsis)
		return 2
	}
	rep := Run(ctx, s, stderr)
	if asJSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteTable(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "flyover bench: %v\n", err)
		return 1
	}
	if !rep.Passed() {
		return 1
	}
	return 0
}

// errUsageShown: the flag package already printed what was wrong.
var errUsageShown = errors.New("see above")

func parse(args []string, stderr io.Writer) (Settings, bool, error) {
	s := Settings{Command: commandLine(args)}
	if len(args) == 0 {
		return s, false, errors.New("which benchmark? the only one is: cutover")
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		return s, false, flag.ErrHelp
	case "cutover":
	default:
		return s, false, fmt.Errorf("unknown benchmark %q: the only one is: cutover", args[0])
	}
	fs := flag.NewFlagSet("flyover bench cutover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // Main prints the usage once, after the error
	fs.IntVar(&s.Runs, "runs", DefaultRuns, "runs per method, each on a fresh lab")
	fs.IntVar(&s.Rate, "rate", DefaultRate, "canary writes per second")
	fs.IntVar(&s.Keys, "keys", DefaultKeys, "keys preloaded on the source")
	methods := fs.String("methods", joinMethods(Methods), "comma-separated subset of: "+joinMethods(Methods))
	fs.DurationVar(&s.Window, "window", DefaultWindow, "writes before the cutover, and again after the topology settles")
	fs.DurationVar(&s.DownAfter, "down-after", 5*time.Second, "Sentinel down-after-milliseconds")
	fs.DurationVar(&s.FailoverTimeout, "failover-timeout", 60*time.Second, "Sentinel failover-timeout")
	fs.BoolVar(&s.StandIn, "stand-in", false, "use a redis-server target even when dragonfly is on PATH")
	fs.IntVar(&s.ValueSize, "value-size", 0, "bytes per preloaded value and per written value (0: small values)")
	fs.IntVar(&s.Conns, "conns", 1, "the writer's connections, sharing --rate")
	fs.IntVar(&s.Pipeline, "pipeline", 1, "SETs each writer connection sends per round trip")
	fs.StringVar(&s.ReplicaBufferLimit, "replica-buffer-limit", "", `the source's client-output-buffer-limit for replicas, "HARD SOFT SECONDS" (default: Redis's, 256mb 64mb 60)`)
	fs.BoolVar(&s.MeasureSync, "measure-sync", false, "attach under the writes with flyover migrate --until steady-state and report the full sync's figures")
	fs.StringVar(&s.AuditDir, "audit-dir", "", "keep each run's audit log in this directory (default: removed with the lab)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return s, false, err
		}
		return s, false, errUsageShown
	}
	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q (flags only)", fs.Arg(0)))
	}
	if s.Runs < 1 {
		problems = append(problems, "--runs must be at least 1")
	}
	if s.Rate < 1 {
		problems = append(problems, "--rate must be at least 1 write per second")
	}
	if s.Keys < 0 {
		problems = append(problems, "--keys must not be negative")
	}
	if s.ValueSize < 0 {
		problems = append(problems, "--value-size must not be negative")
	}
	if s.Conns < 1 || s.Pipeline < 1 {
		problems = append(problems, "--conns and --pipeline must be at least 1")
	}
	if s.ReplicaBufferLimit != "" && !validBufferLimit(s.ReplicaBufferLimit) {
		problems = append(problems, fmt.Sprintf("--replica-buffer-limit %q is not HARD SOFT SECONDS (such as \"0 0 0\" or \"512mb 256mb 60\")", s.ReplicaBufferLimit))
	}
	if s.MeasureSync {
		exe, err := os.Executable()
		if err != nil {
			problems = append(problems, "--measure-sync: cannot find flyover's own binary: "+err.Error())
		}
		s.Flyover = exe
	}
	if s.Window <= 0 {
		problems = append(problems, "--window must be positive")
	}
	if s.DownAfter < 100*time.Millisecond {
		problems = append(problems, "--down-after must be at least 100ms")
	}
	if s.FailoverTimeout < time.Second {
		problems = append(problems, "--failover-timeout must be at least 1s")
	}
	ms, err := parseMethods(*methods)
	if err != nil {
		problems = append(problems, err.Error())
	}
	s.Methods = ms
	if s.AuditDir != "" {
		if fi, err := os.Stat(s.AuditDir); err != nil || !fi.IsDir() {
			problems = append(problems, fmt.Sprintf("--audit-dir %q is not a directory", s.AuditDir))
		}
	}
	if len(problems) > 0 {
		return s, false, errors.New(strings.Join(problems, "; "))
	}
	return s, *asJSON, nil
}

// commandLine is the bench's command as typed, quoting what has spaces
// (--replica-buffer-limit "0 0 0").
func commandLine(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = a
		if a == "" || strings.ContainsAny(a, " \t\"'") {
			q[i] = strconv.Quote(a)
		}
	}
	return strings.TrimSpace("flyover bench " + strings.Join(q, " "))
}

// parseMethods reads a comma-separated list; the result is in Methods
// order, without repeats.
func parseMethods(list string) ([]Method, error) {
	want := map[Method]bool{}
	for _, w := range strings.Split(list, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		ok := false
		for _, m := range Methods {
			if string(m) == w {
				want[m], ok = true, true
			}
		}
		if !ok {
			return nil, fmt.Errorf("--methods: unknown method %q (choose from %s)", w, joinMethods(Methods))
		}
	}
	var out []Method
	for _, m := range Methods {
		if want[m] {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--methods: name at least one of %s", joinMethods(Methods))
	}
	return out, nil
}

func joinMethods(ms []Method) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ",")
}

// Run runs every run of every method, interleaved (run 1 of each method,
// then run 2, ...) so that whatever else the machine does is spread over
// the methods. Progress lines go to progress. It stops early, reporting
// what it has, when ctx ends.
func Run(ctx context.Context, s Settings, progress io.Writer) Report {
	start := time.Now()
	rep := Report{Command: s.Command, Machine: readMachine(s), Settings: settingsOf(s), Started: start}
	total := s.Runs * len(s.Methods)
	fmt.Fprintf(progress, "bench: %d runs (%d per method), %d writes/s, %d keys; target: %s\n",
		total, s.Runs, s.Rate, s.Keys, rep.Machine.Target)
	i := 0
	for n := 1; n <= s.Runs; n++ {
		for _, m := range s.Methods {
			i++
			if ctx.Err() != nil {
				rep.Interrupted = true
				break
			}
			logf := func(format string, a ...any) {
				fmt.Fprintf(progress, "bench: [%d/%d] %s #%d: %s\n", i, total, m, n, fmt.Sprintf(format, a...))
			}
			logf("starting (%s elapsed)", time.Since(start).Round(time.Second))
			r := runOnce(ctx, s, m, n, logf)
			if r.Error != "" {
				logf("FAILED: %s", r.Error)
			} else {
				logf("%s", r.line())
			}
			rep.Runs = append(rep.Runs, r)
			if r.Target != "" && rep.Machine.TargetServer == "" {
				rep.Machine.TargetServer = r.Target
			}
		}
	}
	if ctx.Err() != nil {
		rep.Interrupted = true
	}
	rep.Elapsed = seconds(time.Since(start))
	rep.summarize(s.Methods)
	fmt.Fprintf(progress, "bench: done in %s\n", time.Since(start).Round(time.Second))
	return rep
}
