package steps_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/steps"
	"flyover/steps/auditlog"

	"github.com/redis/go-redis/v9"
)

// The reviewer's case: the Sentinels discovered the target (from the
// source's INFO, about 10 s after the attach) before flyover stopped the
// loop. REPLICAOF NO ONE alone would not hold: each of them would turn
// the target back into a replica 8 s later (+convert-to-slave) and the
// loop would run again unguarded. The stop makes them forget the target
// (SENTINEL RESET, in the audit log) before that, and the target stays a
// master past the conversion period, the source forking no more.
func TestFullSyncStopHoldsWhenTheSentinelsKnowTheTarget(t *testing.T) {
	g, src, baseline := loopKnownToSentinels(t)
	ctx := context.Background()
	all := len(g.lab.Sentinels)

	err := g.run(steps.StepFullSync)
	if err == nil || !strings.Contains(err.Error(), "full sync stopped") || !strings.Contains(err.Error(), "made the Sentinels forget it") ||
		strings.Contains(err.Error(), "sent it back") || strings.Contains(err.Error(), "Sentinel may send it back") {
		t.Fatalf("full sync: %v; want it stopped, the Sentinels made to forget the target, none sending it back", err)
	}
	t.Logf("stopped: %v", err)
	st := g.runner.Session.Facts(g.prober.Topo, probe.Snapshot{}).Sync.Stops
	if len(st) != 1 || st[0].Forgot != all || st[0].SentBack != 0 {
		t.Fatalf("the stop: %+v; want %d Sentinels reset, none sending the target back", st, all)
	}
	stop := st[0]
	syncs := probe.ParseInfo(src.Info(ctx, "stats").Val()).Int("sync_full")
	if syncs > baseline+int64(stop.Restarts)+1 {
		t.Errorf("sync_full went from %d to %d after a stop of %d restarts: the source forked after the stop", baseline, syncs, stop.Restarts)
	}
	lastReset, resets := sentinelResets(t, g)
	if resets != all || lastReset.Sub(stop.At) >= 8*time.Second {
		t.Errorf("%d SENTINEL RESETs in the audit log, the last %s after the stop; want %d, within Sentinel's 8 s", resets, lastReset.Sub(stop.At), all)
	}
	t.Logf("%d resets, the last %s after the detach", resets, lastReset.Sub(stop.At).Round(time.Millisecond))
	labtest.Wait(t, 30*time.Second, "no Sentinel lists the target", func() bool { return sentinelsListingTarget(ctx, g) == 0 })

	staysStopped(t, g, src, stop.At, lastReset, syncs)
}

// A Sentinel that does not answer during the stop's resets (frozen: a
// hung process) and answers again while the stop holds, still listing
// the target: the hold resets it too, before its conversion (or, if it
// came first, stops the target again), and the target stays a master.
func TestFullSyncStopResetsASentinelThatComesBack(t *testing.T) {
	g, src, _ := loopKnownToSentinels(t)
	ctx := context.Background()
	hung := g.lab.Sentinels[len(g.lab.Sentinels)-1]
	hung.Freeze()
	t.Cleanup(hung.Thaw)
	errc := make(chan error, 1)
	go func() { errc <- g.run(steps.StepFullSync) }()
	// Once the others were reset, it answers again.
	labtest.Wait(t, 30*time.Second, "the answering Sentinels reset", func() bool {
		_, n := sentinelResets(t, g)
		return n == len(g.lab.Sentinels)-1
	})
	hung.Thaw()
	var err error
	select {
	case err = <-errc:
	case <-time.After(90 * time.Second):
		t.Fatal("the full-sync step did not end within 90 s of the thaw")
	}
	if err == nil || !strings.Contains(err.Error(), "full sync stopped") {
		t.Fatalf("full sync: %v; want it stopped", err)
	}
	t.Logf("stopped: %v", err)
	st := g.runner.Session.Facts(g.prober.Topo, probe.Snapshot{}).Sync.Stops
	if len(st) != 1 || st[0].ForgetErr != "" || st[0].Forgot < len(g.lab.Sentinels) {
		t.Fatalf("the stop: %+v; want every Sentinel reset, the one that came back too", st)
	}
	t.Logf("%d resets, %d times sent back", st[0].Forgot, st[0].SentBack)
	if st[0].SentBack > 0 && !strings.Contains(err.Error(), "again after Sentinel sent it back") {
		t.Errorf("a Sentinel sent the target back and the stop does not say so: %v", err)
	}
	lastReset, _ := sentinelResets(t, g)
	labtest.Wait(t, 30*time.Second, "no Sentinel lists the target", func() bool { return sentinelsListingTarget(ctx, g) == 0 })
	staysStopped(t, g, src, lastReset, lastReset, probe.ParseInfo(src.Info(ctx, "stats").Val()).Int("sync_full"))
}

