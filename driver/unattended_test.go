package driver

import (
	"context"
	"testing"

	"flyover/steps"
)

func TestReachedOnlyOncePastTheStepAndNotBeforeTheFirstPoll(t *testing.T) {
	d := New(context.Background(), Config{Runner: &fakeRunner{}})
	if d.Reached(steps.StepPreflight) {
		t.Fatal("reached preflight before any poll")
	}
	d.Observe(steps.Facts{}, true) // a topology nothing answered in: the plan is at preflight
	if cur := d.Plan().Current; cur != steps.StepPreflight {
		t.Fatalf("plan at %s", cur)
	}
	if d.Reached(steps.StepPreflight) || d.Reached(steps.StepCutover) {
		t.Fatal("reached a step the plan is at or before")
	}
	if Index(steps.StepPreflight) != 0 || Index(steps.StepCutover) <= Index(steps.StepPriority) || Index(steps.StepAbort) != -1 {
		t.Fatal("Index does not follow the plan's order")
	}
}

func TestAnswerAsksEachQuestionByItsID(t *testing.T) {
	confs := []steps.Confirmation{{ID: "cutover", Kind: steps.ConfirmTypeName, Expect: "m"}, {ID: "shutdown", Optional: true}}
	a := Answer(confs, func(c steps.Confirmation) string {
		if c.Optional {
			return "n"
		}
		return c.Expect
	})
	if a["cutover"] != "m" || a["shutdown"] != "n" || len(a) != 2 {
		t.Fatalf("answers %v", a)
	}
}
