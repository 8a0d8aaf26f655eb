package common

import (
	"image/color"
	"strings"
	"sync/atomic"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Theme is flyover's palette of semantic colours. Each is chosen for the
// terminal's background: the same meaning, legible on light and on dark.
type Theme struct {
	Muted  color.Color // labels, rules, secondary facts
	Accent color.Color // section titles, the application's own name
	OK     color.Color // in sync, reachable, agreement
	Warn   color.Color // needs attention: lag, disagreement, a down replica
	Bad    color.Color // broken: unreachable, aborts, quorum lost
	Rule   color.Color // separators
	// Badge text drawn on top of the OK/Warn/Bad colours.
	OnBadge color.Color
}

// DefaultTheme is the palette for a dark or a light background. Body text
// keeps the terminal's own foreground colour, the most legible one there is.
func DefaultTheme(isDark bool) Theme {
	ld := lipgloss.LightDark(isDark)
	return Theme{
		Muted:   ld(lipgloss.Color("#6C6C6C"), lipgloss.Color("#8A8A8A")),
		Accent:  ld(lipgloss.Color("#2456A6"), lipgloss.Color("#82AAFF")),
		OK:      ld(lipgloss.Color("#1D7A3A"), lipgloss.Color("#7FCF8F")),
		Warn:    ld(lipgloss.Color("#9A5B00"), lipgloss.Color("#E8C06A")),
		Bad:     ld(lipgloss.Color("#B3261E"), lipgloss.Color("#FF8A80")),
		Rule:    ld(lipgloss.Color("#C6C6C6"), lipgloss.Color("#444444")),
		OnBadge: ld(lipgloss.Color("#FFFFFF"), lipgloss.Color("#111318")),
	}
}

// Styles is every style the dashboard draws with, built once from a Theme.
// Meaning never rests on colour alone: states also carry a word or a
// symbol, and badges are reversed, so NO_COLOR screens read the same.
type Styles struct {
	IsDark bool

	Text   lipgloss.Style
	Muted  lipgloss.Style
	Strong lipgloss.Style
	Accent lipgloss.Style
	OK     lipgloss.Style
	Warn   lipgloss.Style
	Bad    lipgloss.Style
	Rule   lipgloss.Style

	AppName      lipgloss.Style // "flyover" in the header
	SectionTitle lipgloss.Style // NODES, REPLICATION, ...

	BadgeOK      lipgloss.Style // IN SYNC
	BadgeWarn    lipgloss.Style // SYNCING, CATCHING UP
	BadgeBad     lipgloss.Style // UNKNOWN
	BadgeNeutral lipgloss.Style // NOT ATTACHED, READ-ONLY

	PhaseDone    lipgloss.Style
	PhaseCurrent lipgloss.Style
	PhaseTodo    lipgloss.Style

	Spark    lipgloss.Style
	SparkLag lipgloss.Style

	Help help.Styles

	// tones holds each tone's escape sequences, rendered once: painting
	// a cell is then two concatenations instead of a lipgloss Render.
	tones [ToneBad + 1]Span
	// the same for the styles drawn on every frame
	Title, PhaseDoneSpan, PhaseCurrentSpan, PhaseTodoSpan Span
	SparkSpan, SparkLagSpan                               Span

	id uint64 // which DefaultStyles built these: ID
}

// styleIDs numbers the styles DefaultStyles builds.
var styleIDs atomic.Uint64

// ID tells one set of styles from another, for what keeps drawn text
// (the memos): the root model keeps its styles in one place and
// overwrites them when the terminal reports its background, so the
// pointer alone would not say they changed.
func (s *Styles) ID() uint64 { return s.id }

// Span is a style reduced to the escape sequences around its text. It is
// exact for single-line text, which is all a cell ever is.
type Span struct{ pre, post string }

func spanOf(s lipgloss.Style) Span {
	const mark = "\x01"
	out := s.Render(mark)
	i := strings.Index(out, mark)
	if i < 0 {
		return Span{}
	}
	return Span{pre: out[:i], post: out[i+len(mark):]}
}

func (p Span) Render(text string) string { return p.pre + text + p.post }

// DefaultStyles builds the dashboard's styles for a dark or light
// background.
func DefaultStyles(isDark bool) Styles {
	t := DefaultTheme(isDark)
	base := lipgloss.NewStyle()
	fg := func(c color.Color) lipgloss.Style { return base.Foreground(c) }
	badge := func(c color.Color) lipgloss.Style {
		// Reverse keeps the badge a badge when colours are stripped.
		return base.Foreground(c).Reverse(true).Bold(true)
	}
	s := Styles{
		IsDark:       isDark,
		Text:         base,
		Muted:        fg(t.Muted),
		Strong:       base.Bold(true),
		Accent:       fg(t.Accent),
		OK:           fg(t.OK),
		Warn:         fg(t.Warn),
		Bad:          fg(t.Bad).Bold(true),
		Rule:         fg(t.Rule),
		AppName:      fg(t.Accent).Bold(true),
		SectionTitle: fg(t.Accent).Bold(true),
		BadgeOK:      badge(t.OK),
		BadgeWarn:    badge(t.Warn),
		BadgeBad:     badge(t.Bad),
		BadgeNeutral: badge(t.Muted),
		PhaseDone:    fg(t.OK),
		PhaseCurrent: fg(t.Accent).Bold(true),
		PhaseTodo:    fg(t.Rule),
		Spark:        fg(t.Accent),
		SparkLag:     fg(t.Warn),
	}
	keyStyle := fg(t.Accent)
	descStyle := fg(t.Muted)
	sep := fg(t.Rule)
	for t := range s.tones {
		s.tones[t] = spanOf(s.of(Tone(t)))
	}
	s.Title, s.SparkSpan, s.SparkLagSpan = spanOf(s.SectionTitle), spanOf(s.Spark), spanOf(s.SparkLag)
	s.PhaseDoneSpan, s.PhaseCurrentSpan, s.PhaseTodoSpan = spanOf(s.PhaseDone), spanOf(s.PhaseCurrent), spanOf(s.PhaseTodo)
	s.Help = help.Styles{
		Ellipsis:       sep,
		ShortKey:       keyStyle,
		ShortDesc:      descStyle,
		ShortSeparator: sep,
		FullKey:        keyStyle,
		FullDesc:       descStyle,
		FullSeparator:  sep,
	}
	s.id = styleIDs.Add(1)
	return s
}

// Tone is a cell's meaning, turned into a style at render time.
type Tone uint8

const (
	ToneText Tone = iota
	ToneMuted
	ToneStrong
	ToneAccent
	ToneOK
	ToneWarn
	ToneBad
)

// of is a tone's text style.
func (s *Styles) of(t Tone) lipgloss.Style {
	text, _ := s.ByTone(t)
	return *text
}

// ByTone is the one lookup from a tone to its text and badge styles: a
// tone with no badge of its own takes the neutral one.
func (s *Styles) ByTone(t Tone) (text, badge *lipgloss.Style) {
	byTone := [...]struct{ text, badge *lipgloss.Style }{
		ToneText: {&s.Text, &s.BadgeNeutral}, ToneMuted: {&s.Muted, &s.BadgeNeutral},
		ToneStrong: {&s.Strong, &s.BadgeNeutral}, ToneAccent: {&s.Accent, &s.BadgeNeutral},
		ToneOK: {&s.OK, &s.BadgeOK}, ToneWarn: {&s.Warn, &s.BadgeWarn}, ToneBad: {&s.Bad, &s.BadgeBad},
	}
	if int(t) >= len(byTone) {
		t = ToneText
	}
	return byTone[t].text, byTone[t].badge
}

// Paint renders text in a tone. Plain text is returned as is: most cells
// are, and lipgloss rendering is the dominant cost of a frame.
func (s *Styles) Paint(t Tone, text string) string {
	if t == ToneText || text == "" {
		return text
	}
	if int(t) < len(s.tones) && s.tones[t].pre != "" {
		return s.tones[t].Render(text)
	}
	return s.of(t).Render(text)
}
