// The REPLICATION panel (the link from the source to the target) and the
// TRENDS beside it.

package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
)

// ---- replication ----

var phases = []probe.Phase{probe.PhaseDetached, probe.PhaseHandshake, probe.PhaseTransfer, probe.PhaseLoading, probe.PhaseOnline}

// replicationBlock is the link from the source to the target.
func (d *Dashboard) replicationBlock(w int, compact bool) []string {
	st := d.styles
	l := &d.snap.Link
	src := &d.snap.Source
	var stateNote cell
	if l.ListedBySource && l.State != "" && l.State != string(l.Phase) {
		stateNote = cell{text: "source says " + l.State, tone: toneMuted}
	}
	srcOff := cell{text: "—", tone: toneMuted}
	if src.Reachable && src.Role == probe.RolePrimary {
		srcOff = cell{text: probe.Thousands(src.ReplOffset)}
	}
	acked := cell{text: "—", tone: toneMuted}
	if l.HasAckedOffset {
		acked = cell{text: probe.Thousands(l.AckedOffset)}
		if d.snap.Target.OffsetTrusted && d.snap.Target.Offset != l.AckedOffset {
			acked.text += " · own " + probe.Thousands(d.snap.Target.Offset)
		}
	} else if d.snap.Target.OffsetTrusted && l.FollowsSource {
		acked = cell{text: "own " + probe.Thousands(d.snap.Target.Offset)}
	}
	lag := cell{text: unknown, tone: toneMuted}
	// from says whose word the lag is when the target is silent: the
	// source's record of its last acknowledgement, a floor.
	var from cell
	switch {
	case l.LagKnown && l.SourceView:
		lag = cell{text: lagText(*l), tone: toneBad}
		from = cell{text: lagFrom(*l), tone: toneBad}
		if short := shortLagFrom(*l); !compact && width(from.text) > w-len("source offset")-2 {
			from.text = short
		}
	case l.LagKnown && l.Phase == probe.PhaseOnline && src.Reachable:
		t := toneOK
		if !l.InSync {
			t = toneWarn
		}
		lag = cell{text: lagText(*l), tone: t}
	}
	rateCell := cell{text: unknown, tone: toneMuted}
	if d.rateKnown() {
		rateCell = cell{text: rate(l.RateBytes)}
	}

	if compact {
		first := st.title.Render("REPLICATION") + "  " + fit(d.phaseLine(true), w-13)
		lagLine := d.joinCells(lag, cell{text: " · rate ", tone: toneMuted}, rateCell, cell{text: " · catch-up ", tone: toneMuted}, d.catchUp)
		if from.text != "" {
			// Whose word the lag is matters more than the rate.
			lagLine = d.joinCells(lag, cell{text: " · ", tone: toneMuted}, from)
		}
		rest := st.table([]column{
			{cells: []cell{{text: "offset", tone: toneMuted}, {text: "lag", tone: toneMuted}}},
			{cells: []cell{d.joinCells(srcOff, cell{text: " → acked ", tone: toneMuted}, acked), lagLine}},
		}, w, 2)
		return append([]string{first}, rest...)
	}
	labels := []cell{{text: "source offset", tone: toneMuted}, {text: "target acked", tone: toneMuted}, {text: "lag", tone: toneMuted}}
	values := []cell{srcOff, acked, lag}
	if from.text != "" {
		labels = append(labels, cell{text: "lag from", tone: toneMuted})
		values = append(values, from)
	}
	labels = append(labels, cell{text: "rate", tone: toneMuted}, cell{text: "catch-up", tone: toneMuted})
	values = append(values, rateCell, d.catchUp)
	rows := st.table([]column{{cells: labels}, {cells: values}}, w, 2)
	const labelW = len("source offset") + 2
	out := []string{
		d.sectionTitle("REPLICATION", stateNote, w),
		st.paint(toneMuted, fit("phase", labelW)) + fit(d.phaseLine(false), w-labelW),
	}
	if l.Phase == probe.PhaseTransfer {
		out = append(out, st.paint(toneMuted, fit("progress", labelW))+d.progressLine(w-labelW))
	}
	return append(out, rows...)
}

