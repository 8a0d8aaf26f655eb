package plan

import (
	"strings"
	"testing"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/checks"
	"flyover/steps/stepstest"
)

// The Sentinel that took SENTINEL FAILOVER died after promoting the
// target and before the others heard of it: no Sentinel names the target
// while it reports master. That is a stage of its own, not "detached":
// the cutover is blocked with what is happening and what to do, and
// abort is not offered.
func TestPromotedUnannouncedIsAStageOfItsOwn(t *testing.T) {
	unannounced := func() *stepstest.Fixture {
		x := stepstest.Healthy().Attached().Registered().Promoted(0)
		x.Sents[0] = probe.SentinelView{Addr: x.Sents[0].Addr, Error: "connection refused"}
		return x
	}
	f := stepstest.Steady(unannounced().Facts(), 5)
	f.Cutover = &steps.CutoverResult{FailoverAt: f.Snapshot.At.Add(-2 * time.Second), FailoverSentinel: "sentinel-1"}
	if st := steps.StageOf(f); st != steps.StagePromotedUnannounced {
		t.Fatalf("stage %s", st)
	}
	c := Plan(f, steps.Options{})
	st := c.State(steps.StepCutover)
	if c.Current != steps.StepCutover || st.Status != steps.Blocked || c.CanAbort {
		t.Fatalf("plan at %s, cutover %s, abort %t", c.Current, st.Status, c.CanAbort)
	}
	for _, want := range []string{"no Sentinel names it", "sentinel-1, which ran the failover,", "sentinel-1 not answering",
		"which takes writes", "bring the Sentinel that ran the failover back", "turn the target back into a replica"} {
		if !strings.Contains(st.Reason, want) {
			t.Errorf("reason lacks %q: %s", want, st.Reason)
		}
	}
	if !strings.Contains(c.AbortWhy, "bring the Sentinel") {
		t.Errorf("abort: %s", c.AbortWhy)
	}

	// A restarted flyover knows no cutover: the old primary fenced is the
	// sign, and the advice changes (the others fail over by themselves).
	x := unannounced().Fenced()
	f = stepstest.Steady(x.Facts(), 5)
	if st := steps.StageOf(f); st != steps.StagePromotedUnannounced {
		t.Fatalf("fenced: stage %s", st)
	}
	if r := Plan(f, steps.Options{}).State(steps.StepCutover).Reason; !strings.Contains(r, "READONLY") || !strings.Contains(r, "fail over to the target themselves") {
		t.Errorf("fenced: %s", r)
	}

	// Or the remaining Sentinels list the target while its INFO says
	// master, and one Sentinel is gone.
	x = unannounced()
	for i := 1; i < 3; i++ {
		x.Sents[i].Replicas[0].RoleReported = "master"
	}
	if st := steps.StageOf(stepstest.Steady(x.Facts(), 5)); st != steps.StagePromotedUnannounced {
		t.Errorf("role-reported master: stage %s", st)
	}

	// A target that is a primary of its own, with nothing saying it was
	// promoted, is detached.
	x = stepstest.Healthy()
	if st := steps.StageOf(x.Facts()); st != steps.StageDetached {
		t.Errorf("standalone target: stage %s", st)
	}
}

// After the switch: a Dragonfly primary lists its Dragonfly replica
// without offset=; restore HA judges it synced from state=online and
// promotable once every Sentinel lists it healthy.
func TestRestoreHAJudgesADragonflyReplicaFromThePrimarysLine(t *testing.T) {
	const newRep = "10.0.0.5:6380"
	o := steps.Options{NewReplicas: []string{newRep}}
	switched := func(state string, sentinelsList bool) steps.Facts {
		x := stepstest.Healthy().Attached().Registered().Promoted(3).Fenced()
		info := probe.ParseInfo("role:master\r\nconnected_slaves:1\r\nslave0:ip=10.0.0.5,port=6380,state=" + state + ",lag=0\r\n")
		x.Tgt.Replicas = info.ReplicaLines()
		for i := range x.Sents {
			x.Sents[i].Replicas = nil
			if sentinelsList {
				x.Sents[i].Replicas = []probe.SentinelReplica{{IP: "10.0.0.5", Port: 6380, Flags: []string{"slave"}, Priority: 100,
					LastOKPing: 200 * time.Millisecond, InfoRefresh: 3 * time.Second, MasterLinkStatus: "ok", MasterHost: "10.0.0.2", MasterPort: 6380}}
			}
		}
		f := x.Facts()
		f.HA = steps.HAFacts{PromotableBefore: 2, KnownBefore: true}
		return f
	}
	f := switched("online", true)
	if ok, d := newReplicaState(f, newRep); !ok {
		t.Fatalf("not judged synced and promotable: %s", d)
	}
	if len(restoreHACommands(f, o)) != 0 || !restoreHAStep.Done(f, o) {
		t.Errorf("commands %v, done %t", restoreHACommands(f, o), restoreHAStep.Done(f, o))
	}
	if r := restoreHADoneReason(f, o); !strings.Contains(r, "1 promotable replica, 1 fewer than before (2): HA is not restored") {
		t.Errorf("reason: %s", r)
	}
	if text, ok := Failover(f); ok || !strings.Contains(text, "1 fewer than before (2)") {
		t.Errorf("failover with fewer replicas than before: %t %s", ok, text)
	}

	// Listed but still in full sync: not done, and no second REPLICAOF.
	f = switched("full_sync", false)
	if ok, d := newReplicaState(f, newRep); ok || !strings.Contains(d, "state=full_sync") {
		t.Errorf("full sync: %t %s", ok, d)
	}
	if len(restoreHACommands(f, o)) != 0 {
		t.Error("REPLICAOF again on a replica in full sync")
	}
	// Synced, not yet listed by the Sentinels: a wait that says why.
	f = switched("online", false)
	if ok, d := newReplicaState(f, newRep); ok || !strings.Contains(d, "does not list it yet") {
		t.Errorf("not listed: %t %s", ok, d)
	}
	// Not attached: the command is the REPLICAOF to the address the
	// Sentinels name.
	f = switched("online", false)
	f.Snapshot.Target.Replicas = nil
	cmds := restoreHACommands(f, o)
	if len(cmds) != 1 || strings.Join(cmds[0].Args, " ") != "REPLICAOF 10.0.0.2 6380" || cmds[0].Addr != newRep {
		t.Errorf("commands %v", cmds)
	}
	// No --new-replica: nothing to do, and it says HA is short.
	if r := restoreHADoneReason(f, steps.Options{}); !strings.Contains(r, "no --new-replica") || !strings.Contains(r, "2 fewer than before") {
		t.Errorf("no new replica: %s", r)
	}
	if text, ok := Failover(f); ok || !strings.Contains(text, "Sentinel has nothing to promote") {
		t.Errorf("failover with no replica at all: %t %s", ok, text)
	}
}

