package steps

// The plan (steps/plan) defines the steps and gives them to this package
// when it loads (Register): the runner and the faces find a step by its id
// here, without importing the plan.

var (
	allSteps  []*Step
	abortStep *Step
)

// Register sets the migration's steps, in order, and the way back (abort).
// The plan calls it once, from its init.
func Register(all []*Step, abort *Step) { allSteps, abortStep = all, abort }

// Steps is the migration, in order.
func Steps() []*Step { return append([]*Step(nil), allSteps...) }

// Survey is the state of the plan's survey step (preflight): its checks
// are the verdicts on the whole topology.
func (c Checklist) Survey() StepState {
	for _, st := range c.Steps {
		if s := Lookup(st.ID); s != nil && s.Survey {
			return st
		}
	}
	return StepState{}
}

// Abort is the way back before the cutover: not a step of the plan, but
// offered beside it.
func Abort() *Step { return abortStep }

// Lookup returns the step with id (StepAbort included), or nil.
func Lookup(id StepID) *Step {
	for _, s := range allSteps {
		if s.ID == id {
			return s
		}
	}
	if id == StepAbort {
		return abortStep
	}
	return nil
}
