package steps_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/probe/canary"
	"flyover/steps"
	"flyover/steps/plan"
	"flyover/steps/switchover"
)

// The partition suite: the guarded cutover while the network splits. Each
// case runs on a partition lab (lab/netns.go: every server, flyover, the
// writer and the observer in a namespace of its own) and cuts links with
// the processes running. Each checks what the issue asks of every case:
// no acknowledged write lost (a go-redis NewFailoverClient writer through
// Sentinel), the source never left paused past its expiry, one primary
// after the heal, and the step's result saying what happened and what to
// do. Run it alone:
//
//	go test -race -count=1 -run TestPartition ./steps/

// partitionCutover bounds the cutover in the suite: its pause (8.5 s)
// stays under the lab's down-after, so a pause that runs to its expiry
// (flyover cut from the source) never looks like a dead primary to the
// Sentinels.
var partitionCutover = steps.CutoverOptions{
	DrainTimeout: 1500 * time.Millisecond, FailoverBudget: 2 * time.Second,
	PromoteTimeout: 4 * time.Second, Margin: time.Second,
}

// startPartitionRig starts a partition lab (skipping, with why, where
// namespaces are not available) and a flyover session dialling from its
// own namespace, with the target attached and registered by every
// Sentinel.
func startPartitionRig(t *testing.T, lo lab.Options) *rig {
	t.Helper()
	if lo.DownAfter == 0 {
		lo.DownAfter = 10 * time.Second
	}
	if lo.FailoverTimeout == 0 {
		lo.FailoverTimeout = 6 * time.Second
	}
	if lo.PreloadKeys == 0 {
		lo.PreloadKeys = 1000
	}
	l := labtest.StartPartitioned(t, lo)
	so := steps.Options{Cutover: partitionCutover}
	g := newRig(t, l, so)
	g.runner.DialReplica = func(addr string) *probe.Endpoint { return g.prober.Source.WithAddr(addr) }
	return g
}

func (g *rig) net() *lab.Net { return g.lab.Net }

func (g *rig) must(err error) {
	g.t.Helper()
	if err != nil {
		g.t.Fatal(err)
	}
}

// sentinelNodes are the lab's Sentinels' node names.
func (g *rig) sentinelNodes() []string {
	var out []string
	for _, s := range g.lab.Sentinels {
		out = append(out, s.Name)
	}
	return out
}

// splitFrom cuts node from each of others, both directions.
func (g *rig) splitFrom(node string, others ...string) {
	g.t.Helper()
	for _, o := range others {
		g.must(g.net().Split(node, o))
	}
}

// allButFirstAsked names the Sentinels the cutover would not ask first
// for SENTINEL FAILOVER.
func (g *rig) allButFirstAsked(plan steps.CutoverPlan) []string {
	var out []string
	for _, i := range plan.Sentinels[1:] {
		out = append(out, g.lab.Sentinels[i].Name)
	}
	return out
}

// isolate cuts each of nodes from every other node, both directions.
func (g *rig) isolate(nodes ...string) {
	g.t.Helper()
	for _, n := range nodes {
		g.must(g.net().Isolate(n))
	}
}

// progressLog records a cutover's progress and runs a hook, once, the
// first time a phase (or a message containing a word) shows.
type progressLog struct {
	mu     sync.Mutex
	phases []string
	lines  []string
	hooks  []progressHook
}

type progressHook struct {
	phase, word string
	do          func()
	done        bool
}

func (p *progressLog) on(phase, word string, do func()) {
	p.hooks = append(p.hooks, progressHook{phase: phase, word: word, do: do})
}

func (p *progressLog) fn(pr steps.Progress) {
	p.mu.Lock()
	if len(p.phases) == 0 || p.phases[len(p.phases)-1] != pr.Phase {
		p.phases = append(p.phases, pr.Phase)
		p.lines = append(p.lines, pr.Phase+": "+pr.Message)
	}
	var run []func()
	for i := range p.hooks {
		h := &p.hooks[i]
		if !h.done && h.phase == pr.Phase && strings.Contains(pr.Message, h.word) {
			h.done = true
			run = append(run, h.do)
		}
	}
	p.mu.Unlock()
	for _, f := range run {
		f()
	}
}

func (p *progressLog) seen(phase string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ph := range p.phases {
		if ph == phase {
			return true
		}
	}
	return false
}

