package steps_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/probe"
	"flyover/probe/canary"
	"flyover/steps"
	"flyover/steps/checks"
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
	// machine. Without it the restarts come about a second apart, a few of
	// flyover's polls, and a loaded machine can let one more through.
	g := startRig(t, lab.Options{PreloadKeys: 20000, SyncDelay: 2 * time.Second}, steps.Options{PollInterval: 250 * time.Millisecond})
	ctx := context.Background()
	src := g.lab.Source.Client()
	for _, kv := range [][2]string{{"client-output-buffer-limit", "replica 1mb 512kb 5"}, {"rdb-key-save-delay", "50"}} {
		if err := src.ConfigSet(ctx, kv[0], kv[1]).Err(); err != nil {
			t.Skipf("the source refuses CONFIG SET %s: %v", kv[0], err)
		}
	}
	w, err := canary.StartCanary(ctx, canary.CanaryOptions{MasterName: g.lab.Opts.MasterName, Sentinels: g.lab.SentinelAddrs(),
		Rate: 8000, Conns: 2, Pipeline: 8, ValueSize: 512, Namespace: "loop"})
	if err != nil {
		t.Fatal(err)
	}
	stopWriter := w.Stop
	t.Cleanup(func() { _ = w.Close() })

	// Let the source's input rate show the writer (INFO's instantaneous
	// figure is averaged over its last samples): the prediction's rate
	// before any replica moves master_repl_offset.
	fast := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if probe.ParseInfo(src.Info(ctx, "stats").Val()).Float("instantaneous_input_kbps") >= 3000 {
			fast = true
			break
		}
	}
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
	err = g.run(steps.StepFullSync)
	if err == nil || !strings.Contains(err.Error(), "full sync stopped") || !strings.Contains(err.Error(), "limit (client-output-buffer-limit replica") ||
		!strings.Contains(err.Error(), "client-output-buffer-limit") {
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
	var offered bool
	for _, q := range steps.Lookup(steps.StepAttach).Confirmations(f, g.opts) {
		offered = offered || q.ID == "raise-buffer"
	}
	if !offered {
		t.Fatal("the attach step does not offer to raise the buffer limit")
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

	// The way back offers to put the old limit back.
	stopWriter()
	f = g.facts()
	if err := g.runner.Run(ctx, steps.StepAbort, f, steps.Answers{"abort": "y", "detach": "y", "restore-buffer": "y"}); err != nil {
		t.Fatalf("abort with the limit restored: %v", err)
	}
	if v := src.ConfigGet(ctx, "client-output-buffer-limit").Val()["client-output-buffer-limit"]; !strings.Contains(v, "1048576 524288 5") {
		t.Errorf("the limit was not put back: %s", v)
	}
}
