package steps_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/steps"
)

// The guided migration of a source with two other Redis replicas, under
// a canary, with a stand-in target that refuses Redis replicas as
// Dragonfly does: step 6 gives them priority 0 (the old values recorded),
// nothing is lost, the decommission shuts one down and leaves the other
// with its commands, the Sentinels forget them, and restore HA attaches a
// new replica that every Sentinel would promote; killing the new primary
// then promotes it and the application keeps writing.
func TestHAGuidedMigrationWithTwoReplicasAndRestoreHA(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	so := steps.Options{SteadyPolls: 3, PollInterval: 250 * time.Millisecond}
	// failover-timeout 15 s: replica-2 is left running, so Sentinel's
	// leader stays in its failover until then.
	g := startRig(t, lab.Options{PreloadKeys: 5000, ExtraReplicas: 2, FailoverTimeout: 15 * time.Second}, so)
	l := g.lab
	newRep, err := l.StartNewReplica(ctx, "new-replica-1")
	if err != nil {
		t.Fatal(err)
	}
	g.opts.NewReplicas = []string{newRep.Addr()}
	g.runner.Opts.NewReplicas = g.opts.NewReplicas
	r1, r2 := l.Replicas[0], l.Replicas[1]
	canary := startWritingCanary(t, l, 2000, 500)
	g.runner.Canary = canary
	// An application reads from replica-1 (and keeps its connection).
	reader := r1.Client()
	defer reader.Close()
	for i := range 50 {
		reader.Get(ctx, "preload:"+strings.Repeat("0", 7)+string(rune('0'+i%10)))
	}

	g.mustRun(steps.StepPreflight)
	c, _ := g.plan()
	reads := map[string]steps.Level{}
	for _, ch := range c.State(steps.StepPreflight).Checks {
		if strings.HasPrefix(ch.ID, "replica-reads-") {
			reads[strings.TrimPrefix(ch.ID, "replica-reads-")] = ch.Level
			t.Logf("preflight %s %s: %s", ch.Level, ch.Title, ch.Detail)
		}
	}
	if len(reads) != 2 || reads[r1.Addr()] != steps.Warn || reads[r2.Addr()] != steps.Pass {
		t.Errorf("preflight on clients reading from the replicas: %v, want replica-1 warn, replica-2 pass", reads)
	}
	g.mustRun(steps.StepAttach)
	g.advanceTo(steps.StepRegister)
	g.mustRun(steps.StepRegister)

	// Step 6: a line per replica with what will happen to it, then
	// priority 0 on both, the old values recorded for abort.
	c, f := g.plan()
	st := c.State(steps.StepPriority)
	if c.Current != steps.StepPriority || len(st.Checks) != 2 {
		t.Fatalf("plan at %s (%s), priority checks %+v", c.Current, c.State(c.Current).Reason, st.Checks)
	}
	for _, ch := range st.Checks {
		t.Logf("priority %s %s: %s", ch.Level, ch.Title, ch.Detail)
		if !strings.Contains(ch.Detail, "never syncs from Dragonfly") {
			t.Errorf("no fate for %s: %s", ch.Title, ch.Detail)
		}
	}
	if err := g.runner.Run(ctx, steps.StepPriority, f, yes(steps.StepPriority, f, so)); err != nil {
		t.Fatal(err)
	}
	old := g.runner.Session.Facts(g.prober.Topo, probe.Snapshot{}).HA.OldPriorities
	if old[r1.Addr()] != 100 || old[r2.Addr()] != 100 {
		t.Fatalf("old priorities %v", old)
	}
	if !auditHas(t, g.audit.Path(), "CONFIG", "SET", "replica-priority", "0") {
		t.Error("CONFIG SET replica-priority 0 is not in the audit log")
	}

	// The cutover, and how long verify waits for +switch-master.
	c, _ = g.plan()
	if c.Current != steps.StepCutover {
		t.Fatalf("plan at %s: %s", c.Current, c.State(c.Current).Reason)
	}
	g.mustRun(steps.StepCutover)
	res := g.runner.Session.Facts(g.prober.Topo, probe.Snapshot{}).Cutover
	t.Logf("cutover with 2 other replicas: stall %s (drain %s, promote %s)", res.Stall, res.Drain, res.Promote)

	// Until the decommission, the old Redis servers serve stale data.
	_, f = g.plan()
	for _, ch := range steps.Lookup(steps.StepDecommission).Verify(f, g.opts) {
		t.Logf("after the switch: %s %s: %s", ch.Level, ch.Title, ch.Detail)
	}
	// Verify offers to shut down the old replicas the leader waits for:
	// replica-1 goes now, replica-2 is kept for the decommission's
	// question, so verify waits for failover-timeout.
	_, f = g.plan()
	a := yes(steps.StepVerify, f, g.opts)
	if a["shutdown "+r1.Addr()] != "y" || a["shutdown "+r2.Addr()] != "y" {
		t.Fatalf("verify does not offer to shut down both old replicas: %v", a)
	}
	a["shutdown "+r2.Addr()] = "n"
	if err := g.runner.Run(ctx, steps.StepVerify, f, a); err != nil {
		t.Fatal(err)
	}
	t.Logf("verify: every Sentinel switched %s after SENTINEL FAILOVER (failover-timeout %s)", time.Since(res.FailoverAt).Round(100*time.Millisecond), l.Opts.FailoverTimeout)
	_, f = g.plan()
	stale := 0
	for _, ch := range steps.Lookup(steps.StepDecommission).Verify(f, g.opts) {
		t.Logf("before decommission: %s %s: %s", ch.Level, ch.Title, ch.Detail)
		if strings.Contains(ch.Detail, "serving data from "+res.PromotedAt.Format("15:04:05")) {
			stale++
		}
		if strings.Contains(ch.Detail, "the old primary") && !strings.Contains(ch.Detail, "following the target, never synced") {
			t.Errorf("the fenced old primary: %s", ch.Detail)
		}
	}
	if stale != 2 {
		t.Errorf("%d old Redis servers shown serving data from the switch, want 2 (replica-1 was shut down at verify)", stale)
	}

	// The decommission: one confirmation per old Redis still up; shut the
	// old primary down, leave replica-2 to the operator.
	c, f = g.plan()
	if c.Current != steps.StepDecommission {
		t.Fatalf("plan at %s: %s", c.Current, c.State(c.Current).Reason)
	}
	conf := steps.Lookup(steps.StepDecommission).Confirmations(f, g.opts)
	if len(conf) != 3 {
		t.Fatalf("confirmations %+v", conf)
	}
	a = yes(steps.StepDecommission, f, g.opts)
	a["shutdown "+r2.Addr()] = "n"
	if err := g.runner.Run(ctx, steps.StepDecommission, f, a); err != nil {
		t.Fatal(err)
	}
	if l.Source.Running() || r1.Running() || !r2.Running() {
		t.Fatalf("running after decommission: source %t, replica-1 %t, replica-2 %t", l.Source.Running(), r1.Running(), r2.Running())
	}
	c, f = g.plan()
	for _, ch := range steps.Lookup(steps.StepDecommission).Verify(f, g.opts) {
		t.Logf("decommissioned: %s %s: %s", ch.Level, ch.Title, ch.Detail)
		if ch.Level != steps.Pass {
			t.Errorf("%s: %s", ch.Title, ch.Detail)
		}
		if strings.Contains(ch.Title, r2.Addr()) && !strings.Contains(ch.Detail, "SHUTDOWN") {
			t.Errorf("replica-2 is left without its commands: %s", ch.Detail)
		}
	}
	for i, v := range f.Snapshot.Sentinels {
		for _, gone := range []string{l.Source.Addr(), r1.Addr()} {
			if v.Replica(gone) != nil {
				t.Errorf("sentinel-%d still lists %s", i+1, gone)
			}
		}
	}

	// Restore HA: the new replica syncs and every Sentinel would promote it.
	if c.Current != steps.StepRestoreHA {
		t.Fatalf("plan at %s: %s", c.Current, c.State(c.Current).Reason)
	}
	g.mustRun(steps.StepRestoreHA)
	c, f = g.plan()
	reason := c.State(steps.StepRestoreHA).Reason
	t.Logf("restore HA: %s", reason)
	if c.Current != steps.StepReport || !strings.Contains(reason, "1 fewer than before (2)") {
		t.Errorf("plan at %s; restore HA: %s", c.Current, reason)
	}
	// Each Sentinel reads the replica's INFO on its own period, so one of
	// them may still report a link it saw down a moment ago: wait, bounded,
	// for all of them rather than judge one poll.
	var notOK []string
	if err := lab.WaitFor(ctx, 15*time.Second, func() bool {
		notOK = notOK[:0]
		for i, v := range f.Snapshot.Sentinels {
			r := v.Replica(newRep.Addr())
			if r == nil || r.Down() || r.Priority == 0 || r.MasterLinkStatus != "ok" {
				notOK = append(notOK, fmt.Sprintf("sentinel-%d: new replica %+v", i+1, r))
			}
		}
		if len(notOK) > 0 {
			_, f = g.plan()
		}
		return len(notOK) == 0
	}); err != nil {
		t.Errorf("not every Sentinel would promote the new replica: %s", strings.Join(notOK, "; "))
	}
	v := assertNothingLost(t, canary)
	t.Logf("canary: %d acknowledged writes read back, 0 lost", v.Checked)

	// The new primary dies: Sentinel promotes the new replica and the
	// application keeps writing.
	canary2 := startWritingCanary(t, l, 1000, 200)
	l.Target.Kill()
	killed := time.Now()
	labtest.Wait(t, 45*time.Second, "the Sentinels to promote the new replica", func() bool {
		n := 0
		for _, s := range l.Sentinels {
			sc := s.Client()
			addr, err := sc.Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", l.Opts.MasterName).StringSlice()
			sc.Close()
			if err == nil && len(addr) == 2 && addr[0]+":"+addr[1] == newRep.Addr() {
				n++
			}
		}
		return n == len(l.Sentinels)
	})
	promoted := time.Since(killed)
	acked := canary2.Stats().Acked
	labtest.Wait(t, 20*time.Second, "the canary to write to the new replica", func() bool { return canary2.Stats().Acked > acked+200 })
	canary2.Stop()
	v2, err := canary2.Verify(ctx)
	st2 := canary2.Stats()
	t.Logf("the new primary killed: every Sentinel names the new replica after %s; canary: %d acknowledged, %d failed, longest stall %s, read back %d, lost %d (asynchronous replication: a kill can lose the last writes) %v",
		promoted.Round(100*time.Millisecond), st2.Acked, st2.Failed, st2.LongestStall, v2.Checked, v2.Lost, err)
}