// afterCommand runs do once, right after e answers the command name
// (say "client pause"): a cut that must land between two of flyover's
// commands.
func afterCommand(e *probe.Endpoint, name string, do func()) {
	var once sync.Once
	e.Client().AddHook(commandHook{name: name, do: func() { once.Do(do) }})
}

type commandHook struct {
	name string
	do   func()
}

func (h commandHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h commandHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h commandHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		words := strings.Fields(h.name)
		args := cmd.Args()
		if err != nil || len(args) < len(words) {
			return err
		}
		for i, w := range words {
			if !strings.EqualFold(fmt.Sprint(args[i]), w) {
				return err
			}
		}
		h.do()
		return err
	}
}

// outcome is one case's measure, for the README's fault table.
type outcome struct {
	stall  time.Duration
	failed int64
	lost   int64
	acked  int64
}

// healAndSettle heals every link, waits (bounded) until exactly one data
// node is a primary and every Sentinel names it, checks the source is
// not paused and the writer writes again, and reads every acknowledged
// write back. It returns the primary and the writer's figures.
func (g *rig) healAndSettle(canary *canary.Canary, wantPrimary string) (string, outcome) {
	g.t.Helper()
	t := g.t
	g.must(g.net().HealAll())
	var primary, why string
	if err := lab.WaitFor(context.Background(), 45*time.Second, func() bool {
		primary, why = onePrimary(g.lab)
		return why == ""
	}); err != nil {
		t.Fatalf("after the heal: not one primary named by every Sentinel within 45s: %s", why)
	}
	if wantPrimary != "" && primary != wantPrimary {
		t.Errorf("after the heal the primary is %s, want %s", primary, wantPrimary)
	}
	if sourcePaused(t, g.lab) {
		start := time.Now()
		for sourcePaused(t, g.lab) && time.Since(start) < 20*time.Second {
		}
		t.Errorf("the source is left paused after the heal (for %s more); writes sent: %q", time.Since(start), writesSent(t, g.audit.Path()))
	}
	var o outcome
	if canary != nil {
		labtest.Wait(t, 60*time.Second, "the writer writing again after the heal", func() bool {
			s := canary.Stats()
			return s.CurrentStall < 200*time.Millisecond && s.WritesPerSec > 0
		})
		v := assertNothingLost(t, canary)
		s := canary.Stats()
		o = outcome{stall: s.LongestStall, failed: s.Failed, lost: v.Lost, acked: v.Checked}
	}
	t.Logf("measured: primary %s after the heal; writer: longest stall %s, failed writes %d, acknowledged writes lost %d (of %d read back)",
		primary, o.stall.Round(time.Millisecond), o.failed, o.lost, o.acked)
	return primary, o
}

// onePrimary reads, as the lab's observer, every data node's role and
// every Sentinel's answer: the primary when exactly one data node is a
// primary and every Sentinel names it, else why not.
func onePrimary(l *lab.Lab) (string, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var masters []string
	for _, s := range l.Servers() {
		// Every data node (a Dragonfly target too), whichever binary
		// the lab took: not the Sentinels.
		if strings.HasPrefix(s.Name, "sentinel-") || !s.Running() {
			continue
		}
		c := s.Client()
		v, err := c.Do(ctx, "ROLE").Slice()
		c.Close()
		if err != nil {
			return "", s.Name + ": " + err.Error()
		}
		if len(v) > 0 && v[0] == "master" {
			masters = append(masters, s.Addr())
		}
	}
	if len(masters) != 1 {
		return "", fmt.Sprintf("primaries: %v", masters)
	}
	for _, s := range l.Sentinels {
		c := s.Client()
		a, err := c.Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", l.Opts.MasterName).StringSlice()
		c.Close()
		if err != nil || len(a) != 2 {
			return "", fmt.Sprintf("%s: %v %v", s.Name, a, err)
		}
		if got := net.JoinHostPort(a[0], a[1]); got != masters[0] {
			return "", fmt.Sprintf("%s names %s, the primary is %s", s.Name, got, masters[0])
		}
	}
	return masters[0], ""
}

// readyToCutOver starts a partition rig with the target attached and
// registered by every Sentinel, and a writer writing through Sentinel from
// its own namespace.
func readyToCutOver(t *testing.T, lo lab.Options, rate int) (*rig, steps.CutoverPlan, *canary.Canary) {
	t.Helper()
	g := startPartitionRig(t, lo)
	f := g.attachRegistered()
	return g, steps.PlanCutover(f, g.opts), startWritingCanary(t, g.lab, rate, int64(rate/5))
}

