package fleetview

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/fleet"
	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/ui/uitest"
)

// fixtureModel is the fleet screen at 160x48 over n masters (the
// fixtures' source and target each), every master polled twice.
func fixtureModel(b testing.TB, n int) (*Model, *uitest.World) {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("flyover-%03d", i+1)
	}
	return namedFixtureModel(b, names, 160, 48)
}

// namedFixtureModel is fixtureModel over masters of these names on a
// w x h screen.
func namedFixtureModel(b testing.TB, names []string, width, height int) (*Model, *uitest.World) {
	ctx := context.Background()
	f := &fleet.Fleet{}
	for i := range 3 {
		f.Sentinels = append(f.Sentinels, probe.NewEndpoint(fmt.Sprintf("127.0.0.1:%d", 26400+i), probe.Auth{}, nil, time.Second))
	}
	for _, name := range names {
		p, err := probe.NewProber(ctx, probe.ProberOptions{MasterName: name, Source: uitest.FxSource, Target: uitest.FxTarget, Sentinels: []string{"127.0.0.1:26400"}})
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range p.Sentinels {
			e.Close()
		}
		p.Sentinels = f.Sentinels
		f.Masters = append(f.Masters, &fleet.Master{Name: name, Source: uitest.FxSource, Target: uitest.FxTarget, Prober: p})
	}
	b.Cleanup(f.Close)
	st := fleet.NewState(f)
	w := uitest.NewWorld(uitest.T0)
	for _, m := range f.Masters {
		st.Nodes(m.Name, w.Source(), w.Target())
		w.At = w.At.Add(time.Second)
		w.SrcOffset += 1000
		st.Nodes(m.Name, w.Source(), w.Target())
	}
	m := New(ctx, Config{Fleet: f, State: st})
	m.Update(tea.WindowSizeMsg{Width: width, Height: height})
	m.View()
	return m, w
}

// benchPolls runs each of 50, 200 and 500 masters' fleet screens through
// a poll of one master after another, then step (the redraw, or not).
func benchPolls(b *testing.B, step func(m *Model)) {
	for _, n := range []int{50, 200, 500} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			m, w := fixtureModel(b, n)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				w.At = w.At.Add(10 * time.Millisecond)
				w.SrcOffset += 100
				m.Update(fleetNodesMsg{name: m.cfg.Fleet.Masters[i%n].Name, src: w.Source(), tgt: w.Target()})
				step(m)
			}
		})
	}
}

// BenchmarkFleetView is the fleet screen at 160x48 over 50, 200 and 500
// masters: one master's poll arrives (Update) and the frame that shows
// it is drawn (View).
//
//	go test -run '^$' -bench 'FleetView$' -benchmem ./ui/fleetview/
func BenchmarkFleetView(b *testing.B) {
	benchPolls(b, func(m *Model) {
		m.Update(fleetRedrawMsg{})
		if v := m.View(); v.Content == "" {
			b.Fatal("no frame")
		}
	})
}

// BenchmarkFleetUpdate is one master's poll arriving while the frame that
// shows it waits for the next redraw: what each of the fleet's polls
// costs between two frames.
//
//	go test -run '^$' -bench 'FleetUpdate$' -benchmem ./ui/fleetview/
func BenchmarkFleetUpdate(b *testing.B) {
	benchPolls(b, func(m *Model) { m.View() })
}

// BenchmarkFleetKeyWhileAThirdFrozen: a fleet lab of 50 masters with a
// third of its sources stopped (SIGSTOP: they hold their sockets and
// answer nothing, so their polls hang until the timeout). A key press and
// the frame after it, while those polls hang: the fleet never waits on a
// server to answer a key.
//
//	go test -run '^$' -bench FleetKeyWhileAThirdFrozen -benchtime 200x ./ui
func BenchmarkFleetKeyWhileAThirdFrozen(b *testing.B) {
	d := startFleetDriver(b, lab.FleetOptions{Masters: labtest.BenchMasters(), PreloadKeys: 100}, 1)
	n := len(d.lab.Names)
	d.until("every master polled", 30*time.Second, func() bool {
		for i := range n {
			if d.phase(i) != fleet.PhaseDetached {
				return false
			}
		}
		return true
	})
	for i := 0; i < n; i += 3 {
		d.lab.Sources[i].Freeze()
	}
	b.Cleanup(func() {
		for i := 0; i < n; i += 3 {
			d.lab.Sources[i].Thaw()
		}
	})
	// Let the frozen polls start hanging.
	d.until("a frozen source shows unanswered", 30*time.Second, func() bool {
		r := d.m.Rows()[0]
		return r.Polled && !r.Snapshot.Source.Reachable
	})
	var worst time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Take what the polls sent meanwhile, as the program would.
		for drained := false; !drained; {
			select {
			case msg := <-d.msgs:
				d.send(msg)
			default:
				drained = true
			}
		}
		start := time.Now()
		d.key([]string{"j", "k"}[i%2])
		d.m.View()
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(float64(worst.Microseconds()), "worst-µs/key")
}
