// The APPLICATION panel: the writer, live, and the verdict on its writes.

package checklist

import (
	"fmt"
	"strings"
	"time"

	"flyover/probe"
	"flyover/ui/common"
)

// appBlock is the application panel: the writer, live.
func (c *Checklist) appBlock(W int) []string {
	st := c.Styles
	s := c.stats
	title := c.TitleRight(st.Title.Render("APPLICATION"), common.Cell{Text: c.g.WriterLabel, Tone: common.ToneMuted}, W)
	if !c.hasStats {
		return []string{title, st.Paint(common.ToneMuted, "  starting the writer…")}
	}
	stallNow := common.Cell{Text: ms(s.CurrentStall), Tone: common.ToneText}
	if s.CurrentStall >= 200*time.Millisecond {
		stallNow.Tone = common.ToneWarn
	}
	failed := common.Cell{Text: probe.Thousands(s.Failed), Tone: common.ToneText}
	if s.Failed > 0 {
		failed.Tone = common.ToneWarn
	}
	longest := common.Cell{Text: ms(s.LongestStall)}
	lost := c.lostCell()
	label := func(t string) common.Cell { return common.Cell{Text: t, Tone: common.ToneMuted} }
	rows := st.Table([]common.Column{
		{Cells: []common.Cell{label("writes/s"), label("stall now"), label("failed")}, Min: 9},
		{Cells: []common.Cell{{Text: probe.Thousands(int64(s.WritesPerSec + 0.5))}, stallNow, failed}, Min: 9},
		{Cells: []common.Cell{label("acked"), label("longest"), label("lost")}, Min: 7},
		{Cells: []common.Cell{{Text: probe.Thousands(s.Acked)}, longest, lost}},
	}, W-2, 2)
	out := []string{title}
	for _, r := range rows {
		out = append(out, "  "+r)
	}
	return out
}

// appLine is the application panel in one line, for the questions.
func (c *Checklist) appLine(W int) string {
	st := c.Styles
	if !c.hasStats {
		return st.Title.Render("APPLICATION") + "  " + st.Paint(common.ToneMuted, "starting the writer…")
	}
	s := c.stats
	lost := c.lostCell()
	parts := []string{
		probe.Thousands(int64(s.WritesPerSec+0.5)) + " writes/s",
		probe.Thousands(s.Failed) + " failed",
		"stall now " + ms(s.CurrentStall),
		"longest " + ms(s.LongestStall),
	}
	return st.Title.Render("APPLICATION") + "  " + strings.Join(parts, st.Paint(common.ToneMuted, " · ")) +
		st.Paint(common.ToneMuted, " · lost ") + st.Paint(lost.Tone, lost.Text)
}

// lostCell is the verified count of acknowledged writes lost, once the
// cutover is verified.
func (c *Checklist) lostCell() common.Cell {
	switch {
	case c.verifying:
		return common.Cell{Text: "reading every acknowledged write back…", Tone: common.ToneMuted}
	case c.verdictErr != "":
		return common.Cell{Text: "not checked: " + c.verdictErr, Tone: common.ToneWarn}
	case c.verdict != nil && c.verdict.Lost == 0:
		return common.Cell{Text: fmt.Sprintf("0 of %s ✓", probe.Thousands(c.verdict.Checked)), Tone: common.ToneOK}
	case c.verdict != nil:
		return common.Cell{Text: fmt.Sprintf("%s of %s LOST", probe.Thousands(c.verdict.Lost), probe.Thousands(c.verdict.Checked)), Tone: common.ToneBad}
	}
	return common.Cell{Text: "after cutover", Tone: common.ToneMuted}
}

// ms formats a stall: 0 ms, 14 ms, 1.18 s.
func ms(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}
