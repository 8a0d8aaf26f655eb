package steps_test

import (
	"context"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/steps"
)

// Figures for the note, not a check: the guarded cutover with and without
// two other Redis replicas (at priority 0, on a stand-in that refuses
// them as Dragonfly does): the write stall, what was lost, and how long
// after SENTINEL FAILOVER +switch-master comes and verify finishes.
// FLYOVER_HA_FIGURES=N runs each case N times.
func TestHAFiguresReplicaStallAndSwitchMaster(t *testing.T) {
	n := labtest.Measure(t, "FLYOVER_HA_FIGURES")
	for _, extra := range []int{2, 0} {
		for run := 1; run <= n; run++ {
			haFigureRun(t, extra, run)
		}
	}
}

func haFigureRun(t *testing.T, extra, run int) {
	ctx := context.Background()
	so := steps.Options{SteadyPolls: 3, PollInterval: 250 * time.Millisecond}
	g := startRig(t, lab.Options{PreloadKeys: 20000, ExtraReplicas: extra}, so)
	defer g.lab.Stop()
	canary := startWritingCanary(t, g.lab, 2000, 500)
	g.runner.Canary = canary
	if err := g.lab.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	g.advanceTo(steps.StepCutover)

	sc := g.lab.Sentinels[0].Client()
	defer sc.Close()
	sub := sc.Subscribe(ctx, "+switch-master")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	switched := make(chan time.Time, 1)
	go func() {
		if _, err := sub.ReceiveMessage(ctx); err == nil {
			switched <- time.Now()
		}
	}()

	g.mustRun(steps.StepCutover)
	res := g.runner.Session.Facts(g.prober.Topo, probe.Snapshot{}).Cutover
	g.mustRun(steps.StepVerify)
	verified := time.Since(res.FailoverAt)
	sw := "not seen"
	select {
	case at := <-switched:
		sw = at.Sub(res.FailoverAt).Round(100 * time.Millisecond).String()
	case <-time.After(2 * time.Second):
	}
	st := canary.Stats()
	v := assertNothingLost(t, canary)
	t.Logf("FIGURE extra=%d run=%d: stall %s (drain %s, promote %s); canary longest stall %s, failed %d, acked %d, lost %d; +switch-master %s and verify done %s after SENTINEL FAILOVER (failover-timeout %s)",
		extra, run, res.Stall.Round(time.Millisecond), res.Drain.Round(time.Microsecond), res.Promote.Round(time.Millisecond),
		st.LongestStall.Round(time.Millisecond), st.Failed, v.Checked, v.Lost, sw, verified.Round(100*time.Millisecond), g.lab.Opts.FailoverTimeout)
}
