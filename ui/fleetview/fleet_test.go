package fleetview

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/driver"
	"flyover/fleet"
	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/ui/common"
	"flyover/ui/uitest"
)

// fleetDriver runs a Model as Bubble Tea would: commands in
// goroutines, their messages back through Update on the test's goroutine.
type fleetDriver struct {
	t     testing.TB
	m     *Model
	msgs  chan tea.Msg
	ctx   context.Context
	audit *auditlog.Audit
	lab   *lab.Fleet
	fl    *fleet.Fleet
}

// startFleetDriver starts a fleet lab of n masters, writes a targets file
// without the masters in without, discovers the fleet and builds the
// model with a guide per master over one audit log, as flyover fleet does.
func startFleetDriver(t testing.TB, o lab.FleetOptions, maxSyncs int, without ...string) *fleetDriver {
	t.Helper()
	probe.SetLogOutput(io.Discard)
	l := labtest.StartFleet(t, o)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var skip []string
	for _, w := range without {
		skip = append(skip, l.Names[int(w[0]-'0')])
	}
	path, err := l.TargetsFile(skip...)
	if err != nil {
		t.Fatal(err)
	}
	targets, err := fleet.ReadTargets(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := fleet.Discover(ctx, fleet.Options{Sentinels: l.SentinelAddrs(), Targets: targets, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	audit, err := auditlog.OpenAudit(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { audit.Close() })
	d := &fleetDriver{t: t, msgs: make(chan tea.Msg, 4096), ctx: ctx, audit: audit, lab: l, fl: f}
	open := func(m *fleet.Master) (common.Config, error) {
		s := steps.NewSession()
		r := steps.NewRunner(m.Prober, audit.ForMaster(m.Name), s, steps.Options{})
		cfg := common.Config{Topo: m.Prober.Topo, Source: m.Prober.Source, Target: m.Prober.Target,
			Guide: &common.Guide{Runner: driver.Steps(r), Session: s, Audit: audit.ForMaster(m.Name)}}
		for _, e := range m.Prober.Sentinels {
			cfg.Sentinels = append(cfg.Sentinels, common.Sentinel{Addr: e.Addr, Poller: e})
		}
		return cfg, nil
	}
	d.m = New(ctx, Config{Fleet: f, Turns: fleet.NewTurns(maxSyncs), Open: open, SlowTick: 300 * time.Millisecond})
	d.send(tea.WindowSizeMsg{Width: 160, Height: 48})
	d.run(d.m.Init())
	t.Cleanup(func() {
		d.m.Stop(func(string) {})
	})
	t.Cleanup(cancel) // first: no poll outlives the test
	return d
}

func (d *fleetDriver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		select {
		case d.msgs <- msg:
		case <-d.ctx.Done():
		}
	}()
}

func (d *fleetDriver) send(msg tea.Msg) {
	switch m := msg.(type) {
	case nil, tea.QuitMsg:
		return
	case tea.BatchMsg:
		for _, c := range m {
			d.run(c)
		}
		return
	}
	_, cmd := d.m.Update(msg)
	d.run(cmd)
}

func (d *fleetDriver) key(k string) {
	d.send(uitest.Press(k))
}

// until handles messages until cond holds, failing after limit with
// what the screen showed.
func (d *fleetDriver) until(what string, limit time.Duration, cond func() bool) {
	d.t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for !cond() {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-deadline.C:
			d.t.Fatalf("after %s, still not %s; screen:\n%s", limit, what, d.screen())
		}
	}
}

func (d *fleetDriver) screen() string { return ansi.Strip(d.m.View().Content) }

func (d *fleetDriver) phase(i int) fleet.Phase {
	for _, r := range d.m.Rows() {
		if r.Master == d.lab.Names[i] {
			return r.Phase
		}
	}
	return ""
}

func TestFleetListsEveryMasterWithItsPhase(t *testing.T) {
	d := startFleetDriver(t, lab.FleetOptions{Masters: 3, PreloadKeys: 50}, 1, "2")
	if err := d.lab.Attach(d.ctx, 1); err != nil {
		t.Fatal(err)
	}
	d.until("every phase right", 20*time.Second, func() bool {
		p := d.phase(1)
		return d.phase(0) == fleet.PhaseDetached && (p == fleet.PhaseInSync || p == fleet.PhaseRegistered) && d.phase(2) == fleet.PhaseNoTarget
	})
	// The screen shows the polls at its next redraw.
	wants := append(d.lab.Names, "not attached", "no target", "50 / 50", "50 / —")
	d.until("the screen shows them", 5*time.Second, func() bool {
		screen := d.screen()
		for _, want := range wants {
			if !strings.Contains(screen, want) {
				return false
			}
		}
		return true
	})
	uitest.CheckFrame(t, d.m.View().Content, 160, 48)
}

func TestFleetEnterOpensTheMastersChecklistAndEscReturns(t *testing.T) {
	d := startFleetDriver(t, lab.FleetOptions{Masters: 2}, 1)
	d.until("polled", 10*time.Second, func() bool { return d.phase(0) == fleet.PhaseDetached })
	d.key("enter")
	if d.m.Focus() != d.lab.Names[0] {
		t.Fatalf("focus %q after enter", d.m.Focus())
	}
	d.until("the checklist shows", 10*time.Second, func() bool { return strings.Contains(d.screen(), "CHECKLIST") })
	d.key("esc")
	if d.m.Focus() != "" || !strings.Contains(d.screen(), "flyover fleet") {
		t.Fatalf("esc did not return to the fleet:\n%s", d.screen())
	}
}

// Once a master is entered its dashboard's polls are its row's: the
// fleet stops polling its nodes (one poll, one row), and the row shows
// what the dashboard saw last, even after esc.
func TestEnteredMasterRowFollowsItsDashboard(t *testing.T) {
	d := startFleetDriver(t, lab.FleetOptions{Masters: 2}, 1)
	name := d.lab.Names[0]
	d.until("polled", 10*time.Second, func() bool { return d.phase(0) == fleet.PhaseDetached })
	d.key("enter")
	sub := d.m.Master(name)
	d.until("the dashboard polled both nodes", 10*time.Second, func() bool {
		s := sub.Dashboard().Snapshot()
		return !s.Source.PolledAt.IsZero() && !s.Target.PolledAt.IsZero()
	})
	d.key("esc")
	// A late result of the fleet's own poll of that master is dropped and
	// not polled again.
	_, cmd := d.m.Update(fleetNodesMsg{name: name, src: probe.Node{Addr: "stale", Error: "stale"}, tgt: probe.Node{Addr: "stale", Error: "stale"}})
	if cmd != nil {
		t.Error("the fleet polls an entered master's nodes itself as well")
	}
	if err := d.lab.Attach(d.ctx, 0); err != nil {
		t.Fatal(err)
	}
	d.until("the row follows the dashboard's polls", 20*time.Second, func() bool {
		p := d.phase(0)
		return p != fleet.PhaseDetached && p != ""
	})
	for _, r := range d.m.Rows() {
		if r.Master == name && (r.Snapshot.Source.Error == "stale" || r.Snapshot.Source.PolledAt != sub.Dashboard().Snapshot().Source.PolledAt) {
			t.Errorf("row %+v, dashboard polled the source at %s", r.Snapshot.Source, sub.Dashboard().Snapshot().Source.PolledAt)
		}
	}
}

// A master's checklist is idle on its current step once preflight has run.
func (d *fleetDriver) readyFor(i int, id steps.StepID) func() bool {
	return func() bool {
		s := d.m.Master(d.lab.Names[i])
		c := s.Checklist()
		return c.Driver().Ready() && !c.Driver().Busy() && c.Driver().Plan().Current == id && s.Mode() == common.ModeNormal
	}
}

func TestFleetMaxSyncsHoldsTheSecondAttachUntilTheFirstSyncIsDone(t *testing.T) {
	// A 3 s diskless sync delay keeps the first sync running a while.
	d := startFleetDriver(t, lab.FleetOptions{Masters: 2, PreloadKeys: 100, SyncDelay: 3 * time.Second}, 1)
	d.until("polled", 10*time.Second, func() bool { return d.phase(0) == fleet.PhaseDetached })
	d.key("enter")
	d.until("master 1 ready to attach", 20*time.Second, d.readyFor(0, steps.StepAttach))
	d.key("enter")
	d.until("the attach question", 5*time.Second, func() bool { return d.m.Master(d.lab.Names[0]).Mode() != common.ModeNormal })
	d.key("y")
	d.until("master 1 syncing", 15*time.Second, func() bool { return d.phase(0) == fleet.PhaseSyncing })
	d.key("left")
	d.key("down")
	d.key("enter")
	if d.m.Focus() != d.lab.Names[1] {
		t.Fatalf("focus %q, want %s", d.m.Focus(), d.lab.Names[1])
	}
	d.until("master 2 ready to attach", 20*time.Second, d.readyFor(1, steps.StepAttach))
	d.key("enter")
	d.until("the attach question", 5*time.Second, func() bool { return d.m.Master(d.lab.Names[1]).Mode() != common.ModeNormal })
	d.key("y")
	c2 := d.m.Master(d.lab.Names[1]).Checklist()
	d.until("the second attach refused", 5*time.Second, func() bool { return c2.Result(steps.StepAttach).Err != nil })
	if err := c2.Result(steps.StepAttach).Err.Error(); !strings.Contains(err, "waiting its turn: 1 syncs running (--max-syncs 1)") {
		t.Fatalf("the second attach: %s", err)
	}
	if d.phase(1) != fleet.PhaseDetached {
		t.Fatalf("master 2 is %s: the refused attach touched it", d.phase(1))
	}
	// Once the first sync is done, the second attach may run.
	d.until("master 1 in sync", 30*time.Second, func() bool { p := d.phase(0); return p == fleet.PhaseInSync || p == fleet.PhaseRegistered })
	d.until("its turn freed", 10*time.Second, func() bool { return len(d.m.cfg.Turns.Syncs()) == 0 })
	d.until("master 2 ready to attach", 10*time.Second, d.readyFor(1, steps.StepAttach))
	d.key("enter")
	d.until("the attach question", 5*time.Second, func() bool { return d.m.Master(d.lab.Names[1]).Mode() != common.ModeNormal })
	d.key("y")
	d.until("master 2 syncing or in sync", 20*time.Second, func() bool { p := d.phase(1); return p == fleet.PhaseSyncing || p == fleet.PhaseInSync })
}

func TestFleetMasterWithoutTargetIsNeverTouched(t *testing.T) {
	d := startFleetDriver(t, lab.FleetOptions{Masters: 2}, 1, "1")
	d.until("polled", 10*time.Second, func() bool { return d.phase(1) == fleet.PhaseNoTarget && d.phase(0) == fleet.PhaseDetached })
	d.key("down")
	d.key("enter")
	if d.m.Focus() != "" || !strings.Contains(d.screen(), "no target") {
		t.Fatalf("enter on a master without a target opened it:\n%s", d.screen())
	}
	// The other master's preflight runs through the audited path.
	d.key("g")
	d.key("enter")
	d.until("master 1 preflight done", 20*time.Second, d.readyFor(0, steps.StepAttach))
	entries, err := auditlog.ReadAudit(d.audit.Path())
	if err != nil {
		t.Fatal(err)
	}
	name := d.lab.Names[1]
	n := 0
	for _, e := range entries {
		if e.Master == name {
			n++
			if e.Kind == auditlog.KindCommand && e.Write {
				t.Errorf("a write to %s, which has no target: %+v", name, e)
			}
		}
		if e.Kind == auditlog.KindCommand && probe.SameAddr(e.Addr, d.lab.Sources[1].Addr()) && e.Write {
			t.Errorf("a write to %s's source: %+v", name, e)
		}
	}
	if len(entries) < 3 {
		t.Fatalf("the audit log has %d entries: master 1's preflight wrote none", len(entries))
	}
	// Its source is read behind a read-only guard.
	if _, err := d.fl.Master(name).SourceOnly.Do(d.ctx, "SET", "k", "v"); err == nil {
		t.Fatal("SET through a master without a target's endpoint was sent")
	}
}
