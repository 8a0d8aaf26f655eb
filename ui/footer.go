package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
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

// fullHelp is the expanded help (?) at the screen's width: each column of
// keys whole or left off whole (bubbles' help adds a column that
// overflows when its ellipsis would not fit), the panel's keys and ? and
// quit the last to go.
func (m *Model) fullHelp(hk helpKeys) string {
	groups := hk.FullHelp()
	h := m.help
	h.SetWidth(0) // every column whole: FitWhole leaves them off
	var cols []string
	var widths, keep []int
	for i, g := range groups {
		c := h.FullHelpView([][]key.Binding{g})
		if c == "" {
			continue
		}
		k := 50 - i
		switch {
		case i == len(groups)-1:
			k = 90 // ? and q: KeyMap.FullHelp's last
		case i == 0 && len(hk.panel) > 0:
			k = 100
		}
		cols, widths, keep = append(cols, c), append(widths, lipgloss.Width(c)), append(keep, k)
	}
	sep := m.styles.Help.FullSeparator.Inline(true).Render(m.help.FullSeparator)
	var parts []string
	for n, i := range common.FitWhole(widths, keep, lipgloss.Width(sep), m.width) {
		if n > 0 {
			parts = append(parts, sep)
		}
		parts = append(parts, cols[i])
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, parts...)
}
