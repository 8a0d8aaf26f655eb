package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
)

// slowRTT is the round trip from which a poll's time is shown. Below it the
// figure is noise, and a number that changes on every poll redraws the
// screen for nothing.
const slowRTT = 20 * time.Millisecond

// Layout thresholds, in terminal cells.
const (
	wideWidth   = 170 // nodes | replication | trends side by side
	mediumWidth = 110 // nodes | replication over trends
	gapHeight   = 30  // blank lines between sections from this height
	minEvents   = 4   // timeline title and three rows
	colGap      = 3   // between side-by-side sections
	// minDashWidth is the narrowest dashboard that shows more than its
	// verdict; a side panel leaves it at least this much.
	minDashWidth = 40
)

// plan is how the dashboard's sections share the screen.
type plan struct {
	gaps, trends, compactNodes, compactRepl bool
}

// render lays the whole dashboard out into d.frame. It runs in View,
// when Update or a setter has marked it stale (invalidate).
func (d *Dashboard) render() {
	W, H := d.width, d.height
	if W <= 0 || H <= 0 || d.styles == nil {
		d.frame = ""
		return
	}
	if W < minDashWidth || H < 10 {
		d.frame = d.tooSmall(W, H)
		return
	}
	lines := make([]string, 0, H)
	header := 1
	if d.noHeader {
		header = 0
	} else {
		lines = append(lines, d.headerLine(W))
	}

	plans := []plan{
		{gaps: true, trends: true},
		{trends: true},
		{},
		{compactNodes: true},
		{compactNodes: true, compactRepl: true},
	}
	var p plan
	var top []string
	var events int
	for _, p = range plans {
		if p.gaps && H < gapHeight {
			continue
		}
		top = d.topArea(W, p)
		used := header + len(top) + d.sentinelsHeight()
		if p.gaps {
			used += 3 // under the header, between the sections
		}
		events = H - used
		if events >= minEvents {
			break
		}
	}
	blank := strings.Repeat(" ", W)
	if p.gaps {
		lines = append(lines, blank)
	}
	lines = append(lines, top...)
	if p.gaps {
		lines = append(lines, blank)
	}
	lines = append(lines, d.sentinelsBlock(W)...)
	if p.gaps {
		lines = append(lines, blank)
	}
	if events > 0 {
		lines = append(lines, d.eventsBlock(W, events)...)
	} else {
		d.eventRows = 0
	}
	if len(lines) > H {
		lines = lines[:H]
	}
	for len(lines) < H {
		lines = append(lines, blank)
	}
	d.frame = strings.Join(lines, "\n")
}

func (d *Dashboard) tooSmall(W, H int) string {
	msg := []string{
		d.styles.paint(toneStrong, fit("flyover", W)),
		fit(d.badge.text, W),
		d.styles.paint(toneMuted, fit(fmt.Sprintf("enlarge the window (%dx%d) to see more", W, H), W)),
	}
	for len(msg) < H {
		msg = append(msg, strings.Repeat(" ", W))
	}
	return strings.Join(msg[:H], "\n")
}

// topArea is nodes, replication and trends, arranged for the width.
func (d *Dashboard) topArea(W int, p plan) []string {
	switch {
	case W >= wideWidth:
		nw := W * 40 / 100
		rw := (W - nw - 2*colGap) * 48 / 100
		tw := W - nw - rw - 2*colGap
		cols := [][]string{d.nodesBlock(nw, p.compactNodes), d.replicationBlock(rw, p.compactRepl)}
		widths := []int{nw, rw}
		if p.trends {
			cols = append(cols, d.trendsBlock(tw))
			widths = append(widths, tw)
		} else {
			widths[1] = W - nw - colGap
			cols[1] = d.replicationBlock(widths[1], p.compactRepl)
		}
		return hjoin(widths, cols...)
	case W >= mediumWidth:
		lw := W * 62 / 100
		rw := W - lw - colGap
		right := d.replicationBlock(rw, p.compactRepl)
		if p.trends {
			if p.gaps {
				right = append(right, strings.Repeat(" ", rw))
			}
			right = append(right, d.trendsBlock(rw)...)
		}
		return hjoin([]int{lw, rw}, d.nodesBlock(lw, p.compactNodes), right)
	}
	out := d.nodesBlock(W, p.compactNodes)
	if p.gaps {
		out = append(out, strings.Repeat(" ", W))
	}
	out = append(out, d.replicationBlock(W, p.compactRepl)...)
	if p.trends {
		if p.gaps {
			out = append(out, strings.Repeat(" ", W))
		}
		out = append(out, d.trendsBlock(W)...)
	}
	return out
}

