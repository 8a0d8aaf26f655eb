// Package switchover is the guarded switch: the cutover's engine
// (cutover.go, failover.go; on a source without CLIENT PAUSE WRITE,
// cutover_pause_all.go), what a network partition does to it
// (partition.go), the Sentinels' reset and repair after it (reset.go,
// switch.go), and REPLICAOF and its refusals in plain words
// (replicaof_refusal.go). Its options, phases, plan and result are
// steps' vocabulary (steps/cutover_plan.go); it sends through the
// Runner's exported surface (Send, SendMust, SendTx, WaitUntil …), and
// what were the Runner's methods here are functions taking it
// (Cutover(ctx, r, plan, progress), ResetSentinels, RepairSentinel,
// SendReplicaOf, AttachStuck, StopTheLoop: the full sync's stop that
// holds against Sentinel).
//
//	steps/plan ──▶ steps/switchover ──▶ steps/checks, steps ──▶ probe's rooms, probe
//
// It may import steps, steps/checks, steps/auditlog, probe and probe's
// rooms. It must never import steps/plan, the driver, the fleet, the ui, the commands or
// the lab.
package switchover
