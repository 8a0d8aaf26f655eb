// The APPLICATION panel: the writer, live, and the verdict on its writes.

package checklist

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
	"flyover/steps"
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
	by := ""
	if rb := c.drv.Facts().ReadBack; rb != nil && rb.Err == "" {
		by = st.Paint(common.ToneMuted, " by "+rb.Verdict.At.Format("15:04:05"))
	}
	// The verdict (lost) is the point: the stalls give way before it,
	// each figure whole or not at all.
	var line string
	for n := len(parts); n >= 1; n-- {
		line = st.Title.Render("APPLICATION") + "  " + strings.Join(parts[:n], st.Paint(common.ToneMuted, " · ")) +
			st.Paint(common.ToneMuted, " · lost ") + st.Paint(lost.Tone, lost.Text) + by
		if ansi.StringWidth(line) <= W {
			break
		}
	}
	return line
}

// lostCell is the latest read-back of the acknowledged writes (verify's,
// then the report's): how many were lost of how many read back, and up
// to when; writes acknowledged after that were not read back.
func (c *Checklist) lostCell() common.Cell {
	p, _ := c.drv.Progress()
	if _, id := c.drv.Running(); id != "" && steps.Lookup(id).ReadsBackWrites && p.Phase == "canary" {
		return common.Cell{Text: "reading every acknowledged write back…", Short: "reading back…", Tone: common.ToneMuted}
	}
	rb := c.drv.Facts().ReadBack
	switch {
	case rb == nil:
		return common.Cell{Text: "after cutover", Tone: common.ToneMuted}
	case rb.Err != "":
		return common.Cell{Text: "not checked: " + rb.Err, Short: "not checked", Tone: common.ToneWarn}
	}
	v := rb.Verdict
	if v.Lost == 0 {
		return common.Cell{Text: fmt.Sprintf("0 of %s ✓", probe.Thousands(v.Checked)), Tone: common.ToneOK}
	}
	return common.Cell{Text: fmt.Sprintf("%s of %s LOST", probe.Thousands(v.Lost), probe.Thousands(v.Checked)), Tone: common.ToneBad}
}

// readBackNote says what the latest read-back covered and what it did
// not: the writes acknowledged by its moment, read back by which step,
// and how many were acknowledged since ("" when there is none).
func (c *Checklist) readBackNote() string {
	rb := c.drv.Facts().ReadBack
	if rb == nil || rb.Err != "" {
		return ""
	}
	v := rb.Verdict
	s := fmt.Sprintf("read back by the %s step: the %s writes acknowledged by %s", rb.Step, probe.Thousands(v.Checked), v.At.Format("15:04:05"))
	if v.Expired > 0 {
		s += fmt.Sprintf(" (%s older ones not checked: their TTL may have run out)", probe.Thousands(v.Expired))
	}
	if since := c.stats.Acked - v.Acked; c.hasStats && since > 0 {
		s += fmt.Sprintf("; %s acknowledged since, not read back", probe.Thousands(since))
	}
	return s
}

// ms formats a stall: 0 ms, 14 ms, 1.18 s.
func ms(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}
