package plan

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/probe/canary"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/stepstest"
)

// The fleet's report is a row per master from the one audit log: each
// master's stall, canary writes lost, keys and verdicts from its own
// entries only, and a master with none as not started.
func TestFleetReportRowPerMaster(t *testing.T) {
	a, path := stepstest.OpenAudit(t, "audit.jsonl")
	orders, carts := a.ForMaster("orders"), a.ForMaster("carts")
	snap := func(src, tgt int64) *probe.Snapshot {
		return &probe.Snapshot{At: time.Now(),
			Source: probe.Node{Reachable: true, Keyspace: map[int]probe.DBKeys{0: {Keys: src}}},
			Target: probe.Node{Reachable: true, Keyspace: map[int]probe.DBKeys{0: {Keys: tgt}}}}
	}
	orders.Log(auditlog.Entry{Kind: auditlog.KindPhase, Step: steps.StepPreflight, Snapshot: snap(1000, 0)}, false)
	orders.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: steps.StepPreflight, Message: "preflight checks",
		Data: auditlog.MustJSON([]steps.Check{{ID: "a", Level: steps.Pass}, {ID: "b", Level: steps.Pass}, {ID: "c", Level: steps.Warn}})}, false)
	carts.Log(auditlog.Entry{Kind: auditlog.KindStep, Step: steps.StepAttach, Event: "done"}, false)
	orders.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: steps.StepCutover, Data: auditlog.MustJSON(steps.CutoverResult{PausedAt: time.Now(), Stall: 1234 * time.Millisecond})}, false)
	orders.Log(auditlog.Entry{Kind: auditlog.KindStep, Step: steps.StepCutover, Event: "done"}, false)
	orders.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: steps.StepVerify, Message: "canary",
		Data: auditlog.MustJSON(map[string]any{"verdict": canary.CanaryVerdict{Acked: 5000, Checked: 5000, Lost: 0}})}, false)
	orders.Log(auditlog.Entry{Kind: auditlog.KindPhase, Step: steps.StepVerify, Snapshot: snap(1000, 1007)}, false)

	p, err := WriteFleetReport(orders, []string{"orders", "carts", "idle"})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(path), "audit-fleet-report.md"); p != want {
		t.Errorf("fleet report at %s, want %s", p, want)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	labtest.ContainsAll(t, "the fleet report", md,
		"| orders | cutover done | 1.234s | **0** of 5,000 acknowledged | 1,000 → 1,007 | 2 pass, 1 warn, 0 block |",
		"| carts | attach done | — | — (no canary read back) | — → — | — |",
		"| idle | not started |",
		"Cut over: 1 of 3",
	)
}