// Abort after step 6 puts back each replica's old priority, also from a
// flyover started again after step 6 (it reads them back from the audit
// log the first run left beside its own).
func TestPriorityZeroIsRestoredOnAbortAfterARestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	so := steps.Options{SteadyPolls: 2, PollInterval: 250 * time.Millisecond}
	g := startRig(t, lab.Options{PreloadKeys: 500, ExtraReplicas: 2}, so)
	r1, r2 := g.lab.Replicas[0], g.lab.Replicas[1]
	c1 := r1.Client()
	defer c1.Close()
	if err := c1.Do(ctx, "CONFIG", "SET", "replica-priority", "42").Err(); err != nil {
		t.Fatal(err)
	}
	g.mustRun(steps.StepPreflight)
	g.mustRun(steps.StepAttach)
	g.advanceTo(steps.StepPriority)
	g.mustRun(steps.StepPriority)
	for _, s := range []*lab.Server{r1, r2} {
		if p := priorityOf(t, s); p != "0" {
			t.Fatalf("%s priority %s after step 6", s.Name, p)
		}
	}
	g = g.restart()
	recalled := g.runner.RecallPriorities()
	if len(recalled) != 2 || !strings.Contains(strings.Join(recalled, "\n"), r1.Addr()+" was at replica-priority 42") {
		t.Fatalf("recalled after the restart: %q", recalled)
	}
	_, f := g.plan()
	conf := steps.Abort().Confirmations(f, so)
	var restore *steps.Confirmation
	for i := range conf {
		if conf[i].ID == "restore-priorities" {
			restore = &conf[i]
		}
	}
	if restore == nil || len(restore.Commands) != 2 {
		t.Fatalf("abort confirmations %+v", conf)
	}
	if err := g.runner.Run(ctx, steps.StepAbort, f, steps.Answers{"abort": "y", "detach": "n", "restore-priorities": "y"}); err != nil {
		t.Fatal(err)
	}
	if p1, p2 := priorityOf(t, r1), priorityOf(t, r2); p1 != "42" || p2 != "100" {
		t.Fatalf("priorities after abort: %s, %s; want 42, 100", p1, p2)
	}
}

