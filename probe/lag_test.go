package probe

import (
	"testing"
	"time"
)

// An idle source sits at one offset for many polls; a write then makes
// the target a few bytes behind. It is behind since that write, not since
// the source first reached the offset the target has.
func TestLagSecondsAfterIdlePlateau(t *testing.T) {
	topo := Topology{MasterName: "m", Source: "127.0.0.1:1000", Target: "127.0.0.1:2000"}
	t0 := time.Unix(1000, 0)
	src := func(at time.Time, off int64) Node {
		return Node{Reachable: true, Kind: KindRedis, Role: RolePrimary, PolledAt: at, ReplOffset: off,
			Replicas: []ReplicaLine{{IP: "127.0.0.1", Port: 2000, State: "online", Offset: 555, HasOffset: true, Lag: 1}}}
	}
	tgt := Node{Reachable: true, Kind: KindDragonfly, Version: "1.30.0", Role: RoleReplica, MasterHost: "127.0.0.1",
		MasterPort: 1000, LinkStatus: "up", HasOffset: true, LinkState: "stable_sync"}
	var s *Snapshot
	for i := range 20 { // ten seconds idle at 555
		at := t0.Add(time.Duration(i) * 500 * time.Millisecond)
		next := Derive(topo, s, at, src(at, 555), tgt, nil)
		s = &next
	}
	at := t0.Add(10 * time.Second)
	got := Derive(topo, s, at, src(at, 688), tgt, nil)
	if got.Link.LagBytes != 133 || got.Link.LagSeconds != 0.5 || !got.Link.InSync {
		t.Fatalf("after ten idle seconds and one write: lag %d B, %.1f s, in sync %t; want 133 B, 0.5 s (one poll), in sync",
			got.Link.LagBytes, got.Link.LagSeconds, got.Link.InSync)
	}
}

// A caller that polls rarely (the step runner's fresh poll before the
// cutover) has readings tens of seconds apart. A target 77 bytes behind a
// source writing 150 KiB/s is a millisecond behind, not forty seconds.
func TestLagSecondsWithSparseReadings(t *testing.T) {
	topo := Topology{MasterName: "m", Source: "127.0.0.1:1000", Target: "127.0.0.1:2000"}
	t0 := time.Unix(1000, 0)
	src := func(at time.Time, off int64) Node {
		return Node{Reachable: true, Kind: KindRedis, Role: RolePrimary, PolledAt: at, ReplOffset: off,
			Replicas: []ReplicaLine{{IP: "127.0.0.1", Port: 2000, State: "online", Offset: off - 45000, HasOffset: true}}}
	}
	tgt := func(off int64) Node {
		return Node{Reachable: true, Kind: KindRedis, Version: "7.0.15", Role: RoleReplica, MasterHost: "127.0.0.1",
			MasterPort: 1000, LinkStatus: "up", HasOffset: true, OffsetTrusted: true, Offset: off}
	}
	first := Derive(topo, nil, t0, src(t0, 1_000_000), tgt(1_000_000), nil)
	at := t0.Add(40 * time.Second)
	now := int64(1_000_000 + 40*150*1024)
	got := Derive(topo, &first, at, src(at, now), tgt(now-77), nil)
	if got.Link.LagBytes != 77 || got.Link.LagSeconds > 0.01 || !got.Link.InSync {
		t.Fatalf("lag %d B, %.3f s, in sync %t; want 77 B, ~0.0005 s, in sync", got.Link.LagBytes, got.Link.LagSeconds, got.Link.InSync)
	}
}

// A target that stops answering is not zero behind: the source's slaveN
// line still says what it last acknowledged, and that is the lag to show,
// labelled as the source's view, with how long the target has been silent.
func TestSilentTargetLagComesFromTheSourcesView(t *testing.T) {
	topo := Topology{MasterName: "m", Source: "127.0.0.1:1000", Target: "127.0.0.1:2000"}
	t0 := time.Unix(1000, 0)
	src := func(at time.Time, off, acked int64, ackAge int64) Node {
		return Node{Reachable: true, Kind: KindRedis, Role: RolePrimary, PolledAt: at, ReplOffset: off,
			Replicas: []ReplicaLine{{IP: "127.0.0.1", Port: 2000, State: "online", Offset: acked, HasOffset: true, Lag: ackAge}}}
	}
	tgt := Node{Reachable: true, Kind: KindRedis, Version: "7.0.15", Role: RoleReplica, MasterHost: "127.0.0.1",
		MasterPort: 1000, LinkStatus: "up", HasOffset: true, OffsetTrusted: true, Offset: 1668, LastSeen: t0}
	first := Derive(topo, nil, t0, src(t0, 1668, 1668, 0), tgt, nil)
	if !first.Link.LagKnown || first.Link.LagBytes != 0 || first.Link.SourceView || !first.Link.InSync {
		t.Fatalf("answering target: %+v; want a known zero lag, in sync, not the source's view", first.Link)
	}
	at := t0.Add(6 * time.Second)
	silent := Node{Addr: "127.0.0.1:2000", PolledAt: at, LastSeen: t0, Error: "i/o timeout"}
	got := Derive(topo, &first, at, src(at, 2_002_104, 1668, 6), silent, nil)
	l := got.Link
	if !l.LagKnown || l.LagBytes != 2_002_104-1668 || !l.SourceView {
		t.Fatalf("silent target: lag known %t, %d B, source view %t; want the source's view of %d B", l.LagKnown, l.LagBytes, l.SourceView, 2_002_104-1668)
	}
	if l.InSync {
		t.Fatal("a silent target must not read in sync")
	}
	if l.TargetSilent != 6*time.Second || l.AckAge != 6*time.Second {
		t.Fatalf("silent for %v, last ack %v ago; want 6s and 6s", l.TargetSilent, l.AckAge)
	}
	if l.LagSeconds <= 0 {
		t.Fatalf("lag seconds %.2f; want how long ago the source was at the acknowledged offset", l.LagSeconds)
	}

	// Neither the target nor a slaveN line: the lag is unknown, not zero.
	none := Derive(topo, &first, at, Node{Reachable: true, Kind: KindRedis, Role: RolePrimary, PolledAt: at, ReplOffset: 5000}, silent, nil)
	if none.Link.LagKnown || none.Link.LagSeconds != -1 {
		t.Fatalf("no figures: lag known %t, %.1f s; want unknown", none.Link.LagKnown, none.Link.LagSeconds)
	}
}
