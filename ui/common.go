package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
)

// common is what the checklist and its parts (the questions) share, the
// way soft-serve's components embed common.Common: the configuration
// (secrets to redact, read-only) and the styles, which change with the
// terminal's background.
type common struct {
	cfg    *Config
	styles *Styles
}

// wrapText wraps plain text to w cells, painted in a tone, each line
// indented by indent spaces.
func (c *common) wrapText(text string, w, indent int, t tone) []string {
	if text == "" {
		return nil
	}
	text = probe.Redact(text, c.cfg.Secrets...)
	pad := strings.Repeat(" ", indent)
	var out []string
	for _, l := range strings.Split(ansi.Wrap(text, max(8, w-indent), ""), "\n") {
		out = append(out, pad+c.styles.paint(t, strings.TrimRight(l, " ")))
	}
	return out
}

// titleRight is a section title with a fact on the right.
func (c *common) titleRight(left string, right cell, w int) string {
	lw := ansi.StringWidth(left)
	r := clip(right.text, max(0, w-lw-2))
	if r == "" {
		return left
	}
	return left + strings.Repeat(" ", max(1, w-lw-ansi.StringWidth(r))) + c.styles.paint(right.tone, r)
}
