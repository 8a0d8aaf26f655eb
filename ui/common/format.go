package common

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
)

// Signed formats a difference with its sign: +3, -1,204, =.
func Signed(n int64) string {
	switch {
	case n == 0:
		return "="
	case n > 0:
		return "+" + probe.Thousands(n)
	}
	return probe.Thousands(n)
}

// Rate formats a bytes-per-second figure.
func Rate(bps float64) string {
	if bps <= 0 {
		return "0 B/s"
	}
	return probe.Bytes(int64(bps+0.5)) + "/s"
}

// Duration formats a span for people: 0.4 s, 12 s, 3 m 05 s, 2 h 07 m.
func Duration(d time.Duration) string {
	switch {
	case d < 0:
		return Unknown
	case d < 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d m %02d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %02d m", int(d.Hours()), int(d.Minutes())%60)
}

// Took is how long something the operator started took: milliseconds
// under a second (a step that only read is done in 40 ms, not "0.0 s").
func Took(d time.Duration) string {
	if d >= 0 && d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return Duration(d)
}

// RTT formats a round-trip time compactly.
func RTT(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

// Width is the cells s takes on screen. Most of what the dashboard draws
// is plain ASCII, measured by its length; the rest goes to ansi.
func Width(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c < 0x20 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// Fit truncates s (which may carry ANSI styles) to w cells and pads it with
// spaces to exactly w.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := Width(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// FitRight is fit with the text aligned to the right edge.
func FitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := Width(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-sw) + s
}

// Clip shortens plain text to w cells with an ellipsis.
func Clip(s string, w int) string {
	if Width(s) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// ClipWords is Clip at a word's end: the words that fit whole, then
// " …", so that an address or a figure is shown whole or not at all.
// Text whose first word does not fit is cut where it must be.
func ClipWords(s string, w int) string {
	if Width(s) <= w {
		return s
	}
	plain := ansi.Strip(ansi.Truncate(s, w-1, ""))
	// Back to the last space the cut kept: words before it are whole.
	if i := strings.LastIndexByte(plain, ' '); i > 0 {
		if kept := Width(strings.TrimRight(plain[:i], " ,;:·")); kept > 0 {
			return ansi.Truncate(s, kept, "") + " …"
		}
	}
	return ansi.Truncate(s, w, "…")
}

// Unknown stands for a figure flyover does not know.
const Unknown = "—"

// LagText is the lag in bytes and seconds, "—" for what is not known.
func LagText(l probe.Link) string {
	if !l.LagKnown {
		return Unknown
	}
	secs, ok := LagSecondsOf(l)
	if !ok {
		secs = -1
	}
	return probe.Bytes(l.LagBytes) + " · " + lagSeconds(secs)
}

// LagSecondsOf is the lag in seconds when it is a figure. A target bytes
// behind is never 0 seconds behind: when its history cannot tell (a first
// reading, as in a one-shot status), Derive falls back to the source's
// whole-second ACK age, and a 0 there means unknown.
func LagSecondsOf(l probe.Link) (float64, bool) {
	if !l.LagKnown || l.LagSeconds < 0 || (l.LagBytes > 0 && l.LagSeconds == 0) {
		return 0, false
	}
	return l.LagSeconds, true
}

// LagFrom says whose word a lag is when it is not both sides': the
// source's view, with how long the target has been silent (or, when
// flyover never saw it answer, how long ago it last acknowledged).
func LagFrom(l probe.Link) string {
	if !l.LagKnown || !l.SourceView {
		return ""
	}
	switch {
	case l.TargetSilent > 0:
		return "source's view, target silent " + Duration(l.TargetSilent)
	case l.AckAge >= 0:
		return "source's view, target silent, last ACK " + Duration(l.AckAge) + " ago"
	}
	return "source's view, target silent"
}

// ShortLagFrom is lagFrom for a narrow column.
func ShortLagFrom(l probe.Link) string {
	if l.TargetSilent > 0 {
		return "source's view · silent " + Duration(l.TargetSilent)
	}
	return "source's view"
}

func Plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// lagSeconds is the lag in seconds, "—" when unknown.
func lagSeconds(s float64) string {
	if s < 0 {
		return Unknown
	}
	return fmt.Sprintf("%.1f s", s)
}

// FirstFit is the first of the wordings, longest first, that fits in w
// cells whole: where the value is the point (an address, a duration, a
// verdict), a shorter label is said instead of cutting the value. The
// last wording, which should be the value alone, is clipped only when
// nothing fits at all.
func FirstFit(w int, wordings ...string) string {
	for _, s := range wordings {
		if Width(s) <= w {
			return s
		}
	}
	if len(wordings) == 0 {
		return ""
	}
	return Clip(wordings[len(wordings)-1], w)
}

// WrapWords wraps plain text to lines of at most w cells at its spaces
// only, as a command or a flag is read: a word with dashes
// (client-output-buffer-limit, --new-replica, failover-timeout) stays on
// one line; a word wider than w is broken where it must be. A newline
// in s starts a new line.
func WrapWords(s string, w int) []string {
	if strings.Contains(s, "\n") {
		var out []string
		for _, p := range strings.Split(s, "\n") {
			out = append(out, WrapWords(p, w)...)
		}
		return out
	}
	w = max(1, w)
	var out []string
	line := ""
	for i, word := range strings.Split(s, " ") {
		switch {
		case i == 0:
		case Width(line)+1+Width(word) <= w:
			line += " " + word
			continue
		default:
			out = append(out, line)
		}
		for Width(word) > w {
			cut := ansi.Truncate(word, w, "")
			out = append(out, cut)
			word = word[len(cut):]
		}
		line = word
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}
