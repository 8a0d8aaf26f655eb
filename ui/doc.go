// Package ui is flyover's terminal program: the root model that wires the
// rooms below it into one screen (the dashboard with the checklist beside
// it), and the fleet screen that opens that same screen for one master.
//
//	commands ──▶ ui (root: Model, Run; the fleet screen: FleetModel, RunFleet)
//	              │
//	              ├──▶ ui/checklist ──▶ ui/confirm ──┐
//	              ├──▶ ui/dashboard ─────────────────┤
//	              │                                  ▼
//	              └───────────────────────────▶ ui/common ──▶ driver ──▶ steps ──▶ probe
//	commands ──▶ ui/status ──▶ ui/common
//
// The root owns the keyboard's mode, the layout and the polls' fan-out:
// it hands each digested poll (common.ObservedMsg) to the dashboard and
// to the checklist, so neither reads the other.
//
// It may import its rooms, driver, steps, probe and fleet. It must never
// be imported by a room, the driver, steps or probe: only the commands
// (and main) use it.
package ui
