package probe_test

import (
	"context"
	"testing"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
)

// BenchmarkPoll is one full poll of the lab: 2 data nodes and 3 Sentinels,
// each one pipelined round trip, concurrently, plus Derive.
func BenchmarkPoll(b *testing.B) {
	l := labtest.Start(b, lab.Options{PreloadKeys: 1000})
	if err := l.AttachTarget(context.Background()); err != nil {
		b.Fatal(err)
	}
	p := labtest.ProberFor(l, probe.Auth{})
	defer p.Close()
	ctx := context.Background()
	p.Poll(ctx) // dial
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if s := p.Poll(ctx); !s.AllReachable() {
			b.Fatal("unreachable endpoint")
		}
	}
}

// BenchmarkDerive is the pure part of a poll.
func BenchmarkDerive(b *testing.B) {
	topo := probe.Topology{MasterName: "m", Source: "127.0.0.1:1", Target: "127.0.0.1:2"}
	src := probe.Node{Reachable: true, Role: probe.RolePrimary, ReplOffset: 100,
		Replicas: []probe.ReplicaLine{{IP: "127.0.0.1", Port: 2, State: "online", Offset: 90, HasOffset: true}}}
	tgt := probe.Node{Reachable: true, Role: probe.RoleReplica, MasterHost: "127.0.0.1", MasterPort: 1, LinkStatus: "up"}
	sv := []probe.SentinelView{{Reachable: true, Monitors: true, MasterAddr: "127.0.0.1:1"}}
	prev := probe.Derive(topo, nil, src.PolledAt, src, tgt, sv)
	b.ReportAllocs()
	for b.Loop() {
		prev = probe.Derive(topo, &prev, src.PolledAt, src, tgt, sv)
	}
}