func cutoverError(t *testing.T, err error) *steps.CutoverError {
	t.Helper()
	var ce *steps.CutoverError
	if !errors.As(err, &ce) {
		t.Fatalf("want a CutoverError, got %v", err)
	}
	t.Logf("cutover: %v", err)
	return ce
}

// 1. flyover is cut from the source right after CLIENT PAUSE: it cannot
// drain, cannot unpause; the pause lifts by itself at its expiry, flyover
// says so and sends nothing it cannot confirm (no SENTINEL FAILOVER).
func TestPartitionFlyoverCutFromSourceAfterPause(t *testing.T) {
	t.Parallel()
	g, plan, canary := readyToCutOver(t, lab.Options{}, 300)
	var p progressLog
	afterCommand(g.prober.Source, "client pause", func() { g.splitFrom(lab.NodeFlyover, "source") })
	res, err := switchover.Cutover(context.Background(), g.runner, plan, p.fn)
	ce := cutoverError(t, err)
	if ce.PastPointOfNoReturn || ce.Phase != steps.PhaseDraining {
		t.Errorf("error %+v", ce)
	}
	mustSay(t, "cutover", err.Error(), "no reading of both offsets", g.lab.Source.Addr(), "CLIENT UNPAUSE failed",
		"when the source lifts it by itself", "nothing else changed", "flyover cannot reach the source")
	if auditHas(t, g.audit.Path(), "SENTINEL", "FAILOVER") {
		t.Error("SENTINEL FAILOVER was sent")
	}
	_ = res
	// The dashboard's view of the partition: the source silent to
	// flyover, up for the others.
	u := switchover.Unreachable(g.facts())
	if len(u) != 1 || u[0].Name != "source" || !u[0].UpForOthers {
		t.Errorf("unreachable: %+v", u)
	} else {
		mustSay(t, "partition", u[0].String(), "source "+g.lab.Source.Addr()+" silent to flyover, but", "the target replicates from it, link up", "names it the primary")
	}
	g.healAndSettle(canary, g.lab.Source.Addr())
}

// 2. The target is cut from the source during the drain: the deadline
// aborts, CLIENT UNPAUSE is sent, nothing is promoted.
func TestPartitionTargetCutFromSourceDuringDrain(t *testing.T) {
	t.Parallel()
	g, plan, canary := readyToCutOver(t, lab.Options{}, 300)
	var p progressLog
	src := g.lab.Source.Client()
	defer src.Close()
	p.on(steps.PhasePausing, "", func() {
		// Cut, then write once more before the pause lands: the target
		// can never have it.
		g.splitFrom("target", "source")
		if err := src.Set(context.Background(), "flyover:test:after-cut", "1", time.Minute).Err(); err != nil {
			t.Error(err)
		}
	})
	_, err := switchover.Cutover(context.Background(), g.runner, plan, p.fn)
	ce := cutoverError(t, err)
	if ce.PastPointOfNoReturn || ce.Phase != steps.PhaseDraining {
		t.Errorf("error %+v", ce)
	}
	mustSay(t, "cutover", err.Error(), "did not catch up", "CLIENT UNPAUSE sent", "nothing else changed", "Next:")
	if auditHas(t, g.audit.Path(), "SENTINEL", "FAILOVER") {
		t.Error("SENTINEL FAILOVER was sent")
	}
	assertSourceNotPaused(t, g.lab)
	g.healAndSettle(canary, g.lab.Source.Addr())
}

// 3. The target is cut from every Sentinel before SENTINEL FAILOVER: once
// the Sentinels notice, the cutover's Recheck refuses to start, with why;
// nothing is sent.
func TestPartitionTargetCutFromSentinelsBeforeFailover(t *testing.T) {
	t.Parallel()
	g, _, canary := readyToCutOver(t, lab.Options{}, 300)
	g.splitFrom("target", g.sentinelNodes()...)
	var f steps.Facts
	labtest.Wait(t, 30*time.Second, "the Sentinels to stop rating the target", func() bool {
		f = g.facts()
		for _, v := range f.Snapshot.Sentinels {
			if v.WouldPromoteTarget {
				return false
			}
		}
		return true
	})
	c := plan.Plan(f, g.opts)
	t.Logf("plan at %s (%s): %s", c.Current, c.State(c.Current).Status, c.State(c.Current).Reason)
	err := g.runner.Run(context.Background(), steps.StepCutover, f, yes(steps.StepCutover, f, g.opts))
	if err == nil {
		t.Fatal("the cutover ran with the target cut from every Sentinel")
	}
	mustSay(t, "cutover", err.Error(), "nothing sent", "Sentinel cannot reach it at "+g.lab.Target.Addr())
	assertOnlyWrites(t, g.audit.Path())
	g.healAndSettle(canary, g.lab.Source.Addr())
}

