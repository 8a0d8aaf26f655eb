// The REPLICATION panel (the link from the source to the target) and the
// TRENDS beside it.

package dashboard

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
	"flyover/ui/common"
)

// ---- replication ----

var phases = []probe.Phase{probe.PhaseDetached, probe.PhaseHandshake, probe.PhaseTransfer, probe.PhaseLoading, probe.PhaseOnline}

// replicationBlock is the link from the source to the target.
func (d *Dashboard) replicationBlock(w int, compact bool) []string {
	st := d.styles
	l := &d.snap.Link
	src := &d.snap.Source
	var stateNote common.Cell
	if l.ListedBySource && l.State != "" && l.State != string(l.Phase) {
		stateNote = common.Cell{Text: "source says " + l.State, Tone: common.ToneMuted}
	}
	srcOff := common.Cell{Text: "—", Tone: common.ToneMuted}
	if src.Reachable && src.Role == probe.RolePrimary {
		srcOff = common.Cell{Text: probe.Thousands(src.ReplOffset)}
	}
	acked := common.Cell{Text: "—", Tone: common.ToneMuted}
	if l.HasAckedOffset {
		acked = common.Cell{Text: probe.Thousands(l.AckedOffset)}
		if d.snap.Target.OffsetTrusted && d.snap.Target.Offset != l.AckedOffset {
			acked.Text += " · own " + probe.Thousands(d.snap.Target.Offset)
		}
	} else if d.snap.Target.OffsetTrusted && l.FollowsSource {
		acked = common.Cell{Text: "own " + probe.Thousands(d.snap.Target.Offset)}
	}
	lag := common.Cell{Text: common.Unknown, Tone: common.ToneMuted}
	// from says whose word the lag is when the target is silent: the
	// source's record of its last acknowledgement, a floor.
	var from common.Cell
	switch {
	case l.LagKnown && l.SourceView:
		lag = common.Cell{Text: common.LagText(*l), Tone: common.ToneBad}
		from = common.Cell{Text: common.LagFrom(*l), Tone: common.ToneBad}
		if short := common.ShortLagFrom(*l); !compact && common.Width(from.Text) > w-len("source offset")-2 {
			from.Text = short
		}
	case l.LagKnown && l.Phase == probe.PhaseOnline && src.Reachable:
		t := common.ToneOK
		if !l.InSync {
			t = common.ToneWarn
		}
		lag = common.Cell{Text: common.LagText(*l), Tone: t}
	}
	rateCell := common.Cell{Text: common.Unknown, Tone: common.ToneMuted}
	if d.rateKnown() {
		rateCell = common.Cell{Text: common.Rate(l.RateBytes)}
	}

	if compact {
		first := st.Title.Render("REPLICATION") + "  " + common.Fit(d.phaseLine(true, w-13), w-13)
		lagLine := d.joinCells(lag, common.Cell{Text: " · rate ", Tone: common.ToneMuted}, rateCell, common.Cell{Text: " · catch-up ", Tone: common.ToneMuted}, d.catchUp)
		if from.Text != "" {
			// Whose word the lag is matters more than the rate.
			lagLine = d.joinCells(lag, common.Cell{Text: " · ", Tone: common.ToneMuted}, from)
		}
		rest := d.tables.repl.Table(st, []common.Column{
			{Cells: []common.Cell{{Text: "offset", Tone: common.ToneMuted}, {Text: "lag", Tone: common.ToneMuted}}},
			{Cells: []common.Cell{d.joinCells(srcOff, common.Cell{Text: " → acked ", Tone: common.ToneMuted}, acked), lagLine}},
		}, w, 2)
		return append(append([]string{first}, d.fullSyncCompact(w)...), rest...)
	}
	labels := []common.Cell{{Text: "source offset", Tone: common.ToneMuted}, {Text: "target acked", Tone: common.ToneMuted}, {Text: "lag", Tone: common.ToneMuted}}
	values := []common.Cell{srcOff, acked, lag}
	if from.Text != "" {
		labels = append(labels, common.Cell{Text: "lag from", Tone: common.ToneMuted})
		values = append(values, from)
	}
	labels = append(labels, common.Cell{Text: "rate", Tone: common.ToneMuted}, common.Cell{Text: "catch-up", Tone: common.ToneMuted})
	values = append(values, rateCell, d.catchUp)
	rows := d.tables.repl.Table(st, []common.Column{{Cells: labels}, {Cells: values}}, w, 2)
	const labelW = len("source offset") + 2
	out := []string{
		d.sectionTitle("REPLICATION", stateNote, w),
		st.Paint(common.ToneMuted, common.Fit("phase", labelW)) + common.Fit(d.phaseLine(false, w-labelW), w-labelW),
	}
	if l.Phase == probe.PhaseTransfer {
		out = append(out, st.Paint(common.ToneMuted, common.Fit("progress", labelW))+d.progressLine(w-labelW))
	}
	out = append(out, d.fullSyncLines(w, labelW)...) // fullsync_panel.go
	return append(out, rows...)
}

