package steps

import (
	"fmt"

	"flyover/probe/canary"
)

// The canary's acknowledged writes are read back from the new primary
// twice: by verify, right after the cutover, and by the report, for the
// writes acknowledged since. Each read-back covers the writes
// acknowledged when it began (its verdict's At), not those after: every
// face says which (the report, the screen, migrate's events), from the
// same verdict, so that their numbers agree.

// ReadBack is one read-back of the canary's acknowledged writes.
type ReadBack struct {
	Step    StepID               `json:"step"`
	Verdict canary.CanaryVerdict `json:"verdict"`
	// Err: it could not be read back (then Verdict holds only the
	// ledger's counts).
	Err string `json:"error,omitempty"`
}

// Summary is the read-back in one sentence, for the report and an
// unattended run's events.
func (rb ReadBack) Summary() string { return rb.SummaryAs("%d lost") }

// SummaryAs is Summary with the lost count as lost says it (the report
// puts it in bold).
func (rb ReadBack) SummaryAs(lost string) string {
	v := rb.Verdict
	by := v.At.Format("15:04:05")
	if rb.Err != "" {
		return fmt.Sprintf("the %d writes acknowledged by %s could not be read back: %s", v.Acked, by, rb.Err)
	}
	s := fmt.Sprintf("of %d writes acknowledged by %s, %d read back from %s, "+lost, v.Acked, by, v.Checked, v.Primary, v.Lost)
	if v.Expired > 0 {
		s += fmt.Sprintf(" (%d not checked: their TTL may have run out)", v.Expired)
	}
	return s + fmt.Sprintf("; writes acknowledged after %s were not read back", by)
}
