package ui

import tea "charm.land/bubbletea/v2"

// news is what makes a coalesced poll's frame worth drawing at once:
// anything that moved (dashboard.News: a timeline entry, a Sentinel's
// reply that differs, the badge, a key), the checklist's state, and the
// clock's second. A poll that changed figures alone waits for the next
// second's frame, a tick later at most: an idle screen changes once a
// second, not at every poll (each changed frame is parsed and compared
// whole by the renderer).
type news struct {
	moves  uint64
	second int64
	panel  string
}

// news is the news as of now (news).
func (m *Model) news() news {
	var n news
	n.moves, n.second = m.Dash.News()
	if m.Guide != nil {
		p := m.Guide.Plan()
		n.panel = m.Guide.LayoutKey() + " " + string(p.Current)
	}
	return n
}

// moving tells the dashboard's pace (dashboard.Move) what the root model
// alone knows moves: the operator's keys, an open question, a running
// step. The Sentinels are then polled every tick.
func (m *Model) moving(msg tea.Msg) {
	_, key := msg.(tea.KeyPressMsg)
	if key || m.Guide != nil && (m.Guide.Asking() || m.Guide.Running() != nil) {
		if m.Dash.Quiet() {
			m.invalidate() // the header's word on the pace changes
		}
		m.Dash.Move()
	}
}
