package checks

import (
	"testing"
	"time"

	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/steps"
)

// fixture is a topology built by hand, from which facts are derived the
// way probe derives them from real polls.
type fixture struct {
	topo  probe.Topology
	src   probe.Node
	tgt   probe.Node
	sents []probe.SentinelView
	pre   *readiness.PreflightFacts
	at    time.Time
}

const (
	fxSource = "10.0.0.1:6379"
	fxTarget = "10.0.0.2:6380"
)

// healthy is a source with 100 keys (10 with a TTL), an empty Dragonfly
// target of its own, and three Sentinels that agree on the source.
func healthy() *fixture {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	x := &fixture{
		topo: probe.Topology{MasterName: "mymaster", Source: fxSource, Target: fxTarget, TargetIPs: []string{"10.0.0.2"}},
		src: probe.Node{Addr: fxSource, Reachable: true, PolledAt: at, Kind: probe.KindRedis, Version: "7.0.15", Role: probe.RolePrimary,
			RunID: "aaaa", ReplOffset: 5000, Keyspace: map[int]probe.DBKeys{0: {Keys: 100, Expires: 10}}, UsedMemory: 1 << 20},
		tgt: probe.Node{Addr: fxTarget, Reachable: true, PolledAt: at, Kind: probe.KindDragonfly, Version: "1.40.1", Role: probe.RolePrimary,
			Priority: 100, Keyspace: map[int]probe.DBKeys{}, MaxMemory: 8 << 30},
		pre: &readiness.PreflightFacts{At: at, SourceIPs: []string{"10.0.0.1"},
			Source: readiness.SourceConfig{Known: map[string]bool{"save": true, "appendonly": true, "min-replicas-to-write": true, "repl-diskless-sync": true}, DisklessSync: true},
			Target: readiness.TargetConfig{Known: map[string]bool{"dbsize": true, "maxmemory": true}, MaxMemory: 8 << 30}},
		at: at,
	}
	for i := range 3 {
		x.sents = append(x.sents, probe.SentinelView{Addr: "10.0.1." + string(rune('1'+i)) + ":26379", Reachable: true, Monitors: true,
			MasterAddr: fxSource, RecordAddr: fxSource, MasterFlags: []string{"master"}, Quorum: 2, NumOtherSentinels: 2, QuorumOK: true, QuorumReply: "OK 3 usable Sentinels",
			DownAfter: 5 * time.Second, FailoverTimeout: 60 * time.Second})
	}
	return x
}

// Attached: the target streams from the source, caught up.
func (x *fixture) Attached() *fixture {
	x.tgt.Role, x.tgt.MasterHost, x.tgt.MasterPort = probe.RoleReplica, "10.0.0.1", 6379
	x.tgt.LinkStatus, x.tgt.LinkState = "up", "stable_sync"
	x.tgt.Offset, x.tgt.HasOffset, x.tgt.OffsetTrusted = x.src.ReplOffset, true, true
	x.tgt.Keyspace = map[int]probe.DBKeys{0: {Keys: 100, Expires: 10}}
	x.src.Replicas = []probe.ReplicaLine{{IP: "10.0.0.2", Port: 6380, State: "online", Offset: x.src.ReplOffset, HasOffset: true}}
	return x
}

// syncing: the target is loading its full sync.
func (x *fixture) syncing() *fixture {
	x.Attached()
	x.tgt.LinkState, x.tgt.SyncInProgress, x.tgt.HasOffset, x.tgt.OffsetTrusted = "full_sync", true, false, false
	x.src.Replicas[0].State = "wait_bgsave"
	return x
}

// registered: every Sentinel lists the target, healthy.
func (x *fixture) registered() *fixture {
	for i := range x.sents {
		x.sents[i].Replicas = append(x.sents[i].Replicas, probe.SentinelReplica{IP: "10.0.0.2", Port: 6380, Flags: []string{"slave"},
			Priority: 100, Offset: x.src.ReplOffset, LastOKPing: 300 * time.Millisecond, InfoRefresh: 2 * time.Second,
			MasterLinkStatus: "ok", MasterHost: "10.0.0.1", MasterPort: 6379})
		x.sents[i].NumReplicas = len(x.sents[i].Replicas)
	}
	return x
}

// otherReplica adds a Redis replica of the source at addr with priority.
func (x *fixture) otherReplica(ip string, port, priority int) *fixture {
	x.src.Replicas = append(x.src.Replicas, probe.ReplicaLine{IP: ip, Port: port, State: "online", Offset: x.src.ReplOffset, HasOffset: true})
	for i := range x.sents {
		x.sents[i].Replicas = append(x.sents[i].Replicas, probe.SentinelReplica{IP: ip, Port: port, RunID: "bbbb", Flags: []string{"slave"},
			Priority: priority, Offset: x.src.ReplOffset, LastOKPing: 300 * time.Millisecond, InfoRefresh: 2 * time.Second, MasterLinkStatus: "ok"})
	}
	return x
}

// promoted: n Sentinels name the target, which reports master; the old
// primary still reports master (not fenced).
func (x *fixture) promoted(n int) *fixture {
	for i := range n {
		x.sents[i].MasterAddr, x.sents[i].RecordAddr, x.sents[i].ConfigEpoch = fxTarget, fxTarget, 1
	}
	x.tgt.Role, x.tgt.MasterHost, x.tgt.MasterPort, x.tgt.LinkState = probe.RolePrimary, "", 0, ""
	x.src.Replicas = nil
	return x
}

// fenced: the old primary is a replica of the target.
func (x *fixture) fenced() *fixture {
	x.src.Role, x.src.MasterHost, x.src.MasterPort = probe.RoleReplica, "10.0.0.2", 6380
	return x
}

// facts derives facts the way Runner.Facts does.
func (x *fixture) facts() steps.Facts {
	snap := probe.Derive(x.topo, nil, x.at, x.src, x.tgt, x.sents)
	return steps.Facts{Topo: x.topo, Snapshot: snap, Preflight: x.pre}
}

// steady marks the facts as in sync for n polls with equal key counts.
func steady(f steps.Facts, n int) steps.Facts {
	f.InSyncPolls, f.KeysMatched = n, true
	return f
}

// check is the check with id in cs; the test fails without it.
func check(t *testing.T, cs []steps.Check, id string) steps.Check {
	t.Helper()
	for _, c := range cs {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", id, cs)
	return steps.Check{}
}

// fakeReplyError is a server's error reply, as go-redis returns it.
type fakeReplyError string

func (e fakeReplyError) Error() string { return string(e) }
func (e fakeReplyError) RedisError()   {}