// hjoin sets blocks side by side; each block's lines are exactly its width.
func hjoin(widths []int, blocks ...[]string) []string {
	h := 0
	for _, b := range blocks {
		h = max(h, len(b))
	}
	gap := strings.Repeat(" ", colGap)
	out := make([]string, h)
	var sb strings.Builder
	for r := 0; r < h; r++ {
		sb.Reset()
		for i, b := range blocks {
			if i > 0 {
				sb.WriteString(gap)
			}
			if r < len(b) {
				sb.WriteString(b[r])
			} else {
				sb.WriteString(strings.Repeat(" ", widths[i]))
			}
		}
		out[r] = sb.String()
	}
	return out
}

// headerLine: who we watch on the left, the verdict and the clock on the right.
func (d *Dashboard) headerLine(W int) string {
	st := d.styles
	right := st.badgeStyle(d.badge.tone).Render(" "+d.badge.text+" ") + "  " + st.paint(toneMuted, d.now.Format("15:04:05"))
	rw := lipgloss.Width(right)

	left := st.AppName.Render("flyover") + "  " + "master " + st.paint(toneStrong, d.cfg.Topo.MasterName)
	if d.cfg.Lab != "" {
		left += "  " + st.BadgeWarn.Render(" LAB ")
	}
	if d.cfg.ReadOnly {
		left += "  " + st.BadgeNeutral.Render(" READ-ONLY ")
	}
	lw := lipgloss.Width(left)
	extra := fmt.Sprintf(" · %d Sentinels · every %s", len(d.sentinels), d.cfg.Tick)
	if d.cfg.Lab != "" {
		extra = " " + d.cfg.Lab + extra
	}
	if ew := lipgloss.Width(extra); lw+ew+2+rw <= W {
		left += st.paint(toneMuted, extra)
		lw += ew
	}
	if lw+1+rw > W {
		return fit(right, W)
	}
	return left + strings.Repeat(" ", W-lw-rw) + right
}

func (st *Styles) badgeStyle(t tone) lipgloss.Style {
	switch t {
	case toneOK:
		return st.BadgeOK
	case toneWarn:
		return st.BadgeWarn
	case toneBad:
		return st.BadgeBad
	}
	return st.BadgeNeutral
}

// sectionTitle is a section's name, and facts about it on the right.
func (d *Dashboard) sectionTitle(name string, right cell, w int) string {
	st := d.styles
	nw := ansi.StringWidth(name)
	if right.text == "" || nw+2 >= w {
		return st.title.Render(name) + strings.Repeat(" ", max(0, w-nw))
	}
	r := clip(right.text, w-nw-2)
	rw := ansi.StringWidth(r)
	return st.title.Render(name) + strings.Repeat(" ", w-nw-rw) + st.paint(right.tone, r)
}

// ---- nodes ----

// nodesBlock compares the source and the target side by side.
func (d *Dashboard) nodesBlock(w int, compact bool) []string {
	s := &d.snap
	src, tgt := &s.Source, &s.Target
	labels := column{head: "", drop: 0}
	srcCol := column{head: "source"}
	tgtCol := column{head: "target"}
	diff := column{head: "diff", right: true, drop: 1}
	add := func(label string, a, b, c cell) {
		labels.cells = append(labels.cells, cell{text: label, tone: toneMuted})
		srcCol.cells = append(srcCol.cells, a)
		tgtCol.cells = append(tgtCol.cells, b)
		diff.cells = append(diff.cells, c)
	}
	// Fixed columns, so the eye compares source and target row by row;
	// the target's facts run longer (stand-in, replica of ...).
	space := max(20, w-10-8-3*2)
	srcW := space * 23 / 50
	tgtW := space - srcW
	srcCol.min, srcCol.max = srcW, srcW
	tgtCol.min, tgtCol.max = tgtW, tgtW
	labels.min = 10
	if compact {
		srcCol.head, tgtCol.head = "source "+src.Addr, "target "+tgt.Addr
	} else {
		add("address", cell{text: src.Addr}, cell{text: tgt.Addr}, cell{})
	}
	add("server", d.serverCell(sourceNode, srcW), d.serverCell(targetNode, tgtW), cell{})
	add("role", roleCell(src), roleCell(tgt), cell{})
	add("status", d.statusCell(&d.source, srcW), d.statusCell(&d.target, tgtW), cell{})
	add("memory", memCell(src), memCell(tgt), cell{})
	if compact {
		add("load", loadCell(src), loadCell(tgt), cell{})
	} else {
		add("ops/s", numCell(src, src.OpsPerSec), numCell(tgt, tgt.OpsPerSec), cell{})
		add("clients", numCell(src, src.Clients), numCell(tgt, tgt.Clients), cell{})
	}
	for _, k := range keyRows(src, tgt, compact) {
		add(k.label, k.src, k.tgt, k.diff)
	}
	lines := d.styles.table([]column{labels, srcCol, tgtCol, diff}, w, 2)
	// The heading line doubles as the section title.
	title := d.styles.title.Render("NODES")
	if len(lines) > 0 {
		lines[0] = title + ansi.Cut(lines[0], 5, w)
	}
	return lines
}

