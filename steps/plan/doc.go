// Package plan is the migration's steps and the planner: one file per
// step (step_preflight.go … step_report.go, step_abort.go), what each
// checks, sends, asks and waits for; Plan, which derives the checklist
// from the facts (pure, on every poll); and the report (a migration's,
// step_report.go, and a fleet's, report_fleet.go).
//
// It gives its steps to steps when it loads (steps.Register), so the
// runner and the faces find a step by its id (steps.Lookup) without
// importing it; whoever runs steps imports it (the driver does).
//
//	driver ──▶ steps/plan ──▶ steps/switchover, steps/checks, steps ──▶ probe's rooms, probe
//
// It may import steps, steps/checks, steps/switchover, steps/auditlog, probe and probe's rooms. It must
// never import the driver, the fleet, the ui, the commands or the lab.
package plan
