package steps_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/steps"
	"flyover/steps/checks"
)

func findCheck(t *testing.T, cs []steps.Check, id string) steps.Check {
	t.Helper()
	for _, c := range cs {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %s", id)
	return steps.Check{}
}

// ReadReadiness reads the facts through the audited path in read-only
// mode: every readiness read must pass the read-only allowlist.
func (g *rig) ReadReadiness() readiness.ReadinessFacts {
	g.t.Helper()
	g.runner.ReadOnly = true
	defer func() { g.runner.ReadOnly = false }()
	rf := readiness.ReadReadiness(context.Background(), g.runner.Doer(), g.prober.Source, g.prober.Target)
	for _, e := range append(rf.Source.Errors, rf.Target.Errors...) {
		g.t.Errorf("read failed: %s", e)
	}
	return rf
}

func TestReadinessRiskySourceGivesEachVerdictWithTheFixOnARealLab(t *testing.T) {
	t.Parallel()
	skipWithoutFunctions(t)
	g := startRig(t, lab.Options{SourceDatabases: 32, StandIn: true}, steps.Options{})
	ctx := context.Background()
	src := g.lab.Source.Client()
	defer src.Close()
	for _, cmd := range [][]any{
		{"FUNCTION", "LOAD", "#!lua name=flylib\nredis.register_function('hello', function() return 1 end)"},
		{"SET", "in20", "v"}, {"MOVE", "in20", "20"},
		{"SET", "k", "v"}, {"OBJECT", "ENCODING", "k"},
		{"CONFIG", "SET", "notify-keyspace-events", "KEA"},
	} {
		if err := src.Do(ctx, cmd...).Err(); err != nil {
			t.Fatal(cmd, err)
		}
	}
	sha, err := src.ScriptLoad(ctx, "return 1").Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := src.EvalSha(ctx, sha, nil).Err(); err != nil {
		t.Fatal(err)
	}
	sub := src.Subscribe(ctx, "__keyevent@0__:set")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil { // the subscription's confirmation
		t.Fatal(err)
	}

	rf := g.ReadReadiness()
	cs := checks.ReadinessChecks(rf)
	for id, want := range map[string]struct {
		level      steps.Level
		detail, fx string
	}{
		// The stand-in knows OBJECT and FUNCTION LOAD; Dragonfly would not.
		"ready-commands":      {steps.Warn, "the application called OBJECT ENCODING 1 times; Dragonfly does not have OBJECT", ""},
		"ready-functions":     {steps.Block, "flylib (1 functions)", "FUNCTION DELETE"},
		"ready-databases":     {steps.Block, "keys in db20; the target has 16 databases", "--dbnum=21"},
		"ready-notifications": {steps.Block, "__keyevent@0__:set", "--notify_keyspace_events=Ex"},
		// A Redis target runs scripts that touch undeclared keys.
		"ready-lua": {steps.Pass, "ran scripts 1 times", ""},
	} {
		c := findCheck(t, cs, id)
		if c.Level != want.level || !strings.Contains(c.Detail, want.detail) || !strings.Contains(c.Fix, want.fx) {
			t.Errorf("%s: got %s %q fix %q; want %s with %q, fix %q", id, c.Level, c.Detail, c.Fix, want.level, want.detail, want.fx)
		}
	}
	if !strings.Contains(findCheck(t, cs, "ready-commands").Detail, "FUNCTION LOAD 1 times; FUNCTION is a stub") {
		t.Errorf("FUNCTION LOAD not named: %s", findCheck(t, cs, "ready-commands").Detail)
	}
	if !rf.Target.Lua.Ran || rf.Target.Lua.Error != "" {
		t.Errorf("lua probe %+v", rf.Target.Lua)
	}
	// The probe went through the audited path, read-only as it was.
	if !auditHas(t, g.audit.Path(), "EVAL", probe.LuaProbeScript, "0") {
		t.Error("the Lua probe is not in the audit log")
	}
	if c := steps.DivergenceCheck(probe.DivergenceCounters{}, rf.Target.Counters); c.Level != steps.Pass {
		t.Errorf("divergence on a stand-in: %+v", c)
	}
}

func TestReadinessCleanSourcePassesOnARealLab(t *testing.T) {
	t.Parallel()
	g := startRig(t, lab.Options{PreloadKeys: 100, StandIn: true}, steps.Options{})
	// The lab's own traffic (preload, Sentinel's hello messages) and a
	// Redis replica's syncing must not count as the application's.
	g.attachInSync(30 * time.Second)
	for _, c := range checks.ReadinessChecks(g.ReadReadiness()) {
		if c.Level != steps.Pass {
			t.Errorf("%s: %s: %s", c.ID, c.Level, c.Detail)
		}
	}
}
