package plan

import (
	"os"
	"strings"
	"testing"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/checks"
	"flyover/steps/stepstest"
)

// A Dragonfly v1.34.2 target (probe's fixture of its INFO as a replica):
// preflight and the cutover's confirmation say the pause will last about
// a second longer, why, and that v1.39 or later removes it. v1.40 says
// nothing of it.
func TestDragonflyBefore139PauseNoteInPreflightAndCutover(t *testing.T) {
	b, err := os.ReadFile("../../probe/testdata/dragonfly-1.34-replica.info")
	if err != nil {
		t.Fatal(err)
	}
	df134 := probe.NodeFromInfo(probe.ParseInfo(string(b)), nil)

	x := stepstest.Healthy()
	x.Tgt.Kind, x.Tgt.Version = df134.Kind, df134.Version // still detached: the version alone tells
	words := []string{"Dragonfly 1.34.2", "about a second longer", "slave_repl_offset", "acknowledges", "once a second", "v1.39 or later removes"}
	c := stepstest.Check(t, checks.Preflight(x.Facts(), steps.Options{}), "target-kind")
	if c.Level != steps.Warn {
		t.Errorf("preflight: %s", c.Level)
	}
	for _, w := range words {
		if !strings.Contains(c.Detail, w) {
			t.Errorf("preflight lacks %q: %s", w, c.Detail)
		}
	}

	y := stepstest.Healthy().Attached().Registered()
	y.Tgt.Kind, y.Tgt.Version = df134.Kind, df134.Version
	y.Tgt.Offset, y.Tgt.OffsetTrusted = df134.Offset, df134.OffsetTrusted
	cf := steps.Lookup(steps.StepCutover).Confirmations(stepstest.Steady(y.Facts(), 5), steps.Options{})
	if len(cf) != 1 {
		t.Fatalf("confirmations: %+v", cf)
	}
	for _, w := range words {
		if !strings.Contains(cf[0].Warning, w) {
			t.Errorf("cutover confirmation lacks %q: %s", w, cf[0].Warning)
		}
	}

	z := stepstest.Healthy().Attached().Registered()
	if w := steps.Lookup(steps.StepCutover).Confirmations(stepstest.Steady(z.Facts(), 5), steps.Options{})[0].Warning; strings.Contains(w, "second longer") {
		t.Errorf("v1.40: %s", w)
	}
	if c := stepstest.Check(t, checks.Preflight(stepstest.Healthy().Facts(), steps.Options{}), "target-kind"); c.Level != steps.Pass {
		t.Errorf("v1.40 preflight: %s %s", c.Level, c.Detail)
	}
}
