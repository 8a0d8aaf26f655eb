package steps

import "fmt"

// Plan derives the checklist from the live topology (and what this session
// did for the steps the topology cannot show). It is a pure function:
// starting flyover in the middle of a migration lands on the right step.
func Plan(f Facts, o Options) Checklist {
	o = o.withDefaults()
	c := Checklist{Stage: StageOf(f)}
	for _, s := range Steps() {
		st := StepState{ID: s.ID, Title: s.Title}
		switch {
		case c.Current != "":
			st.Status, st.Reason = Pending, "after "+Lookup(c.Current).Title
		case s.ID == f.Running && s.done(f, o):
			// It still runs: it is the current step until it ends.
			c.Current = s.ID
			st.Status, st.Reason, st.Checks = Current, currentReason(s.ID, f, o), s.Verify(f, o)
		case s.done(f, o):
			st.Status, st.Reason = Done, doneReason(s.ID, f, o)
			if s.ID == StepPreflight {
				st.Checks = preflightOrSkip(f, o)
			}
		default:
			c.Current = s.ID
			st.Checks = s.Precondition(f, o)
			if b := FirstBlock(st.Checks); b != nil {
				st.Status, st.Reason = Blocked, b.Detail
				if b.Fix != "" {
					st.Reason += ": " + b.Fix
				}
			} else {
				st.Status, st.Reason = Current, currentReason(s.ID, f, o)
				// Nothing blocks: show what the step waits for.
				if post := s.Verify(f, o); len(post) > 0 {
					st.Checks = post
				}
			}
		}
		c.Steps = append(c.Steps, st)
	}
	switch c.Stage {
	case StagePromotedUnannounced:
		c.AbortWhy = "the target has been promoted: " + unannouncedDo(f)
	case StagePromoting, StagePromoted:
		c.AbortWhy = "the failover has happened: there is no way back by replication (Redis cannot sync from Dragonfly)"
	default:
		c.CanAbort = true
	}
	return c
}

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

var allSteps []*Step

func init() {
	allSteps = []*Step{preflightStep, attachStep, fullSyncStep, steadyStep, registerStep, priorityStep,
		cutoverStep, verifyStep, decommissionStep, restoreHAStep, reportStep}
}

func doneReason(id StepID, f Facts, o Options) string {
	s := &f.Snapshot
	switch id {
	case StepPreflight:
		if afterCutover(f) {
			return "the cutover has happened"
		}
		return "no check blocks"
	case StepAttach:
		return "the target follows the source"
	case StepFullSync:
		return "the target streams from the source"
	case StepSteady:
		if afterCutover(f) {
			return "the cutover has happened"
		}
		return fmt.Sprintf("in sync for %d polls, key counts equal", f.InSyncPolls)
	case StepRegister:
		if afterCutover(f) {
			return "the cutover has happened"
		}
		return "every Sentinel lists the target, healthy and eligible"
	case StepPriority:
		return priorityDoneReason(f)
	case StepCutover:
		return fmt.Sprintf("%d of %d Sentinels name the target; the old primary is fenced", TargetNaming(f), len(s.Sentinels))
	case StepVerify:
		return "every Sentinel names the target, a write through Sentinel landed on it"
	case StepDecommission:
		return decommissionDoneReason(f, o)
	case StepRestoreHA:
		return restoreHADoneReason(f, o)
	case StepReport:
		return "written to " + f.Report
	}
	return ""
}

func currentReason(id StepID, f Facts, o Options) string {
	s := &f.Snapshot
	switch id {
	case StepPreflight:
		if f.Preflight == nil {
			return "read the settings preflight needs (reads only)"
		}
		return "run preflight again"
	case StepAttach:
		return "attach the target to the source"
	case StepFullSync:
		return fmt.Sprintf("full sync: %s", s.Link.Phase)
	case StepSteady:
		return fmt.Sprintf("in sync for %d of %d polls", f.InSyncPolls, o.SteadyPolls)
	case StepRegister:
		return "waiting for every Sentinel to list the target and rate it"
	case StepCutover:
		if afterCutover(f) {
			return "the failover has happened but the old primary is not fenced: fence it now"
		}
		return "ready for the guarded cutover"
	case StepVerify:
		return "check that clients reach the target through Sentinel"
	case StepPriority:
		return "give the other replicas priority 0 so that Sentinel can promote only the target"
	case StepDecommission:
		return "shut the old Redis servers down (or leave them to you) and reset the Sentinels"
	case StepRestoreHA:
		return "attach the new replicas to the new primary and wait until every Sentinel would promote them"
	case StepReport:
		return "write the report"
	}
	return ""
}
