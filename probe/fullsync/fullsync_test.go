package fullsync

import (
	"strings"
	"testing"
	"time"
)

// The issue's run: about 430 MB in 1.5M keys, a writer at ~55 MB/s of
// replication stream, the default limit: the buffer passes 256 MiB long
// before the target can read the stream.
func TestPredictTheIssuesRunOverflowsTheDefaultLimit(t *testing.T) {
	def := Limit{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60}
	e := Predict(Figures{UsedMemory: 430 << 20, Keys: 1_500_000, ForkUsec: 9000, WriteBytesPerSec: 55 << 20, ReplTimeout: 60}, def)
	if e.Fork != 9*time.Millisecond {
		t.Errorf("fork %s, want latest_fork_usec's 9ms", e.Fork)
	}
	if e.Transfer != 4300*time.Millisecond {
		t.Errorf("transfer %s, want 430 MiB at 100 MiB/s = 4.3s", e.Transfer)
	}
	if e.Load != 15*time.Second {
		t.Errorf("load %s, want 1.5M keys at 100k keys/s = 15s (slower than 430 MiB at 50 MiB/s)", e.Load)
	}
	if e.Total != e.Fork+e.Transfer+e.Load {
		t.Errorf("total %s is not fork+transfer+load", e.Total)
	}
	wantPeak := int64(55 << 20 * e.Total.Seconds())
	if e.BufferPeak != wantPeak {
		t.Errorf("peak %d, want rate×total %d", e.BufferPeak, wantPeak)
	}
	if e.Fits || !strings.Contains(e.Why, "hard limit (256 MiB)") {
		t.Fatalf("fits=%v why=%q: want the hard limit named", e.Fits, e.Why)
	}
	if e.ClosesAfter < 4*time.Second || e.ClosesAfter > 5*time.Second {
		t.Errorf("closes after %s, want 256 MiB / 55 MiB/s ≈ 4.7s", e.ClosesAfter)
	}
	r := e.Recommended
	if r.Hard < 2*e.BufferPeak || r.Hard%(1<<20) != 0 || r.Soft != r.Hard || r.SoftSeconds < 60 {
		t.Errorf("recommended %+v for peak %d: want hard=soft ≥ 2×peak in MiB, seconds kept ≥ 60", r, e.BufferPeak)
	}
	if again := Predict(Figures{UsedMemory: 430 << 20, Keys: 1_500_000, ForkUsec: 9000, WriteBytesPerSec: 55 << 20}, r); !again.Fits {
		t.Errorf("the recommended limit does not fit its own prediction: %s", again.Why)
	}
	if e.TimeoutShort {
		t.Errorf("repl-timeout 60 s against a %s transfer and load is not short", e.Transfer+e.Load)
	}
}

func TestPredictSoftLimitClosesFirst(t *testing.T) {
	// 1 MiB/s into a limit of hard 1 GiB, soft 1 MiB for 5 s over a long
	// sync: the soft half closes after about 6 s.
	e := Predict(Figures{UsedMemory: 1 << 30, Keys: 2_000_000, WriteBytesPerSec: 1 << 20}, Limit{Hard: 1 << 30, Soft: 1 << 20, SoftSeconds: 5})
	if e.Fits || !strings.Contains(e.Why, "soft limit (1 MiB) for 5 s") || e.ClosesAfter != 6*time.Second {
		t.Fatalf("fits=%v why=%q after %s: want the soft half after 6s", e.Fits, e.Why, e.ClosesAfter)
	}
	if e.Fork != 20*time.Millisecond {
		t.Errorf("fork %s with no latest_fork_usec: want ForkPerGiB×1 GiB", e.Fork)
	}
}

func TestPredictFitsUnlimitedIdleAndSmall(t *testing.T) {
	cases := map[string]struct {
		f Figures
		l Limit
	}{
		"unlimited":  {Figures{UsedMemory: 1 << 30, Keys: 1e6, WriteBytesPerSec: 1e8}, Limit{}},
		"no writes":  {Figures{UsedMemory: 1 << 30, Keys: 1e6}, Limit{Hard: 1 << 20}},
		"small sync": {Figures{UsedMemory: 10 << 20, Keys: 10_000, WriteBytesPerSec: 1 << 20}, Limit{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60}},
	}
	for name, c := range cases {
		e := Predict(c.f, c.l)
		if !e.Fits || e.Recommended != c.l {
			t.Errorf("%s: fits=%v why=%q recommended=%+v: want it to fit and keep the limit", name, e.Fits, e.Why, e.Recommended)
		}
	}
}

func TestPredictReplTimeoutShorterThanTheLoad(t *testing.T) {
	e := Predict(Figures{UsedMemory: 4 << 30, Keys: 20_000_000, ReplTimeout: 60}, Limit{})
	if !e.TimeoutShort {
		t.Fatalf("a %s transfer+load against repl-timeout 60 s: want it short", e.Transfer+e.Load)
	}
}

func TestRecommendKeepsDisabledHalvesAndNeverLowers(t *testing.T) {
	if r := Recommend(Limit{Hard: 0, Soft: 0, SoftSeconds: 0}, 100<<20, time.Minute); r != (Limit{}) {
		t.Errorf("unlimited stays unlimited, got %+v", r)
	}
	r := Recommend(Limit{Hard: 1 << 30, Soft: 64 << 20, SoftSeconds: 60}, 300<<20, 10*time.Second)
	if r.Hard != 1<<30 || r.Soft != 600<<20 || r.SoftSeconds != 60 {
		t.Errorf("got %+v: want hard kept at 1 GiB, soft 600 MiB, seconds 60", r)
	}
	// A tiny limit is raised to at least Redis's default.
	if r := Recommend(Limit{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 5}, 1<<20, time.Second); r != (Limit{Hard: 256 << 20, Soft: 256 << 20, SoftSeconds: 60}) {
		t.Errorf("got %+v: want replica 256mb 256mb 60 at least", r)
	}
	if got := (Limit{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 5}).Value("replica"); got != "replica 1048576 524288 5" {
		t.Errorf("Value = %q", got)
	}
}

func TestRateFromOffsetsFallsBackToInputKbps(t *testing.T) {
	if r := RateFromOffsets(1000, 3000, 2*time.Second, 99); r != 1000 {
		t.Errorf("offsets: %v B/s, want 1000", r)
	}
	if r := RateFromOffsets(0, 3000, 0, 2); r != 2048 {
		t.Errorf("one reading: %v B/s, want 2 KB/s = 2048", r)
	}
	if r := RateFromOffsets(5000, 3000, time.Second, 1); r != 1024 {
		t.Errorf("offset went back (restart): %v, want the input rate", r)
	}
}

func TestLoadETAAndBufferFill(t *testing.T) {
	if d, ok := LoadETA(250_000, 1_250_000, 100_000); !ok || d != 10*time.Second {
		t.Errorf("ETA %s %v, want 10s", d, ok)
	}
	if _, ok := LoadETA(0, 1000, 0); ok {
		t.Error("no rate: the ETA is unknown")
	}
	if f := BufferFill(512<<10, Limit{Hard: 1 << 20}); f != 0.5 {
		t.Errorf("fill %v, want 0.5", f)
	}
	if f := BufferFill(512<<10, Limit{Soft: 1 << 20, SoftSeconds: 5}); f != 0.5 {
		t.Errorf("soft only: fill %v, want 0.5", f)
	}
	if f := BufferFill(512<<10, Limit{}); f != -1 {
		t.Errorf("unlimited: fill %v, want -1", f)
	}
}
