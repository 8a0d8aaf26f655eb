package driver_test

import (
	"context"
	"testing"

	"flyover/driver"
	"flyover/driver/drivertest"
	"flyover/steps"
)

func TestReachedOnlyOncePastTheStepAndNotBeforeTheFirstPoll(t *testing.T) {
	d := driver.New(context.Background(), driver.Config{Runner: &drivertest.Runner{}})
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
	if driver.Index(steps.StepPreflight) != 0 || driver.Index(steps.StepCutover) <= driver.Index(steps.StepPriority) || driver.Index(steps.StepAbort) != -1 {
		t.Fatal("Index does not follow the plan's order")
	}
}

func TestAnswerAsksEachQuestionByItsID(t *testing.T) {
	confs := []steps.Confirmation{{ID: "cutover", Kind: steps.ConfirmTypeName, Expect: "m"}, {ID: "shutdown", Optional: true}}
	a := driver.Answer(confs, func(c steps.Confirmation) string {
		if c.Optional {
			return "n"
		}
		return c.Expect
	})
	if a["cutover"] != "m" || a["shutdown"] != "n" || len(a) != 2 {
		t.Fatalf("answers %v", a)
	}
}
