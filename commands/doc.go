// Package commands is flyover's subcommands, one file each: the dashboard
// with the guided checklist (dashboard.go), status, preflight and verify
// (status.go, readiness.go), the lab and the demo (lab.go, demo.go), the
// fleet and its metrics (fleet.go, metrics.go); what they all share is
// command.go (connecting, failing, exit codes), flags.go (the connection
// and screen flags) and guide.go (the audit log, the session, the runner
// and the driver's runner wired for the checklist). Run is the one door.
//
//	main ──▶ commands ──▶ ui/fleetview, ui, ui/common, ui/status ──▶ driver ──▶ steps ──▶ probe
//	                  └──▶ fleet, lab, lab/bench
//
// It may import every package of flyover but main. Nothing imports it
// but main: it wires flags to the packages below and holds no logic of
// theirs.
package commands
