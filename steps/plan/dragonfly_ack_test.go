package plan

import (
	"os"
	"strings"
	"testing"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/checks"
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

	x := healthy()
	x.tgt.Kind, x.tgt.Version = df134.Kind, df134.Version // still detached: the version alone tells
	words := []string{"Dragonfly 1.34.2", "about a second longer", "slave_repl_offset", "acknowledges", "once a second", "v1.39 or later removes"}
	c := check(t, checks.Preflight(x.facts(), steps.Options{}), "target-kind")
	if c.Level != steps.Warn {
		t.Errorf("preflight: %s", c.Level)
	}
	for _, w := range words {
		if !strings.Contains(c.Detail, w) {
			t.Errorf("preflight lacks %q: %s", w, c.Detail)
		}
	}

	y := healthy().Attached().registered()
	y.tgt.Kind, y.tgt.Version = df134.Kind, df134.Version
	y.tgt.Offset, y.tgt.OffsetTrusted = df134.Offset, df134.OffsetTrusted
	cf := steps.Lookup(steps.StepCutover).Confirmations(steady(y.facts(), 5), steps.Options{})
	if len(cf) != 1 {
		t.Fatalf("confirmations: %+v", cf)
	}
	for _, w := range words {
		if !strings.Contains(cf[0].Warning, w) {
			t.Errorf("cutover confirmation lacks %q: %s", w, cf[0].Warning)
		}
	}

	z := healthy().Attached().registered()
	if w := steps.Lookup(steps.StepCutover).Confirmations(steady(z.facts(), 5), steps.Options{})[0].Warning; strings.Contains(w, "second longer") {
		t.Errorf("v1.40: %s", w)
	}
	if c := check(t, checks.Preflight(healthy().facts(), steps.Options{}), "target-kind"); c.Level != steps.Pass {
		t.Errorf("v1.40 preflight: %s %s", c.Level, c.Detail)
	}
}
