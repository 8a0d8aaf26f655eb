package common

import (
	"flyover/driver"
	"flyover/steps"
)

func StepTitle(id steps.StepID) string { return driver.Title(id) }

// StepNumber is a step's place in the plan, from 1; 0 for the abort.
func StepNumber(id steps.StepID) int {
	for i, s := range steps.Steps() {
		if s.ID == id {
			return i + 1
		}
	}
	return 0
}
