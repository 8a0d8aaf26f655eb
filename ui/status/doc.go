// Package status is `flyover status` without a terminal: one snapshot as
// a table or as JSON (StatusDoc, the schema in the README).
//
//	commands ──▶ ui/status ──▶ ui/common, probe
//
// It may import ui/common and probe. It must never import another ui
// package, the driver or steps.
package status
