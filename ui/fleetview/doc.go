// Package fleetview is the fleet screen: every master a Sentinel set
// monitors, one row each, polled at a slower pace, and, for the master
// the operator enters, the same single-master screen flyover shows alone
// (a ui.Model), whose steps wait their turn in the fleet (a driver.Gate
// over fleet.Turns).
//
//	commands ──▶ ui/fleetview ──▶ ui ──▶ ui/common, driver, fleet, steps, probe
//
// It may import ui, ui/common, driver, fleet, steps and probe. Nothing
// but the commands imports it.
package fleetview
