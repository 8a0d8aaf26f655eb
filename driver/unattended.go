// What a face without a person needs from the driver: where to stop, and
// the reasons it stops, one per check.

package driver

import (
	"slices"

	"flyover/steps"
)

// Reached reports whether the plan is past step until: every step up to
// and including it is done (or the plan is finished).
func (d *Driver) Reached(until steps.StepID) bool {
	if !d.ready {
		return false
	}
	cur := d.plan.Current
	if cur == "" {
		return true
	}
	if d.JustDone(cur) {
		return false // the polls have not caught up: the plan may move on
	}
	return Index(cur) > Index(until)
}

// Index is a step's place in the plan (0 for preflight), -1 when it is not
// a step of the plan (abort).
func Index(id steps.StepID) int {
	return slices.IndexFunc(steps.Steps(), func(s *steps.Step) bool { return s.ID == id })
}

// Blocks are the checks that stop the current step, each a reason on its
// own line for an operator; none when it is not blocked.
func (d *Driver) Blocks() []steps.Check {
	st := d.plan.State(d.plan.Current)
	if st.Status != steps.Blocked {
		return nil
	}
	var out []steps.Check
	for _, c := range st.Checks {
		if c.Level == steps.Block {
			out = append(out, c)
		}
	}
	return out
}

// Answer answers a step's questions with say: what say returns for each,
// by its ID. A face without a person calls it with the flags' answers;
// the runner records every answer in the audit log, a no included.
func Answer(confs []steps.Confirmation, say func(steps.Confirmation) string) steps.Answers {
	a := steps.Answers{}
	for _, c := range confs {
		a[c.ID] = say(c)
	}
	return a
}
