package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"flyover/ui/common"
)

// keyLine is the footer's one line of keys at the screen's width: each
// key whole with what it does, or left off whole (common.FitKeys).
func (m *Model) keyLine(hk helpKeys) string {
	hs := m.styles.Help
	sep := hs.ShortSeparator.Inline(true).Render(m.help.ShortSeparator)
	shown := common.FitKeys(hk.hints(), ansi.StringWidth(sep), m.width)
	parts := make([]string, len(shown))
	for i, h := range shown {
		parts[i] = hs.ShortKey.Inline(true).Render(h.Key) + " " + hs.ShortDesc.Inline(true).Render(h.Desc)
	}
	return strings.Join(parts, sep)
}

// hints are the footer's keys, the panel's first. On a short line the
// panel's first key (what enter or y does now) stays longest, then quit
// and ? (which shows every key, these included), then the panel's other
// keys; the events' scrolling goes first.
func (h helpKeys) hints() []common.KeyHint {
	var out []common.KeyHint
	for i, b := range h.panel {
		keep := 70 - i
		if i == 0 {
			keep = 100
		}
		if hint, ok := common.Hint(b, keep); ok {
			out = append(out, hint)
		}
	}
	return append(out, h.keys.ShortHints()...)
}
