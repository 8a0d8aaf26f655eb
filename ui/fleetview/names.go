package fleetview

import "flyover/ui/common"

// The MASTER column. A master's name is what the operator types (the
// filter, --confirm-masters, the cutover's confirmation), so it is never
// cut at its end: the column is as wide as the longest name of the whole
// fleet (not only the rows on screen: it stays put while scrolling) when
// the screen has room beside the columns that always stay (the cursor,
// PHASE, LAG); else every name is shortened in the middle, at the place
// where no two names read the same (common.ShortenUnique). Not wrapped:
// an SRE reading 200 masters scans one line per master and moves a
// cursor over them; and names that share a start ("payments-cache-prod-")
// differ at the end (the region, the shard), which the middle cut keeps.
// The whole name is on the master's own screen (enter).

// nameFit is the names as the MASTER column shows them on a screen w
// wide, beside columns that took up to beside cells (the widest seen at
// this width: the names do not change while scrolling, but for a wider
// PHASE or LAG seen the first time); derived again when these or the
// fleet's names change.
type nameFit struct {
	w, beside int
	room      int
	longest   int
	short     map[string]string
}

// marker follows the name of a master whose screen was opened.
const marker = " •"

// beside are the columns that always stay beside MASTER (their index in
// the table), with the width their cells usually take at most
// ("decommissioned", "1000.0 KiB 99.9s"): the names keep one width while
// the rows on screen and their figures change, and give way once only
// to a wider one.
var beside = []struct{ col, usual int }{{0, 1}, {4, 14}, {5, 16}}

// fitNames sets the MASTER column (cols[1]): its width, and its cells
// (the names of the rows on screen) as shown.
func (m *Model) fitNames(cols []common.Column) {
	col := &cols[1]
	names := col.Cells
	const gap = 2
	used := 0
	for _, b := range beside {
		used += max(colWidth(cols[b.col]), b.usual) + gap
	}
	if len(m.subs) > 0 {
		used += common.Width(marker)
	}
	if m.names.w == m.width {
		used = max(used, m.names.beside)
	}
	if m.names.w != m.width || m.names.beside != used || m.names.short == nil || m.missesName(names) {
		m.names = nameFit{w: m.width, beside: used, room: max(m.width-used, 8)}
		all := make([]string, len(m.rows))
		for i, r := range m.rows {
			all[i] = r.Master
			m.names.longest = max(m.names.longest, common.Width(r.Master))
		}
		m.names.short = common.ShortenUnique(all, m.names.room)
	}
	w := min(m.names.longest, m.names.room)
	if len(m.subs) > 0 {
		w += common.Width(marker)
	}
	col.Min = max(w, common.Width(col.Head))
	col.Max = col.Min
	for i := range names {
		c := &names[i]
		_, open := m.subs[c.Text]
		c.Text = m.names.short[c.Text]
		if open {
			c.Text += marker
		}
	}
}

// missesName: a name on screen that the fit has not seen (the fleet
// changed).
func (m *Model) missesName(names []common.Cell) bool {
	for _, c := range names {
		if _, ok := m.names.short[c.Text]; !ok {
			return true
		}
	}
	return false
}

// colWidth is how wide the table draws c: its widest cell or heading.
func colWidth(c common.Column) int {
	w := max(common.Width(c.Head), c.Min)
	for _, x := range c.Cells {
		w = max(w, common.Width(x.Text))
	}
	return w
}
