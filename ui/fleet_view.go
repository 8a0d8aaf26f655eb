package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/fleet"
	"flyover/probe"
	"flyover/steps"
)

// refreshRows derives every row again when a poll or an entered master
// changed anything: the fleet's polls, overlaid, for an entered master,
// with what its own dashboard and session know (fresher, and its
// preflight verdicts). Then filter and sort.
func (m *FleetModel) refreshRows() {
	if !m.rowsDirty {
		return
	}
	m.rowsDirty = false
	for name, s := range m.subs {
		var v fleet.Verdicts
		var stall time.Duration
		if c := s.Checklist(); c != nil {
			survey := c.Plan().Survey()
			v = fleet.CountVerdicts(survey.Checks)
			if survey.Status != steps.Done {
				v = fleet.Verdicts{}
			}
			if r := c.drv.Facts().Cutover; r != nil {
				stall = r.Stall
			}
		}
		m.cfg.State.Session(name, v, stall)
	}
	m.rows = m.cfg.State.Rows()
	for i := range m.rows {
		r := &m.rows[i]
		s := m.subs[r.Master]
		if s == nil || !s.dash.Ready() {
			continue
		}
		ms := m.cfg.Fleet.Master(r.Master)
		r.Snapshot, r.Polled = s.dash.Snapshot(), true
		r.Phase = fleet.PhaseOf(ms, fleet.Topology(ms), r.Snapshot)
		if c := s.Checklist(); c != nil && c.drv.Facts().Decommissioned && r.Phase == fleet.PhaseSwitched {
			r.Phase = fleet.PhaseDecommissioned
		}
	}
	var sel string
	if m.phaseIdx > 0 {
		sel = string(fleet.Phases[m.phaseIdx-1])
	}
	m.shown = m.shown[:0]
	for i, r := range m.rows {
		if m.filter != "" && !strings.Contains(strings.ToLower(r.Master), strings.ToLower(m.filter)) {
			continue
		}
		if sel != "" && string(r.Phase) != sel {
			continue
		}
		m.shown = append(m.shown, i)
	}
	rows := m.rows
	switch m.sortBy {
	case sortPhase:
		sort.SliceStable(m.shown, func(a, b int) bool { return rows[m.shown[a]].Phase.Rank() < rows[m.shown[b]].Phase.Rank() })
	case sortLag:
		// Worst first; unknown lag after every known one.
		lag := func(r fleet.Row) int64 {
			if !r.Snapshot.Link.LagKnown {
				return -1
			}
			return r.Snapshot.Link.LagBytes
		}
		sort.SliceStable(m.shown, func(a, b int) bool { return lag(rows[m.shown[a]]) > lag(rows[m.shown[b]]) })
	}
	m.cursor = max(0, min(m.cursor, len(m.shown)-1))
}

// tableRows is how many lines the table has on screen, its heading
// included.
func (m *FleetModel) tableRows() int {
	return max(2, m.height-3-len(m.cfg.Warnings))
}

// View is the fleet table, or the master on screen under a line that
// names it.
func (m *FleetModel) View() tea.View {
	var v tea.View
	v.AltScreen = true
	if m.width <= 0 {
		v.SetContent("flyover fleet: starting…")
		return v
	}
	if s := m.subs[m.focus]; s != nil {
		v.WindowTitle = "flyover · " + m.focus
		crumb := m.styles.paint(toneAccent, "fleet") + m.styles.paint(toneMuted, " › ") + m.styles.paint(toneStrong, m.focus) +
			m.styles.paint(toneMuted, fmt.Sprintf("   esc/←: back to the fleet (%d masters)", len(m.rows)))
		v.SetContent(fit(crumb, m.width) + "\n" + s.View().Content)
		return v
	}
	v.WindowTitle = "flyover fleet"
	m.refreshRows()
	v.SetContent(m.render())
	return v
}

