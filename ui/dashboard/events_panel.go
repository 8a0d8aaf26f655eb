// The EVENTS panel: the timeline, newest first.

package dashboard

import (
	"fmt"
	"strings"

	"flyover/ui/common"
)

// ---- events ----

// eventsBlock is the timeline, newest first, h lines tall.
func (d *Dashboard) eventsBlock(w, h int) []string {
	st := d.styles
	rows := h - 1
	d.eventRows = rows
	n := d.Events.Len()
	d.Scroll = min(d.Scroll, max(0, n-1))
	right := common.Cell{Text: "newest first", Tone: common.ToneMuted}
	if d.Scroll > 0 {
		right = common.Cell{Text: fmt.Sprintf("↑ %d newer · g: back to newest", d.Scroll), Tone: common.ToneWarn}
	} else if n > rows {
		right.Text = fmt.Sprintf("newest first · ↓ %d older", n-rows)
	}
	if d.eventsClosed {
		right = common.Cell{Text: "event listener stopped", Tone: common.ToneWarn}
	}
	out := make([]string, 0, h)
	out = append(out, d.sectionTitle("EVENTS", right, w))
	if n == 0 {
		out = append(out, common.Fit(st.Paint(common.ToneMuted, "nothing yet"), w))
	} else {
		var at, who, kind, text common.Column
		for i := d.Scroll; i < n && i < d.Scroll+rows; i++ {
			e := d.Events.Newest(i)
			at.Cells = append(at.Cells, common.Cell{Text: e.At.Format("15:04:05"), Tone: common.ToneMuted})
			who.Cells = append(who.Cells, common.Cell{Text: strings.Join(e.Who, " "), Tone: common.ToneMuted})
			kind.Cells = append(kind.Cells, common.Cell{Text: e.Kind, Tone: e.Tone})
			text.Cells = append(text.Cells, common.Cell{Text: e.Text})
		}
		who.Max, kind.Max = 12, 18
		if w >= mediumWidth {
			kind.Max = 30 // +failover-state-wait-promotion
		}
		out = append(out, d.tables.events.Table(st, []common.Column{at, who, kind, text}, w, 2)...)
	}
	blank := strings.Repeat(" ", w)
	for len(out) < h {
		out = append(out, blank)
	}
	return out
}
