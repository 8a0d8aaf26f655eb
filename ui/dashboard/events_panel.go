// The EVENTS panel: the timeline, newest first.

package dashboard

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"flyover/ui/common"
)

// ---- events ----

// eventsBlock is the timeline, newest first, h lines tall. An event's
// message (an address, a verdict) is the point of it: it wraps under its
// column rather than being cut, on three lines at most (a longer one ends
// after its last whole word, "…"); an event that does not fit whole
// waits below, counted as older.
func (d *Dashboard) eventsBlock(w, h int) []string {
	st := d.styles
	rows := h - 1
	d.eventRows = rows
	n := d.Events.Len()
	d.Scroll = min(d.Scroll, max(0, n-1))
	var at, who, kind, text common.Column
	under := false // the messages go under their events
	// Who reported each candidate, joined once.
	whoText := make([]string, 0, rows)
	for i := d.Scroll; i < min(n, d.Scroll+rows); i++ {
		whoText = append(whoText, strings.Join(d.Events.Newest(i).Who, " "))
	}
	// place lays out the events from d.Scroll up to to, as many as fit
	// whole: the columns take the widths of those events, so the
	// message column's width is known before its messages are wrapped.
	place := func(to int) (shown int) {
		cells := func() []common.Cell { return make([]common.Cell, 0, rows) }
		at, who, kind, text = common.Column{Cells: cells()}, common.Column{Max: 12, Cells: cells()}, common.Column{Max: 18, Cells: cells()}, common.Column{Cells: cells()}
		if w >= mediumWidth {
			kind.Max = 30 // +failover-state-wait-promotion
		}
		for i := d.Scroll; i < to; i++ {
			who.Min = max(who.Min, min(who.Max, common.Width(whoText[i-d.Scroll])))
			kind.Min = max(kind.Min, min(kind.Max, common.Width(d.Events.Newest(i).Kind)))
		}
		textW := w - len("15:04:05") - who.Min - kind.Min - 3*2
		// Too narrow a column for a message (a panel beside the
		// checklist on a small screen): it goes on its own lines under
		// its event, the panel's whole width.
		under = textW < minEventText
		if under {
			textW = w - 2
		}
		used := 0
		for i := d.Scroll; i < to; i++ {
			e := d.Events.Newest(i)
			whos := d.eventWrap(whoText[i-d.Scroll], who.Min, "")
			kinds, texts := d.eventWrap(e.Kind, kind.Min, "-"), d.eventWrap(e.Text, textW, "")
			if len(texts) > eventLines {
				texts = append(texts[:eventLines-1:eventLines-1], common.ClipWords(texts[eventLines-1]+" "+texts[eventLines], textW))
			}
			lines := min(eventLines, max(len(whos), len(kinds), len(texts)))
			if under {
				lines = min(eventLines, max(len(whos), len(kinds))) + len(texts)
			}
			if used+lines > rows {
				if shown > 0 {
					break
				}
				lines = rows // the newest, in the room there is
			}
			head := lines
			if under {
				head = lines - len(texts)
			}
			for l := range lines {
				c := func(parts []string, tone common.Tone) common.Cell {
					if l < len(parts) {
						return common.Cell{Text: parts[l], Tone: tone}
					}
					return common.Cell{}
				}
				if l >= head {
					// A message line under its event, across the panel.
					at.Cells = append(at.Cells, common.Cell{Text: "  " + texts[l-head], Span: true})
					who.Cells, kind.Cells = append(who.Cells, common.Cell{}), append(kind.Cells, common.Cell{})
					continue
				}
				stamp := common.Cell{}
				if l == 0 {
					stamp = common.Cell{Text: e.At.Format("15:04:05"), Tone: common.ToneMuted}
				}
				at.Cells = append(at.Cells, stamp)
				who.Cells = append(who.Cells, c(whos, common.ToneMuted))
				kind.Cells = append(kind.Cells, c(kinds, e.Tone))
				if !under {
					text.Cells = append(text.Cells, c(texts, common.ToneText))
				}
			}
			used += lines
			shown++
		}
		return shown
	}
	shown := 0
	if last := min(n, d.Scroll+rows); last > d.Scroll {
		shown = place(last)
		if d.Scroll+shown < last {
			// The events left below may have widened a column: with
			// the widths of those that fit, more may fit too.
			for more := shown + 1; d.Scroll+more <= last && place(d.Scroll+more) == more; more++ {
				shown = more
			}
			shown = place(d.Scroll + shown)
		}
	}
	if shown > 0 {
		d.eventRows = shown // a page is the events on screen
	}
	right := common.Cell{Text: "newest first", Tone: common.ToneMuted}
	if d.Scroll > 0 {
		right = common.Cell{Text: fmt.Sprintf("↑ %d newer · g: back to newest", d.Scroll), Tone: common.ToneWarn}
	} else if older := n - shown; older > 0 {
		right.Text = fmt.Sprintf("newest first · ↓ %d older", older)
	}
	if d.eventsClosed {
		right = common.Cell{Text: "event listener stopped", Tone: common.ToneWarn}
	}
	out := make([]string, 0, h)
	out = append(out, d.sectionTitle("EVENTS", right, w))
	if n == 0 {
		out = append(out, common.Fit(st.Paint(common.ToneMuted, "nothing yet"), w))
	} else {
		cols := []common.Column{at, who, kind, text}
		if under {
			cols = cols[:3]
		}
		out = append(out, d.tables.events.Table(st, cols, w, 2)...)
	}
	blank := strings.Repeat(" ", w)
	for len(out) < h {
		out = append(out, blank)
	}
	return out
}

// eventLines is the most lines one event's message takes: three hold a
// disagreement's two addresses and who names each beside the checklist.
const eventLines = 3

// minEventText is the narrowest message column: below it, messages go
// under their events.
const minEventText = 24

// eventWrap is an event's text in lines of w cells, broken at spaces
// (and at breaks, a Sentinel event's dashes); kept, as the panel shows
// the same events frame after frame.
func (d *Dashboard) eventWrap(s string, w int, breaks string) []string {
	if common.Width(s) <= w || w < 8 {
		return []string{s} // fits, or no room to wrap in: the table fits it
	}
	k := eventWrapKey{s, w, breaks}
	if lines, ok := d.eventWraps[k]; ok {
		return lines
	}
	if d.eventWraps == nil || len(d.eventWraps) >= 256 {
		d.eventWraps = map[eventWrapKey][]string{}
	}
	lines := strings.Split(ansi.Wrap(s, w, breaks), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	d.eventWraps[k] = lines
	return lines
}

type eventWrapKey struct {
	text   string
	w      int
	breaks string
}