// render is the fleet screen: a header, the warnings, the table, a note
// line and the keys.
func (m *FleetModel) render() string {
	st := &m.styles
	lines := make([]string, 0, m.height)
	answering := 0
	for _, e := range m.cfg.Fleet.Sentinels {
		if !e.LastSeen().IsZero() && m.cfg.Now().Sub(e.LastSeen()) < 3*m.cfg.SlowTick+e.Timeout {
			answering++
		}
	}
	head := st.AppName.Render("flyover fleet") + st.paint(toneMuted, fmt.Sprintf("  %d masters · %d/%d Sentinels answering · syncs %d/%d · sort %s",
		len(m.rows), answering, len(m.cfg.Fleet.Sentinels), len(m.cfg.Turns.Syncs()), m.cfg.Turns.MaxSyncs, m.sortBy))
	if m.phaseIdx > 0 {
		head += st.paint(toneAccent, " · phase "+string(fleet.Phases[m.phaseIdx-1]))
	}
	if m.filter != "" || m.typing {
		f := " · /" + m.filter
		if m.typing {
			f += "▏"
		}
		head += st.paint(toneAccent, f)
	}
	lines = append(lines, fit(head, m.width))
	for _, w := range m.cfg.Warnings {
		lines = append(lines, fit(st.BadgeBad.Render(" WARNING ")+" "+st.paint(toneBad, w), m.width))
	}
	n := m.tableRows() - 1
	if m.cursor < m.top {
		m.top = m.cursor
	}
	if m.cursor >= m.top+n {
		m.top = m.cursor - n + 1
	}
	m.top = max(0, min(m.top, len(m.shown)-n))
	end := min(len(m.shown), m.top+n)
	table := st.table(m.columns(m.shown[m.top:end]), m.width, 2)
	lines = append(lines, table...)
	for range n + 1 - len(table) {
		lines = append(lines, strings.Repeat(" ", m.width))
	}
	note := m.note
	if note == "" && len(m.shown) == 0 {
		note = "no master matches: esc clears the filters"
	}
	if note == "" && m.report != "" {
		note = "fleet report: " + m.report
	}
	lines = append(lines, fit(st.paint(toneWarn, note), m.width))
	keys := "↑/↓ move · enter open · / filter · p phase · s sort · q quit"
	if m.cfg.Report != nil {
		keys = "↑/↓ move · enter open · / filter · p phase · s sort · r report · q quit"
	}
	if m.typing {
		keys = "type a name · enter keep · esc clear"
	}
	lines = append(lines, fit(st.paint(toneMuted, keys), m.width))
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

// columns are the table's columns for the rows on screen.
func (m *FleetModel) columns(idx []int) []column {
	cols := []column{
		{head: " "}, {head: "MASTER", max: 24}, {head: "SOURCE", drop: 3}, {head: "TARGET", drop: 4},
		{head: "PHASE", min: 12}, {head: "LAG", right: true}, {head: "KEYS src/tgt", right: true, drop: 2},
		{head: "VERDICT", drop: 5}, {head: "LAST EVENT", drop: 1},
	}
	for k, i := range idx {
		r := m.rows[i]
		mark := cell{text: " "}
		if m.top+k == m.cursor {
			mark = cell{text: "▸", tone: toneAccent}
		}
		name := cell{text: r.Master, tone: toneStrong}
		if _, in := m.subs[r.Master]; in {
			name.text += " •"
		}
		cells := []cell{mark, name, {text: dashIfEmpty(r.Source)}, {text: dashIfEmpty(r.Target), tone: toneMuted},
			phaseCell(r), lagCell(r), keysCell(r), verdictCell(r), eventCell(r)}
		for c := range cols {
			cols[c].cells = append(cols[c].cells, cells[c])
		}
	}
	return cols
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func phaseCell(r fleet.Row) cell {
	c := cell{text: string(r.Phase)}
	switch r.Phase {
	case fleet.PhaseNoTarget:
		c.tone = toneMuted
	case fleet.PhaseUnknown:
		c.tone = toneBad
	case fleet.PhaseSyncing, fleet.PhaseSwitching:
		c.tone = toneWarn
		if p := r.Snapshot.Link.Progress; r.Phase == fleet.PhaseSyncing && p >= 0 {
			c.text += fmt.Sprintf(" %d%%", int(p*100))
		} else if r.Phase == fleet.PhaseSyncing && r.Snapshot.Link.Phase != probe.PhaseOnline {
			c.text += " (" + string(r.Snapshot.Link.Phase) + ")"
		}
	case fleet.PhaseInSync, fleet.PhaseRegistered, fleet.PhaseSwitched, fleet.PhaseDecommissioned:
		c.tone = toneOK
	}
	return c
}

// lagCell: bytes and seconds; unknown is a dash, never 0.
func lagCell(r fleet.Row) cell {
	l := r.Snapshot.Link
	if !r.Polled || !l.LagKnown {
		return cell{text: "—", tone: toneMuted}
	}
	t := probe.Bytes(l.LagBytes)
	if l.LagSeconds >= 0 {
		t += fmt.Sprintf(" %.1fs", l.LagSeconds)
	}
	c := cell{text: t}
	if !l.InSync {
		c.tone = toneWarn
	}
	return c
}

func keysCell(r fleet.Row) cell {
	k := func(n probe.Node) string {
		if !r.Polled || !n.Reachable {
			return "—"
		}
		return probe.Thousands(n.Keys())
	}
	if r.Target == "" {
		return cell{text: k(r.Snapshot.Source) + " / —"}
	}
	return cell{text: k(r.Snapshot.Source) + " / " + k(r.Snapshot.Target)}
}

func verdictCell(r fleet.Row) cell {
	v := r.Verdicts
	switch {
	case !v.Known:
		return cell{text: "—", tone: toneMuted}
	case v.Block > 0:
		return cell{text: fmt.Sprintf("%d block", v.Block), tone: toneBad}
	case v.Warn > 0:
		return cell{text: fmt.Sprintf("%d warn", v.Warn), tone: toneWarn}
	}
	return cell{text: "pass", tone: toneOK}
}

func eventCell(r fleet.Row) cell {
	if r.LastEvent == nil {
		return cell{text: "—", tone: toneMuted}
	}
	e := r.LastEvent
	c := cell{text: e.Time.Format("15:04:05") + " " + e.Type}
	if e.IsAbort() || strings.HasPrefix(e.Type, "+sdown") || strings.HasPrefix(e.Type, "+odown") {
		c.tone = toneBad
	}
	return c
}
