package fleetview

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/fleet"
	"flyover/probe"
	"flyover/steps"
	"flyover/ui/common"
)

// refreshRows derives every row again when a poll or an entered master
// changed anything: the fleet's polls, overlaid, for an entered master,
// with what its own dashboard and session know (fresher, and its
// preflight verdicts). Then filter and sort.
func (m *Model) refreshRows() {
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
			if r := c.Driver().Facts().Cutover; r != nil {
				stall = r.Stall
			}
		}
		m.cfg.State.Session(name, v, stall)
	}
	m.rows = m.cfg.State.AppendRows(m.rows[:0])
	for i := range m.rows {
		r := &m.rows[i]
		s := m.subs[r.Master]
		if s == nil || !s.Dash.Ready() {
			continue
		}
		ms := m.cfg.Fleet.Master(r.Master)
		r.Snapshot, r.Polled = s.Dash.Snapshot(), true
		r.Phase = fleet.PhaseOf(ms, fleet.Topology(ms), r.Snapshot)
		if c := s.Checklist(); c != nil && c.Driver().Facts().Decommissioned && r.Phase == fleet.PhaseSwitched {
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
func (m *Model) tableRows() int {
	return max(2, m.height-3-len(m.warningLines()))
}

// warningLines are the warnings, each wrapped under its badge rather
// than cut: what the operator is warned of is read whole.
func (m *Model) warningLines() []string {
	if len(m.cfg.Warnings) == 0 {
		return nil
	}
	st := &m.styles
	badge := st.BadgeBad.Render(" WARNING ")
	pad := strings.Repeat(" ", ansi.StringWidth(badge)+1)
	var out []string
	for _, w := range m.cfg.Warnings {
		for i, l := range strings.Split(ansi.Wrap(w, max(8, m.width-len(pad)), ""), "\n") {
			lead := pad
			if i == 0 {
				lead = badge + " "
			}
			out = append(out, common.Fit(lead+st.Paint(common.ToneBad, strings.TrimRight(l, " ")), m.width))
		}
	}
	return out
}

// View is the fleet table, or the master on screen under a line that
// names it: drawn again when something on it changed, else the frame as
// last drawn.
func (m *Model) View() tea.View {
	if m.dirty || m.frame.Content == "" {
		m.frame, m.dirty = m.draw(), false
	}
	return m.frame
}

func (m *Model) draw() tea.View {
	var v tea.View
	v.AltScreen = true
	if m.width <= 0 {
		v.SetContent("flyover fleet: starting…")
		return v
	}
	if s := m.subs[m.focus]; s != nil {
		v.WindowTitle = "flyover · " + m.focus
		crumb := m.styles.Paint(common.ToneAccent, "fleet") + m.styles.Paint(common.ToneMuted, " › ") + m.styles.Paint(common.ToneStrong, m.focus) +
			m.styles.Paint(common.ToneMuted, fmt.Sprintf("   esc/←: back to the fleet (%d masters)", len(m.rows)))
		v.SetContent(common.Fit(crumb, m.width) + "\n" + s.View().Content)
		return v
	}
	v.WindowTitle = "flyover fleet"
	m.refreshRows()
	v.SetContent(m.render())
	return v
}

// render is the fleet screen: a header, the warnings, the table, a note
// line and the keys.
func (m *Model) render() string {
	st := &m.styles
	lines := make([]string, 0, m.height)
	answering := 0
	for _, e := range m.cfg.Fleet.Sentinels {
		if !e.LastSeen().IsZero() && m.cfg.Now().Sub(e.LastSeen()) < 3*m.every+e.Timeout {
			answering++
		}
	}
	// The header's facts, each whole or not at all: what filters the
	// table first, the counts, then how it is polled and sorted.
	head := st.AppName.Render("flyover fleet")
	used := common.Width("flyover fleet")
	add := func(t common.Tone, s string) {
		if used+common.Width(s) <= m.width {
			head += st.Paint(t, s)
			used += common.Width(s)
		}
	}
	if m.filter != "" || m.typing {
		f := "  /" + m.filter
		if m.typing {
			f += "▏"
		}
		add(common.ToneAccent, f)
	}
	if m.phaseIdx > 0 {
		add(common.ToneAccent, "  phase "+string(fleet.Phases[m.phaseIdx-1]))
	}
	add(common.ToneMuted, fmt.Sprintf("  %d masters", len(m.rows)))
	add(common.ToneMuted, fmt.Sprintf(" · %d/%d Sentinels answering", answering, len(m.cfg.Fleet.Sentinels)))
	add(common.ToneMuted, fmt.Sprintf(" · syncs %d/%d", len(m.cfg.Turns.Syncs()), m.cfg.Turns.MaxSyncs))
	if m.every > m.cfg.SlowTick {
		add(common.ToneMuted, " · each polled every "+m.every.Round(100*time.Millisecond).String())
	}
	add(common.ToneMuted, fmt.Sprintf(" · sort %s", m.sortBy))
	lines = append(lines, common.Fit(head, m.width))
	lines = append(lines, m.warningLines()...)
	n := m.tableRows() - 1
	if m.cursor < m.top {
		m.top = m.cursor
	}
	if m.cursor >= m.top+n {
		m.top = m.cursor - n + 1
	}
	m.top = max(0, min(m.top, len(m.shown)-n))
	end := min(len(m.shown), m.top+n)
	table := st.Table(m.columns(m.shown[m.top:end]), m.width, 2)
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
	lines = append(lines, common.Fit(st.Paint(common.ToneWarn, note), m.width))
	lines = append(lines, common.Fit(st.Paint(common.ToneMuted, m.keyLine()), m.width))
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

// columns are the table's columns for the rows on screen.
func (m *Model) columns(idx []int) []common.Column {
	cols := []common.Column{
		{Head: " "}, {Head: "MASTER"}, {Head: "SOURCE", Drop: 3}, {Head: "TARGET", Drop: 4},
		{Head: "PHASE", Min: 12}, {Head: "LAG", Right: true}, {Head: "KEYS src/tgt", Right: true, Drop: 2},
		{Head: "VERDICT", Drop: 5}, {Head: "LAST EVENT", Drop: 1},
	}
	for k, i := range idx {
		r := m.rows[i]
		mark := common.Cell{Text: " "}
		if m.top+k == m.cursor {
			mark = common.Cell{Text: "▸", Tone: common.ToneAccent}
		}
		name := common.Cell{Text: r.Master, Tone: common.ToneStrong} // fitNames shortens it, marks it
		cells := []common.Cell{mark, name, {Text: dashIfEmpty(r.Source)}, {Text: dashIfEmpty(r.Target), Tone: common.ToneMuted},
			phaseCell(r), lagCell(r), keysCell(r), verdictCell(r), eventCell(r)}
		for c := range cols {
			cols[c].Cells = append(cols[c].Cells, cells[c])
		}
	}
	m.fitNames(cols)
	return cols
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func phaseCell(r fleet.Row) common.Cell {
	c := common.Cell{Text: string(r.Phase)}
	switch r.Phase {
	case fleet.PhaseNoTarget:
		c.Tone = common.ToneMuted
	case fleet.PhaseUnknown:
		c.Tone = common.ToneBad
	case fleet.PhaseSyncing, fleet.PhaseSwitching:
		c.Tone = common.ToneWarn
		if p := r.Snapshot.Link.Progress; r.Phase == fleet.PhaseSyncing && p >= 0 {
			c.Text += fmt.Sprintf(" %d%%", int(p*100))
		} else if r.Phase == fleet.PhaseSyncing && r.Snapshot.Link.Phase != probe.PhaseOnline {
			c.Text += " (" + string(r.Snapshot.Link.Phase) + ")"
		}
	case fleet.PhaseInSync, fleet.PhaseRegistered, fleet.PhaseSwitched, fleet.PhaseDecommissioned:
		c.Tone = common.ToneOK
	}
	return c
}

// lagCell: bytes and seconds; unknown is a dash, never 0.
func lagCell(r fleet.Row) common.Cell {
	l := r.Snapshot.Link
	if !r.Polled || !l.LagKnown {
		return common.Cell{Text: "—", Tone: common.ToneMuted}
	}
	t := probe.Bytes(l.LagBytes)
	if l.LagSeconds >= 0 {
		t += fmt.Sprintf(" %.1fs", l.LagSeconds)
	}
	c := common.Cell{Text: t}
	if !l.InSync {
		c.Tone = common.ToneWarn
	}
	return c
}

func keysCell(r fleet.Row) common.Cell {
	k := func(n probe.Node) string {
		if !r.Polled || !n.Reachable {
			return "—"
		}
		return probe.Thousands(n.Keys())
	}
	if r.Target == "" {
		return common.Cell{Text: k(r.Snapshot.Source) + " / —"}
	}
	return common.Cell{Text: k(r.Snapshot.Source) + " / " + k(r.Snapshot.Target)}
}

func verdictCell(r fleet.Row) common.Cell {
	v := r.Verdicts
	switch {
	case !v.Known:
		return common.Cell{Text: "—", Tone: common.ToneMuted}
	case v.Block > 0:
		return common.Cell{Text: fmt.Sprintf("%d block", v.Block), Tone: common.ToneBad}
	case v.Warn > 0:
		return common.Cell{Text: fmt.Sprintf("%d warn", v.Warn), Tone: common.ToneWarn}
	}
	return common.Cell{Text: "pass", Tone: common.ToneOK}
}

func eventCell(r fleet.Row) common.Cell {
	if r.LastEvent == nil {
		return common.Cell{Text: "—", Tone: common.ToneMuted}
	}
	e := r.LastEvent
	c := common.Cell{Text: e.Time.Format("15:04:05") + " " + e.Type}
	if e.IsAbort() || strings.HasPrefix(e.Type, "+sdown") || strings.HasPrefix(e.Type, "+odown") {
		c.Tone = common.ToneBad
	}
	return c
}

// keyLine is the fleet's keys at the screen's width, each whole or left
// off whole: opening a master and quitting stay longest.
func (m *Model) keyLine() string {
	hints := []common.KeyHint{{Key: "↑/↓", Desc: "move", Keep: 80}, {Key: "enter", Desc: "open", Keep: 100},
		{Key: "/", Desc: "filter", Keep: 60}, {Key: "p", Desc: "phase", Keep: 40}, {Key: "s", Desc: "sort", Keep: 50}}
	if m.cfg.Report != nil {
		hints = append(hints, common.KeyHint{Key: "r", Desc: "report", Keep: 30})
	}
	hints = append(hints, common.KeyHint{Key: "q", Desc: "quit", Keep: 90})
	if m.typing {
		hints = []common.KeyHint{{Key: "type", Desc: "a name", Keep: 100}, {Key: "enter", Desc: "keep", Keep: 90}, {Key: "esc", Desc: "clear", Keep: 80}}
	}
	const sep = " · "
	var parts []string
	for _, h := range common.FitKeys(hints, common.Width(sep), m.width) {
		parts = append(parts, h.Text())
	}
	return strings.Join(parts, sep)
}
