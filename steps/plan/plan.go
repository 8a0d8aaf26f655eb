package plan

import (
	"fmt"

	"flyover/steps"
)

// Plan derives the checklist from the live topology (and what this session
// did for the steps the topology cannot show). It is a pure function:
// starting flyover in the middle of a migration lands on the right step.
func Plan(f steps.Facts, o steps.Options) steps.Checklist {
	o = o.WithDefaults()
	c := steps.Checklist{Stage: steps.StageOf(f)}
	for _, s := range steps.Steps() {
		st := steps.StepState{ID: s.ID, Title: s.Title}
		switch {
		case c.Current != "":
			st.Status, st.Reason = steps.Pending, "after "+steps.Lookup(c.Current).Title
		case s.ID == f.Running && s.DoneFn(f, o):
			// It still runs: it is the current step until it ends.
			c.Current = s.ID
			st.Status, st.Reason, st.Checks = steps.Current, currentReason(s.ID, f, o), s.Verify(f, o)
		case s.DoneFn(f, o):
			st.Status, st.Reason = steps.Done, doneReason(s.ID, f, o)
			if s.ID == steps.StepPreflight {
				st.Checks = preflightOrSkip(f, o)
			}
		default:
			c.Current = s.ID
			st.Checks = s.Precondition(f, o)
			if b := steps.FirstBlock(st.Checks); b != nil {
				st.Status, st.Reason = steps.Blocked, b.Detail
				if b.Fix != "" {
					st.Reason += ": " + b.Fix
				}
			} else {
				st.Status, st.Reason = steps.Current, currentReason(s.ID, f, o)
				// Nothing blocks: show what the step waits for.
				if post := s.Verify(f, o); len(post) > 0 {
					st.Checks = post
				}
			}
		}
		c.Steps = append(c.Steps, st)
	}
	switch c.Stage {
	case steps.StagePromotedUnannounced:
		c.AbortWhy = "the target has been promoted: " + steps.UnannouncedDo(f)
	case steps.StagePromoting, steps.StagePromoted:
		c.AbortWhy = "the failover has happened: there is no way back by replication (Redis cannot sync from Dragonfly)"
	default:
		c.CanAbort = true
	}
	return c
}

func init() {
	steps.Register([]*steps.Step{preflightStep, attachStep, fullSyncStep, steadyStep, registerStep, priorityStep,
		cutoverStep, verifyStep, decommissionStep, restoreHAStep, reportStep}, abortStep)
}

func doneReason(id steps.StepID, f steps.Facts, o steps.Options) string {
	s := &f.Snapshot
	switch id {
	case steps.StepPreflight:
		if steps.AfterCutover(f) {
			return "the cutover has happened"
		}
		return "no check blocks"
	case steps.StepAttach:
		return "the target follows the source"
	case steps.StepFullSync:
		return "the target streams from the source"
	case steps.StepSteady:
		if steps.AfterCutover(f) {
			return "the cutover has happened"
		}
		return fmt.Sprintf("in sync for %d polls, key counts equal", f.InSyncPolls)
	case steps.StepRegister:
		if steps.AfterCutover(f) {
			return "the cutover has happened"
		}
		return "every Sentinel lists the target, healthy and eligible"
	case steps.StepPriority:
		return priorityDoneReason(f)
	case steps.StepCutover:
		return fmt.Sprintf("%d of %d Sentinels name the target; the old primary is fenced", steps.TargetNaming(f), len(s.Sentinels))
	case steps.StepVerify:
		return "every Sentinel names the target, a write through Sentinel landed on it"
	case steps.StepDecommission:
		return decommissionDoneReason(f, o)
	case steps.StepRestoreHA:
		return restoreHADoneReason(f, o)
	case steps.StepReport:
		return "written to " + f.Report
	}
	return ""
}

func currentReason(id steps.StepID, f steps.Facts, o steps.Options) string {
	s := &f.Snapshot
	switch id {
	case steps.StepPreflight:
		if f.Preflight == nil {
			return "read the settings preflight needs (reads only)"
		}
		return "run preflight again"
	case steps.StepAttach:
		return "attach the target to the source"
	case steps.StepFullSync:
		return fmt.Sprintf("full sync: %s", s.Link.Phase)
	case steps.StepSteady:
		return fmt.Sprintf("in sync for %d of %d polls", f.InSyncPolls, o.SteadyPolls)
	case steps.StepRegister:
		return "waiting for every Sentinel to list the target and rate it"
	case steps.StepCutover:
		if steps.AfterCutover(f) {
			return "the failover has happened but the old primary is not fenced: fence it now"
		}
		return "ready for the guarded cutover"
	case steps.StepVerify:
		return "check that clients reach the target through Sentinel"
	case steps.StepPriority:
		return "give the other replicas priority 0 so that Sentinel can promote only the target"
	case steps.StepDecommission:
		return "shut the old Redis servers down (or leave them to you) and reset the Sentinels"
	case steps.StepRestoreHA:
		return "attach the new replicas to the new primary and wait until every Sentinel would promote them"
	case steps.StepReport:
		return "write the report"
	}
	return ""
}
