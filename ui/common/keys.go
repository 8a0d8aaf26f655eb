package common

import "charm.land/bubbles/v2/key"

// Bind is a binding: the keys it answers to, and its help (the key as
// the footer shows it, and what it does).
func Bind(helpKey, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
}

// KeyMap is every key the dashboard answers to. The checklist adds its own
// bindings beside these; help is built from both.
type KeyMap struct {
	Quit      key.Binding
	Help      key.Binding
	EventsUp  key.Binding
	EventsDn  key.Binding
	EventsTop key.Binding
	PageUp    key.Binding
	PageDn    key.Binding
	// Interrupt quits in every mode, a question open or not.
	Interrupt key.Binding
}

// DefaultKeyMap is the dashboard's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Quit:      Bind("q", "quit", "q", "ctrl+c"),
		Help:      Bind("?", "more keys", "?"),
		EventsUp:  Bind("↑/k", "newer events", "up", "k"),
		EventsDn:  Bind("↓/j", "older events", "down", "j"),
		PageUp:    Bind("pgup/b", "page up events", "pgup", "b"),
		PageDn:    Bind("pgdn/f", "page down events", "pgdown", "f", "space"),
		EventsTop: Bind("g/home", "newest event", "home", "g"),
		Interrupt: Bind("ctrl+c", "quit", "ctrl+c"),
	}
}

// ShortHelp is the one-line footer.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.EventsUp, k.EventsDn, k.Help, k.Quit}
}

// FullHelp is the expanded footer `?` opens, one column per group.
func (k KeyMap) FullHelp() [][]key.Binding {
	help := k.Help
	help.SetHelp("?", "fewer keys")
	return [][]key.Binding{
		{k.EventsUp, k.EventsDn, k.EventsTop},
		{k.PageUp, k.PageDn},
		{help, k.Quit},
	}
}

// ChecklistKeyMap is the checklist's keys: run and abort steps, stop one,
// show the dashboard alone.
type ChecklistKeyMap struct {
	Run    key.Binding
	Abort  key.Binding
	Stop   key.Binding
	Quit   key.Binding
	Toggle key.Binding
}

// DefaultChecklistKeyMap is the checklist's key map.
func DefaultChecklistKeyMap() ChecklistKeyMap {
	return ChecklistKeyMap{
		Run:    Bind("enter", "run the next step", "enter"),
		Abort:  Bind("a", "abort", "a"),
		Stop:   Bind("esc", "stop the step", "esc"),
		Quit:   Bind("q", "quit", "q"),
		Toggle: Bind("tab", "dashboard only", "tab"),
	}
}

// ConfirmKeyMap is the keys that answer a question (Confirm). Only Yes,
// an optional No and a matching Submit act; Cancel stands for every
// other key.
type ConfirmKeyMap struct {
	Yes    key.Binding
	No     key.Binding
	Cancel key.Binding
	Submit key.Binding
	Escape key.Binding
	Erase  key.Binding
	Clear  key.Binding
}

// DefaultConfirmKeyMap is the questions' key map.
func DefaultConfirmKeyMap() ConfirmKeyMap {
	return ConfirmKeyMap{
		Yes:    Bind("y", "yes", "y"),
		No:     Bind("n", "no, go on without it", "n"),
		Cancel: Bind("any other key", "cancel", "esc"),
		Submit: Bind("enter", "confirm", "enter"),
		Escape: Bind("esc", "cancel", "esc"),
		Erase:  Bind("backspace", "erase a letter", "backspace"),
		Clear:  Bind("ctrl+u", "erase all", "ctrl+u"),
	}
}