func priorityOf(t *testing.T, s *lab.Server) string {
	t.Helper()
	c := s.Client()
	defer c.Close()
	v, err := c.ConfigGet(context.Background(), "replica-priority").Result()
	if err != nil {
		t.Fatal(err)
	}
	return v["replica-priority"]
}

// Preflight reads what flyover's user may run on the other replicas too
// (reached as the source is): a user without CONFIG SET there is told, by
// replica, what step 6 will not be able to do and the grant that fixes
// it, before anything is sent; the source's line stays clean.
func TestPreflightReadsThePermissionsOnTheOtherReplicas(t *testing.T) {
	t.Parallel()
	const pw, pwMigrator = "data-pw-r7", "migrator-pw-r7"
	l := startRig(t, lab.Options{PreloadKeys: 10, ExtraReplicas: 1, Password: pw,
		Users: []lab.User{{Name: "migrator", Password: pwMigrator, Rules: "+@all -config|set"}}}, steps.Options{}).lab
	g := rigWith(t, l, steps.Options{}, probe.Auth{Username: "migrator", Password: pwMigrator}, probe.Auth{Password: pw}, nil, pw, pwMigrator)
	if err := g.run(steps.StepPreflight); err != nil {
		t.Fatal(err)
	}
	c, _ := g.plan()
	rep := l.Replicas[0].Addr()
	var line *steps.Check
	for _, ch := range c.State(steps.StepPreflight).Checks {
		if ch.ID == "acl-replica-"+rep {
			line = &ch
		}
		if ch.ID == "acl-source" {
			t.Errorf("the source's permissions flagged: %s", ch.Detail)
		}
	}
	if line == nil {
		t.Fatalf("no ACL line for replica %s in %+v", rep, c.State(steps.StepPreflight).Checks)
	}
	t.Logf("%s: %s (fix: %s)", line.Title, line.Detail, line.Fix)
	if line.Level != steps.Warn || !strings.Contains(line.Detail, "CONFIG SET") || !strings.Contains(line.Detail, "step 6") ||
		len(line.FixCommands) != 1 || line.FixCommands[0].Addr != rep || !strings.Contains(strings.Join(line.FixCommands[0].Args, " "), "+config|set") {
		t.Errorf("replica line %s: %s (fix %v)", line.Level, line.Detail, line.FixCommands)
	}
	for _, w := range writesSent(t, g.audit.Path()) {
		t.Errorf("preflight sent a write: %v", w)
	}
}
