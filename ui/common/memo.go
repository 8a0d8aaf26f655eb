package common

import "slices"

// What a frame costs is measuring and cutting text (grapheme by
// grapheme) and laying tables out; what it shows changes rarely: on an
// idle dashboard the clock once a second, an offset now and then. The
// memos below keep what was drawn last, keyed by exactly what it shows
// (its text, width and styles), and draw again only what changed. Each
// key is the content itself, never a summary of it, so a change can
// never be missed; comparing strings costs far less than measuring them.

// TableMemo keeps the last table one call site drew (Styles.Table), keyed
// by its columns, width, gap and styles.
type TableMemo struct {
	st    uint64 // Styles.ID
	cols  []Column
	w     int
	gap   int
	lines []string
}

// Table is st.Table(cols, w, gap), drawn again only when one of them
// changed since the last call. The lines returned are the memo's: a
// caller that changes them copies them first.
func (m *TableMemo) Table(st *Styles, cols []Column, w, gap int) []string {
	if m.lines != nil && m.st == st.ID() && m.w == w && m.gap == gap && sameColumns(m.cols, cols) {
		return m.lines
	}
	m.st, m.w, m.gap = st.ID(), w, gap
	m.cols = m.cols[:0]
	for _, c := range cols {
		c.Cells = slices.Clone(c.Cells) // the caller may reuse its slices
		m.cols = append(m.cols, c)
	}
	m.lines = st.Table(cols, w, gap)
	return m.lines
}

func sameColumns(a, b []Column) bool {
	return slices.EqualFunc(a, b, func(x, y Column) bool {
		return x.Head == y.Head && x.Right == y.Right && x.Drop == y.Drop && x.Max == y.Max && x.Min == y.Min && slices.Equal(x.Cells, y.Cells)
	})
}

// FitMemo fits a panel's lines to its width (Fit), each line measured
// again only when it differs from the same line of the last frame.
type FitMemo struct {
	w        int
	raw, fit []string
}

// Fit returns lines, each fitted to exactly w cells, in a new slice.
func (m *FitMemo) Fit(lines []string, w int) []string {
	if w != m.w {
		m.w, m.raw, m.fit = w, nil, nil
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		if i < len(m.raw) && m.raw[i] == l {
			out[i] = m.fit[i]
			continue
		}
		out[i] = Fit(l, w)
	}
	m.raw, m.fit = append(m.raw[:0], lines...), append(m.fit[:0], out...)
	return out
}

// wrapKey is one WrapText call.
type wrapKey struct {
	st        uint64 // Styles.ID
	text      string
	w, indent int
	tone      Tone
}

// maxWraps bounds the wrapped paragraphs kept: a panel shows a few dozen
// at most; past the bound the memo starts again.
const maxWraps = 256
