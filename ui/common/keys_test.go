package common_test

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"

	"flyover/ui/common"
	"flyover/ui/uitest"
)

// Each key reaches the binding it is documented for, as Bubble Tea spells
// the key press.
func TestKeyMapMatchesKeyPresses(t *testing.T) {
	k := common.DefaultKeyMap()
	for _, c := range []struct {
		key  string
		want key.Binding
		name string
	}{
		{"q", k.Quit, "quit"}, {"ctrl+c", k.Quit, "quit"},
		{"?", k.Help, "help"},
		{"up", k.EventsUp, "events up"}, {"k", k.EventsUp, "events up"},
		{"down", k.EventsDn, "events down"}, {"j", k.EventsDn, "events down"},
		{"pgup", k.PageUp, "page up"}, {"pgdown", k.PageDn, "page down"}, {"space", k.PageDn, "page down"},
		{"home", k.EventsTop, "top"}, {"g", k.EventsTop, "top"},
	} {
		if !key.Matches(uitest.Press(c.key), c.want) {
			t.Errorf("%s (%q) does not trigger %s", c.key, uitest.Press(c.key).String(), c.name)
		}
	}
}

// No key is bound twice: one press, one meaning.
func TestKeyMapHasNoDuplicates(t *testing.T) {
	k := common.DefaultKeyMap()
	seen := map[string]string{}
	for _, group := range k.FullHelp() {
		for _, b := range group {
			for _, s := range b.Keys() {
				if other, ok := seen[s]; ok && other != b.Help().Desc {
					t.Errorf("%q is bound to %q and %q", s, other, b.Help().Desc)
				}
				seen[s] = b.Help().Desc
			}
		}
	}
}

// The short help names quit and help; the full help lists every binding.
func TestKeyMapHelp(t *testing.T) {
	k := common.DefaultKeyMap()
	short := map[string]bool{}
	for _, b := range k.ShortHelp() {
		short[b.Help().Key] = true
	}
	if !short["q"] || !short["?"] {
		t.Errorf("short help lacks q or ?: %v", short)
	}
	n := 0
	for _, g := range k.FullHelp() {
		n += len(g)
	}
	if n != 7 {
		t.Errorf("full help lists %d bindings, want all 7", n)
	}
	for _, g := range k.FullHelp() {
		for _, b := range g {
			if b.Help().Key == "" || b.Help().Desc == "" {
				t.Errorf("binding %v has no help text", b.Keys())
			}
		}
	}
}

// A short line leaves keys off whole, the lowest Keep first (the later of
// two equals), and keeps the order of those shown.
func TestFitKeysLeavesKeysOffWhole(t *testing.T) {
	hints := []common.KeyHint{{Key: "enter", Desc: "run", Keep: 100}, {Key: "a", Desc: "abort", Keep: 70},
		{Key: "↑/k", Desc: "newer", Keep: 20}, {Key: "↓/j", Desc: "older", Keep: 20}, {Key: "q", Desc: "quit", Keep: 90}}
	text := func(hs []common.KeyHint) string {
		var parts []string
		for _, h := range hs {
			parts = append(parts, h.Text())
		}
		return strings.Join(parts, " | ")
	}
	for _, c := range []struct {
		w    int
		want string
	}{
		{100, "enter run | a abort | ↑/k newer | ↓/j older | q quit"},
		{common.Width("enter run | a abort | ↑/k newer | ↓/j older | q quit") - 1, "enter run | a abort | ↑/k newer | q quit"},
		{30, "enter run | a abort | q quit"},
		{20, "enter run | q quit"},
		{9, "enter run"},
		{3, ""},
	} {
		if got := text(common.FitKeys(hints, 3, c.w)); got != c.want {
			t.Errorf("at %d columns: %q, want %q", c.w, got, c.want)
		}
	}
}
