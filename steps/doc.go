// Package steps is the checklist's vocabulary and its machinery: the types
// (Step, Options, Confirmation, Checklist, Check), the facts a plan is
// derived from (Facts, Session, the stage the migration is at), the checks
// the steps share (preflight, access, versions, readiness, the replicas,
// HA, the full-sync guard), the cutover's options, plan and result, and
// the Runner: the one audited path every command goes through. The
// guarded switch itself is steps/switchover; the steps and the planner
// are steps/plan, which registers its steps here (Register), so the
// runner finds a step by its id (Lookup) without importing it.
//
// The UI drives it like this: on every poll, Session.Observe(snapshot) and
// plan.Plan(session.Facts(topo, snapshot), opts) to render the checklist;
// for the current step, show Step.Why, Step.Commands and each of
// Step.Confirmations; collect the answers; Runner.Start returns a Job
// whose Progress channel the UI reads from a tea.Cmd until it closes, then
// Job.Err says how it ended.
//
// A step's action sends through the Runner's exported surface: Send,
// SendMust (never skipped: the commands that undo a pause), SendTx (one
// MULTI/EXEC), SendWithin (its own timeout), WaitUntil (poll until a
// condition, bounded), Recheck (the precondition again on fresh facts)
// and Options (the runner's options, defaults filled in).
//
//	driver ──▶ steps/plan ──▶ steps/switchover ──▶ steps ──▶ steps/auditlog,
//	           probe/access, probe/readiness, probe/sampling, probe/canary, probe
//
// It may import its audit log (steps/auditlog), probe and probe's rooms.
// It must never import steps/plan, steps/switchover, the driver, the fleet, the ui, the
// commands or the lab: it derives and acts, and whoever drives it is
// above it.
package steps
