package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe/canary"
	"flyover/steps"
)

// A fleet run without a terminal: the masters in turn (one sync at a
// time, cutovers one at a time), each cutover confirmed by its name in
// --confirm-masters, and one master with a planted blocker (a Redis
// Function, which Dragonfly cannot load) skipped with its reason while
// the others finish; nothing acknowledged lost on any.
func TestMigrateFleetSkipsABlockedMasterAndMigratesTheOthersInTurn(t *testing.T) {
	t.Parallel()
	masters := labtest.Measure0(t, "FLYOVER_MIGRATE_FLEET_MASTERS", 3)
	l := labtest.StartFleet(t, lab.FleetOptions{Masters: masters, PreloadKeys: 500, FailoverTimeout: 20 * time.Second})
	blocked := l.Names[1]
	src := l.Sources[1].Client()
	if err := src.Do(context.Background(), "FUNCTION", "LOAD", "#!lua name=planted\nredis.register_function('planted', function(keys, args) return 1 end)").Err(); err != nil {
		t.Fatal(err)
	}
	src.Close()
	targets, err := l.TargetsFile()
	if err != nil {
		t.Fatal(err)
	}
	var canaries []*canary.Canary
	for i, name := range l.Names {
		if i == 1 {
			continue
		}
		c, err := canary.StartCanary(context.Background(), canary.CanaryOptions{MasterName: name, Sentinels: l.SentinelAddrs(), Rate: 300, TTL: 10 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		canaries = append(canaries, c)
	}

	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := append([]string{"migrate", "--json", "--tick", "250ms", "--audit-log", filepath.Join(dir, "flyover-audit-fleet.jsonl"), "--log", filepath.Join(dir, "log"),
		"--until", "report", "--confirm-masters", strings.Join(l.Names, ","), "--max-syncs", "1", "--blocked-for", "2s"}, l.FleetArgs(targets)...)
	start := time.Now()
	code := Run(args, &stdout, &stderr)
	t.Logf("%d masters: exit %d in %s\n%s", masters, code, time.Since(start).Round(time.Second), stderr.String())
	if code != 1 {
		t.Fatalf("exit %d, want 1 (one master blocked)", code)
	}
	var events []MigrateEvent
	for _, line := range bytes.Split(bytes.TrimSpace(stdout.Bytes()), []byte("\n")) {
		var e MigrateEvent
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("not a JSON event: %q", line)
		}
		events = append(events, e)
	}
	// Each master's exit, the blocked one's reason, and cutovers that
	// never overlap.
	exits := map[string]int{}
	var reason string
	type span struct{ from, to time.Time }
	cutovers := map[string]*span{}
	for _, e := range events {
		switch {
		case e.Event == "exit" && e.Master != "":
			exits[e.Master] = *e.Exit
		case e.Event == "blocked" && e.Master == blocked:
			reason += e.Title + ": " + e.Detail + "\n"
		case e.Step == steps.StepCutover && e.Event == "step-start":
			cutovers[e.Master] = &span{from: e.At}
		case e.Step == steps.StepCutover && e.Event == "step-end" && cutovers[e.Master] != nil:
			cutovers[e.Master].to = e.At
		}
	}
	for _, name := range l.Names {
		want := 0
		if name == blocked {
			want = 1
		}
		if exits[name] != want {
			t.Errorf("%s: exit %d, want %d", name, exits[name], want)
		}
	}
	if !strings.Contains(reason, "Functions") {
		t.Errorf("the blocked master's reason does not name the Functions: %q", reason)
	}
	if cutovers[blocked] != nil {
		t.Errorf("the blocked master was cut over")
	}
	for a, x := range cutovers {
		for b, y := range cutovers {
			if a < b && x.from.Before(y.to) && y.from.Before(x.to) {
				t.Errorf("the cutovers of %s and %s overlap", a, b)
			}
		}
	}
	for _, c := range canaries {
		assertCanaryLostNothing(t, c)
	}
}
