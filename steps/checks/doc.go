// Package checks is the checks the steps share, pure functions of the
// facts: preflight (preflight.go), access (ACL, replication auth:
// access.go), what each version allows, said and shown (versions.go),
// Dragonfly's late acknowledgements (dragonfly_ack.go), the full sync's
// prediction (fullsync.go: the buffer limit, repl-timeout), readiness
// (readiness.go), the other Redis replicas (replicas.go), the sampled
// comparison before the cutover and after it (sample.go) and the canary's
// read-back (readback.go). What read their facts through the Runner are
// functions taking it (ReadReadiness(ctx, r, step), GatherReplicas(ctx,
// r, f), RunSample, ReadBack); what they find is kept in the session
// (steps' SampleRun and ReadBack).
//
//	steps/plan, steps/switchover ──▶ steps/checks ──▶ steps ──▶ probe's rooms, probe
//
// It may import steps, steps/auditlog, probe and probe's rooms. It must
// never import steps/switchover, steps/plan, the driver, the fleet, the
// ui, the commands or the lab.
package checks
