package common

import "flyover/steps"

// Mode is what the keyboard drives right now. In ModeNormal the side panel
// sees each key first and the dashboard gets the rest. In ModeConfirm and
// ModePrompt (the checklist's y/N before a step, and the master name typed
// before the point of no return) every key goes to the panel, which draws
// the question; only Ctrl-C keeps its meaning. The panel switches modes by
// returning a command that yields a ModeMsg.
type Mode int

const (
	ModeNormal  Mode = iota // keys drive the dashboard and the side panel
	ModeConfirm             // a yes/no question owns the keyboard
	ModePrompt              // a typed answer owns the keyboard
)

// ModeMsg switches the root model's mode.
type ModeMsg struct{ Mode Mode }

// ObservedMsg is one poll result, digested: the snapshot with what the
// session knows of it, and whether every endpoint has answered once. The
// root model hands the same value to the dashboard and to the side panel,
// so neither reads the other.
type ObservedMsg struct {
	Facts        steps.Facts
	Ready        bool
	SourcePolled bool
}