// A Sentinel sends the target back all the same (here the test, as
// +convert-to-slave does: REPLICAOF <source> on the target) while the
// stop holds: the guard says so in the audit log and the step's failure,
// stops the target again, and the target stays a master.
func TestFullSyncStopIsHeldAgainWhenTheTargetIsSentBack(t *testing.T) {
	g, src, _ := loopKnownToSentinels(t)
	ctx := context.Background()
	errc := make(chan error, 1)
	go func() { errc <- g.run(steps.StepFullSync) }()
	labtest.Wait(t, 30*time.Second, "every Sentinel reset", func() bool {
		_, n := sentinelResets(t, g)
		return n == len(g.lab.Sentinels)
	})
	tc := g.lab.Target.Client()
	defer tc.Close()
	host, port, _ := strings.Cut(g.lab.Source.Addr(), ":")
	if err := tc.Do(ctx, "REPLICAOF", host, port).Err(); err != nil {
		t.Fatal(err)
	}
	sentBack := probe.ParseInfo(src.Info(ctx, "stats").Val()).Int("sync_full")
	var err error
	select {
	case err = <-errc:
	case <-time.After(90 * time.Second):
		t.Fatal("the full-sync step did not end within 90 s of the conversion")
	}
	if err == nil || !strings.Contains(err.Error(), "full sync stopped") || !strings.Contains(err.Error(), "(again after Sentinel sent it back 1×)") {
		t.Fatalf("full sync: %v; want it stopped, saying a Sentinel sent the target back once", err)
	}
	t.Logf("stopped: %v", err)
	noted := false
	for _, e := range readAudit(t, g.audit.Path()) {
		noted = noted || e.Kind == auditlog.KindNote && strings.Contains(e.Message, "a Sentinel sent the target back to the source")
	}
	if !noted {
		t.Error("the audit log does not say a Sentinel sent the target back")
	}
	// The target asked the source for one more sync at the most.
	syncs := probe.ParseInfo(src.Info(ctx, "stats").Val()).Int("sync_full")
	if syncs > sentBack+1 {
		t.Errorf("sync_full went from %d to %d after the target was sent back: the loop ran on", sentBack, syncs)
	}
	lastReset, _ := sentinelResets(t, g)
	labtest.Wait(t, 30*time.Second, "no Sentinel lists the target", func() bool { return sentinelsListingTarget(ctx, g) == 0 })
	staysStopped(t, g, src, lastReset, lastReset, probe.ParseInfo(src.Info(ctx, "stats").Val()).Int("sync_full"))
}

// loopKnownToSentinels is the loop's rig attached without the fix, once
// every Sentinel lists the target (the loop runs meanwhile: the step is
// not watching yet, and its first poll stops it), with the source's
// sync_full before the attach.
func loopKnownToSentinels(t *testing.T) (*rig, *redis.Client, int64) {
	t.Helper()
	g, src, _, _ := startLoop(t, 2*time.Second, 250*time.Millisecond, 8000)
	ctx := context.Background()
	g.advanceTo(steps.StepAttach)
	f := g.facts()
	baseline := f.Snapshot.Source.Sync.SyncFull
	if err := g.runner.Run(ctx, steps.StepAttach, f, steps.Answers{"attach": "y", "raise-buffer": "n"}); err != nil {
		t.Fatalf("attach: %v", err)
	}
	all := len(g.lab.Sentinels)
	labtest.Wait(t, 30*time.Second, "every Sentinel lists the target", func() bool { return sentinelsListingTarget(ctx, g) == all })
	return g, src, baseline
}

// sentinelResets are the SENTINEL RESETs in g's audit log: when the last
// was written, and how many.
func sentinelResets(t *testing.T, g *rig) (last time.Time, n int) {
	for _, e := range readAudit(t, g.audit.Path()) {
		if e.Kind == auditlog.KindCommand && len(e.Args) >= 2 && strings.EqualFold(e.Args[0]+" "+e.Args[1], "SENTINEL RESET") {
			last, n = e.Time, n+1
		}
	}
	return last, n
}

// staysStopped: past Sentinel's conversion period the target stays a
// master and the source's sync_full stays at syncs, polled every 500 ms
// until 20 s after the detach and 12 s past the last reset, failing at
// the first sign of a conversion.
func staysStopped(t *testing.T, g *rig, src *redis.Client, detached, lastReset time.Time, syncs int64) {
	t.Helper()
	ctx := context.Background()
	tc := g.lab.Target.Client()
	defer tc.Close()
	until := detached.Add(20 * time.Second)
	if u := lastReset.Add(12 * time.Second); u.After(until) {
		until = u
	}
	for polls := 0; polls == 0 || time.Now().Before(until); polls++ {
		if role := tc.Do(ctx, "ROLE").Val(); role == nil || probe.AsString(role.([]any)[0]) != "master" {
			t.Fatalf("%s after the stop the target is %v: a Sentinel sent it back", time.Since(detached).Round(time.Millisecond), role)
		}
		if n := probe.ParseInfo(src.Info(ctx, "stats").Val()).Int("sync_full"); n != syncs {
			t.Fatalf("%s after the stop sync_full went from %d to %d: the loop runs again", time.Since(detached).Round(time.Millisecond), syncs, n)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// sentinelsListingTarget is how many of the lab's Sentinels list the
// target among the master's replicas (SENTINEL REPLICAS, asked directly).
func sentinelsListingTarget(ctx context.Context, g *rig) int {
	n := 0
	for _, s := range g.lab.Sentinels {
		c := s.Client()
		v, err := c.Do(ctx, "SENTINEL", "REPLICAS", g.lab.Opts.MasterName).Result()
		c.Close()
		if err != nil {
			continue
		}
		reps, _ := probe.ParseSentinelReplicas(v)
		for _, r := range reps {
			if g.prober.Topo.IsTarget(r.Addr()) {
				n++
				break
			}
		}
	}
	return n
}