func (d *Dashboard) serverCell(w which, width int) cell {
	n := &d.snap.Source
	if w == targetNode {
		n = &d.snap.Target
	}
	if !n.Reachable {
		return cell{text: "—", tone: toneMuted}
	}
	kind := string(n.Kind)
	if kind == "" {
		kind = "unknown server"
	}
	text := kind + " " + n.Version
	if w == targetNode && n.Kind != probe.KindDragonfly {
		// The target is meant to be Dragonfly: say when it is not.
		long := text + " · standing in for Dragonfly"
		if ansi.StringWidth(long) <= width {
			return cell{text: long, tone: toneWarn}
		}
		return cell{text: text + " (stand-in)", tone: toneWarn}
	}
	return cell{text: text}
}

func roleCell(n *probe.Node) cell {
	if !n.Reachable {
		return cell{text: "—", tone: toneMuted}
	}
	switch n.Role {
	case probe.RolePrimary:
		if len(n.Replicas) > 0 {
			return cell{text: fmt.Sprintf("primary · %d replica%s", len(n.Replicas), plural(len(n.Replicas)))}
		}
		return cell{text: "primary"}
	case probe.RoleReplica:
		return cell{text: fmt.Sprintf("replica of %s", joinHostPort(n.MasterHost, n.MasterPort))}
	}
	return cell{text: roleWord(n.Role), tone: toneWarn}
}

// statusCell: up with the round trip, or down with how long ago it was
// last seen and why.
func (d *Dashboard) statusCell(ns *nodeState, width int) cell {
	if !ns.polled {
		return cell{text: "… connecting", tone: toneMuted}
	}
	n := &ns.node
	if n.Reachable {
		if n.RTT >= slowRTT {
			return cell{text: "● up · slow: " + rtt(n.RTT), tone: toneWarn}
		}
		return cell{text: "● up", tone: toneOK}
	}
	seen := "never answered"
	if !n.LastSeen.IsZero() {
		seen = "seen " + duration(d.now.Sub(n.LastSeen)) + " ago"
	}
	if ns == &d.source && d.switched() {
		// After the switch the old primary going away is the plan
		// (decommission), not an alarm.
		return cell{text: "○ retired · " + seen, tone: toneMuted}
	}
	text := "✗ DOWN · " + seen
	// The reason where it fits whole; the timeline always has it.
	if full := text + " · " + shortError(n.Error, n.Addr); ansi.StringWidth(full) <= width {
		text = full
	}
	return cell{text: text, tone: toneBad}
}

// shortError drops the address prefix probe.Describe puts on errors: the
// column already says which endpoint.
func shortError(err, addr string) string {
	return strings.TrimPrefix(err, addr+": ")
}

func memCell(n *probe.Node) cell {
	if !n.Reachable {
		return cell{text: "—", tone: toneMuted}
	}
	if n.MaxMemory <= 0 {
		return cell{text: probe.Bytes(n.UsedMemory) + " / no limit"}
	}
	t := toneText
	if float64(n.UsedMemory) > 0.9*float64(n.MaxMemory) {
		t = toneWarn
	}
	return cell{text: probe.Bytes(n.UsedMemory) + " / " + probe.Bytes(n.MaxMemory), tone: t}
}

func numCell(n *probe.Node, v int64) cell {
	if !n.Reachable {
		return cell{text: "—", tone: toneMuted}
	}
	return cell{text: probe.Thousands(v)}
}

func loadCell(n *probe.Node) cell {
	if !n.Reachable {
		return cell{text: "—", tone: toneMuted}
	}
	return cell{text: probe.Thousands(n.OpsPerSec) + " ops/s · " + probe.Thousands(n.Clients) + " cl"}
}

type keyRow struct {
	label          string
	src, tgt, diff cell
}

// maxDBRows bounds the per-database rows; the rest are summed.
const maxDBRows = 4

