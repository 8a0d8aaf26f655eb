package fleet

import (
	"context"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
)

// BenchmarkFleetPollAll is one full poll cycle of a fleet lab of
// FLYOVER_FLEET_BENCH_MASTERS masters (default 50; 200 is the issue's
// goal): every Sentinel's SENTINEL MASTERS (with the replica lists the
// fleet asks for) and every source and target, concurrently, then every
// row derived (cycle); and each half alone, the Sentinels' pipelines
// (sentinels) and the masters' node polls (nodes); and what the fleet
// screen polls at one instant (slot: a tenth of the masters and the
// Sentinels), since it no longer polls the whole fleet at once. (The
// /master figures of slot still divide by the whole fleet.)
//
// Every server runs on the same cores as the benchmark, so the wall time
// (ns/op) is the servers' CPU as much as flyover's: flyover-cpu-ms/op is
// flyover's own CPU per cycle (getrusage), servers-cpu-ms/op the lab's
// processes' (/proc/PID/schedstat) less what they burn doing nothing (a
// fleet lab's Sentinels and servers cron, measured for two seconds before
// the cycles: servers-idle-cpu-ms/s), and the /master figures divide by
// the fleet's size.
//
//	FLYOVER_FLEET_BENCH_MASTERS=200 go test -run '^$' -bench FleetPollAll -benchtime 20x ./fleet/
//
// FLYOVER_FLEET_BENCH_CPUPROFILE=path writes a CPU profile of the cycles
// alone (go test's -cpuprofile also holds starting the lab's servers).
func BenchmarkFleetPollAll(b *testing.B) {
	probe.SetLogOutput(io.Discard)
	l := labtest.StartFleet(b, lab.FleetOptions{Masters: labtest.BenchMasters(), PreloadKeys: 100})
	ctx := context.Background()
	path, _ := l.TargetsFile()
	targets, _ := ReadTargets(path)
	f, err := Discover(ctx, Options{Sentinels: l.SentinelAddrs(), Targets: targets, Timeout: 2 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(f.Close)
	var pids []int
	for _, s := range append(append(append([]*lab.Server(nil), l.Sources...), l.Targets...), l.Sentinels...) {
		pids = append(pids, s.PID())
	}
	n := len(l.Names)
	st := NewState(f)
	f.PollAll(ctx, st) // dial every connection once
	idle0, idleAt := labtest.ProcessCPU(pids...), time.Now()
	time.Sleep(2 * time.Second) // what the lab costs doing nothing
	idleRate := float64(labtest.ProcessCPU(pids...)-idle0) / float64(time.Since(idleAt))
	measure := func(b *testing.B, cycle func()) {
		stop := cpuProfile(b)
		self0, servers0 := labtest.SelfCPU(), labtest.ProcessCPU(pids...)
		for b.Loop() {
			cycle()
		}
		stop()
		self, servers := labtest.SelfCPU()-self0, labtest.ProcessCPU(pids...)-servers0
		servers -= time.Duration(idleRate * float64(b.Elapsed()))
		perOp := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
		b.ReportMetric(perOp(self)/1e6, "flyover-cpu-ms/op")
		b.ReportMetric(perOp(servers)/1e6, "servers-cpu-ms/op")
		b.ReportMetric(perOp(self)/1e3/float64(n), "flyover-cpu-µs/master")
		b.ReportMetric(perOp(b.Elapsed())/1e3/float64(n), "µs/master")
		b.ReportMetric(float64(n), "masters")
		b.ReportMetric(idleRate*1e3, "servers-idle-cpu-ms/s")
	}
	b.Run("cycle", func(b *testing.B) {
		measure(b, func() {
			rows := f.PollAll(ctx, st)
			if len(rows) != n || !rows[n-1].Snapshot.Source.Reachable {
				b.Fatalf("%d rows; last source reachable: %t", len(rows), rows[n-1].Snapshot.Source.Reachable)
			}
		})
	})
	b.Run("sentinels", func(b *testing.B) {
		want := st.ReplicasWanted()
		measure(b, func() {
			var wg sync.WaitGroup
			for i, e := range f.Sentinels {
				wg.Go(func() {
					ms, err := e.SentinelMasters(ctx, want)
					if err != nil || len(ms) != n {
						b.Errorf("sentinel %d: %d masters, %v", i, len(ms), err)
					}
				})
			}
			wg.Wait()
		})
	})
	b.Run("nodes", func(b *testing.B) {
		measure(b, func() {
			var wg sync.WaitGroup
			for _, m := range f.Masters {
				wg.Go(func() {
					if src, _ := m.PollNodes(ctx); !src.Reachable {
						b.Errorf("%s: %s", m.Name, src.Error)
					}
				})
			}
			wg.Wait()
		})
	})
	b.Run("slot", func(b *testing.B) {
		// What the fleet screen polls at one instant: it polls each
		// master every 5 s past 80 masters (--max-polls 40) in slots a
		// tick apart (ui/common.Slots: 10 of them at 500 ms), so a tenth
		// of the masters, and at slot 0 the Sentinels too.
		want := st.ReplicasWanted()
		measure(b, func() {
			var wg sync.WaitGroup
			for i, m := range f.Masters {
				if i%10 != 0 {
					continue
				}
				wg.Go(func() {
					if src, _ := m.PollNodes(ctx); !src.Reachable {
						b.Errorf("%s: %s", m.Name, src.Error)
					}
				})
			}
			for _, e := range f.Sentinels {
				wg.Go(func() {
					if _, err := e.SentinelMasters(ctx, want); err != nil {
						b.Error(err)
					}
				})
			}
			wg.Wait()
		})
	})
	b.Log(strconv.Itoa(n) + " masters: " + strconv.Itoa(len(pids)) + " servers on the same cores")
}

// cpuProfile starts a CPU profile of b into FLYOVER_FLEET_BENCH_CPUPROFILE
// (with b's name in it) when that is set, and returns what stops it.
func cpuProfile(b *testing.B) (stop func()) {
	path := os.Getenv("FLYOVER_FLEET_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	path = strings.TrimSuffix(path, ".pprof") + "-" + strings.ReplaceAll(b.Name(), "/", "-") + ".pprof"
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		b.Fatalf("%v (drop go test's -cpuprofile)", err)
	}
	return func() {
		pprof.StopCPUProfile()
		out.Close()
		b.Logf("CPU profile: go tool pprof -top %s", path)
	}
}
