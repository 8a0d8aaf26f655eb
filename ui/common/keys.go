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

// shortKeys are the one-line footer's keys, with how long each stays on
// a short line: quit and ? (which shows every key) outlast the events'
// scrolling.
func (k KeyMap) shortKeys() []struct {
	key.Binding
	keep int
} {
	return []struct {
		key.Binding
		keep int
	}{{k.EventsUp, 20}, {k.EventsDn, 10}, {k.Help, 80}, {k.Quit, 90}}
}

// ShortHelp is the one-line footer's keys.
func (k KeyMap) ShortHelp() []key.Binding {
	var out []key.Binding
	for _, b := range k.shortKeys() {
		out = append(out, b.Binding)
	}
	return out
}

// ShortHints are the one-line footer's keys as it lays them out
// (FitKeys), those set.
func (k KeyMap) ShortHints() []KeyHint {
	var out []KeyHint
	for _, b := range k.shortKeys() {
		if h, ok := Hint(b.Binding, b.keep); ok {
			out = append(out, h)
		}
	}
	return out
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

// KeyHint is one key in a footer: the key as shown, what it does, and
// how long it stays when the line is short (higher stays longer).
type KeyHint struct {
	Key, Desc string
	Keep      int
}

// Text is the hint as the footer shows it: "q quit".
func (h KeyHint) Text() string { return h.Key + " " + h.Desc }

// Hint is b as a footer's hint that stays keep long; false when b is
// off (a key map's unset binding).
func Hint(b key.Binding, keep int) (KeyHint, bool) {
	if !b.Enabled() {
		return KeyHint{}, false
	}
	return KeyHint{Key: b.Help().Key, Desc: b.Help().Desc, Keep: keep}, true
}

// FitKeys are the hints that fit on a line of w columns with sepW columns
// between two, in their order: a key is shown with its description whole
// or left off whole, the lowest Keep first (the later of two equals).
// Never a word cut in the middle (bubbles' help adds a key that overflows
// when its ellipsis would not fit, and the line was then cut).
func FitKeys(hints []KeyHint, sepW, w int) []KeyHint {
	widths, keep := make([]int, len(hints)), make([]int, len(hints))
	for i, h := range hints {
		widths[i], keep[i] = Width(h.Text()), h.Keep
	}
	var out []KeyHint
	for _, i := range FitWhole(widths, keep, sepW, w) {
		out = append(out, hints[i])
	}
	return out
}

// FitWhole are the indexes of the pieces (widths wide) that fit in w
// columns with sepW between two, in order: each whole or left off whole,
// the lowest keep first (the later of two equals).
func FitWhole(widths, keep []int, sepW, w int) []int {
	out := make([]int, len(widths))
	for i := range out {
		out[i] = i
	}
	for len(out) > 0 {
		total := sepW * (len(out) - 1)
		for _, i := range out {
			total += widths[i]
		}
		if total <= w {
			return out
		}
		drop := len(out) - 1
		for k := len(out) - 1; k >= 0; k-- {
			if keep[out[k]] < keep[out[drop]] {
				drop = k
			}
		}
		out = append(out[:drop], out[drop+1:]...)
	}
	return out
}
