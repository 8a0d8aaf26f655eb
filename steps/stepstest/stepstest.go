// Package stepstest is what the tests of steps' rooms share: a topology
// built by hand (Healthy, then Attached, Syncing, Registered, …) from
// which facts are derived the way probe derives them from real polls,
// and small helpers (Check, FakeReplyError, OpenAudit).
//
// It may import steps, steps/auditlog and probe; only tests import it.
package stepstest

import (
	"path/filepath"
	"testing"
	"time"

	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/steps"
	"flyover/steps/auditlog"
)

// Fixture is a topology built by hand, from which facts are derived the
// way probe derives them from real polls.
type Fixture struct {
	Topo  probe.Topology
	Src   probe.Node
	Tgt   probe.Node
	Sents []probe.SentinelView
	Pre   *readiness.PreflightFacts
	At    time.Time
}

const (
	FxSource = "10.0.0.1:6379"
	FxTarget = "10.0.0.2:6380"
)

// Healthy is a source with 100 keys (10 with a TTL), an empty Dragonfly
// target of its own, and three Sentinels that agree on the source.
func Healthy() *Fixture {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	x := &Fixture{
		Topo: probe.Topology{MasterName: "mymaster", Source: FxSource, Target: FxTarget, TargetIPs: []string{"10.0.0.2"}},
		Src: probe.Node{Addr: FxSource, Reachable: true, PolledAt: at, Kind: probe.KindRedis, Version: "7.0.15", Role: probe.RolePrimary,
			RunID: "aaaa", ReplOffset: 5000, Keyspace: map[int]probe.DBKeys{0: {Keys: 100, Expires: 10}}, UsedMemory: 1 << 20},
		Tgt: probe.Node{Addr: FxTarget, Reachable: true, PolledAt: at, Kind: probe.KindDragonfly, Version: "1.40.1", Role: probe.RolePrimary,
			Priority: 100, Keyspace: map[int]probe.DBKeys{}, MaxMemory: 8 << 30},
		Pre: &readiness.PreflightFacts{At: at, SourceIPs: []string{"10.0.0.1"},
			Source: readiness.SourceConfig{Known: map[string]bool{"save": true, "appendonly": true, "min-replicas-to-write": true, "repl-diskless-sync": true}, DisklessSync: true},
			Target: readiness.TargetConfig{Known: map[string]bool{"dbsize": true, "maxmemory": true}, MaxMemory: 8 << 30}},
		At: at,
	}
	for i := range 3 {
		x.Sents = append(x.Sents, probe.SentinelView{Addr: "10.0.1." + string(rune('1'+i)) + ":26379", Reachable: true, Monitors: true,
			MasterAddr: FxSource, RecordAddr: FxSource, MasterFlags: []string{"master"}, Quorum: 2, NumOtherSentinels: 2, QuorumOK: true, QuorumReply: "OK 3 usable Sentinels",
			DownAfter: 5 * time.Second, FailoverTimeout: 60 * time.Second})
	}
	return x
}

// Attached: the target streams from the source, caught up.
func (x *Fixture) Attached() *Fixture {
	x.Tgt.Role, x.Tgt.MasterHost, x.Tgt.MasterPort = probe.RoleReplica, "10.0.0.1", 6379
	x.Tgt.LinkStatus, x.Tgt.LinkState = "up", "stable_sync"
	x.Tgt.Offset, x.Tgt.HasOffset, x.Tgt.OffsetTrusted = x.Src.ReplOffset, true, true
	x.Tgt.Keyspace = map[int]probe.DBKeys{0: {Keys: 100, Expires: 10}}
	x.Src.Replicas = []probe.ReplicaLine{{IP: "10.0.0.2", Port: 6380, State: "online", Offset: x.Src.ReplOffset, HasOffset: true}}
	return x
}

// Syncing: the target is loading its full sync.
func (x *Fixture) Syncing() *Fixture {
	x.Attached()
	x.Tgt.LinkState, x.Tgt.SyncInProgress, x.Tgt.HasOffset, x.Tgt.OffsetTrusted = "full_sync", true, false, false
	x.Src.Replicas[0].State = "wait_bgsave"
	return x
}

// Registered: every Sentinel lists the target, healthy.
func (x *Fixture) Registered() *Fixture {
	for i := range x.Sents {
		x.Sents[i].Replicas = append(x.Sents[i].Replicas, probe.SentinelReplica{IP: "10.0.0.2", Port: 6380, Flags: []string{"slave"},
			Priority: 100, Offset: x.Src.ReplOffset, LastOKPing: 300 * time.Millisecond, InfoRefresh: 2 * time.Second,
			MasterLinkStatus: "ok", MasterHost: "10.0.0.1", MasterPort: 6379})
		x.Sents[i].NumReplicas = len(x.Sents[i].Replicas)
	}
	return x
}

// OtherReplica adds a Redis replica of the source at addr with priority.
func (x *Fixture) OtherReplica(ip string, port, priority int) *Fixture {
	x.Src.Replicas = append(x.Src.Replicas, probe.ReplicaLine{IP: ip, Port: port, State: "online", Offset: x.Src.ReplOffset, HasOffset: true})
	for i := range x.Sents {
		x.Sents[i].Replicas = append(x.Sents[i].Replicas, probe.SentinelReplica{IP: ip, Port: port, RunID: "bbbb", Flags: []string{"slave"},
			Priority: priority, Offset: x.Src.ReplOffset, LastOKPing: 300 * time.Millisecond, InfoRefresh: 2 * time.Second, MasterLinkStatus: "ok"})
	}
	return x
}

// Promoted: n Sentinels name the target, which reports master; the old
// primary still reports master (not fenced).
func (x *Fixture) Promoted(n int) *Fixture {
	for i := range n {
		x.Sents[i].MasterAddr, x.Sents[i].RecordAddr, x.Sents[i].ConfigEpoch = FxTarget, FxTarget, 1
	}
	x.Tgt.Role, x.Tgt.MasterHost, x.Tgt.MasterPort, x.Tgt.LinkState = probe.RolePrimary, "", 0, ""
	x.Src.Replicas = nil
	return x
}

// Fenced: the old primary is a replica of the target.
func (x *Fixture) Fenced() *Fixture {
	x.Src.Role, x.Src.MasterHost, x.Src.MasterPort = probe.RoleReplica, "10.0.0.2", 6380
	return x
}

// Facts derives facts the way Runner.Facts does.
func (x *Fixture) Facts() steps.Facts {
	snap := probe.Derive(x.Topo, nil, x.At, x.Src, x.Tgt, x.Sents)
	return steps.Facts{Topo: x.Topo, Snapshot: snap, Preflight: x.Pre}
}

// Steady marks the facts as in sync for n polls with equal key counts.
func Steady(f steps.Facts, n int) steps.Facts {
	f.InSyncPolls, f.KeysMatched = n, true
	return f
}

// Check is the check with id in cs; the test fails without it.
func Check(t *testing.T, cs []steps.Check, id string) steps.Check {
	t.Helper()
	for _, c := range cs {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", id, cs)
	return steps.Check{}
}

// FakeReplyError is a server's error reply, as go-redis returns it.
type FakeReplyError string

func (e FakeReplyError) Error() string { return string(e) }
func (e FakeReplyError) RedisError()   {}

// OpenAudit opens an audit log named name in the test's temp dir, closed
// when the test ends; it returns the log and its path.
func OpenAudit(t testing.TB, name string) (*auditlog.Audit, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	a, err := auditlog.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, path
}
