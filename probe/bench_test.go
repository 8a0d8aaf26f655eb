package probe_test

import (
	"context"
	"testing"
	"time"

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

// BenchmarkPollNodeBrief is one poll of a data node, in full (the
// dashboard's: INFO, ROLE, the source's replica buffers, the target's
// commandstats) and brief (the fleet's: five INFO sections and ROLE),
// one at a time against a lab with the target attached: flyover's CPU
// per poll (cpu-µs/op, getrusage, the client's side alone) and the
// server's (server-cpu-µs/op, /proc/PID/schedstat).
//
//	go test -run '^$' -bench PollNodeBrief -benchtime 2000x ./probe/
func BenchmarkPollNodeBrief(b *testing.B) {
	l := labtest.Start(b, lab.Options{PreloadKeys: 1000})
	ctx := context.Background()
	if err := l.AttachTarget(ctx); err != nil {
		b.Fatal(err)
	}
	p := labtest.ProberFor(l, probe.Auth{})
	defer p.Close()
	for _, side := range []struct {
		name string
		e    *probe.Endpoint
		s    *lab.Server
	}{{"source", p.Source, l.Source}, {"target", p.Target, l.Target}} {
		for _, brief := range []bool{false, true} {
			poll, name := side.e.PollNode, side.name+"/full"
			if brief {
				poll, name = side.e.PollBrief, side.name+"/brief"
			}
			b.Run(name, func(b *testing.B) {
				poll(ctx) // dial, and the first brief poll's buffers
				poll(ctx)
				b.ReportAllocs()
				self0, server0 := labtest.SelfCPU(), labtest.ProcessCPU(side.s.PID())
				for b.Loop() {
					if n := poll(ctx); !n.Reachable {
						b.Fatal(n.Error)
					}
				}
				per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) / 1e3 }
				b.ReportMetric(per(labtest.SelfCPU()-self0), "cpu-µs/op")
				b.ReportMetric(per(labtest.ProcessCPU(side.s.PID())-server0), "server-cpu-µs/op")
			})
		}
	}
}
