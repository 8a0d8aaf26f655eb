package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"flyover/lab/labtest"
)

func TestMain(m *testing.M) { labtest.Main(m) }

// logWriter sends progress lines to the test log.
type logWriter struct {
	t  *testing.T
	mu sync.Mutex
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// One run of each method on small labs: every run completes, the guarded
// cutover loses no acknowledged write, the documented methods' figures are
// recorded (their losses are measurements, logged, not asserted), and the
// JSON parses back into the same report, which renders as a table.
func TestEachMethodOnceReportsAndGuardedLosesNothing(t *testing.T) {
	labtest.Skip(t)
	var stdout bytes.Buffer
	code := Main(context.Background(), []string{"cutover", "--runs", "1", "--rate", "500", "--keys", "2000", "--window", "1s", "--json"},
		&stdout, &logWriter{t: t})

	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("the JSON does not parse: %v\n%s", err, stdout.String())
	}
	if code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if len(rep.Runs) != len(Methods) || len(rep.Summary) != len(Methods) {
		t.Fatalf("%d runs and %d summaries, want %d of each", len(rep.Runs), len(rep.Summary), len(Methods))
	}
	for _, r := range rep.Runs {
		if !r.OK {
			t.Errorf("%s #%d failed: %s", r.Method, r.Run, r.Error)
			continue
		}
		if r.Acked == 0 || r.Checked == nil || *r.Checked != r.Acked || r.Lost == nil || r.Promotion == nil || r.Target == "" {
			t.Errorf("%s #%d: figures missing: %+v", r.Method, r.Run, r)
		}
		t.Logf("%s: %s", r.Method, r.line())
	}
	for _, r := range rep.Runs {
		switch r.Method {
		case MethodGuarded:
			if r.Lost != nil && *r.Lost != 0 {
				t.Errorf("the guarded cutover lost %d acknowledged writes: %v", *r.Lost, r.LostSample)
			}
			if g := r.Guarded; g == nil || g.Pause <= 0 || g.FailoverAttempts < 1 {
				t.Errorf("the guarded cutover's timings are missing: %+v", g)
			}
		case MethodFailover:
			t.Logf("documented SENTINEL FAILOVER: %s (a measurement)", r.line())
		}
	}
	if rep.Goals == nil || !rep.Goals.LostNothing {
		t.Errorf("goals: %+v", rep.Goals)
	}
	if rep.Machine.CPUs == 0 || rep.Machine.RedisServer == "" || rep.Machine.Target == "" || rep.Command == "" {
		t.Errorf("machine or command missing: %+v, %q", rep.Machine, rep.Command)
	}

	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, m := range Methods {
		if !strings.Contains(table.String(), m.Title()) {
			t.Errorf("the table does not name %q:\n%s", m.Title(), table.String())
		}
	}
	t.Logf("\n%s", table.String())
}

