package plan

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/probe/sampling"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/stepstest"
)

// cutoverCheck is the cutover precondition's check id, or nil.
func cutoverCheck(f steps.Facts, id string) *steps.Check {
	for _, c := range cutoverPre(f, steps.Options{}) {
		if c.ID == id {
			return &c
		}
	}
	return nil
}

// agreeingSample is a sample in which every key matched.
func agreeingSample(at time.Time) *steps.SampleRun {
	return &steps.SampleRun{At: at, Step: steps.StepSteady, Result: sampling.SampleResult{Mode: "random", Requested: 200, Compared: 200, Matched: 200, Mismatches: []sampling.Mismatch{}}}
}

// The target's poll carries its unknown_NAME counters: growth past the
// session's baseline blocks the cutover naming the commands and counts,
// with no baseline it counts since the target started and says so, and a
// restart since the baseline is said.
func TestDivergenceInTheSnapshotBlocksTheCutover(t *testing.T) {
	x := stepstest.Healthy().Attached().Registered()
	x.Tgt.CommandStatsRead, x.Tgt.UptimeSeconds = true, 100
	x.Tgt.UnknownCommands = map[string]int64{"SWAPDB": 2}
	base := &probe.DivergenceCounters{At: x.At.Add(-time.Minute), Known: true, UptimeSeconds: 40, Unknown: map[string]int64{"SWAPDB": 2}}

	f := stepstest.Steady(x.Facts(), 5)
	f.DivergenceBase, f.Sample = base, agreeingSample(x.At)
	if c, ok := steps.DivergenceWatch(f); !ok || c.Level != steps.Pass {
		t.Fatalf("no growth since the baseline: %+v %t", c, ok)
	}
	if c := cutoverCheck(f, "divergence"); c != nil {
		t.Errorf("no growth, yet the cutover says %+v", c)
	}
	if b := steps.FirstBlock(cutoverPre(f, steps.Options{})); b != nil {
		t.Fatalf("a clean, registered, sampled target is blocked: %+v", b)
	}

	// Three more SWAPDB and one OBJECT dropped since the baseline.
	x.Tgt.UnknownCommands = map[string]int64{"SWAPDB": 5, "OBJECT": 1}
	f = stepstest.Steady(x.Facts(), 5)
	f.DivergenceBase, f.Sample = base, agreeingSample(x.At)
	c, ok := steps.DivergenceWatch(f)
	if !ok || c.Level != steps.Block || !strings.Contains(c.Detail, "SWAPDB 3 times, OBJECT 1 times") || !strings.Contains(c.Detail, "since 03:03:05") {
		t.Fatalf("growth: %+v", c)
	}
	if got := steps.DroppedCommands(f); got != "SWAPDB ×3, OBJECT ×1" {
		t.Errorf("short form %q", got)
	}
	if pc := cutoverCheck(f, "divergence"); pc == nil || pc.Level != steps.Block || pc.Detail != c.Detail {
		t.Fatalf("the cutover does not block on it: %+v", pc)
	}
	if st := Plan(f, steps.Options{}).State(steps.StepCutover); st.Status != steps.Blocked || !strings.Contains(st.Reason, "SWAPDB") {
		t.Errorf("plan: cutover %s: %s", st.Status, st.Reason)
	}

	// Flyover started with the target attached: no baseline.
	f.DivergenceBase = nil
	if c, _ := steps.DivergenceWatch(f); c.Level != steps.Block || !strings.Contains(c.Detail, "since the target started") || !strings.Contains(c.Detail, "SWAPDB 5 times") {
		t.Errorf("no baseline: %+v", c)
	}

	// The target restarted since the baseline (uptime went down).
	x.Tgt.UptimeSeconds, x.Tgt.UnknownCommands = 10, map[string]int64{"SWAPDB": 1}
	f = stepstest.Steady(x.Facts(), 5)
	f.DivergenceBase = base
	if c, _ := steps.DivergenceWatch(f); c.Level != steps.Block || !strings.Contains(c.Detail, "restarted") || !strings.Contains(c.Detail, "SWAPDB 1 times") {
		t.Errorf("restarted: %+v", c)
	}

	// A poll that did not read commandstats says it does not know.
	x.Tgt.CommandStatsRead = false
	f = stepstest.Steady(x.Facts(), 5)
	if c, _ := steps.DivergenceWatch(f); c.Level != steps.Warn || steps.DroppedCommands(f) != "" {
		t.Errorf("not read: %+v", c)
	}

	// Before the attach the watch does not apply.
	if _, ok := steps.DivergenceWatch(stepstest.Healthy().Facts()); ok {
		t.Error("a detached target is watched")
	}
}

