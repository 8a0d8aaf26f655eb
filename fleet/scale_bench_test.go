package fleet

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"flyover/probe"
)

// The fleet's own work at size, without servers: synthetic polls of 50,
// 200 and 500 masters (Redis 7 INFO replies from probe's fixtures, each
// target attached and in sync, three Sentinels that list every target),
// so that the cost per master shows. The servers' side of a poll is
// BenchmarkFleetPollAll's.
//
//	go test -run '^$' -bench 'Fleet(Poll|Rows|Memory)$' -benchmem ./fleet/

var fleetSizes = []int{50, 200, 500}

// fixtureFleet is a fleet of n masters, each migratable, over three
// Sentinels, with nothing dialled.
func fixtureFleet(tb testing.TB, n int) *Fleet {
	tb.Helper()
	ctx := context.Background()
	f := &Fleet{}
	for i := range 3 {
		f.Sentinels = append(f.Sentinels, probe.NewEndpoint(fmt.Sprintf("127.0.0.1:%d", 26400+i), probe.Auth{}, nil, time.Second))
	}
	for i := range n {
		name := fmt.Sprintf("flyover-%03d", i+1)
		src, tgt := fixtureAddrs(i)
		p, err := probe.NewProber(ctx, probe.ProberOptions{MasterName: name, Source: src, Target: tgt, Sentinels: []string{"127.0.0.1:26400"}})
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range p.Sentinels {
			e.Close()
		}
		p.Sentinels = f.Sentinels
		f.Masters = append(f.Masters, &Master{Name: name, Source: src, Target: tgt, Prober: p})
	}
	tb.Cleanup(f.Close)
	return f
}

func fixtureAddrs(i int) (src, tgt string) {
	return "127.0.0.1:" + strconv.Itoa(10000+2*i), "127.0.0.1:" + strconv.Itoa(10001+2*i)
}

// fixtureWorld makes the polls of a fixture fleet: each call of nodes is
// a fresh poll of master i (its source's offset moved on), each call of
// sentinel a fresh answer of Sentinel k for every master.
type fixtureWorld struct {
	srcInfo, tgtInfo string
	at               time.Time
	offset           int64
}

func newFixtureWorld(tb testing.TB) *fixtureWorld {
	tb.Helper()
	read := func(name string) string {
		b, err := os.ReadFile("../probe/testdata/" + name)
		if err != nil {
			tb.Fatal(err)
		}
		return string(b)
	}
	return &fixtureWorld{srcInfo: read("redis7-primary.info"), tgtInfo: read("redis7-replica.info"), at: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), offset: 1 << 20}
}

// nodes is one poll of master i's source and target, parsed as PollBrief
// parses them (from whole INFO replies: a little more than it reads).
func (w *fixtureWorld) nodes(i int) (probe.Node, probe.Node) {
	w.at = w.at.Add(10 * time.Millisecond)
	w.offset += 512
	srcAddr, tgtAddr := fixtureAddrs(i)
	th, tp := splitFixture(tgtAddr)
	sh, sp := splitFixture(srcAddr)
	src := probe.NodeFromInfo(probe.ParseInfo(w.srcInfo), nil)
	src.Addr, src.Reachable, src.PolledAt, src.LastSeen, src.RTT = srcAddr, true, w.at, w.at, 300*time.Microsecond
	src.ReplOffset = w.offset
	src.Replicas = []probe.ReplicaLine{{IP: th, Port: tp, State: "online", Offset: w.offset - 100, HasOffset: true, Lag: 0}}
	tgt := probe.NodeFromInfo(probe.ParseInfo(w.tgtInfo), nil)
	// As the fleet's brief poll keeps them: no raw INFO, no commandstats.
	src.Brief, src.Info, tgt.Brief, tgt.Info = true, nil, true, nil
	tgt.Addr, tgt.Reachable, tgt.PolledAt, tgt.LastSeen, tgt.RTT = tgtAddr, true, w.at, w.at, 280*time.Microsecond
	tgt.MasterHost, tgt.MasterPort, tgt.Offset, tgt.HasOffset, tgt.OffsetTrusted = sh, sp, w.offset-100, true, true
	return src, tgt
}

