package plan

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/auditlog"
)

// A flyover restarted mid-migration reads back, from the audit logs beside
// its own, the priorities an earlier run of the same master replaced with
// 0 and did not put back, so that abort can still restore them. Records
// of another master, and priorities already put back, are not recalled.
func TestRestartRecallsPrioritiesAnEarlierRunReplaced(t *testing.T) {
	dir := t.TempDir()
	ctx := steps.WithStep(context.Background(), steps.StepPriority)
	earlier := func(name, master string, write func(r *steps.Runner)) {
		a, err := auditlog.OpenAudit(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		write(&steps.Runner{Prober: &probe.Prober{Topo: probe.Topology{MasterName: master}}, Audit: a, Session: steps.NewSession()})
	}
	earlier("flyover-audit-20260101-000000.jsonl", "orders", func(r *steps.Runner) {
		r.NotePriority(ctx, steps.PhasePrioritySaved, steps.PriorityRecord{Replica: "10.0.0.5:6379", Old: 100}, "replica-priority was 100")
		r.NotePriority(ctx, steps.PhasePrioritySaved, steps.PriorityRecord{Replica: "10.0.0.6:6379", Old: 50}, "replica-priority was 50")
	})
	earlier("flyover-audit-20260101-000500.jsonl", "orders", func(r *steps.Runner) {
		r.NotePriority(ctx, steps.PhasePriorityRestored, steps.PriorityRecord{Replica: "10.0.0.6:6379"}, "put back")
	})
	earlier("flyover-audit-20260101-001000.jsonl", "carts", func(r *steps.Runner) {
		r.NotePriority(ctx, steps.PhasePrioritySaved, steps.PriorityRecord{Replica: "10.0.0.7:6379", Old: 1}, "replica-priority was 1")
	})

	a, err := auditlog.OpenAudit(filepath.Join(dir, auditlog.DefaultAuditPath(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r := steps.NewRunner(&probe.Prober{Topo: probe.Topology{MasterName: "orders"}}, a, nil, steps.Options{})
	lines := r.RecallPriorities()
	if len(lines) != 1 || !strings.Contains(lines[0], "10.0.0.5:6379 was at replica-priority 100") {
		t.Fatalf("recalled %q", lines)
	}
	f := r.Session.Facts(probe.Topology{}, probe.Snapshot{})
	cmds := restorePriorityCommands(f)
	if len(cmds) != 1 || cmds[0].Addr != "10.0.0.5:6379" || strings.Join(cmds[0].Args, " ") != "CONFIG SET replica-priority 100" {
		t.Errorf("abort would send %v", cmds)
	}
}
