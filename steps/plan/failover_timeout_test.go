package plan

import (
	"strings"
	"testing"
	"time"

	"flyover/steps"
	"flyover/steps/checks"
	"flyover/steps/stepstest"
)

// Past 30 s, preflight warns of the cutover's worst case and gives the
// SENTINEL SET that lowers failover-timeout and the one that puts it
// back; the cutover's confirmation says it before the name is typed.
func TestFailoverTimeoutIsTheWorstCaseSaidBeforeTheCutover(t *testing.T) {
	x := stepstest.Healthy()
	for i := range x.Sents {
		x.Sents[i].FailoverTimeout = 3 * time.Minute
	}
	f := x.Facts()
	c := stepstest.Check(t, checks.Preflight(f, steps.Options{}), "failover-timeout")
	if c.Level != steps.Warn || !strings.Contains(c.Detail, "180 s") || len(c.FixCommands) != len(x.Sents) {
		t.Fatalf("failover-timeout 180 s: %+v", c)
	}
	for _, want := range []string{"SENTINEL SET " + f.Topo.MasterName + " failover-timeout 15000", "SENTINEL SET " + f.Topo.MasterName + " failover-timeout 180000"} {
		if !strings.Contains(c.Detail, want) {
			t.Errorf("the warning does not give %q: %s", want, c.Detail)
		}
	}
	if got := strings.Join(c.FixCommands[0].Args, " "); got != "SENTINEL SET "+f.Topo.MasterName+" failover-timeout 15000" {
		t.Errorf("fix command %q", got)
	}
	q := cutoverStep.Confirmations(f, steps.Options{})[0]
	if q.WorstCase != "If Sentinel loses the target mid-switch, writes stay paused up to failover-timeout (180 s)." {
		t.Errorf("the confirmation's worst case: %q", q.WorstCase)
	}

	for i := range x.Sents {
		x.Sents[i].FailoverTimeout = 20 * time.Second
	}
	if c := stepstest.Check(t, checks.Preflight(x.Facts(), steps.Options{}), "failover-timeout"); c.Level != steps.Pass || !strings.Contains(c.Detail, "20 s") {
		t.Errorf("failover-timeout 20 s: %+v", c)
	}
}
