package plan

import (
	"strings"
	"testing"
	"time"

	"flyover/probe"
	"flyover/probe/events"
	"flyover/steps"
	"flyover/steps/stepstest"
	"flyover/steps/switchover"
)

// leaderInFailover: sentinel-1 ran the failover and is still
// reconfiguring an old Redis replica that never syncs from Dragonfly: it
// answers GET-MASTER-ADDR-BY-NAME with the target, but its own record is
// still the old primary. The other two have switched.
func leaderInFailover(x *stepstest.Fixture) *stepstest.Fixture {
	x.Promoted(3).Fenced()
	l := &x.Sents[0]
	l.RecordAddr, l.ConfigEpoch = stepstest.FxSource, 1
	l.MasterFlags = []string{"master", "failover_in_progress"}
	l.FailoverState = "reconf_slaves"
	l.Replicas = []probe.SentinelReplica{
		{IP: "10.0.0.2", Port: 6380, Flags: []string{"slave", "promoted"}},
		{IP: "10.0.0.3", Port: 6379, Flags: []string{"slave", "reconf_inprog"}},
	}
	return x
}

func TestSwitchIsJudgedByEachSentinelsOwnRecord(t *testing.T) {
	x := leaderInFailover(stepstest.Healthy())
	f := x.Facts()
	promoted := x.At.Add(-8 * time.Second)
	f.Cutover = &steps.CutoverResult{PromotedAt: promoted}
	// GET-MASTER-ADDR-BY-NAME: all three name the target.
	if n := steps.TargetNaming(f); n != 3 {
		t.Fatalf("TargetNaming %d, want 3", n)
	}
	if n := switchover.SentinelsSwitched(f); n != 2 || switchover.SwitchComplete(f) {
		t.Fatalf("switched %d, complete %t; want 2, false", n, switchover.SwitchComplete(f))
	}
	sw := switchover.SentinelSwitches(f)[0]
	if sw.State != switchover.SwitchFinishing || !sw.Ends.Equal(promoted.Add(time.Minute)) || len(sw.Waits) != 1 || sw.Waits[0] != "10.0.0.3:6379" {
		t.Fatalf("leader %+v", sw)
	}
	d := sw.Describe(f)
	t.Log(d)
	for _, want := range []string{"sentinel-1 is still in its failover (reconf-slaves): failover-timeout ends it at 03:04:57 (52 s left)",
		"or 5 s (down-after-milliseconds) after the old replicas it waits for are shut down: 10.0.0.3:6379"} {
		if !strings.Contains(d, want) {
			t.Errorf("description lacks %q: %s", want, d)
		}
	}
	f.HA.Fates = map[string]steps.Fate{"10.0.0.3:6379": steps.FateShutDown}
	if d := switchover.SentinelSwitches(f)[0].Describe(f); !strings.Contains(d, "the old replicas it waited for are shut down (10.0.0.3:6379)") {
		t.Errorf("once this session shut them down: %s", d)
	}
	f.HA.Fates = nil
	// Verify does not pass on a +switch-master from another Sentinel.
	f.SwitchMaster = &events.Event{Sentinel: x.Sents[1].Addr, Type: "+switch-master", Time: x.At}
	f.VerifiedWrite = x.At
	for _, c := range verifyChecks(f, steps.Options{}) {
		if (c.ID == "verify-all-sentinels" || c.ID == "verify-switch") && c.Level == steps.Pass {
			t.Errorf("%s passed mid-failover: %s", c.ID, c.Detail)
		}
	}
	if verifyStep.DoneFn(f, steps.Options{}) {
		t.Error("verify done while the leader is in its failover")
	}
	// Nothing that changes the topology may start.
	for _, s := range []*steps.Step{decommissionStep, steps.Lookup(steps.StepRestoreHA)} {
		pre := s.PreFn(f, steps.Options{})
		if len(pre) == 0 || pre[0].Level != steps.Block || !strings.Contains(pre[0].Detail, "still in its failover") {
			t.Errorf("%s precondition mid-failover: %+v", s.ID, pre)
		}
	}

	// The leader ends its failover: every record names the target.
	x.Sents[0].RecordAddr, x.Sents[0].MasterFlags, x.Sents[0].FailoverState = stepstest.FxTarget, []string{"master"}, ""
	f2 := x.Facts()
	f2.SwitchMaster, f2.VerifiedWrite = f.SwitchMaster, x.At
	if !switchover.SwitchComplete(f2) || len(decommissionStep.PreFn(f2, steps.Options{})) != 0 {
		t.Fatalf("after the failover: complete %t, decommission pre %+v", switchover.SwitchComplete(f2), decommissionStep.PreFn(f2, steps.Options{}))
	}
	for _, c := range verifyChecks(f2, steps.Options{}) {
		if c.Level != steps.Pass {
			t.Errorf("%s after the failover: %s %s", c.ID, c.Level, c.Detail)
		}
	}
}

