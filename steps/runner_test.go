package steps

import (
	"path/filepath"
	"testing"

	"flyover/steps/auditlog"
)

// A declined confirmation is recorded by the runner in the same shape as
// the answers Start records: kind confirm, event no, the confirmation's ID
// as phase, the prompt and what the operator was told.
func TestDeclinedIsAudited(t *testing.T) {
	a, err := auditlog.OpenAudit(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r := &Runner{Audit: a}
	q := Confirmation{ID: "attach", Kind: ConfirmYesNo, Prompt: "Attach the target as a replica of the source?"}
	if err := r.Declined(StepAttach, q, "cancelled, nothing sent"); err != nil {
		t.Fatal(err)
	}
	es, err := auditlog.ReadAudit(a.Path())
	if err != nil {
		t.Fatal(err)
	}
	e := es[len(es)-1]
	if e.Kind != auditlog.KindConfirm || e.Step != StepAttach || e.Event != "no" || e.Phase != "attach" ||
		e.Message != "Attach the target as a replica of the source? (cancelled, nothing sent)" {
		t.Errorf("got %+v", e)
	}
}
