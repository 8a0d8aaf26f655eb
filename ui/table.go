package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// cell is one piece of text and its meaning. Widths are measured on the
// plain text; the tone is applied at the very end.
type cell struct {
	text string
	tone tone
	// span makes the cell run to the end of its row (an error in place
	// of a Sentinel's details).
	span bool
}

// column is one column of a table.
type column struct {
	head  string
	cells []cell // one per row
	right bool   // right-aligned (numbers)
	// drop orders the columns given up when the table is too wide: the
	// highest goes first; 0 never goes.
	drop int
	max  int // widest the column may be; 0: as wide as its text
	min  int // narrowest it may be
}

// table renders columns into lines exactly w cells wide: a muted heading
// line (if any column has a heading) and one line per row. Columns are
// dropped, in their drop order, until the table fits; the last column is
// then cut to the width left.
func (st *Styles) table(cols []column, w, gap int) []string {
	widths := make([]int, len(cols))
	shown := make([]bool, len(cols))
	// textW[i][r] is the width of column i's cell r, measured once.
	textW := make([][]int, len(cols))
	rows, heads := 0, false
	for i, c := range cols {
		shown[i] = true
		widths[i] = width(c.head)
		heads = heads || c.head != ""
		textW[i] = make([]int, len(c.cells))
		for r, x := range c.cells {
			textW[i][r] = width(x.text)
			if !x.span {
				widths[i] = max(widths[i], textW[i][r])
			}
		}
		if c.max > 0 {
			widths[i] = min(widths[i], c.max)
		}
		widths[i] = max(widths[i], c.min)
		rows = max(rows, len(c.cells))
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
			if shown[i] && c.drop > 0 && (worst < 0 || c.drop > cols[worst].drop) {
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
			var x cell
			n := 0
			if row < 0 {
				x, n = cell{text: c.head, tone: toneMuted}, width(c.head)
			} else if row < len(c.cells) {
				x, n = c.cells[row], textW[i][row]
			}
			if x.span {
				b.WriteString(st.cellText(x, n, w-used, false))
				used = w
				break
			}
			cw := widths[i]
			if i == last {
				cw = w - used
			}
			b.WriteString(st.cellText(x, n, cw, c.right && row >= 0))
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
func (st *Styles) cellText(c cell, n, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	t := c.text
	if n > w {
		t = ansi.Truncate(t, w, "…")
		n = width(t)
	}
	p := st.paint(c.tone, t)
	if n >= w {
		return p
	}
	if right {
		return strings.Repeat(" ", w-n) + p
	}
	return p + strings.Repeat(" ", w-n)
}