// 4. The target is cut from every Sentinel just as SENTINEL FAILOVER is
// sent (accepted: the Sentinel still rates it): Sentinel cannot promote
// it; the cutover waits out the failover-timeout, ends without a second
// primary, unpaused, the source still primary for every Sentinel, and
// says why and what next.
func TestPartitionTargetCutFromSentinelsAfterFailover(t *testing.T) {
	t.Parallel()
	g, plan, canary := readyToCutOver(t, lab.Options{}, 300)
	var p progressLog
	p.on(steps.PhaseFailover, "SENTINEL FAILOVER", func() { g.splitFrom("target", g.sentinelNodes()...) })
	var countdown atomic.Bool // the worst case the confirmation named, counted down
	p.on(steps.PhasePromoting, "writes stay paused while Sentinel's failover is in flight, up to its failover-timeout (6 s)", func() { countdown.Store(true) })
	res, err := switchover.Cutover(context.Background(), g.runner, plan, p.fn)
	t.Logf("progress: %s; notes %v", strings.Join(p.lines, " | "), res.Notes)
	if !countdown.Load() {
		t.Error("the wait past the promotion timeout did not say that writes stay paused up to failover-timeout")
	}
	ce := cutoverError(t, err)
	if ce.Phase != steps.PhasePromoting {
		t.Errorf("error %+v", ce)
	}
	mustSay(t, "cutover", err.Error(), "Sentinel did not promote the target", "failover-timeout", "CLIENT UNPAUSE sent", "Next:")
	assertSourceNotPaused(t, g.lab)
	if auditHas(t, g.audit.Path(), "source", "REPLICAOF") {
		t.Error("the source was fenced with no promotion")
	}
	s := g.facts().Snapshot
	for _, v := range s.Sentinels {
		if v.MasterAddr != g.lab.Source.Addr() {
			t.Errorf("%s names %s", v.Addr, v.MasterAddr)
		}
	}
	if s.Target.Role == probe.RolePrimary {
		t.Error("the target is a primary: two primaries")
	}
	g.healAndSettle(canary, g.lab.Source.Addr())
}

// 5. One Sentinel of three is cut from the others and the data nodes
// during the cutover (flyover still reaches it): the switch completes
// with the majority; the result names the Sentinel that still names the
// old primary; it converges after the heal.
func TestPartitionOneSentinelCutDuringCutover(t *testing.T) {
	t.Parallel()
	g, plan, canary := readyToCutOver(t, lab.Options{}, 300)
	victim := g.lab.Sentinels[plan.Sentinels[len(plan.Sentinels)-1]]
	var p progressLog
	p.on(steps.PhaseFailover, "SENTINEL FAILOVER", func() {
		var others []string
		for _, n := range append([]string{"source", "target", lab.NodeWriter}, g.sentinelNodes()...) {
			if n != victim.Name {
				others = append(others, n)
			}
		}
		g.splitFrom(victim.Name, others...)
	})
	res, err := switchover.Cutover(context.Background(), g.runner, plan, p.fn)
	if err != nil {
		t.Fatalf("cutover: %v", err)
	}
	t.Logf("cutover: %d Sentinels named the target, stall %s, notes %v", res.SentinelsNaming, res.Stall, res.Notes)
	mustSay(t, "notes", strings.Join(res.Notes, "; "), victim.Name, "still names "+g.lab.Source.Addr())
	assertSourceNotPaused(t, g.lab)
	g.healAndSettle(canary, g.lab.Target.Addr())
}