// After the switch every old Redis (the old primary and the other
// replicas) gets a line saying what it serves, and a confirmation each.
func TestDecommissionCoversEveryOldRedis(t *testing.T) {
	x := stepstest.Healthy().Attached().Registered().OtherReplica("10.0.0.3", 6379, 0).OtherReplica("10.0.0.4", 6379, 0).Promoted(3).Fenced()
	for i := range x.Sents {
		for j := range x.Sents[i].Replicas {
			r := &x.Sents[i].Replicas[j]
			if r.IP != "10.0.0.2" {
				r.MasterHost, r.MasterPort, r.MasterLinkStatus = "10.0.0.2", 6380, "err"
			}
		}
	}
	f := x.Facts()
	f.Cutover = &steps.CutoverResult{FailoverAt: x.At, PromotedAt: x.At.Add(time.Second)}
	o := steps.Options{}
	var lines int
	for _, c := range decommissionChecks(f, o) {
		if strings.Contains(c.Detail, "following the target, never synced: serving data from 03:04:06") {
			lines++
		}
	}
	if lines != 3 {
		t.Errorf("%d lines say the old servers serve stale data, want 3: %+v", lines, decommissionChecks(f, o))
	}
	// While Sentinel waits for failover-timeout, verify says why, with
	// what each replica serves.
	x.Sents[0].MasterFlags = []string{"master", "failover_in_progress"}
	cut := f.Cutover
	f = x.Facts()
	f.Cutover = cut
	found := false
	for _, c := range verifyChecks(f, o) {
		if c.ID == "verify-switch" {
			found = true
			if !strings.Contains(c.Detail, "10.0.0.3:6379: following the target, never synced: serving data from 03:04:06") {
				t.Errorf("verify: %s", c.Detail)
			}
		}
	}
	if !found {
		t.Error("no +switch-master line in verify")
	}
	x.Sents[0].MasterFlags = []string{"master"}
	f = x.Facts()
	f.Cutover = cut
	var ids []string
	for _, c := range decommissionStep.Confirmations(f, o) {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, ",") != "shutdown,shutdown 10.0.0.3:6379,shutdown 10.0.0.4:6379,reset" {
		t.Errorf("confirmations %v", ids)
	}
	// One left to the operator: its line gives the commands.
	f.HA.Fates = map[string]steps.Fate{"10.0.0.4:6379": steps.FateLeft}
	for _, c := range decommissionChecks(f, o) {
		if c.ID == "decommission-10.0.0.4:6379" && (c.Level != steps.Pass || !strings.Contains(c.Detail, "redis-cli -h 10.0.0.4 -p 6379 SHUTDOWN")) {
			t.Errorf("left: %+v", c)
		}
	}
}

// What the old primary serves, as the dashboard's status says it: stale
// while it follows the target without a link, nothing while it is synced
// or gone, and nothing before a majority names the target.
func TestOldPrimaryStale(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		f    func() steps.Facts
		want string
	}{
		{"before the cutover", func() steps.Facts { return stepstest.Healthy().Attached().Facts() }, ""},
		{"one Sentinel of three names the target", func() steps.Facts { return stepstest.Healthy().Promoted(1).Facts() }, ""},
		{"fenced, never synced", func() steps.Facts {
			f := stepstest.Healthy().Attached().Promoted(3).Fenced().Facts()
			f.Cutover = &steps.CutoverResult{PromotedAt: at}
			return f
		}, "stale since 03:04:00"},
		{"fenced and synced", func() steps.Facts {
			x := stepstest.Healthy().Attached().Promoted(3).Fenced()
			x.Src.LinkStatus = "up"
			return x.Facts()
		}, ""},
		{"still a primary", func() steps.Facts { return stepstest.Healthy().Attached().Promoted(3).Facts() }, "still a primary"},
		{"gone", func() steps.Facts {
			x := stepstest.Healthy().Attached().Promoted(3)
			x.Src = probe.Node{Addr: stepstest.FxSource, Error: "connection refused"}
			return x.Facts()
		}, ""},
	} {
		if got := checks.OldPrimaryStale(c.f()); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
