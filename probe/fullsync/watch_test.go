package fullsync

import (
	"testing"
	"time"
)

// A light reading of the source alone between two polls (the full-sync
// step's close watch) keeps the target's side and its time: the load's
// rate is the keys the target gained over the time between its own
// readings, not over the time since the light one.
func TestLightReadingBetweenPollsKeepsTheLoadRate(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	obs := func(at, targetAt time.Time, keys int64) Observation {
		return Observation{At: at, TargetAt: targetAt, Attached: true,
			Source: SourceSide{Reachable: true, Keys: 100_000, Sync: SourceSync{SyncFull: 1, ClientsRead: true}},
			Target: TargetSide{Reachable: true, Keys: keys, Loading: true}}
	}
	first := obs(t0, t0, 0)
	w0 := Next(nil, nil, first)
	second := obs(t0.Add(time.Second), t0.Add(time.Second), 1000)
	w1 := Next(&first, &w0, second)
	if w1.KeysPerSec != 1000 {
		t.Fatalf("keys/s %v after a second of 1,000 keys, want 1000", w1.KeysPerSec)
	}
	light := obs(t0.Add(1900*time.Millisecond), second.TargetAt, 1000)
	wl := Next(&second, &w1, light)
	if wl.KeysPerSec != 1000 {
		t.Errorf("keys/s %v after the light reading, want the last poll's 1000", wl.KeysPerSec)
	}
	third := obs(t0.Add(2*time.Second), t0.Add(2*time.Second), 2000)
	if w := Next(&light, &wl, third); w.KeysPerSec != 1000 {
		t.Errorf("keys/s %v at the poll after the light reading, want 1000 (not 1,000 keys over its 100 ms)", w.KeysPerSec)
	}
}
