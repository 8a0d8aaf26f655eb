package fleetview

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"flyover/driver"
	"flyover/fleet"
	"flyover/lab"
	"flyover/probe/canary"
	"flyover/steps"
	"flyover/steps/plan"
	"flyover/ui/common"
	"flyover/ui/confirm"
)

// startFleetCanary starts a canary writing to master name through the
// fleet's Sentinels, as an application would, and waits, bounded, until
// it is demonstrably writing.
func startFleetCanary(t *testing.T, d *fleetDriver, name string) *canary.Canary {
	t.Helper()
	c, err := canary.StartCanary(context.Background(), canary.CanaryOptions{
		MasterName: name, Sentinels: d.lab.SentinelAddrs(), Rate: 300, TTL: 10 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := lab.WaitFor(context.Background(), 10*time.Second, func() bool { return c.Stats().Acked > 50 }); err != nil {
		t.Fatalf("the canary of %s is not writing: %+v", name, c.Stats())
	}
	return c
}

// migrate drives the master on screen through its checklist as an
// operator would, up to a verify that passed: enter on every step that
// waits for it, y to every question, the master name typed (once the
// prompt takes keys) for the cutover; the waits run by themselves. Any
// step that fails fails the test.
func (d *fleetDriver) migrate(name string, limit time.Duration) {
	d.t.Helper()
	s := d.m.Master(name)
	c := s.Checklist()
	pressed := map[steps.StepID]time.Time{} // when enter was pressed, against the step's last result
	typedFor := (*confirm.Confirm)(nil)
	answered := map[*confirm.Confirm]int{}
	d.until(name+" migrated through verify", limit, func() bool {
		if d.m.Focus() != name {
			d.t.Fatalf("focus %q, want %s", d.m.Focus(), name)
		}
		if r, ok := c.Driver().Result(steps.StepVerify); ok && r.Err == nil {
			return true
		}
		for id, r := range c.Driver().Results() {
			if r.Err != nil && id != steps.StepPreflight {
				d.t.Fatalf("%s: step %s failed: %v\n%s", name, id, r.Err, d.screen())
			}
		}
		if dlg := c.Question(); dlg != nil {
			switch {
			case dlg.Done:
			case dlg.Typing():
				if typedFor != dlg && dlg.Settled(time.Now()) {
					typedFor = dlg
					for _, r := range name {
						d.key(string(r))
					}
					d.key("enter")
				}
			case answered[dlg] <= dlg.Index:
				answered[dlg] = dlg.Index + 1
				d.key("y")
			}
			return false
		}
		if !c.Driver().Ready() || c.Driver().Busy() || s.Mode() != common.ModeNormal {
			return false
		}
		id := c.Driver().Plan().Current
		step := steps.Lookup(id)
		if id == "" || step == nil {
			return false
		}
		if step.Watches && len(step.Confirmations(*c.Driver().Facts(), c.Driver().Options())) == 0 {
			return false // a wait: it runs by itself
		}
		if at, ok := pressed[id]; ok && !c.Result(id).At.After(at) {
			return false // pressed already; its question or its run is coming
		}
		pressed[id] = time.Now()
		d.key("enter")
		return false
	})
}

// Two masters migrated one after the other through the fleet screen, a
// canary writing to each through Sentinel the whole time: enter the
// first, every step with its confirmations and the typed name for the
// cutover, back to the fleet, then the second. Neither canary loses an
// acknowledged write, Sentinel names each target, and the fleet's report
// has a row per master from the one audit log.
func TestFleetMigratesTwoMastersInTurnUnderWritesLosingNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("two whole migrations: skipped with -short")
	}
	d := startFleetDriver(t, lab.FleetOptions{Masters: 2, PreloadKeys: 500, FailoverTimeout: 20 * time.Second}, 1)
	opts := steps.Options{SteadyPolls: 3, PollInterval: 250 * time.Millisecond}
	canaries := map[string]*canary.Canary{}
	for _, name := range d.lab.Names {
		canaries[name] = startFleetCanary(t, d, name)
	}
	d.m.cfg.Open = func(m *fleet.Master) (common.Config, error) {
		s := steps.NewSession()
		a := d.audit.ForMaster(m.Name)
		r := steps.NewRunner(m.Prober, a, s, opts)
		r.Canary = canaries[m.Name]
		cfg := common.Config{Topo: m.Prober.Topo, Source: m.Prober.Source, Target: m.Prober.Target,
			Guide: &common.Guide{Runner: driver.Steps(r), Session: s, Options: opts, Audit: a, Writer: canaries[m.Name]}}
		for _, e := range m.Prober.Sentinels {
			cfg.Sentinels = append(cfg.Sentinels, common.Sentinel{Addr: e.Addr, Poller: e})
		}
		return cfg, nil
	}
	d.m.cfg.Report = func() (string, error) { return plan.WriteFleetReport(d.audit, d.lab.Names) }
	d.until("both polled", 15*time.Second, func() bool {
		return d.phase(0) == fleet.PhaseDetached && d.phase(1) == fleet.PhaseDetached
	})

	for i, name := range d.lab.Names {
		if i > 0 {
			d.key("down")
		}
		d.key("enter")
		if d.m.Focus() != name {
			t.Fatalf("focus %q after enter, want %s:\n%s", d.m.Focus(), name, d.screen())
		}
		d.migrate(name, 3*time.Minute)
		d.key("left")
		if d.m.Focus() != "" {
			t.Fatalf("← did not return to the fleet from %s:\n%s", name, d.screen())
		}
		d.until(name+" switched in the fleet's table", 20*time.Second, func() bool {
			p := d.phase(i)
			return p == fleet.PhaseSwitched || p == fleet.PhaseDecommissioned
		})
		// The other master was not touched while this one moved.
		if j := 1 - i; j > i && d.phase(j) != fleet.PhaseDetached {
			t.Fatalf("%s is %s while %s was migrated", d.lab.Names[j], d.phase(j), name)
		}
	}

	for i, name := range d.lab.Names {
		c := canaries[name]
		c.Stop()
		v, err := c.Verify(context.Background())
		if err != nil || v.Lost != 0 || v.Checked == 0 {
			t.Errorf("%s's canary: %+v, %v", name, v, err)
		}
		t.Logf("%s: canary %d acknowledged, %d read back, %d lost; longest stall %s", name, v.Acked, v.Checked, v.Lost, c.Stats().LongestStall)
		sc := d.lab.Sentinels[0].Client()
		addr, err := sc.Do(context.Background(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", name).StringSlice()
		sc.Close()
		if err != nil || len(addr) != 2 || addr[1] != fmt.Sprint(d.lab.Targets[i].Port) {
			t.Errorf("Sentinel names %v (%v) for %s, want its target %s", addr, err, name, d.lab.Targets[i].Addr())
		}
	}

	// The fleet's report, on its key, from the one audit log.
	d.key("r")
	d.until("the fleet report written", 10*time.Second, func() bool { return d.m.ReportPath() != "" })
	if p := d.m.ReportPath(); p != d.audit.FleetReportPath() || !strings.Contains(d.screen(), "fleet report") {
		t.Errorf("report at %s (want %s); screen:\n%s", p, d.audit.FleetReportPath(), d.screen())
	}
	b, err := os.ReadFile(d.m.ReportPath())
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, name := range d.lab.Names {
		row := ""
		for _, l := range strings.Split(md, "\n") {
			if strings.HasPrefix(l, "| "+name+" | ") {
				row = l
			}
		}
		if !strings.Contains(row, " | cutover done | ") || !strings.Contains(row, " | **0** of ") {
			t.Errorf("the fleet report has no done cutover with 0 canary writes lost for %s:\n%s", name, md)
		}
	}
	if !strings.Contains(md, "Cut over: 2 of 2; canary writes lost, all masters: **0**") {
		t.Errorf("the fleet report's summary:\n%s", md)
	}
	t.Logf("fleet report:\n%s", md)
}
