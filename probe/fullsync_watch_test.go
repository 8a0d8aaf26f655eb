package probe

import (
	"strings"
	"testing"
	"time"

	"flyover/probe/fullsync"
)

// A loop as the issue saw it: attach, the buffer grows past the hard
// limit, the source drops the target and forks again; the watch counts
// the full syncs from the attach's baseline and names the limit.
func TestFullSyncWatchCountsTheLoopAndNamesTheLimit(t *testing.T) {
	topo := Topology{MasterName: "m", Source: "127.0.0.1:7000", Target: "127.0.0.1:7001"}
	limits := &fullsync.BufferLimits{Replica: fullsync.Limit{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 5}, ReplTimeout: 60}
	at := time.Unix(1000, 0)
	src := func(syncFull int64, clients ...fullsync.ReplicaClient) Node {
		// A writer at 1 MiB/s.
		return Node{Reachable: true, Role: RolePrimary, PolledAt: at, Keyspace: map[int]DBKeys{0: {Keys: 1000}}, ReplOffset: (at.Unix() - 999) << 20,
			Sync: fullsync.SourceSync{SyncFull: syncFull, ForkUsec: 700, ClientsRead: true, Clients: clients, Limits: limits}}
	}
	tgt := func(follows bool, keys int64) Node {
		n := Node{Reachable: true, Role: RolePrimary, PolledAt: at, UptimeSeconds: 50, Keyspace: map[int]DBKeys{0: {Keys: keys}}}
		if follows {
			n.Role, n.MasterHost, n.MasterPort, n.LinkStatus, n.SyncInProgress = RoleReplica, "127.0.0.1", 7000, "down", true
		}
		return n
	}
	step := polls(topo, &at)
	step(src(4), tgt(false, 0)) // before the attach: sync_full 4
	s := step(src(5, fullsync.ReplicaClient{ID: 10, Addr: "127.0.0.1:40000", Omem: 300 << 10}), tgt(true, 0))
	if w := s.FullSync; !w.Attached || w.Baseline != 4 || w.FullSyncs != 1 || w.Client == nil || w.Fill < 0.29 || w.Fill > 0.3 {
		t.Fatalf("after the attach: %+v", w)
	}
	s = step(src(5, fullsync.ReplicaClient{ID: 10, Addr: "127.0.0.1:40000", Omem: 1000 << 10}), tgt(true, 200))
	if w := s.FullSync; w.OverSoftSince.IsZero() || w.Restarts() != 0 || w.Peak != 1000<<10 {
		t.Fatalf("over soft: %+v", w)
	}
	// The source closed it and the target reconnected: a new client.
	s = step(src(6, fullsync.ReplicaClient{ID: 11, Addr: "127.0.0.1:40002", Omem: 0}), tgt(true, 0))
	w := s.FullSync
	if w.Restarts() != 1 || w.FullSyncs != 2 || w.LastDrop().Cause != fullsync.DropBufferHard ||
		!strings.Contains(w.LastDrop().Reason, "passed its 1.0 MiB hard limit") {
		t.Fatalf("after the drop: %+v %+v", w, w.LastDrop())
	}
	// Detached (flyover's stop): the count and the cause stay to be read.
	s = step(src(6), tgt(false, 0))
	if w := s.FullSync; w.Attached || w.Restarts() != 1 || w.FullSyncs != 2 {
		t.Fatalf("after the stop: %+v", w)
	}
	// A new attach starts a new count.
	s = step(src(7, fullsync.ReplicaClient{ID: 12, Addr: "127.0.0.1:40004"}), tgt(true, 0))
	if w := s.FullSync; w.Restarts() != 0 || w.Baseline != 6 || w.FullSyncs != 1 {
		t.Fatalf("a new attach: %+v", w)
	}
}

