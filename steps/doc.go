// Package steps is flyover's checklist: the migration as an ordered list
// of steps, the checks that decide where it stands (pure functions of the
// live topology), the guarded cutover, and the audit log every command
// goes through.
//
// The UI drives it like this: on every poll, Session.Observe(snapshot) and
// Plan(session.Facts(topo, snapshot), opts) to render the checklist; for
// the current step, show Step.Why, Step.Commands and each of
// Step.Confirmations; collect the answers; Runner.Start returns a Job
// whose Progress channel the UI reads from a tea.Cmd until it closes, then
// Job.Err says how it ended.
//
//	driver ──▶ steps ──▶ steps/auditlog, probe/access, probe/readiness,
//	                     probe/sampling, probe/canary, probe
//
// It may import its audit log (steps/auditlog), probe and probe's rooms.
// It must never import the driver, the fleet, the ui, the commands or the
// lab: it derives and acts, and whoever drives it is above it.
package steps
