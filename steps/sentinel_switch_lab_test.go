package steps_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/probe/canary"
	"flyover/probe/events"
	"flyover/steps"
	"flyover/steps/switchover"
)

// The HA run of issue 18, with a stand-in target that refuses Redis
// replicas as Dragonfly does (so Sentinel's leader stays in its failover,
// reconfiguring old replicas that never resync), or a real Dragonfly
// where one is on PATH: two old Redis replicas, three Sentinels, a canary
// writing through Sentinel, every step confirmed. What must hold at the
// end: every Sentinel's own record (SENTINEL MASTER, read here without
// flyover) names the target with no failover in progress, none names a
// dead server, and no acknowledged write is lost. Logged: the time from
// the cutover to the end of the decommission.
//
// shutdown: at verify, the old replicas the leader waits for are shut
// down (the way to end the wait sooner); otherwise verify waits for the
// leader's failover-timeout, counting down.
func TestHALeaderFailoverEndsBeforeTheDecommission(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		shutdown bool
		timeout  time.Duration
	}{
		{"old replicas shut down at verify", true, 60 * time.Second},
		{"wait for failover-timeout", false, 20 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			g, canary, res := migrateThroughCutover(t, lab.Options{PreloadKeys: 2000, ExtraReplicas: 2, FailoverTimeout: tc.timeout}, 2000, 500)
			l := g.lab
			t.Logf("cutover: stall %s, promoted by %s", res.Stall.Round(time.Millisecond), res.FailoverSentinel)

			// Right after the cutover the leader is in its failover: its
			// GET-MASTER-ADDR-BY-NAME names the target, its own record the
			// old primary (with a real Dragonfly or the refusing stand-in).
			c, f := g.plan()
			if c.Current != steps.StepVerify {
				t.Fatalf("plan at %s: %s", c.Current, c.State(c.Current).Reason)
			}
			var leader *switchover.SentinelSwitch
			for _, sw := range switchover.SentinelSwitches(f) {
				t.Logf("after the cutover: %s", sw.Describe(f))
				if sw.State == switchover.SwitchFinishing {
					leader = &sw
				}
			}
			if leader == nil {
				t.Fatalf("no Sentinel in its failover after the cutover: the stand-in does not hold the leader as Dragonfly does")
			}
			if pre := steps.Lookup(steps.StepDecommission).Precondition(f, g.opts); len(pre) == 0 || pre[0].Level != steps.Block {
				t.Errorf("decommission may start while %s is in its failover: %+v", leader.Label, pre)
			}

			// As the dashboard relays it: +switch-master from a Sentinel
			// that is not the leader, seconds after the promotion. It made
			// verify pass before, and the reset then caught the leader
			// mid-failover.
			other := l.Sentinels[(leader.Index+1)%len(l.Sentinels)]
			g.runner.Session.ObserveEvent(g.prober.Topo, events.Event{Time: time.Now(), Sentinel: other.Addr(), Type: "+switch-master",
				MasterName: l.Opts.MasterName, OldAddr: l.Source.Addr(), NewAddr: l.Target.Addr()})
			_, f = g.plan()
			a := yes(steps.StepVerify, f, g.opts)
			held := 0
			for _, cf := range steps.Lookup(steps.StepVerify).Confirmations(f, g.opts) {
				if strings.HasPrefix(cf.ID, "shutdown ") {
					held++
					if !tc.shutdown {
						a[cf.ID] = "n"
					}
				}
			}
			if held != 2 {
				t.Errorf("verify offers to shut down %d old replicas, want 2", held)
			}
			j, err := g.runner.Start(ctx, steps.StepVerify, f, a)
			if err != nil {
				t.Fatal(err)
			}
			countdown := ""
			for p := range j.Progress {
				if strings.Contains(p.Message, " s left") {
					countdown = p.Message
				}
			}
			if err := j.Wait(); err != nil {
				t.Fatal(err)
			}
			verified := time.Since(res.PromotedAt)
			if countdown == "" {
				t.Error("verify never showed a countdown to the leader's failover-timeout")
			} else {
				t.Logf("verify's countdown: %s", countdown)
			}

			c, f = g.plan()
			if c.Current != steps.StepDecommission {
				t.Fatalf("after verify: plan at %s: %s", c.Current, c.State(c.Current).Reason)
			}
			g.mustRun(steps.StepDecommission)
			decommissioned := time.Since(res.PromotedAt)
			t.Logf("from the promotion: verify done after %s, decommission done after %s (failover-timeout %s, down-after %s)",
				verified.Round(100*time.Millisecond), decommissioned.Round(100*time.Millisecond), tc.timeout, l.Opts.DownAfter)

			assertEveryRecordNamesTheTarget(t, l)
			v := assertNothingLost(t, canary)
			t.Logf("canary: %d acknowledged writes read back, 0 lost", v.Checked)
		})
	}
}