// Bad usage exits 2 with a message that says what is wrong, before any
// server is started.
func TestBadUsageExits2(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "which benchmark"},
		{[]string{"latency"}, `unknown benchmark "latency"`},
		{[]string{"cutover", "--runs", "0"}, "--runs must be at least 1"},
		{[]string{"cutover", "--rate", "-5"}, "--rate must be at least 1"},
		{[]string{"cutover", "--keys", "-1"}, "--keys must not be negative"},
		{[]string{"cutover", "--methods", "failover,teleport"}, `unknown method "teleport"`},
		{[]string{"cutover", "--methods", ","}, "name at least one"},
		{[]string{"cutover", "--window", "0s"}, "--window must be positive"},
		{[]string{"cutover", "--no-such-flag"}, "flag provided but not defined"},
		{[]string{"cutover", "--runs", "many"}, "invalid value"},
		{[]string{"cutover", "extra"}, `unexpected argument "extra"`},
		{[]string{"cutover", "--audit-dir", "/nonexistent/flyover"}, "is not a directory"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), c.args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.want) || !strings.Contains(stderr.String(), "Usage:") {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit 2 and %q", c.args, code, stderr.String(), c.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("%q: wrote to stdout: %s", c.args, stdout.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"cutover", "--help"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "--runs") {
		t.Errorf("--help: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// The summary is over completed runs; a failed run fails the bench, and
// so does a guarded run that lost a write.
func TestSummaryAndPass(t *testing.T) {
	p := func(v float64) *float64 { return &v }
	n := func(v int64) *int64 { return &v }
	rep := Report{Runs: []RunResult{
		{Method: MethodGuarded, Run: 1, OK: true, LongestStall: 1100, Lost: n(0), Promotion: p(1000)},
		{Method: MethodGuarded, Run: 2, OK: true, LongestStall: 1300, Lost: n(0), Promotion: p(1050)},
		{Method: MethodGuarded, Run: 3, OK: true, LongestStall: 1200, Lost: n(0), Promotion: p(1020)},
		{Method: MethodFailover, Run: 1, OK: true, LongestStall: 20, Lost: n(900), Promotion: p(1000)},
		{Method: MethodFailover, Run: 2, OK: false, Error: "boom"},
	}}
	rep.summarize([]Method{MethodFailover, MethodGuarded})
	g := rep.Summary[1]
	if g.Completed != 3 || g.StallMedian != 1200 || g.StallMax != 1300 || *g.Promotion != 1020 {
		t.Errorf("guarded summary %+v", g)
	}
	if rep.Goals == nil || !rep.Goals.LostNothing || rep.Goals.OverPromotionMax != 250 || !rep.Goals.StallWithin {
		t.Errorf("goals %+v", rep.Goals)
	}
	if f := rep.Summary[0]; f.Runs != 2 || f.Completed != 1 || joinInts(f.Lost) != "900" {
		t.Errorf("failover summary %+v", f)
	}
	if rep.Passed() {
		t.Error("a bench with a failed run passed")
	}
	rep.Runs[4] = RunResult{Method: MethodFailover, Run: 2, OK: true, LongestStall: 10, Lost: n(1700), Promotion: p(990)}
	rep.Runs[0].Lost = n(1)
	rep.summarize([]Method{MethodFailover, MethodGuarded})
	if rep.Passed() || rep.Goals.LostNothing {
		t.Error("a bench where the guarded cutover lost a write passed")
	}
	rep.Runs[0].Lost = n(0)
	rep.summarize([]Method{MethodFailover, MethodGuarded})
	if !rep.Passed() {
		t.Error("a clean bench did not pass")
	}
}

// A run that failed before the writes were read back reports its loss as
// null, not 0: a figure never measured must not read as zero.
func TestUnmeasuredLossIsNull(t *testing.T) {
	r := RunResult{Method: MethodGuarded, Run: 1, OK: false, Error: "lab: source exited at start", Acked: 12}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"lost":null`) || !strings.Contains(string(b), `"checked":null`) {
		t.Errorf("a failed run's JSON: %s", b)
	}
	if strings.Contains(r.line(), "0 of") {
		t.Errorf("a failed run's line reads as measured: %s", r.line())
	}
	rep := Report{Runs: []RunResult{r}}
	rep.summarize([]Method{MethodGuarded})
	if rep.Goals.LostNothing || rep.Passed() {
		t.Errorf("a bench whose only run failed met 'lost nothing': %+v", rep.Goals)
	}
}

// Several writer connections, pipelined, values of a size: the guarded
// cutover still loses no acknowledged write, every acknowledged write is
// read back (the ledger is exact with batches in flight on every
// connection), and the rate achieved is reported.
func TestGuardedWithSeveralPipelinedWritersLosesNothing(t *testing.T) {
	labtest.Skip(t)
	var stdout bytes.Buffer
	code := Main(context.Background(), []string{"cutover", "--runs", "1", "--methods", "guarded", "--rate", "3000", "--conns", "4", "--pipeline", "8",
		"--keys", "5000", "--value-size", "64", "--window", "1s", "--json"}, &stdout, &logWriter{t: t})
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("the JSON does not parse: %v\n%s", err, stdout.String())
	}
	if code != 0 || len(rep.Runs) != 1 {
		t.Fatalf("exit %d, %d runs:\n%s", code, len(rep.Runs), stdout.String())
	}
	r := rep.Runs[0]
	if !r.OK || r.Lost == nil || *r.Lost != 0 || r.Checked == nil || *r.Checked != r.Acked || r.Acked == 0 {
		t.Fatalf("run: %+v", r)
	}
	if r.LongestStall <= 0 || r.LongestStall > r.Elapsed*1000 {
		t.Errorf("longest stall %.0f ms in a run of %.0f s", r.LongestStall, r.Elapsed)
	}
	if r.WritesPerSec <= 0 || rep.Settings.Conns != 4 || rep.Settings.Pipeline != 8 || rep.Settings.ValueSize != 64 ||
		!strings.Contains(rep.Settings.Writer, "4 connection(s), 8 SET(s)") || !strings.Contains(rep.Settings.ReplicaBufferLimit, "default") {
		t.Errorf("the writer's figures or settings are missing: %.0f writes/s, %+v", r.WritesPerSec, rep.Settings)
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	labtest.ContainsAll(t, "the table", table.String(), "3000 writes/s asked", "achieved before the cutover", "client-output-buffer-limit replica 256mb 64mb 60")
	t.Logf("%s: %d acknowledged, %d read back, %.0f writes/s achieved of 3000", r.line(), r.Acked, *r.Checked, r.WritesPerSec)
}

// What the size flags take, and the pure parts of the sync's figures.
func TestSizeFlagsAndFigures(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"cutover", "--conns", "0"}, "--conns and --pipeline must be at least 1"},
		{[]string{"cutover", "--pipeline", "0"}, "--conns and --pipeline must be at least 1"},
		{[]string{"cutover", "--value-size", "-1"}, "--value-size must not be negative"},
		{[]string{"cutover", "--replica-buffer-limit", "0 0"}, "is not HARD SOFT SECONDS"},
		{[]string{"cutover", "--replica-buffer-limit", "1gb x 60"}, "is not HARD SOFT SECONDS"},
	} {
		var stdout, stderr bytes.Buffer
		if code := Main(context.Background(), c.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
	for v, ok := range map[string]bool{"0 0 0": true, "512mb 256mb 60": true, "1GB 512mb 0": true, "256mb 64mb": false, "a b c": false, "-1 0 0": false} {
		if validBufferLimit(v) != ok {
			t.Errorf("validBufferLimit(%q) = %v", v, !ok)
		}
	}
	list := "id=5 addr=127.0.0.1:4711 laddr=127.0.0.1:6380 fd=9 name= age=3 idle=0 flags=S db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=12 omem=245760 tot-mem=247488 events=r cmd=psync user=default redir=-1 resp=2\n" +
		"id=6 addr=127.0.0.1:4712 laddr=127.0.0.1:6380 fd=10 name= age=3 idle=0 flags=S db=0 omem=1048576 tot-mem=1050000 cmd=psync\n"
	if got := maxOmem(list); got != 1048576 {
		t.Errorf("maxOmem = %d, want 1048576", got)
	}
	if got := maxOmem(""); got != 0 {
		t.Errorf("maxOmem of no replica = %d", got)
	}
	if got := fmtBytes(1_234_567_890); got != "1.23 GB" {
		t.Errorf("fmtBytes = %q", got)
	}
}
