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
	"flyover/steps/auditlog"
	"flyover/steps/plan"
)

// A source with a Redis Function loaded: the preflight step reads the
// readiness facts itself and blocks with the fix, and the attach refuses
// to start (no REPLICAOF is sent).
func TestReadinessRiskySourceBlocksPreflightAndTheAttach(t *testing.T) {
	t.Parallel()
	skipWithoutFunctions(t)
	g := startRig(t, lab.Options{PreloadKeys: 10, StandIn: true}, steps.Options{})
	src := g.lab.Source.Client()
	defer src.Close()
	if err := src.Do(context.Background(), "FUNCTION", "LOAD", "#!lua name=flylib\nredis.register_function('hello', function() return 1 end)").Err(); err != nil {
		t.Fatal(err)
	}

	err := g.run(steps.StepPreflight)
	if err == nil || !strings.Contains(err.Error(), "flylib (1 functions)") || !strings.Contains(err.Error(), "FUNCTION DELETE") {
		t.Fatalf("preflight: %v", err)
	}
	c, f := g.plan()
	if f.Readiness == nil || !f.Readiness.Source.LibrariesKnown {
		t.Fatalf("the session has no readiness facts: %+v", f.Readiness)
	}
	st := c.State(steps.StepPreflight)
	if c.Current != steps.StepPreflight || st.Status != steps.Blocked || !strings.Contains(st.Reason, "FUNCTION DELETE") {
		t.Fatalf("plan at %s, preflight %s: %s", c.Current, st.Status, st.Reason)
	}
	if !auditHas(t, g.audit.Path(), "FUNCTION", "LIST") {
		t.Error("the readiness reads did not go through the audited path")
	}

	err = g.run(steps.StepAttach)
	if err == nil || !strings.Contains(err.Error(), "not started, nothing sent") || !strings.Contains(err.Error(), "Functions") {
		t.Fatalf("attach: %v", err)
	}
	if auditHas(t, g.audit.Path(), "REPLICAOF") {
		t.Error("REPLICAOF was sent")
	}
	if f := g.facts(); f.Snapshot.Target.Role != probe.RolePrimary {
		t.Errorf("the target is %s", f.Snapshot.Target.Role)
	}
}

// Keys changed on the target behind the source's back (a writable
// replica): the steady state's sample finds them, and the cutover refuses,
// naming them, with nothing sent. The report names the servers and the
// sample.
func TestSampleBeforeTheCutoverFindsKeysChangedOnTheTarget(t *testing.T) {
	t.Parallel()
	so := steps.Options{SteadyPolls: 3, PollInterval: 250 * time.Millisecond}
	g := startRig(t, lab.Options{PreloadKeys: 150, StandIn: true}, so)
	ctx := context.Background()
	g.mustRun(steps.StepPreflight)
	g.mustRun(steps.StepAttach)
	if f := g.facts(); f.DivergenceBase == nil || !f.DivergenceBase.Known {
		t.Fatalf("no divergence baseline after the attach: %+v", f.DivergenceBase)
	}
	g.advanceTo(steps.StepSteady)
	labtest.Wait(t, 30*time.Second, "the target in sync", func() bool { return g.facts().Snapshot.Link.InSync })

	// Same key count, different data: one key gone, one key changed, one
	// key the source does not have.
	tgt := g.lab.Target.Client()
	defer tgt.Close()
	for _, cmd := range [][]any{
		{"CONFIG", "SET", "replica-read-only", "no"},
		{"DEL", "preload:00000007"},
		{"SET", "preload:00000009", "VALUE-9"}, // same length: only the value differs
		{"SET", "only-on-the-target", "x"},
	} {
		if err := tgt.Do(ctx, cmd...).Err(); err != nil {
			t.Fatal(cmd, err)
		}
	}

	err := g.run(steps.StepSteady)
	if err == nil || !strings.Contains(err.Error(), `"preload:00000007": missing on the target`) || !strings.Contains(err.Error(), `"preload:00000009": value`) {
		t.Fatalf("steady state: %v", err)
	}
	f := g.facts()
	if f.Sample == nil || f.Sample.Result.Mode != "scan" || len(f.Sample.Result.Mismatches) != 2 {
		t.Fatalf("sample: %+v", f.Sample)
	}
	t.Logf("sample: %s in %s", f.Sample.Summary(), f.Sample.Result.Elapsed)

	g.advanceTo(steps.StepRegister)
	g.mustRun(steps.StepRegister)
	c, _ := g.plan()
	st := c.State(steps.StepCutover)
	if c.Current != steps.StepCutover || st.Status != steps.Blocked || !strings.Contains(st.Reason, "preload:00000007") {
		t.Fatalf("plan at %s, cutover %s: %s", c.Current, st.Status, st.Reason)
	}
	err = g.run(steps.StepCutover)
	if err == nil || !strings.Contains(err.Error(), "not started, nothing sent") || !strings.Contains(err.Error(), "preload:00000007") ||
		!strings.Contains(err.Error(), "preload:00000009") {
		t.Fatalf("cutover: %v", err)
	}
	if auditHas(t, g.audit.Path(), "CLIENT", "PAUSE") {
		t.Error("CLIENT PAUSE was sent")
	}
	if err := sourceTakesWrites(t, g.lab); err != nil {
		t.Errorf("the source does not take writes: %v", err)
	}

	entries := readAudit(t, g.audit.Path())
	samples := 0
	for _, e := range entries {
		if e.Kind == auditlog.KindResult && e.Message == "sample" {
			samples++
		}
		if e.Kind == auditlog.KindCommand && (e.Args[0] == "RANDOMKEY" || e.Args[0] == "TYPE") {
			t.Fatalf("a sample's key reads are in the audit log one by one: %v", e.Args)
		}
	}
	if samples != 1 {
		t.Errorf("%d sample entries in the audit log, want 1", samples)
	}
	final := g.facts().Snapshot
	md := plan.RenderReport(entries, plan.ReportExtras{Topo: g.prober.Topo, Final: &final})
	server, _, _ := lab.Binaries()
	labtest.ContainsAll(t, "the report", md, ", "+probe.CapabilitiesOf(server.Kind, server.Version).Name(),
		fmt.Sprintf(", %s-server %s (a stand-in", server.Kind, server.Version), "(a stand-in for Dragonfly)", "## Sampled comparison of keys",
		"| steady-state | source with target (replica) | 150 (every key) |", "- `preload:00000007`: missing on the target")
	labtest.Keep(t, "report.md", []byte(md))
}