// Someone else resets the leader mid-failover and shuts the old primary
// down: the leader goes back to the old primary's address with the same
// config epoch as the others and never converges. flyover names it,
// verify does not pass, and the repair it offers (confirmed like any
// other command) brings it back onto the target.
func TestAStuckSentinelIsNamedAndRepaired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const pw = "stuck-sentinel-pw"
	g, canary, _ := migrateThroughCutover(t, lab.Options{PreloadKeys: 500, ExtraReplicas: 1, Password: pw}, 1000, 200)
	l := g.lab

	// The leader, still in its failover, is reset behind flyover's back,
	// and the old primary is shut down.
	_, f := g.plan()
	leader := -1
	for _, sw := range switchover.SentinelSwitches(f) {
		if sw.State == switchover.SwitchFinishing {
			leader = sw.Index
		}
	}
	if leader < 0 {
		t.Fatal("no Sentinel in its failover after the cutover")
	}
	sc := l.Sentinels[leader].Client()
	defer sc.Close()
	if err := sc.Do(ctx, "SENTINEL", "RESET", l.Opts.MasterName).Err(); err != nil {
		t.Fatal(err)
	}
	l.Source.Stop()
	Label := fmt.Sprintf("sentinel-%d", leader+1)
	labtest.Wait(t, 30*time.Second, Label+" stuck on the dead old primary", func() bool {
		_, f = g.plan()
		sw := switchover.SentinelSwitches(f)[leader]
		return sw.State == switchover.SwitchStuck && sw.RecordDown
	})

	c, f := g.plan()
	if c.Current != steps.StepVerify {
		t.Fatalf("plan at %s: %s", c.Current, c.State(c.Current).Reason)
	}
	var line steps.Check
	for _, ch := range steps.Lookup(steps.StepVerify).Verify(f, g.opts) {
		if ch.ID == "verify-all-sentinels" {
			line = ch
		}
	}
	t.Logf("verify: %s %s: %s (fix: %s)", line.Level, line.Title, line.Detail, line.Fix)
	if line.Level != steps.Block || !strings.Contains(line.Detail, Label+" names "+l.Source.Addr()) || len(line.FixCommands) != 3 {
		t.Fatalf("the stuck Sentinel is not named with its fix: %+v", line)
	}
	a := yes(steps.StepVerify, f, g.opts)
	if a["repair "+Label] != "y" {
		t.Fatalf("no repair offered for %s: %v", Label, a)
	}
	if err := g.runner.Run(ctx, steps.StepVerify, f, a); err != nil {
		t.Fatal(err)
	}
	assertEveryRecordNamesTheTarget(t, l)
	if log, err := os.ReadFile(g.audit.Path()); err != nil || strings.Contains(string(log), pw) {
		t.Errorf("the audit log holds the password (or cannot be read: %v)", err)
	}
	v := assertNothingLost(t, canary)
	t.Logf("canary: %d acknowledged writes read back, 0 lost", v.Checked)
}

// migrateThroughCutover starts a lab and a canary writing rate a second
// through Sentinel, and runs every step up to and including the cutover,
// each confirmed.
func migrateThroughCutover(t *testing.T, lo lab.Options, rate int, acked int64) (*rig, *canary.Canary, *steps.CutoverResult) {
	t.Helper()
	g := startRig(t, lo, steps.Options{SteadyPolls: 2, PollInterval: 250 * time.Millisecond})
	canary := startWritingCanary(t, g.lab, rate, acked)
	g.runner.Canary = canary
	g.mustRun(steps.StepPreflight)
	g.mustRun(steps.StepAttach)
	g.advanceTo(steps.StepCutover)
	g.mustRun(steps.StepCutover)
	return g, canary, g.runner.Session.Facts(g.prober.Topo, probe.Snapshot{}).Cutover
}

// assertEveryRecordNamesTheTarget reads each Sentinel's own master record
// with a plain client: the target's address, no failover in progress,
// not down.
func assertEveryRecordNamesTheTarget(t *testing.T, l *lab.Lab) {
	t.Helper()
	ctx := context.Background()
	for i, s := range l.Sentinels {
		c := s.Client()
		m, err := c.Do(ctx, "SENTINEL", "MASTER", l.Opts.MasterName).Result()
		c.Close()
		if err != nil {
			t.Errorf("sentinel-%d: %v", i+1, err)
			continue
		}
		var v probe.SentinelView
		if err := probe.ParseSentinelMaster(m, &v); err != nil {
			t.Fatal(err)
		}
		t.Logf("sentinel-%d's own record: %s flags %s epoch %d", i+1, v.RecordAddr, strings.Join(v.MasterFlags, ","), v.ConfigEpoch)
		if v.RecordAddr != l.Target.Addr() || v.FailoverInProgress() || v.MasterDown() {
			t.Errorf("sentinel-%d's own record: %s flags %v; want the target %s, no failover, not down", i+1, v.RecordAddr, v.MasterFlags, l.Target.Addr())
		}
	}
}
