// Package ui is the root model of flyover's screen: it wires the rooms
// below it into one screen, the dashboard with the checklist beside it,
// and runs it (Run).
//
//	commands ──▶ ui/fleetview ──▶ ui (root: Model, New, Run)
//	                               │
//	                               ├──▶ ui/checklist ──▶ ui/confirm ──┐
//	                               ├──▶ ui/dashboard ─────────────────┤
//	                               │                                  ▼
//	                               └───────────────────────────▶ ui/common ──▶ driver ──▶ steps ──▶ probe
//	commands ──▶ ui/status ──▶ ui/common
//
// The root owns the keyboard's mode, the layout and the polls' fan-out:
// it hands each digested poll (common.ObservedMsg) to the dashboard and
// to the checklist, so neither reads the other.
//
// It may import its rooms, driver, steps and probe. It must never be
// imported by a room below it, the driver, steps or probe: the fleet
// screen and the commands use it.
package ui