// joinCells concatenates cells into one, each part styled. The table
// measures and cuts text with ANSI-aware functions, so it still pads and
// clips the result right.
func (d *Dashboard) joinCells(cs ...common.Cell) common.Cell {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(d.styles.Paint(c.Tone, c.Text))
	}
	return common.Cell{Text: b.String()}
}

// phaseLine is the full-sync stepper: done ● current ◉ to come ○, and
// the current phase's name, in fewer words where w is too narrow for it;
// with percent, the transfer's progress in figures.
func (d *Dashboard) phaseLine(percent bool, w int) string {
	st := d.styles
	l := &d.snap.Link
	cur := -1
	for i, p := range phases {
		if p == l.Phase {
			cur = i
		}
	}
	if d.switched() {
		cur = len(phases) // every phase behind it
	}
	var b strings.Builder
	for i := range phases {
		if i > 0 {
			if i <= cur {
				b.WriteString(st.PhaseDoneSpan.Render("─"))
			} else {
				b.WriteString(st.PhaseTodoSpan.Render("─"))
			}
		}
		switch {
		case i < cur:
			b.WriteString(st.PhaseDoneSpan.Render("●"))
		case i == cur:
			b.WriteString(st.PhaseCurrentSpan.Render("◉"))
		default:
			b.WriteString(st.PhaseTodoSpan.Render("○"))
		}
	}
	names := []string{string(l.Phase)}
	switch {
	case cur >= 0:
	case d.snap.Source.Reachable && !d.snap.Target.Reachable:
		names = []string{"unknown: target silent", "target silent"}
	default:
		names = []string{"unknown (an endpoint is down)", "unknown"}
	}
	if d.switched() {
		// The link from the old primary is over: say why, not "not attached".
		names = []string{"switched · the target is the primary", "switched"}
	}
	pct := ""
	if percent && l.Phase == probe.PhaseTransfer && l.Progress >= 0 {
		pct = fmt.Sprintf(" %d%%", int(l.Progress*100))
	}
	room := w - (2*len(phases) - 1) - 2 - len(pct)
	b.WriteString("  ")
	b.WriteString(st.Paint(common.ToneStrong, common.FirstFit(room, names...)))
	b.WriteString(pct)
	return b.String()
}

// progressLine is the transfer's progress: a bar where the server reports
// the snapshot's size (Redis, disk-based), else what it does report.
func (d *Dashboard) progressLine(w int) string {
	l := &d.snap.Link
	tgt := &d.snap.Target
	switch {
	case l.Progress >= 0:
		pct := fmt.Sprintf(" %3d%%", int(l.Progress*100))
		figures := pct + " · " + probe.Bytes(tgt.SyncReadBytes) + " of " + probe.Bytes(tgt.SyncTotalBytes)
		if w-ansi.StringWidth(figures) < 12 {
			figures = pct // the bar matters more than the byte counts
		}
		barW := min(40, w-ansi.StringWidth(figures))
		if barW < 4 {
			return common.Fit(strings.TrimSpace(figures), w)
		}
		return common.Fit(d.progressBar(l.Progress, barW)+figures, w)
	case tgt.SyncReadBytes > 0:
		return common.Fit(d.styles.Paint(common.ToneMuted, probe.Bytes(tgt.SyncReadBytes)+" read · size not reported (diskless)"), w)
	}
	return common.Fit(d.styles.Paint(common.ToneMuted, "not reported by the server"), w)
}