// keyRows compares key counts per database, source against target.
func keyRows(src, tgt *probe.Node, compact bool) []keyRow {
	seen := map[int]bool{}
	var dbs []int
	for _, n := range []*probe.Node{src, tgt} {
		if !n.Reachable {
			continue
		}
		for db := range n.Keyspace {
			if !seen[db] {
				seen[db] = true
				dbs = append(dbs, db)
			}
		}
	}
	sort.Ints(dbs)
	count := func(n *probe.Node, db int) cell {
		if !n.Reachable {
			return cell{text: "—", tone: toneMuted}
		}
		if db < 0 {
			return cell{text: probe.Thousands(n.Keys())}
		}
		return cell{text: probe.Thousands(n.Keyspace[db].Keys)}
	}
	diffOf := func(db int) cell {
		if !src.Reachable || !tgt.Reachable {
			return cell{}
		}
		a, b := src.Keys(), tgt.Keys()
		if db >= 0 {
			a, b = src.Keyspace[db].Keys, tgt.Keyspace[db].Keys
		}
		if a == b {
			return cell{text: "=", tone: toneOK}
		}
		return cell{text: signed(b - a), tone: toneWarn}
	}
	limit := maxDBRows
	if compact {
		limit = 1
	}
	if len(dbs) == 0 || len(dbs) > limit {
		label := "keys"
		if len(dbs) > 1 {
			label = fmt.Sprintf("keys %d dbs", len(dbs))
		}
		return []keyRow{{label, count(src, -1), count(tgt, -1), diffOf(-1)}}
	}
	rows := make([]keyRow, 0, len(dbs)+1)
	for _, db := range dbs {
		rows = append(rows, keyRow{fmt.Sprintf("keys db%d", db), count(src, db), count(tgt, db), diffOf(db)})
	}
	if len(dbs) > 1 {
		rows = append(rows, keyRow{"keys total", count(src, -1), count(tgt, -1), diffOf(-1)})
	}
	return rows
}

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
	lag := cell{text: "—", tone: toneMuted}
	if l.Phase == probe.PhaseOnline && src.Reachable {
		t := toneOK
		if !l.InSync {
			t = toneWarn
		}
		lag = cell{text: probe.Bytes(l.LagBytes) + " · " + lagSeconds(l.LagSeconds), tone: t}
	}
	rateCell := cell{text: "—", tone: toneMuted}
	if src.Reachable && src.Role == probe.RolePrimary {
		rateCell = cell{text: rate(l.RateBytes)}
	}

	if compact {
		first := st.title.Render("REPLICATION") + "  " + fit(d.phaseLine(true), w-13)
		rest := st.table([]column{
			{cells: []cell{{text: "offset", tone: toneMuted}, {text: "lag", tone: toneMuted}}},
			{cells: []cell{
				d.joinCells(srcOff, cell{text: " → acked ", tone: toneMuted}, acked),
				d.joinCells(lag, cell{text: " · rate ", tone: toneMuted}, rateCell, cell{text: " · catch-up ", tone: toneMuted}, d.catchUp),
			}},
		}, w, 2)
		return append([]string{first}, rest...)
	}
	rows := st.table([]column{
		{cells: []cell{
			{text: "source offset", tone: toneMuted},
			{text: "target acked", tone: toneMuted},
			{text: "lag", tone: toneMuted},
			{text: "rate", tone: toneMuted},
			{text: "catch-up", tone: toneMuted},
		}},
		{cells: []cell{srcOff, acked, lag, rateCell, d.catchUp}},
	}, w, 2)
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
	if cur < 0 {
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
		row("lag", sparkline(d.history, sw, func(s sample) int64 { return s.LagBytes }), st.sparkLag, val(last.LagBytes, probe.Bytes)),
		row("source ops", sparkline(d.history, sw, func(s sample) int64 { return s.SourceOps }), st.spark, val(last.SourceOps, ops)),
		row("target ops", sparkline(d.history, sw, func(s sample) int64 { return s.TargetOps }), st.spark, val(last.TargetOps, ops)),
	}
}

func spanWords(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return duration(d)
}

// ---- sentinels ----

func (d *Dashboard) sentinelsHeight() int { return 2 + len(d.sentinels) }