// 6. Two Sentinels of three are cut from everything during the drain: no
// majority answers, so SENTINEL FAILOVER (which one Sentinel would run
// alone) is never sent; nothing is fenced on a minority's word; the
// cutover unpauses and says why.
func TestPartitionTwoSentinelsCutDuringCutover(t *testing.T) {
	t.Parallel()
	g, plan, canary := readyToCutOver(t, lab.Options{}, 300)
	cut := g.allButFirstAsked(plan)
	afterCommand(g.prober.Source, "client pause", func() { g.isolate(cut...) })
	_, err := switchover.Cutover(context.Background(), g.runner, plan, (&progressLog{}).fn)
	ce := cutoverError(t, err)
	if ce.PastPointOfNoReturn {
		t.Errorf("went past the point of no return: %+v", ce)
	}
	mustSay(t, "cutover", err.Error(), "majority", cut[0], cut[1], "CLIENT UNPAUSE sent", "Next:")
	if auditHas(t, g.audit.Path(), "source", "REPLICAOF") {
		t.Error("the source was fenced on a minority's word")
	}
	assertSourceNotPaused(t, g.lab)
	var names []string
	for _, u := range switchover.Unreachable(g.facts()) {
		names = append(names, u.Name)
		t.Logf("partition: %s", u)
	}
	if strings.Join(names, ",") != strings.Join(cut, ",") {
		t.Errorf("flyover cannot reach %v, want %v", names, cut)
	}
	g.healAndSettle(canary, g.lab.Source.Addr())
}

// 6b. The same two Sentinels cut off just after SENTINEL FAILOVER was
// accepted: the one that took it runs the failover alone (a forced
// failover asks no other Sentinel) and promotes the target. flyover
// fences only on the target's own word (it reports master), not on the
// one Sentinel's; after the heal the two take the new primary.
func TestPartitionTwoSentinelsCutAfterFailover(t *testing.T) {
	t.Parallel()
	g, plan, canary := readyToCutOver(t, lab.Options{}, 300)
	cut := g.allButFirstAsked(plan)
	var p progressLog
	p.on(steps.PhasePromoting, "", func() { g.isolate(cut...) })
	res, err := switchover.Cutover(context.Background(), g.runner, plan, p.fn)
	t.Logf("cutover: %v; notes %v", err, res.Notes)
	if err != nil {
		t.Fatalf("cutover: %v", err)
	}
	mustSay(t, "notes", strings.Join(res.Notes, "; "), "fenced because the target reports master", cut[0]+" (", "did not answer")
	assertSourceNotPaused(t, g.lab)
	g.healAndSettle(canary, g.lab.Target.Addr())
}

// 7. The old primary is cut from everyone after the promotion, before the
// fence (split brain): the fence cannot reach it; the pause holds writes
// there until its expiry; the error says what to run once it is
// reachable; after the heal Sentinel makes it a replica and nothing
// acknowledged is lost.
func TestPartitionOldPrimaryCutBeforeFence(t *testing.T) {
	t.Parallel()
	g, plan, canary := readyToCutOver(t, lab.Options{}, 300)
	var p progressLog
	p.on(steps.PhaseFencing, "", func() { g.isolate("source") })
	_, err := switchover.Cutover(context.Background(), g.runner, plan, p.fn)
	ce := cutoverError(t, err)
	if !ce.PastPointOfNoReturn || ce.Phase != steps.PhaseFencing {
		t.Errorf("error %+v", ce)
	}
	mustSay(t, "cutover", err.Error(), g.lab.Source.Addr()+" does not answer flyover", "its pause holds writes there until",
		"The moment it is reachable, run on it: REPLICAOF "+g.lab.Target.Host())
	g.healAndSettle(canary, g.lab.Target.Addr())
}

// 8. flyover is cut from every Sentinel while it waits for the majority:
// the wait is bounded, and silence is not taken for an answer.
func TestPartitionFlyoverCutFromSentinelsMidWait(t *testing.T) {
	t.Parallel()
	g, plan, canary := readyToCutOver(t, lab.Options{}, 300)
	var p progressLog
	p.on(steps.PhasePromoting, "", func() { g.splitFrom(lab.NodeFlyover, g.sentinelNodes()...) })
	res, err := switchover.Cutover(context.Background(), g.runner, plan, p.fn)
	t.Logf("cutover: %v; notes %v", err, res.Notes)
	if err == nil {
		mustSay(t, "notes", strings.Join(res.Notes, "; "), "did not answer")
	} else {
		ce := cutoverError(t, err)
		mustSay(t, "cutover", err.Error(), "did not answer")
		_ = ce
	}
	assertSourceNotPaused(t, g.lab)
	g.healAndSettle(canary, "")
}

