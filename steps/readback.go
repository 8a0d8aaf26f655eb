package steps

import (
	"context"
	"fmt"
	"time"

	"flyover/probe/canary"
	"flyover/steps/auditlog"
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

// ReadBack reads every acknowledged canary write back from the primary
// the Sentinels name, logs it in the audit log (a "canary" result, with
// the writer's counters) and keeps it in the session.
func (r *Runner) ReadBack(ctx context.Context, step StepID, progress func(Progress)) ReadBack {
	progress(Progress{Phase: "canary", Message: "reading every acknowledged canary write back from the new primary", Fraction: -1})
	stats := r.Canary.Stats()
	verdict, err := r.Canary.Verify(ctx)
	rb := ReadBack{Step: step, Verdict: verdict, Err: ErrString(err)}
	if verdict.At.IsZero() {
		rb.Verdict.At = time.Now()
	}
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: step, Message: "canary",
		Data: auditlog.MustJSON(map[string]any{"stats": stats, "verdict": rb.Verdict, "error": rb.Err})}, true)
	set(r.Session, &r.Session.readBack, &rb)
	return rb
}

func ErrString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
