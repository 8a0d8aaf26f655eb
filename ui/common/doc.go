// Package common is the base every room of ui stands on: the styles and
// tones (light and dark), the keymaps, the formatting of figures, the
// table, the sparkline ring, the layout of sections, the keyboard's
// modes, the polls as tea.Cmds, and Config and Guide, what a screen is
// opened with.
//
//	ui, ui/checklist, ui/confirm, ui/dashboard, ui/status
//	        │
//	        ▼
//	    ui/common ──▶ driver, steps, probe
//
// Common, embedded by the checklist and the questions (as soft-serve's
// components embed common.Common), carries the configuration and the
// styles.
//
// It may import driver, steps and probe. It must never import another ui
// package: everything in ui imports it.
package common
