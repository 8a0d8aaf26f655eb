package fullsync

import (
	"strings"
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

// A poll that could not read the buffers carries the last one seen; a
// poll that did not ask (the fleet's brief poll between syncs) carries
// none: a gauge from the last sync would be shown as now.
func TestWatchCarriesAFailedReadingNotASkippedOne(t *testing.T) {
	at := time.Unix(1000, 0)
	client := &ReplicaClient{ID: 7, Addr: "127.0.0.1:40000", Omem: 5 << 20}
	obs := func(s SourceSync, c *ReplicaClient) Observation {
		at = at.Add(time.Second)
		return Observation{At: at, Attached: true, Online: true, Source: SourceSide{Reachable: true, Sync: s, Client: c}}
	}
	first := obs(SourceSync{SyncFull: 1, ClientsRead: true, Clients: []ReplicaClient{*client}}, client)
	w := Next(nil, nil, first)
	if w.Client == nil {
		t.Fatalf("read: %+v", w)
	}
	failed := obs(SourceSync{SyncFull: 1, ClientsError: "CLIENT LIST TYPE replica: timeout"}, nil)
	if got := Next(&first, &w, failed); got.Client != client {
		t.Errorf("a failed reading carries the last client: %+v", got.Client)
	}
	skipped := obs(SourceSync{SyncFull: 1, ClientsSkipped: true}, nil)
	if got := Next(&first, &w, skipped); got.Client != nil || got.Peak != 0 {
		t.Errorf("a skipped reading carries nothing: client %+v, peak %d", got.Client, got.Peak)
	}
}

// Every judged drop has its cause in a few words with its figure (what
// the full sync's stop says) and the whole of it after them (what the
// dashboard and the audit log say).
func TestADropIsSaidBrieflyAndInFull(t *testing.T) {
	lim := Limit{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 5}
	at := time.Unix(1000, 0)
	obs := func(id int64, omem int64, lim *Limit, tgtUp bool, uptime int64) Observation {
		at = at.Add(time.Second)
		s := SourceSync{SyncFull: 1, ClientsRead: true}
		if lim != nil {
			s.Limits = &BufferLimits{Replica: *lim, ReplTimeout: 60}
		}
		return Observation{At: at, Attached: true, RateBytes: 100 << 10,
			Source: SourceSide{Reachable: true, Sync: s, Client: &ReplicaClient{ID: id, Omem: omem}},
			Target: TargetSide{Reachable: tgtUp, Follows: tgtUp, UptimeSeconds: uptime}}
	}
	for _, c := range []struct {
		name        string
		omem        int64
		lim         *Limit
		tgtUp       bool
		uptime      int64
		cause       DropCause
		brief, more string
	}{
		{"hard", 1000 << 10, &lim, true, 50, DropBufferHard, "the buffer passed its 1.0 MiB hard limit", "1000.0 KiB at the last look"},
		{"soft", 600 << 10, &lim, true, 50, DropBufferSoft, "the buffer was over its 512.0 KiB soft limit and growing", "client-output-buffer-limit replica, 5 s"},
		{"target gone", 10, &lim, false, 50, DropTarget, "the target stopped answering", "read its log"},
		{"target restarted", 10, &lim, true, 1, DropTarget, "the target restarted", "read its log"},
		{"unknown limit", 10, nil, true, 50, DropUnknown, "the buffer was 10 B just before; its limit is unknown", "output buffer limits"},
		{"timeout", 10, &lim, true, 50, DropTimeout, "the link timed out (repl-timeout 60 s) or the network dropped it", "under its limits, 10 B"},
	} {
		first := obs(1, c.omem, c.lim, true, 50)
		w0 := Next(nil, nil, first)
		second := obs(1, c.omem, c.lim, true, 50)
		w1 := Next(&first, &w0, second)
		third := obs(2, 0, c.lim, c.tgtUp, c.uptime)
		w := Next(&second, &w1, third)
		d := w.LastDrop()
		if d == nil || d.Cause != c.cause || d.Brief != c.brief || d.Short() != c.brief ||
			!strings.HasPrefix(d.Reason, c.brief+" (") || !strings.Contains(d.Reason, c.more) {
			t.Errorf("%s: %+v; want %s, %q, then %q", c.name, d, c.cause, c.brief, c.more)
		}
	}
	// A drop kept from before there was a brief form says its reason.
	if d := (SyncDrop{Reason: "the buffer passed its 1.0 MiB hard limit (…)"}); d.Short() != d.Reason {
		t.Errorf("Short of an old drop: %q", d.Short())
	}
}

// The sync ends without a restart when the target leaves the source
// itself: the cutover promotes it (the source may still list it for a
// poll), or REPLICAOF NO ONE detaches it. No drop is judged and the
// count stays; while it follows, a closed link is a drop.
func TestTheTargetLeavingIsNotARestart(t *testing.T) {
	lim := Limit{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60}
	at := time.Unix(1000, 0)
	obs := func(client *ReplicaClient, follows bool) Observation {
		at = at.Add(time.Second)
		return Observation{At: at, Attached: true, Online: follows, RateBytes: 100 << 10,
			Source: SourceSide{Reachable: true, Sync: SourceSync{SyncFull: 1, ClientsRead: true,
				Limits: &BufferLimits{Replica: lim, ReplTimeout: 60}}, Client: client},
			Target: TargetSide{Reachable: true, Follows: follows, UptimeSeconds: 50}}
	}
	streaming := obs(&ReplicaClient{ID: 7, Omem: 20 << 10}, true)
	w0 := Next(nil, nil, streaming)
	before := obs(&ReplicaClient{ID: 7, Omem: 20 << 10}, true)
	w1 := Next(&streaming, &w0, before)
	// Promoted: the target is a primary; the source lists it a moment
	// longer (attached), its connection gone.
	promoted := obs(nil, false)
	w2 := Next(&before, &w1, promoted)
	if w2.Restarts() != 0 || len(w2.Drops) != 0 || w2.FullSyncs != w1.FullSyncs {
		t.Errorf("after the promotion: %d restarts, drops %+v, %d full syncs; want 0, none, %d", w2.Restarts(), w2.Drops, w2.FullSyncs, w1.FullSyncs)
	}
	// The same closed link while the target still follows: a drop.
	still := obs(nil, true)
	if w := Next(&before, &w1, still); w.Restarts() != 1 || w.LastDrop() == nil || w.LastDrop().Cause != DropTimeout {
		t.Errorf("a link closed under a target that follows: %d restarts, %+v; want 1, repl-timeout", w.Restarts(), w.LastDrop())
	}
}
