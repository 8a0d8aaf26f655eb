package checks

import (
	"context"
	"time"

	"flyover/steps"
	"flyover/steps/auditlog"
)

// ReadBack reads every acknowledged canary write back from the primary
// the Sentinels name, logs it in the audit log (a "canary" result, with
// the writer's counters) and keeps it in the session.
func ReadBack(ctx context.Context, r *steps.Runner, step steps.StepID, progress func(steps.Progress)) steps.ReadBack {
	progress(steps.Progress{Phase: "canary", Message: "reading every acknowledged canary write back from the new primary", Fraction: -1})
	stats := r.Canary.Stats()
	verdict, err := r.Canary.Verify(ctx)
	rb := steps.ReadBack{Step: step, Verdict: verdict, Err: ErrString(err)}
	if verdict.At.IsZero() {
		rb.Verdict.At = time.Now()
	}
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: step, Message: "canary",
		Data: auditlog.MustJSON(map[string]any{"stats": stats, "verdict": rb.Verdict, "error": rb.Err})}, true)
	r.Session.SetReadBack(rb)
	return rb
}

// ErrString is err's text, "" for none.
func ErrString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
