package common

import (
	"strings"
)

// Cell is one piece of text and its meaning. Widths are measured on the
// plain text; the tone is applied at the very end.
type Cell struct {
	Text string
	Tone Tone
	// Span makes the cell run to the end of its row (an error in place
	// of a Sentinel's details).
	Span bool
	// Short is a shorter wording of Text, said instead of cutting it
	// when the table is too wide for Text.
	Short string
	// Shortest is said when Short does not fit either (a column may
	// narrow to it).
	Shortest string
}

// Column is one column of a table. TableMemo compares every field: a
// new one goes into sameColumns too.
type Column struct {
	Head  string
	Cells []Cell // one per row
	Right bool   // right-aligned (numbers)
	// Drop orders the columns given up when the table is too wide: the
	// highest goes first; 0 never goes.
	Drop int
	Max  int // widest the column may be; 0: as wide as its text
	Min  int // narrowest it may be
}

// Table renders columns into lines exactly w cells wide: a muted heading
// line (if any column has a heading) and one line per row. Columns are
// dropped, in their drop order, until the table fits; then columns with
// shorter wordings (Cell.Short, Cell.Shortest) take them, from the right; the last
// column is then cut to the width left.
func (st *Styles) Table(cols []Column, w, gap int) []string {
	widths := make([]int, len(cols))
	shown := make([]bool, len(cols))
	// textW[i][r] is the width of column i's cell r, measured once.
	textW := make([][]int, len(cols))
	rows, heads := 0, false
	for i, c := range cols {
		shown[i] = true
		widths[i] = Width(c.Head)
		heads = heads || c.Head != ""
		textW[i] = make([]int, len(c.Cells))
		for r, x := range c.Cells {
			textW[i][r] = Width(x.Text)
			if !x.Span {
				widths[i] = max(widths[i], textW[i][r])
			}
		}
		if c.Max > 0 {
			widths[i] = min(widths[i], c.Max)
		}
		widths[i] = max(widths[i], c.Min)
		rows = max(rows, len(c.Cells))
	}
	total := func() int {
		t, n := 0, 0
		for i := range cols {
			if shown[i] {
				t += widths[i]
				n++
			}
		}
		return t + gap*max(0, n-1)
	}
	for total() > w {
		worst := -1
		for i, c := range cols {
			if shown[i] && c.Drop > 0 && (worst < 0 || c.Drop > cols[worst].Drop) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		shown[worst] = false
	}
	last := -1
	for i := range cols {
		if shown[i] {
			last = i
		}
	}
	// Still too wide: the shorter wordings, from the right.
	for i := len(cols) - 1; i >= 0 && total() > w; i-- {
		if !shown[i] {
			continue
		}
		short, has := max(Width(cols[i].Head), cols[i].Min), false
		for r, x := range cols[i].Cells {
			switch {
			case x.Span:
			case x.Shortest != "":
				short, has = max(short, Width(x.Shortest)), true
			case x.Short != "":
				short, has = max(short, Width(x.Short)), true
			default:
				short = max(short, textW[i][r])
			}
		}
		if has && short < widths[i] {
			widths[i] = max(short, widths[i]-(total()-w))
		}
	}
	// Still too wide: cut columns from the right, the last first.
	for i := len(cols) - 1; i >= 0 && total() > w; i-- {
		if shown[i] {
			widths[i] = max(1, widths[i]-(total()-w))
		}
	}

	pad := strings.Repeat(" ", gap)
	out := make([]string, 0, rows+1)
	var b strings.Builder
	line := func(row int) string {
		b.Reset()
		used := 0
		for i, c := range cols {
			if !shown[i] {
				continue
			}
			if used > 0 {
				b.WriteString(pad)
				used += gap
			}
			var x Cell
			n := 0
			if row < 0 {
				x, n = Cell{Text: c.Head, Tone: ToneMuted}, Width(c.Head)
			} else if row < len(c.Cells) {
				x, n = c.Cells[row], textW[i][row]
			}
			if x.Span {
				b.WriteString(st.cellText(x, n, w-used, false))
				used = w
				break
			}
			cw := widths[i]
			if i == last {
				cw = w - used
			}
			b.WriteString(st.cellText(x, n, cw, c.Right && row >= 0))
			used += cw
		}
		if used < w {
			b.WriteString(strings.Repeat(" ", w-used))
		}
		return b.String()
	}
	if heads {
		out = append(out, line(-1))
	}
	for r := 0; r < rows; r++ {
		out = append(out, line(r))
	}
	return out
}

// cellText renders a cell whose text is n cells wide exactly w wide: cut,
// painted, padded.
func (st *Styles) cellText(c Cell, n, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	t := c.Text
	if n > w && c.Short != "" {
		t = c.Short
		n = Width(t)
	}
	if n > w && c.Shortest != "" {
		t = c.Shortest
		n = Width(t)
	}
	if n > w {
		t = ClipWords(t, w)
		n = Width(t)
	}
	p := st.Paint(c.Tone, t)
	if n >= w {
		return p
	}
	if right {
		return strings.Repeat(" ", w-n) + p
	}
	return p + strings.Repeat(" ", w-n)
}