// sentinel is Sentinel k's answer to SENTINEL MASTERS with the replica
// lists, for every master of f.
func (w *fixtureWorld) sentinel(f *Fleet, k int) []probe.MonitoredMaster {
	w.at = w.at.Add(10 * time.Millisecond)
	out := make([]probe.MonitoredMaster, len(f.Masters))
	for i, m := range f.Masters {
		th, tp := splitFixture(m.Target)
		sh, sp := splitFixture(m.Source)
		v := probe.SentinelView{Addr: f.Sentinels[k].Addr, Reachable: true, PolledAt: w.at, LastSeen: w.at, RTT: 200 * time.Microsecond,
			Monitors: true, MasterAddr: m.Source, RecordAddr: m.Source, MasterFlags: []string{"master"}, Quorum: 2,
			NumOtherSentinels: 2, NumReplicas: 1, DownAfter: 5 * time.Second, FailoverTimeout: time.Minute, ParallelSyncs: 1,
			Replicas: []probe.SentinelReplica{{IP: th, Port: tp, Flags: []string{"slave"}, Priority: 100, Offset: w.offset,
				MasterLinkStatus: "ok", MasterHost: sh, MasterPort: sp, RoleReported: "slave"}}}
		out[i] = probe.MonitoredMaster{Name: m.Name, View: v}
	}
	return out
}

func splitFixture(addr string) (string, int) {
	p, _ := strconv.Atoi(addr[len("127.0.0.1:"):])
	return "127.0.0.1", p
}

// pollFixture lands one full poll cycle of the fleet in st: every
// Sentinel's answer, every master's nodes.
func pollFixture(f *Fleet, st *State, w *fixtureWorld) {
	for k := range f.Sentinels {
		st.Sentinel(k, w.sentinel(f, k), nil)
	}
	for i, m := range f.Masters {
		src, tgt := w.nodes(i)
		st.Nodes(m.Name, src, tgt)
	}
}

// BenchmarkFleetPoll is one poll cycle of the fleet landing in the
// state (the polls' replies parsed, every master's nodes, every
// Sentinel's answer) and the rows that show it.
func BenchmarkFleetPoll(b *testing.B) {
	eachSize(b, func(b *testing.B, n int, f *Fleet, st *State, w *fixtureWorld) {
		for b.Loop() {
			pollFixture(f, st, w)
			if rows := st.Rows(); len(rows) != n || !rows[n-1].Snapshot.Link.InSync {
				b.Fatalf("%d rows, the last in sync: %t", len(rows), rows[n-1].Snapshot.Link.InSync)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/master")
	})
}

// eachSize runs bench over fleets of 50, 200 and 500 masters, each polled
// twice already.
func eachSize(b *testing.B, bench func(b *testing.B, n int, f *Fleet, st *State, w *fixtureWorld)) {
	for _, n := range fleetSizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			f, w := fixtureFleet(b, n), newFixtureWorld(b)
			st := NewState(f)
			pollFixture(f, st, w)
			pollFixture(f, st, w)
			b.ReportAllocs()
			bench(b, n, f, st, w)
		})
	}
}

// BenchmarkFleetRows is what the screen asks after one master's poll: the
// poll landing, and every row.
func BenchmarkFleetRows(b *testing.B) {
	eachSize(b, func(b *testing.B, n int, f *Fleet, st *State, w *fixtureWorld) {
		polls := make([][2]probe.Node, n)
		for i := range polls {
			polls[i][0], polls[i][1] = w.nodes(i)
		}
		for i := 0; b.Loop(); i++ {
			p := polls[i%n]
			st.Nodes(f.Masters[i%n].Name, p[0], p[1])
			if rows := st.Rows(); len(rows) != n {
				b.Fatalf("%d rows", len(rows))
			}
		}
	})
}

// BenchmarkFleetMemory is the heap the fleet's state holds once every
// master has been polled for a while (a full offset history each), per
// master: what stays, not what a poll allocates.
func BenchmarkFleetMemory(b *testing.B) {
	for _, n := range fleetSizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			before := ms.HeapAlloc
			f, w := fixtureFleet(b, n), newFixtureWorld(b)
			st := NewState(f)
			for b.Loop() {
				for range 250 {
					pollFixture(f, st, w)
				}
				st.Rows()
			}
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc-before)/float64(n)/1024, "KB/master")
			runtime.KeepAlive(st)
		})
	}
}
