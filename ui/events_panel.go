// The EVENTS panel: the timeline, newest first.

package ui

import (
	"fmt"
	"strings"
)

// ---- events ----

// eventsBlock is the timeline, newest first, h lines tall.
func (d *Dashboard) eventsBlock(w, h int) []string {
	st := d.styles
	rows := h - 1
	d.eventRows = rows
	n := d.events.len()
	d.scroll = min(d.scroll, max(0, n-1))
	right := cell{text: "newest first", tone: toneMuted}
	if d.scroll > 0 {
		right = cell{text: fmt.Sprintf("↑ %d newer · g: back to newest", d.scroll), tone: toneWarn}
	} else if n > rows {
		right.text = fmt.Sprintf("newest first · ↓ %d older", n-rows)
	}
	if d.eventsClosed {
		right = cell{text: "event listener stopped", tone: toneWarn}
	}
	out := make([]string, 0, h)
	out = append(out, d.sectionTitle("EVENTS", right, w))
	if n == 0 {
		out = append(out, fit(st.paint(toneMuted, "nothing yet"), w))
	} else {
		var at, who, kind, text column
		for i := d.scroll; i < n && i < d.scroll+rows; i++ {
			e := d.events.newest(i)
			at.cells = append(at.cells, cell{text: e.At.Format("15:04:05"), tone: toneMuted})
			who.cells = append(who.cells, cell{text: strings.Join(e.Who, " "), tone: toneMuted})
			kind.cells = append(kind.cells, cell{text: e.Kind, tone: e.Tone})
			text.cells = append(text.cells, cell{text: e.Text})
		}
		who.max, kind.max = 12, 18
		if w >= mediumWidth {
			kind.max = 30 // +failover-state-wait-promotion
		}
		out = append(out, st.table([]column{at, who, kind, text}, w, 2)...)
	}
	blank := strings.Repeat(" ", w)
	for len(out) < h {
		out = append(out, blank)
	}
	return out
}
