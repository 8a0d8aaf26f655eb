package common

import (
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
)

// Common is what the checklist and its parts (the questions) share, the
// way soft-serve's components embed common.Common: the configuration
// (secrets to redact, read-only) and the styles, which change with the
// terminal's background.
type Common struct {
	Cfg    *Config
	Styles *Styles

	wraps map[wrapKey][]string // WrapText's paragraphs as last wrapped
}

// WrapText wraps plain text to w cells, painted in a tone, each line
// indented by indent spaces. A paragraph is wrapped once and kept (the
// secrets to redact are given once, at the start): the panels show the
// same ones frame after frame.
func (c *Common) WrapText(text string, w, indent int, t Tone) []string {
	if text == "" {
		return nil
	}
	k := wrapKey{st: c.Styles.ID(), text: text, w: w, indent: indent, tone: t}
	if lines, ok := c.wraps[k]; ok {
		return slices.Clone(lines)
	}
	if c.wraps == nil || len(c.wraps) >= maxWraps {
		c.wraps = map[wrapKey][]string{}
	}
	lines := c.wrapText(text, w, indent, t)
	c.wraps[k] = lines
	return slices.Clone(lines)
}

func (c *Common) wrapText(text string, w, indent int, t Tone) []string {
	text = probe.Redact(text, c.Cfg.Secrets...)
	pad := strings.Repeat(" ", indent)
	var out []string
	for _, l := range WrapWords(text, max(8, w-indent)) {
		out = append(out, pad+c.Styles.Paint(t, strings.TrimRight(l, " ")))
	}
	return out
}

// TitleRight is a section title with a fact on the right, cut only
// after a whole word: a figure is read whole or not at all.
func (c *Common) TitleRight(left string, right Cell, w int) string {
	lw := ansi.StringWidth(left)
	r := ClipWords(right.Text, max(0, w-lw-2))
	if r == "" {
		return left
	}
	return left + strings.Repeat(" ", max(1, w-lw-ansi.StringWidth(r))) + c.Styles.Paint(right.Tone, r)
}

// MarkedText is text after a mark (an icon, an indent) indent cells
// wide, wrapped under itself rather than cut: a title, a command or a
// figure is read whole.
func (c *Common) MarkedText(mark string, indent int, text string, t Tone, w int) []string {
	lines := c.WrapText(text, w, indent, t)
	if len(lines) > 0 {
		lines[0] = mark + strings.TrimPrefix(lines[0], strings.Repeat(" ", indent))
	}
	return lines
}