// The latest sample before the cutover: keys that differ block it, each
// named; none run warns.
func TestSampleDivergenceBlocksTheCutoverNamingKeys(t *testing.T) {
	x := stepstest.Healthy().Attached().Registered()
	f := stepstest.Steady(x.Facts(), 5)
	if c := cutoverCheck(f, "sample"); c == nil || c.Level != steps.Warn || !strings.Contains(c.Detail, "no sample has run") {
		t.Errorf("no sample: %+v", c)
	}
	s := agreeingSample(x.At)
	s.Result.Matched = 198
	s.Result.Mismatches = []sampling.Mismatch{
		{Key: "preload:00000007", What: "missing on the target", Source: "string", Target: "none"},
		{Key: "preload:00000009", What: "value", Source: "sha256 aa", Target: "sha256 bb"},
	}
	f.Sample = s
	c := cutoverCheck(f, "sample")
	if c == nil || c.Level != steps.Block || !strings.Contains(c.Detail, `"preload:00000007": missing on the target`) ||
		!strings.Contains(c.Detail, `"preload:00000009": value`) || !strings.Contains(c.Detail, "2 of 200") {
		t.Fatalf("mismatches: %+v", c)
	}
	if b := steps.FirstBlock(cutoverPre(f, steps.Options{})); b == nil || b.ID != "sample" {
		t.Errorf("first block %+v", b)
	}
}

// The report names each server's kind and version, and has a section on
// the samples with the keys that differ.
func TestReportNamesServerKindsAndTheSamples(t *testing.T) {
	x := stepstest.Healthy().Attached()
	snap := x.Facts().Snapshot
	s := agreeingSample(x.At)
	s.Result.Compared, s.Result.Matched = 150, 149
	s.Result.Mismatches = []sampling.Mismatch{{Key: "preload:00000003", What: "missing on the target", Source: "string", Target: "none"}}
	data, _ := json.Marshal(s)
	entries := []auditlog.Entry{
		{Seq: 1, Time: x.At, Kind: auditlog.KindSnapshot, Step: steps.StepPreflight, Event: "before", Snapshot: &snap},
		{Seq: 2, Time: x.At.Add(time.Second), Kind: auditlog.KindResult, Step: steps.StepSteady, Message: "sample", Data: data},
	}
	md := RenderReport(entries, ReportExtras{Topo: x.Topo, Final: &snap})
	labtest.ContainsAll(t, "the report", md,
		"Source (old primary): `10.0.0.1:6379`, Redis 7.0.15",
		"Target: `10.0.0.2:6380`, Dragonfly 1.40.1",
		"## Sampled comparison of keys",
		"| steady-state | source with target (replica) | 150 (random sample) | 149 | **1** |",
		"- `preload:00000003`: missing on the target (source string, target none)",
	)
	x.Tgt.Kind, x.Tgt.Version = probe.KindRedis, "7.0.15"
	snap = x.Facts().Snapshot
	if md := RenderReport(entries[:1], ReportExtras{Topo: x.Topo, Final: &snap}); !strings.Contains(md, "redis-server 7.0.15 (a stand-in for Dragonfly)") ||
		!strings.Contains(md, "No sample of keys was compared") {
		t.Errorf("stand-in, no sample:\n%s", md)
	}
}