// sentinelsBlock has one row per Sentinel: what it names as master,
// whether it knows the target, and whom it would promote now.
func (d *Dashboard) sentinelsBlock(w int) []string {
	s := &d.snap
	// The master most Sentinels name: rows that differ are flagged.
	named, _ := s.MostNamedMaster()

	cols := []column{
		{head: "", drop: 0},
		{head: "address", drop: 0},
		{head: "up", drop: 0},
		{head: "names master", drop: 0},
		{head: "quorum", drop: 4},
		{head: "flags", drop: 3, max: 28},
		{head: "target", drop: 2},
		{head: "would promote now", drop: 1},
	}
	wide := w >= mediumWidth
	mark := d.mark
	if !wide {
		mark = d.shortMark
	}
	quorumOK := true
	for _, v := range s.Sentinels {
		if v.Reachable && (v.MasterDown() || v.FailoverInProgress()) {
			cols[5].drop = 0 // flags that matter stay on screen
		}
	}
	up := 0
	for i, ss := range d.sentinels {
		v := &s.Sentinels[i]
		row := make([]cell, len(cols))
		row[0] = cell{text: ss.label, tone: toneMuted}
		row[1] = cell{text: ss.addr}
		switch {
		case !ss.polled:
			row[2] = cell{text: "…", tone: toneMuted}
			row[3] = cell{text: "connecting", tone: toneMuted, span: true}
		case !v.Reachable:
			since := "never answered"
			if !v.LastSeen.IsZero() {
				since = "seen " + duration(d.now.Sub(v.LastSeen)) + " ago"
			}
			row[2] = cell{text: "✗", tone: toneBad}
			row[3] = cell{text: "DOWN · " + since + " · " + shortError(v.Error, v.Addr), tone: toneBad, span: true}
		case !v.Monitors:
			row[2] = cell{text: "●", tone: toneOK}
			row[3] = cell{text: shortError(v.Error, v.Addr), tone: toneWarn, span: true}
		default:
			up++
			row[2] = cell{text: "●", tone: toneOK}
			if v.RTT >= slowRTT {
				row[2] = cell{text: "● " + rtt(v.RTT), tone: toneWarn}
			}
			mt := toneOK
			if !s.SentinelsAgree || !probe.SameAddr(v.MasterAddr, named) {
				mt = toneWarn
			}
			row[3] = cell{text: v.MasterAddr + mark(v.MasterAddr), tone: mt}
			q := cell{text: fmt.Sprintf("%d ok", v.Quorum), tone: toneOK}
			if !v.QuorumOK {
				q = cell{text: fmt.Sprintf("%d NO", v.Quorum), tone: toneBad}
				quorumOK = false
			}
			row[4] = q
			flags := strings.Join(v.MasterFlags, ",")
			ft := toneText
			if v.MasterDown() || v.FailoverInProgress() {
				ft = toneWarn
			}
			row[5] = cell{text: flags, tone: ft}
			if v.KnowsTarget {
				row[6] = cell{text: "known", tone: toneOK}
			} else {
				row[6] = cell{text: "not yet", tone: toneMuted}
			}
			switch {
			case v.WouldPromote == "":
				row[7] = cell{text: "no eligible replica", tone: toneMuted}
			case v.WouldPromoteTarget:
				row[7] = cell{text: v.WouldPromote + mark(v.WouldPromote), tone: toneOK}
			default:
				row[7] = cell{text: v.WouldPromote + mark(v.WouldPromote), tone: toneWarn}
			}
		}
		for c := range cols {
			cols[c].cells = append(cols[c].cells, row[c])
		}
	}
	var summary cell
	switch {
	case len(d.sentinels) == 0:
		summary = cell{text: "none given", tone: toneMuted}
	case s.SentinelsAgree && quorumOK:
		summary = cell{text: fmt.Sprintf("%d/%d up · agree on %s%s · quorum ok", up, len(d.sentinels), s.AgreedMaster, d.mark(s.AgreedMaster)), tone: toneOK}
	case s.SentinelsAgree:
		summary = cell{text: fmt.Sprintf("%d/%d up · agree on %s%s · QUORUM NOT REACHABLE", up, len(d.sentinels), s.AgreedMaster, d.mark(s.AgreedMaster)), tone: toneBad}
	case up == 0:
		summary = cell{text: fmt.Sprintf("0/%d answering", len(d.sentinels)), tone: toneBad}
	default:
		summary = cell{text: fmt.Sprintf("%d/%d up · DISAGREE on the master", up, len(d.sentinels)), tone: toneWarn}
	}
	out := []string{d.sectionTitle("SENTINELS", summary, w)}
	if len(d.sentinels) == 0 {
		return append(out, strings.Repeat(" ", w))
	}
	return append(out, d.styles.table(cols, w, 2)...)
}

func (d *Dashboard) mark(addr string) string { return nodeMark(addr, &d.cfg.Topo) }

// shortMark is mark for narrow screens: " src", " tgt".
func (d *Dashboard) shortMark(addr string) string {
	switch nodeMark(addr, &d.cfg.Topo) {
	case " (source)":
		return " src"
	case " (target)":
		return " tgt"
	}
	return ""
}

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

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		return fmt.Sprintf("[%s]:%d", host, port)
	}
	return fmt.Sprintf("%s:%d", host, port)
}
