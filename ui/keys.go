package ui

import "charm.land/bubbles/v2/key"

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
}

// DefaultKeyMap is the dashboard's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Quit: key.NewBinding(
			key.WithKeys("q", "ctrl+c"),
			key.WithHelp("q", "quit"),
		),
		Help: key.NewBinding(
			key.WithKeys("?"),
			key.WithHelp("?", "more keys"),
		),
		EventsUp: key.NewBinding(
			key.WithKeys("up", "k"),
			key.WithHelp("↑/k", "newer events"),
		),
		EventsDn: key.NewBinding(
			key.WithKeys("down", "j"),
			key.WithHelp("↓/j", "older events"),
		),
		PageUp: key.NewBinding(
			key.WithKeys("pgup", "b"),
			key.WithHelp("pgup/b", "page up events"),
		),
		PageDn: key.NewBinding(
			key.WithKeys("pgdown", "f", "space"),
			key.WithHelp("pgdn/f", "page down events"),
		),
		EventsTop: key.NewBinding(
			key.WithKeys("home", "g"),
			key.WithHelp("g/home", "newest event"),
		),
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

// ChecklistKeyMap is the checklist's keys: run and abort steps, and answer
// the questions asked before one runs.
type ChecklistKeyMap struct {
	Run    key.Binding
	Abort  key.Binding
	Stop   key.Binding
	Quit   key.Binding
	Yes    key.Binding
	No     key.Binding
	Cancel key.Binding
	Submit key.Binding
	Escape key.Binding
	Toggle key.Binding
}

// DefaultChecklistKeyMap is the checklist's key map.
func DefaultChecklistKeyMap() ChecklistKeyMap {
	return ChecklistKeyMap{
		Run: key.NewBinding(
			key.WithKeys("enter"),
			key.WithHelp("enter", "run the next step"),
		),
		Abort: key.NewBinding(
			key.WithKeys("a"),
			key.WithHelp("a", "abort"),
		),
		Stop: key.NewBinding(
			key.WithKeys("esc"),
			key.WithHelp("esc", "stop the step"),
		),
		Quit: key.NewBinding(
			key.WithKeys("q"),
			key.WithHelp("q", "quit"),
		),
		Yes: key.NewBinding(
			key.WithKeys("y"),
			key.WithHelp("y", "yes"),
		),
		No: key.NewBinding(
			key.WithKeys("n"),
			key.WithHelp("n", "no, go on without it"),
		),
		Cancel: key.NewBinding(
			key.WithKeys("esc"),
			key.WithHelp("any other key", "cancel"),
		),
		Submit: key.NewBinding(
			key.WithKeys("enter"),
			key.WithHelp("enter", "confirm"),
		),
		Escape: key.NewBinding(
			key.WithKeys("esc"),
			key.WithHelp("esc", "cancel"),
		),
		Toggle: key.NewBinding(
			key.WithKeys("tab"),
			key.WithHelp("tab", "dashboard only"),
		),
	}
}
