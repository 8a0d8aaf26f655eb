// The APPLICATION panel: the writer, live, and the verdict on its writes.

package ui

import (
	"fmt"
	"strings"
	"time"

	"flyover/probe"
)

// appBlock is the application panel: the writer, live.
func (c *Checklist) appBlock(W int) []string {
	st := c.styles
	s := c.stats
	title := c.titleRight(st.title.Render("APPLICATION"), cell{text: c.g.WriterLabel, tone: toneMuted}, W)
	if !c.hasStats {
		return []string{title, st.paint(toneMuted, "  starting the writer…")}
	}
	stallNow := cell{text: ms(s.CurrentStall), tone: toneText}
	if s.CurrentStall >= 200*time.Millisecond {
		stallNow.tone = toneWarn
	}
	failed := cell{text: probe.Thousands(s.Failed), tone: toneText}
	if s.Failed > 0 {
		failed.tone = toneWarn
	}
	longest := cell{text: ms(s.LongestStall)}
	lost := c.lostCell()
	label := func(t string) cell { return cell{text: t, tone: toneMuted} }
	rows := st.table([]column{
		{cells: []cell{label("writes/s"), label("stall now"), label("failed")}, min: 9},
		{cells: []cell{{text: probe.Thousands(int64(s.WritesPerSec + 0.5))}, stallNow, failed}, min: 9},
		{cells: []cell{label("acked"), label("longest"), label("lost")}, min: 7},
		{cells: []cell{{text: probe.Thousands(s.Acked)}, longest, lost}},
	}, W-2, 2)
	out := []string{title}
	for _, r := range rows {
		out = append(out, "  "+r)
	}
	return out
}

// appLine is the application panel in one line, for the questions.
func (c *Checklist) appLine(W int) string {
	st := c.styles
	if !c.hasStats {
		return st.title.Render("APPLICATION") + "  " + st.paint(toneMuted, "starting the writer…")
	}
	s := c.stats
	lost := c.lostCell()
	parts := []string{
		probe.Thousands(int64(s.WritesPerSec+0.5)) + " writes/s",
		probe.Thousands(s.Failed) + " failed",
		"stall now " + ms(s.CurrentStall),
		"longest " + ms(s.LongestStall),
	}
	return st.title.Render("APPLICATION") + "  " + strings.Join(parts, st.paint(toneMuted, " · ")) +
		st.paint(toneMuted, " · lost ") + st.paint(lost.tone, lost.text)
}

// lostCell is the verified count of acknowledged writes lost, once the
// cutover is verified.
func (c *Checklist) lostCell() cell {
	switch {
	case c.verifying:
		return cell{text: "reading every acknowledged write back…", tone: toneMuted}
	case c.verdictErr != "":
		return cell{text: "not checked: " + c.verdictErr, tone: toneWarn}
	case c.verdict != nil && c.verdict.Lost == 0:
		return cell{text: fmt.Sprintf("0 of %s ✓", probe.Thousands(c.verdict.Checked)), tone: toneOK}
	case c.verdict != nil:
		return cell{text: fmt.Sprintf("%s of %s LOST", probe.Thousands(c.verdict.Lost), probe.Thousands(c.verdict.Checked)), tone: toneBad}
	}
	return cell{text: "after cutover", tone: toneMuted}
}

// ms formats a stall: 0 ms, 14 ms, 1.18 s.
func ms(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}