// progressBar draws fraction f (0..1) in w cells.
func (d *Dashboard) progressBar(f float64, w int) string {
	f = min(1, max(0, f))
	done := int(f*float64(w) + 0.5)
	return d.styles.PhaseDoneSpan.Render(strings.Repeat("█", done)) + d.styles.PhaseTodoSpan.Render(strings.Repeat("░", w-done))
}

// ---- trends ----

// trendsBlock draws sparklines of lag and of both nodes' ops/s, over a
// window that grows with the history (trendSpan) and says how long it is.
// With apart, a blank line between the rows keeps them apart at any font.
func (d *Dashboard) trendsBlock(w int, apart bool) []string {
	// Drawn again only when a sample arrived or the room changed.
	m := &d.trends
	if m.lines == nil || m.samples != d.samples || m.w != w || m.apart != apart || m.st != d.styles.ID() {
		m.samples, m.w, m.apart, m.st = d.samples, w, apart, d.styles.ID()
		m.lines = d.drawTrends(w, apart)
	}
	return slices.Clone(m.lines)
}

func (d *Dashboard) drawTrends(w int, apart bool) []string {
	st := d.styles
	const labelW, valueW = 11, 11
	sw := max(1, w-labelW-valueW-2)
	span := d.trendSpan(sw)
	window := time.Duration(span) * d.cfg.Tick
	title := d.sectionTitle("TRENDS", common.Cell{Text: "last " + spanWords(window), Tone: common.ToneMuted}, w)
	last, _ := d.History.Last()
	row := func(label string, spark string, sparkTone common.Span, value string) string {
		return st.Paint(common.ToneMuted, common.Fit(label, labelW)) + " " + sparkTone.Render(spark) + " " + common.FitRight(value, valueW)
	}
	val := func(v int64, f func(int64) string) string {
		if v < 0 || d.History.Len() == 0 {
			return "—"
		}
		return f(v)
	}
	ops := func(v int64) string { return probe.Thousands(v) + "/s" }
	rows := []string{
		row("lag", common.SparklineOver(d.History, span, sw, func(s *common.Sample) int64 { return s.LagBytes }), st.SparkLagSpan, val(last.LagBytes, probe.Bytes)),
		row("source ops", common.SparklineOver(d.History, span, sw, func(s *common.Sample) int64 { return s.SourceOps }), st.SparkSpan, val(last.SourceOps, ops)),
		row("target ops", common.SparklineOver(d.History, span, sw, func(s *common.Sample) int64 { return s.TargetOps }), st.SparkSpan, val(last.TargetOps, ops)),
	}
	out := []string{title}
	for i, r := range rows {
		if apart && i > 0 {
			out = append(out, strings.Repeat(" ", w))
		}
		out = append(out, r)
	}
	return out
}

// trendWindows are the spans the trends grow through, up to the history
// kept: the first that holds the samples so far is shown, so 40 s of data
// fill two thirds of the line instead of a sliver at its right edge, and
// the window steps up now and then rather than on every poll (a title
// that changed with every sample would redraw the screen for it).
var trendWindows = []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute}

// trendSpan is how many samples a sparkline width cells wide spans: the
// first trend window that holds every sample so far, one sample a cell
// at least, the whole history at most.
func (d *Dashboard) trendSpan(width int) int {
	n, capacity := d.History.Len(), d.History.Cap()
	span := capacity
	for _, w := range trendWindows {
		if e := int(w / d.cfg.Tick); e >= n && e < capacity {
			span = e
			break
		}
	}
	return min(capacity, max(span, width))
}

func spanWords(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return common.Duration(d)
}

// rateKnown reports whether the source's replication rate was measured:
// two readings in a row of a reachable primary. Before that its 0 means
// nothing.
func (d *Dashboard) rateKnown() bool {
	p, s := d.srcPrev, &d.snap.Source
	return p != nil && p.Source.Reachable && p.Source.Role == probe.RolePrimary && s.Reachable && s.Role == probe.RolePrimary
}