// joinCells concatenates cells into one, each part styled. The table
// measures and cuts text with ANSI-aware functions, so it still pads and
// clips the result right.
func (d *Dashboard) joinCells(cs ...cell) cell {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(d.styles.paint(c.tone, c.text))
	}
	return cell{text: b.String()}
}

// phaseLine is the full-sync stepper: done ● current ◉ to come ○, and
// the current phase's name; with percent, the transfer's progress in
// figures.
func (d *Dashboard) phaseLine(percent bool) string {
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
				b.WriteString(st.phaseDone.Render("─"))
			} else {
				b.WriteString(st.phaseTodo.Render("─"))
			}
		}
		switch {
		case i < cur:
			b.WriteString(st.phaseDone.Render("●"))
		case i == cur:
			b.WriteString(st.phaseCurrent.Render("◉"))
		default:
			b.WriteString(st.phaseTodo.Render("○"))
		}
	}
	name := string(l.Phase)
	switch {
	case cur >= 0:
	case d.snap.Source.Reachable && !d.snap.Target.Reachable:
		name = "unknown: target silent"
	default:
		name = "unknown (an endpoint is down)"
	}
	if d.switched() {
		// The link from the old primary is over: say why, not "not attached".
		name = "switched · the target is the primary"
	}
	b.WriteString("  ")
	b.WriteString(st.paint(toneStrong, name))
	if percent && l.Phase == probe.PhaseTransfer && l.Progress >= 0 {
		b.WriteString(fmt.Sprintf(" %d%%", int(l.Progress*100)))
	}
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
			return fit(strings.TrimSpace(figures), w)
		}
		return fit(d.progressBar(l.Progress, barW)+figures, w)
	case tgt.SyncReadBytes > 0:
		return fit(d.styles.paint(toneMuted, probe.Bytes(tgt.SyncReadBytes)+" read · size not reported (diskless)"), w)
	}
	return fit(d.styles.paint(toneMuted, "not reported by the server"), w)
}

// progressBar draws fraction f (0..1) in w cells.
func (d *Dashboard) progressBar(f float64, w int) string {
	f = min(1, max(0, f))
	done := int(f*float64(w) + 0.5)
	return d.styles.phaseDone.Render(strings.Repeat("█", done)) + d.styles.phaseTodo.Render(strings.Repeat("░", w-done))
}

// ---- trends ----

// trendsBlock draws sparklines of lag and of both nodes' ops/s.
func (d *Dashboard) trendsBlock(w int) []string {
	st := d.styles
	window := time.Duration(d.history.Cap()) * d.cfg.Tick
	title := d.sectionTitle("TRENDS", cell{text: "last " + spanWords(window), tone: toneMuted}, w)
	const labelW, valueW = 11, 11
	sw := max(1, w-labelW-valueW-2)
	last, _ := d.history.Last()
	row := func(label string, spark string, sparkTone span, value string) string {
		return st.paint(toneMuted, fit(label, labelW)) + " " + sparkTone.Render(spark) + " " + fitRight(value, valueW)
	}
	val := func(v int64, f func(int64) string) string {
		if v < 0 || d.history.Len() == 0 {
			return "—"
		}
		return f(v)
	}
	ops := func(v int64) string { return probe.Thousands(v) + "/s" }
	return []string{
		title,
		row("lag", sparkline(d.history, sw, func(s *sample) int64 { return s.LagBytes }), st.sparkLag, val(last.LagBytes, probe.Bytes)),
		row("source ops", sparkline(d.history, sw, func(s *sample) int64 { return s.SourceOps }), st.spark, val(last.SourceOps, ops)),
		row("target ops", sparkline(d.history, sw, func(s *sample) int64 { return s.TargetOps }), st.spark, val(last.TargetOps, ops)),
	}
}

func spanWords(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return duration(d)
}

// rateKnown reports whether the source's replication rate was measured:
// two readings in a row of a reachable primary. Before that its 0 means
// nothing.
func (d *Dashboard) rateKnown() bool {
	p, s := d.srcPrev, &d.snap.Source
	return p != nil && p.Source.Reachable && p.Source.Role == probe.RolePrimary && s.Reachable && s.Role == probe.RolePrimary
}