func TestFullSyncWatchLoadETA(t *testing.T) {
	topo := Topology{MasterName: "m", Source: "127.0.0.1:7000", Target: "127.0.0.1:7001"}
	at := time.Unix(1000, 0)
	src := Node{Reachable: true, Role: RolePrimary, Keyspace: map[int]DBKeys{0: {Keys: 1000}}}
	tgt := func(keys int64) Node {
		return Node{Reachable: true, Role: RoleReplica, MasterHost: "127.0.0.1", MasterPort: 7000, Loading: true,
			SyncInProgress: true, Keyspace: map[int]DBKeys{0: {Keys: keys}}}
	}
	a := Derive(topo, nil, at, src, tgt(0), nil)
	b := Derive(topo, &a, at.Add(time.Second), src, tgt(100), nil)
	if w := b.FullSync; w.KeysPerSec != 100 || !w.ETAKnown || w.ETA != 9*time.Second || !w.Loading {
		t.Fatalf("load: %+v", w)
	}
}

// The cutover promotes the target: its link to the source closes, and
// for a poll the source may still list it. That is the sync's end, not a
// restart: the watch counts none, then or after (the old primary a
// replica of the new one).
func TestFullSyncWatchCountsNoRestartAtTheSwitch(t *testing.T) {
	topo := Topology{MasterName: "m", Source: "127.0.0.1:7000", Target: "127.0.0.1:7001"}
	limits := &fullsync.BufferLimits{Replica: fullsync.Limit{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60}, ReplTimeout: 60}
	at := time.Unix(1000, 0)
	line := ReplicaLine{IP: "127.0.0.1", Port: 7001, State: "online", Offset: 5000, HasOffset: true}
	client := fullsync.ReplicaClient{ID: 10, Addr: "127.0.0.1:40000", Omem: 20 << 10}
	src := func(role Role, listed bool, clients ...fullsync.ReplicaClient) Node {
		n := Node{Reachable: true, Role: role, Keyspace: map[int]DBKeys{0: {Keys: 1000}}, ReplOffset: 5000,
			Sync: fullsync.SourceSync{SyncFull: 5, ClientsRead: true, Clients: clients, Limits: limits}}
		if listed {
			n.Replicas = []ReplicaLine{line}
		}
		if role == RoleReplica {
			n.MasterHost, n.MasterPort, n.LinkStatus = "127.0.0.1", 7001, "up"
		}
		return n
	}
	tgt := func(role Role) Node {
		n := Node{Reachable: true, Role: role, UptimeSeconds: 50, Keyspace: map[int]DBKeys{0: {Keys: 1000}}}
		if role == RoleReplica {
			n.MasterHost, n.MasterPort, n.LinkStatus, n.Offset, n.HasOffset = "127.0.0.1", 7000, "up", 5000, true
		}
		return n
	}
	step := polls(topo, &at)
	step(src(RolePrimary, true, client), tgt(RoleReplica))
	step(src(RolePrimary, true, client), tgt(RoleReplica))
	for i, s := range []Snapshot{
		step(src(RolePrimary, true), tgt(RolePrimary)), // promoted; still listed, its connection gone
		step(src(RolePrimary, false), tgt(RolePrimary)),
		step(src(RoleReplica, false), tgt(RolePrimary)), // the old primary follows the new one
	} {
		if w := s.FullSync; w.Restarts() != 0 || len(w.Drops) != 0 {
			t.Errorf("poll %d after the promotion: %d restarts, drops %+v; want none", i+1, w.Restarts(), w.Drops)
		}
	}
}

// polls derives one snapshot after another, each poll a second after the
// last (at moves with them), from the previous one.
func polls(topo Topology, at *time.Time) func(s, t Node) Snapshot {
	var prev *Snapshot
	return func(s, t Node) Snapshot {
		*at = at.Add(time.Second)
		s.PolledAt, t.PolledAt = *at, *at
		snap := Derive(topo, prev, *at, s, t, nil)
		prev = &snap
		return snap
	}
}
