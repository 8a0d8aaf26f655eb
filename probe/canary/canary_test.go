package canary_test

import (
	"context"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/probe/canary"
)

func TestMain(m *testing.M) { labtest.Main(m) }

// The canary writes through Sentinel, keeps a ledger of what was
// acknowledged, reads it all back, and counts as lost exactly the
// acknowledged keys that are gone.
func TestCanaryLedgerCountsLostWrites(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{Password: "canary-pw", Sentinels: 1})
	ctx := context.Background()
	c, err := canary.StartCanary(ctx, canary.CanaryOptions{
		MasterName: l.Opts.MasterName, Sentinels: l.SentinelAddrs(),
		Auth: probe.Auth{Password: "canary-pw"}, Rate: 500, TTL: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	labtest.Wait(t, 10*time.Second, "300 acknowledged writes", func() bool { return c.Stats().Acked >= 300 })
	c.Stop()
	st := c.Stats()
	if st.Failed != 0 {
		t.Errorf("failed writes on a healthy primary: %d (%s)", st.Failed, st.LastError)
	}
	v, err := c.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.Lost != 0 || v.Checked != st.Acked || v.Acked != st.Acked {
		t.Fatalf("healthy run: %+v, stats %+v", v, st)
	}
	if v.Primary != l.Source.Addr() {
		t.Errorf("read back from %s, want the source %s", v.Primary, l.Source.Addr())
	}

	// Lose three acknowledged writes behind the canary's back.
	rc := l.Source.Client()
	defer rc.Close()
	if err := rc.Del(ctx, c.Key(0), c.Key(7), c.Key(st.Acked-1)).Err(); err != nil {
		t.Fatal(err)
	}
	v, err = c.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.Lost != 3 {
		t.Fatalf("lost = %d after deleting 3 acknowledged keys (%+v)", v.Lost, v)
	}
}

// A write pause shows up as a stall at least as long as most of the pause,
// and the writes blocked by it are acknowledged afterwards, not failed.
func TestCanaryMeasuresStall(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{Sentinels: 1})
	ctx := context.Background()
	c, err := canary.StartCanary(ctx, canary.CanaryOptions{
		MasterName: l.Opts.MasterName, Sentinels: l.SentinelAddrs(), Rate: 1000, TTL: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	labtest.Wait(t, 10*time.Second, "first writes", func() bool { return c.Stats().Acked >= 100 })
	rc := l.Source.Client()
	defer rc.Close()
	const pause = 400 * time.Millisecond
	args := []any{"CLIENT", "PAUSE", pause.Milliseconds(), "WRITE"}
	if server, _, _ := lab.Binaries(); !probe.CapabilitiesOf(server.Kind, server.Version).PauseWrites {
		args = args[:3] // Redis 6.0: every client
	}
	if err := rc.Do(ctx, args...).Err(); err != nil {
		t.Fatal(err)
	}
	labtest.Wait(t, 5*time.Second, "a stall to be seen", func() bool { return c.Stats().CurrentStall > pause/2 })
	before := c.Stats().Acked
	labtest.Wait(t, 5*time.Second, "writes to resume", func() bool { return c.Stats().Acked > before+100 })
	c.Stop()
	st := c.Stats()
	t.Logf("pause %s: longest stall %s, %d acknowledged, %d failed, %.0f writes/s at the end", pause, st.LongestStall, st.Acked, st.Failed, st.WritesPerSec)
	if st.LongestStall < pause/2 {
		t.Errorf("longest stall %s does not cover a %s pause", st.LongestStall, pause)
	}
	if st.Failed != 0 {
		t.Errorf("%d writes failed across a pause shorter than the read timeout", st.Failed)
	}
	v, err := c.Verify(ctx)
	if err != nil || v.Lost != 0 {
		t.Fatalf("verify: %+v, %v", v, err)
	}
}