// A Sentinel reset during the leader's failover went back to the old
// primary: same config epoch as the others, no failover: stuck. Verify
// blocks, names it, and offers the repair, with auth-pass redacted.
func TestAStuckSentinelBlocksVerifyAndIsOfferedItsRepair(t *testing.T) {
	x := stepstest.Healthy().Promoted(3).Fenced()
	x.Src.Reachable = false
	x.Sents[0].RecordAddr, x.Sents[0].MasterAddr = stepstest.FxSource, stepstest.FxSource
	x.Sents[0].MasterFlags = []string{"s_down", "master", "disconnected"}
	x.Pre.Source.RequiresPassword = true
	f := x.Facts()
	sw := switchover.SentinelSwitches(f)
	if sw[0].State != switchover.SwitchStuck || !sw[0].RecordDown {
		t.Fatalf("sentinel-1 %+v", sw[0])
	}
	var c *steps.Check
	for _, ch := range verifyChecks(f, steps.Options{}) {
		if ch.ID == "verify-all-sentinels" {
			c = &ch
		}
	}
	if c == nil || c.Level != steps.Block || !strings.Contains(c.Detail, "never converges") || len(c.FixCommands) != 3 {
		t.Fatalf("verify-all-sentinels %+v", c)
	}
	var repair *steps.Confirmation
	for _, cf := range verifyStep.ConfirmFn(f, steps.Options{}) {
		if cf.ID == switchover.RepairID("sentinel-1") {
			repair = &cf
		}
	}
	if repair == nil {
		t.Fatal("no repair offered")
	}
	got := []string{}
	for _, cmd := range repair.Commands {
		got = append(got, strings.Join(cmd.Args, " "))
	}
	want := []string{"SENTINEL REMOVE mymaster", "SENTINEL MONITOR mymaster 10.0.0.2 6380 2",
		"SENTINEL SET mymaster down-after-milliseconds 5000 failover-timeout 60000 auth-pass ***"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("repair commands\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A Sentinel that missed the failover (older epoch) is behind, not stuck.
	x.Sents[0].ConfigEpoch = 0
	x.Sents[1].ConfigEpoch, x.Sents[2].ConfigEpoch = 1, 1
	if sw := switchover.SentinelSwitches(x.Facts()); sw[0].State != switchover.SwitchBehind {
		t.Errorf("sentinel-1 with an older epoch: %s", sw[0].State)
	}
}

func TestParseSentinelMasterReadsTheOwnRecordAndFailoverState(t *testing.T) {
	reply := []any{"name", "mymaster", "ip", "127.0.0.1", "port", "17600", "flags", "master,failover_in_progress",
		"failover-state", "reconf_slaves", "config-epoch", "1", "failover-timeout", "60000", "parallel-syncs", "1"}
	v := probe.SentinelView{MasterAddr: "127.0.0.1:17601"}
	if err := probe.ParseSentinelMaster(reply, &v); err != nil {
		t.Fatal(err)
	}
	if v.RecordAddr != "127.0.0.1:17600" || v.MasterAddr != "127.0.0.1:17601" || v.FailoverState != "reconf_slaves" ||
		!v.FailoverInProgress() || v.ParallelSyncs != 1 {
		t.Errorf("%+v", v)
	}
}
