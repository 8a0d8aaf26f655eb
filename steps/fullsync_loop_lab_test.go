package steps_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/probe"
	"flyover/probe/canary"
	"flyover/steps"
	"flyover/steps/checks"

	"github.com/redis/go-redis/v9"
)

// The loop at a small size: a source whose replica output buffer
// limit is far too small (replica 1mb 512kb 5), a snapshot slowed down on
// the source (rdb-key-save-delay) so that the sync lasts about a second,
// and a pipelined writer at a set rate (about 4 MB/s: past the 1 MB limit
// well within the snapshot, far below the raised one for the whole sync,
// whatever the machine's speed; redis-benchmark has no rate and on an
// idle machine passes even a 256 MB limit within a few seconds). flyover must name the limit,
// stop the sync within two restarts with REPLICAOF NO ONE in the audit
// log, offer the raised limit at the attach, and with it the sync
// finishes.
func TestFullSyncLoopIsStoppedAndTheFixLetsItFinish(t *testing.T) {
	// SyncDelay (repl-diskless-sync-delay, Redis's default is 5 s) holds
	// each restart's fork 2 s after the target asks: the source counts the
	// restart (sync_full) when asked, so flyover has those seconds to see
	// the second restart and detach before a third fork, however busy the
	// machine. Without it (TestFullSyncLoopIsStoppedWithoutTheSyncDelay)
	// the restarts come well under a second apart.
	g, src, w, fast := startLoop(t, 2*time.Second, 250*time.Millisecond, 8000)
	ctx := context.Background()
	stopWriter := w.Stop
	g.advanceTo(steps.StepAttach)
	f := g.facts()
	var buf *steps.Check
	for _, c := range checks.Preflight(f, g.opts) {
		if c.ID == "sync-buffer" {
			buf = &c
		}
	}
	if buf == nil {
		t.Fatal("preflight has no sync-buffer check")
	}
	t.Logf("preflight: %s: %s %s", buf.Level, buf.Detail, buf.Fix)
	if fast && (buf.Level != steps.Warn || !strings.Contains(buf.Fix, `CONFIG SET client-output-buffer-limit "replica `)) {
		t.Errorf("preflight with the writer running: %s %q fix %q; want a warning with the CONFIG SET", buf.Level, buf.Detail, buf.Fix)
	}
	baseline := f.Snapshot.Source.Sync.SyncFull

	// Attach without the fix: the loop.
	if err := g.runner.Run(ctx, steps.StepAttach, f, steps.Answers{"attach": "y", "raise-buffer": "n"}); err != nil {
		t.Fatalf("attach: %v", err)
	}
	err := g.run(steps.StepFullSync)
	if !stoppedNamingTheLimit(err) || !strings.Contains(err.Error(), "Next: raise the source's limit: CONFIG SET client-output-buffer-limit") {
		t.Fatalf("full sync: %v; want it stopped, naming the limit and the fix", err)
	}
	t.Logf("stopped: %v", err)
	info := probe.ParseInfo(src.Info(ctx, "stats").Val())
	if n := info.Int("sync_full"); n > baseline+steps.MaxSyncRestarts+1 {
		t.Errorf("sync_full went from %d to %d: more than the attach's and %d restarts", baseline, n, steps.MaxSyncRestarts)
	}
	if !auditHas(t, g.audit.Path(), "REPLICAOF", "NO", "ONE") {
		t.Error("the audit log has no REPLICAOF NO ONE")
	}
	if role := g.lab.Target.Client().Do(ctx, "ROLE").Val(); role == nil || probe.AsString(role.([]any)[0]) != "master" {
		t.Errorf("the target is %v after the stop, want master (detached)", role)
	}

	// The attach now offers the raised limit; with it the sync finishes.
	c, f := g.plan()
	if c.Current != steps.StepAttach {
		t.Fatalf("plan at %s after the stop, want attach", c.Current)
	}
	var offered string
	for _, q := range steps.Lookup(steps.StepAttach).Confirmations(f, g.opts) {
		if q.ID == "raise-buffer" {
			offered = q.Commands[0].Args[3]
		}
	}
	if offered == "" {
		t.Fatal("the attach step does not offer to raise the buffer limit")
	}
	if !strings.Contains(err.Error(), "CONFIG SET client-output-buffer-limit "+strconv.Quote(offered)) {
		t.Errorf("the attach offers %q, the stop said: %v", offered, err)
	}
	if err := g.runner.Run(ctx, steps.StepAttach, f, yes(steps.StepAttach, f, g.opts)); err != nil {
		t.Fatalf("attach with the fix: %v", err)
	}
	if v := src.ConfigGet(ctx, "client-output-buffer-limit").Val()["client-output-buffer-limit"]; strings.Contains(v, "1048576") {
		t.Errorf("the limit was not raised: %s", v)
	}
	if err := g.run(steps.StepFullSync); err != nil {
		t.Fatalf("full sync with the raised limit: %v", err)
	}
	if !auditHas(t, g.audit.Path(), "CONFIG", "SET", "client-output-buffer-limit") {
		t.Error("the raise is not in the audit log")
	}

	// After the migration, the decommission offers to put the old limit
	// back on the old primary that keeps running, and the report says so.
	stopWriter()
	g.advanceTo(steps.StepDecommission)
	_, f = g.plan()
	if c := restoreOffer(steps.Lookup(steps.StepDecommission).Confirmations(f, g.opts)); c == nil || !strings.Contains(c.Prompt, "the old primary's") {
		t.Fatalf("the decommission does not offer to put the limit back: %+v", c)
	}
	if err := g.runner.Run(ctx, steps.StepDecommission, f, steps.Answers{"restore-buffer": "y", "shutdown": "n", "reset": "y"}); err != nil {
		t.Fatalf("decommission with the limit put back: %v", err)
	}
	if v := src.ConfigGet(ctx, "client-output-buffer-limit").Val()["client-output-buffer-limit"]; !strings.Contains(v, "1048576 524288 5") {
		t.Errorf("the limit was not put back: %s", v)
	}
	g.advanceTo(steps.StepReport)
	g.mustRun(steps.StepReport)
	report, err := os.ReadFile(g.runner.Session.Facts(g.prober.Topo, probe.Snapshot{}).Report)
	if err != nil || !strings.Contains(string(report), "was put back to `replica 1048576 524288 5`") || strings.Contains(string(report), "Restore the source's buffer limit") {
		t.Errorf("the report does not say the limit was put back (%v):\n%s", err, report)
	}
	// The history stays: the stop, the raise, the sync that finished.
	for _, want := range []string{"Full sync stopped by flyover at", "was raised from `replica 1048576 524288 5` to", "the full sync then finished"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
}

// restoreOffer is the question that puts the raised limit back, nil when
// none is asked.
func restoreOffer(cs []steps.Confirmation) *steps.Confirmation {
	for i := range cs {
		if cs[i].ID == "restore-buffer" {
			return &cs[i]
		}
	}
	return nil
}

// The loop with repl-diskless-sync-delay 0, as on a source that forks the
// moment the target asks (a disk-based sync, Redis < 7's default): the
// restarts come a few hundred milliseconds apart, faster than the step's
// polls, and the step's close watch must still stop the sync within two
// restarts. Guaranteed on any machine: the stop names the limit and says
// no fewer restarts than the source's own count (sync_full since the
// attach). Within two
// restarts holds while flyover reads the counter faster than the writes
// fill the limit after a fork (here about 250 ms against a 25 ms watch),
// which a starved machine can break: an attempt that let a third restart
// through (or miscounted) is tried again, up to three times.
func TestFullSyncLoopIsStoppedWithoutTheSyncDelay(t *testing.T) {
	// Polls a second apart (twice the default): the restarts come several
	// times a poll.
	g, src, _, _ := startLoop(t, 0, time.Second, 8000)
	ctx := context.Background()
	g.advanceTo(steps.StepAttach)
	said := regexp.MustCompile(`full sync stopped: the source dropped it (\d+) times`)
	var late []string
	for attempt := 1; attempt <= 3; attempt++ {
		f := g.facts()
		baseline := f.Snapshot.Source.Sync.SyncFull
		if err := g.runner.Run(ctx, steps.StepAttach, f, steps.Answers{"attach": "y", "raise-buffer": "n"}); err != nil {
			t.Fatalf("attach: %v", err)
		}
		err := g.run(steps.StepFullSync)
		if !stoppedNamingTheLimit(err) {
			t.Fatalf("full sync: %v; want it stopped, naming the limit", err)
		}
		restarts := int(probe.ParseInfo(src.Info(ctx, "stats").Val()).Int("sync_full")-baseline) - 1
		// The stop counts a drop it saw as a restart even when it stopped
		// the target before it asked again: never fewer than the source.
		m := said.FindStringSubmatch(err.Error())
		if m == nil || atoi(m[1]) < restarts {
			late = append(late, fmt.Sprintf("attempt %d: the source counted %d restarts, the stop said %v", attempt, restarts, m))
			continue
		}
		if restarts > steps.MaxSyncRestarts {
			late = append(late, fmt.Sprintf("attempt %d: stopped after %d restarts", attempt, restarts))
			continue
		}
		if role := g.lab.Target.Client().Do(ctx, "ROLE").Val(); role == nil || probe.AsString(role.([]any)[0]) != "master" {
			t.Fatalf("the target is %v after the stop, want master (detached)", role)
		}
		t.Logf("attempt %d stopped after %d restarts: %v", attempt, restarts, err)

		// Attached again with the fix, the way back offers to put the old
		// limit back.
		f = g.facts()
		if err := g.runner.Run(ctx, steps.StepAttach, f, yes(steps.StepAttach, f, g.opts)); err != nil {
			t.Fatalf("attach with the fix: %v", err)
		}
		f = g.facts()
		if restoreOffer(steps.Lookup(steps.StepAbort).Confirmations(f, g.opts)) == nil {
			t.Fatal("the abort does not offer to put the limit back")
		}
		if err := g.runner.Run(ctx, steps.StepAbort, f, steps.Answers{"abort": "y", "detach": "y", "restore-buffer": "y"}); err != nil {
			t.Fatalf("abort with the limit put back: %v", err)
		}
		if v := src.ConfigGet(ctx, "client-output-buffer-limit").Val()["client-output-buffer-limit"]; !strings.Contains(v, "1048576 524288 5") {
			t.Errorf("the limit was not put back: %s", v)
		}
		return
	}
	t.Errorf("no attempt stopped within %d restarts: %s", steps.MaxSyncRestarts, strings.Join(late, "; "))
}

// startLoop is the loop's rig: the source's limit far too small, its
// snapshot slowed down, the step polling every poll, the writer running at rate writes/s of 512 bytes
// (8000: about 4 MB/s), and whether the source's input rate shows it yet.
func startLoop(t *testing.T, syncDelay, poll time.Duration, rate int) (*rig, *redis.Client, *canary.Canary, bool) {
	t.Helper()
	g := startRig(t, lab.Options{PreloadKeys: 20000, SyncDelay: syncDelay}, steps.Options{PollInterval: poll})
	ctx := context.Background()
	src := g.lab.Source.Client()
	for _, kv := range [][2]string{{"client-output-buffer-limit", "replica 1mb 512kb 5"}, {"rdb-key-save-delay", "50"}} {
		if err := src.ConfigSet(ctx, kv[0], kv[1]).Err(); err != nil {
			t.Skipf("the source refuses CONFIG SET %s: %v", kv[0], err)
		}
	}
	w, err := canary.StartCanary(ctx, canary.CanaryOptions{MasterName: g.lab.Opts.MasterName, Sentinels: g.lab.SentinelAddrs(),
		Rate: rate, Conns: 2, Pipeline: 8, ValueSize: 512, Namespace: "loop"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })

	// Let the source's input rate show the writer (INFO's instantaneous
	// figure is averaged over its last samples): the prediction's rate
	// before any replica moves master_repl_offset.
	fast := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if probe.ParseInfo(src.Info(ctx, "stats").Val()).Float("instantaneous_input_kbps") >= float64(rate)*512/1024*3/4 {
			fast = true
			break
		}
	}
	return g, src, w, fast
}

// stoppedNamingTheLimit: the full-sync step stopped the loop, its last
// drop names the buffer limit it passed (hard or soft, as judged, with
// its figure), and the fix is the replica class's limit.
func stoppedNamingTheLimit(err error) bool {
	return err != nil && strings.Contains(err.Error(), "full sync stopped") && namedLimit.MatchString(err.Error()) &&
		strings.Contains(err.Error(), `CONFIG SET client-output-buffer-limit "replica `)
}

var namedLimit = regexp.MustCompile(`last: the buffer (passed|stayed over|was over) its [0-9.]+ [KMG]?i?B (hard|soft) limit`)

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
