// Package steps is the checklist's vocabulary and its runner: the types
// (Step, Options, Confirmation, Checklist, Check), the facts a plan is
// derived from (Facts, Session, the stage), the cutover's options, plan
// and result, the HA, sample, read-back and full-sync facts, and the
// Runner: the one audited path every command goes through (Send,
// SendMust, SendTx, SendWithin, WaitUntil, Recheck). The shared checks
// are steps/checks, the guarded switch steps/switchover, the steps and
// the planner steps/plan, which gives its steps to this package when it
// loads (Register), so the runner finds a step (Lookup) without it.
//
// The UI drives it like this: on every poll, Session.Observe(snapshot) and
// plan.Plan(session.Facts(topo, snapshot), opts) to render the checklist;
// for the current step, show Step.Why, Step.Commands and each of
// Step.Confirmations; collect the answers; Runner.Start returns a Job
// whose Progress channel the UI reads from a tea.Cmd until it closes, then
// Job.Err says how it ended.
//
//	driver ──▶ steps/plan ──▶ steps/switchover ──▶ steps/checks ──▶ steps
//	steps ──▶ steps/auditlog, probe's rooms (access, readiness, sampling, canary), probe
//
// It may import its audit log (steps/auditlog), probe and probe's rooms.
// It must never import its rooms above (steps/checks, steps/switchover,
// steps/plan), the driver, the fleet, the ui, the commands or the lab.
package steps