// 9. The writer is cut from every Sentinel during the switch: it cannot
// learn of it; after the heal it reaches the new primary and nothing it
// had acknowledged is lost.
func TestPartitionWriterCutFromSentinelsDuringSwitch(t *testing.T) {
	t.Parallel()
	g, plan, canary := readyToCutOver(t, lab.Options{}, 300)
	var p progressLog
	p.on(steps.PhaseFailover, "SENTINEL FAILOVER", func() { g.splitFrom(lab.NodeWriter, g.sentinelNodes()...) })
	res, err := switchover.Cutover(context.Background(), g.runner, plan, p.fn)
	if err != nil {
		t.Fatalf("cutover: %v", err)
	}
	t.Logf("cutover: stall %s", res.Stall)
	// The writer cannot ask where the primary went: it stalls or fails
	// until the heal.
	labtest.Wait(t, 20*time.Second, "the writer to stall behind the cut", func() bool {
		s := canary.Stats()
		return s.CurrentStall > 2*time.Second || s.Failed > 0
	})
	t.Logf("before the heal: %+v", canary.Stats())
	g.healAndSettle(canary, g.lab.Target.Addr())
}

// 10. Flapping: the link between the source and the target, and then
// flyover's link to the target, cut and healed every 300 ms through the
// full sync, the steady state and the cutover's drain. flyover never says
// IN SYNC while the target has not finished its full sync or does not
// answer, and the drain is never judged on a stale offset: whatever the
// cutover does, no acknowledged write is lost.
func TestPartitionFlappingDuringSyncAndDrain(t *testing.T) {
	t.Parallel()
	g := startPartitionRig(t, lab.Options{PreloadKeys: 20000})
	canary := startWritingCanary(t, g.lab, 300, 60)
	stopSync := g.net().Flap("source", "target", true, 300*time.Millisecond)
	defer stopSync()
	if err := g.lab.AttachTarget(context.Background()); err != nil {
		t.Fatal(err)
	}
	tc := g.lab.Target.Client()
	defer tc.Close()
	var f steps.Facts
	inSync, checked := 0, 0
	labtest.Wait(t, 90*time.Second, "the target in sync and rated by every Sentinel, under flapping", func() bool {
		f = g.facts()
		s := f.Snapshot
		if !s.Link.InSync {
			return false
		}
		inSync++
		// What the target says of itself, read right after flyover's
		// reading: a full sync cannot have finished since and then
		// started again within 300 ms flaps (repl-timeout is 60 s).
		if !s.Target.Reachable {
			t.Errorf("IN SYNC with the target not answering flyover: %+v", s.Link)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := tc.Info(ctx, "replication").Result()
		cancel()
		if err == nil {
			checked++
			if !strings.Contains(info, "master_sync_in_progress:0") {
				t.Errorf("IN SYNC while the target is still in its full sync:\n%s", info)
			}
		}
		for _, v := range s.Sentinels {
			if !v.WouldPromoteTarget {
				return false
			}
		}
		return true
	})
	flaps, err := stopSync()
	g.must(err)
	t.Logf("full sync under flapping: %d flaps; %d IN SYNC readings, %d checked against the target", flaps, inSync, checked)

	// The drain, with both of the target's links flapping.
	stopSync = g.net().Flap("source", "target", true, 300*time.Millisecond)
	stopFlyover := g.net().Flap(lab.NodeFlyover, "target", true, 300*time.Millisecond)
	var p progressLog
	res, cerr := switchover.Cutover(context.Background(), g.runner, steps.PlanCutover(f, g.opts), p.fn)
	_, err1 := stopSync()
	_, err2 := stopFlyover()
	g.must(errors.Join(err1, err2))
	t.Logf("cutover under flapping: %v; drain %s judged by %s, offsets %+v; progress %s",
		cerr, res.Drain, res.Offsets.JudgedBy, res.Offsets, strings.Join(p.lines, " | "))
	if cerr == nil && res.Offsets.Target < res.Offsets.Source {
		t.Errorf("drain ended with the target behind: %+v", res.Offsets)
	}
	want := ""
	if cerr != nil {
		var ce *steps.CutoverError
		if errors.As(cerr, &ce) && !ce.PastPointOfNoReturn {
			want = g.lab.Source.Addr()
		}
	}
	g.healAndSettle(canary, want)
}
