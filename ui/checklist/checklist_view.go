package checklist

import (
	"fmt"
	"strings"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/plan"
	"flyover/ui/common"
	"flyover/ui/confirm"
)

// render lays the panel out into c.frame, from View when it is stale.
func (c *Checklist) render() {
	W, H := c.width, c.height
	if W <= 0 || H <= 0 || c.Styles == nil {
		c.frame = ""
		return
	}
	var lines []string
	if c.dlg != nil && c.dlg.Kind == confirm.KindStep {
		lines = c.dlg.View(W, H, c.dialogTop(W))
	} else {
		lines = c.panelView(W, H)
	}
	if len(lines) > H {
		lines = lines[:H]
	}
	blank := strings.Repeat(" ", W)
	lines = c.fits.Fit(lines, W)
	for len(lines) < H {
		lines = append(lines, blank)
	}
	c.frame = strings.Join(lines, "\n")
}

// ---- the panel beside the dashboard ----

func (c *Checklist) panelView(W, H int) []string {
	st := c.Styles
	var top []string
	if c.g.Writer != nil {
		top = append(top, c.appBlock(W)...)
		top = append(top, "")
	}
	compact := H < 30
	top = append(top, c.listBlock(W, compact)...)
	top = append(top, st.Rule.Render(strings.Repeat("─", W)))
	if d := c.dlg; d != nil && d.Kind == confirm.KindQuit && H-len(top) < len(d.View(W, 0, nil))+2 {
		return c.detail(W, H) // the question and its step, without the list
	}
	rest := max(1, H-len(top))
	return append(top, c.detail(W, rest)...)
}

// stepIcon is a step's status as a symbol and a tone.
func (c *Checklist) stepIcon(s steps.StepState) common.Cell {
	switch {
	case c.running() && s.ID == c.RunningID():
		return common.Cell{Text: spinner(c.at), Tone: common.ToneAccent}
	case s.Status == steps.Done:
		return common.Cell{Text: "✓", Tone: common.ToneOK}
	case s.Status == steps.Blocked:
		return common.Cell{Text: "✗", Tone: common.ToneBad}
	case s.Status == steps.Current:
		return common.Cell{Text: "▶", Tone: common.ToneAccent}
	}
	return common.Cell{Text: "○", Tone: common.ToneMuted}
}

// spinner turns while a step runs, so a long wait never looks frozen.
func spinner(now time.Time) string {
	frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
	return string(frames[(now.UnixMilli()/int64(jobTick/time.Millisecond))%int64(len(frames))])
}

// listBlock is the plan: every step and where it stands.
func (c *Checklist) listBlock(W int, compact bool) []string {
	st := c.Styles
	total := len(c.drv.Plan().Steps)
	right := common.Cell{Text: "derived from the live topology", Tone: common.ToneMuted}
	switch {
	case !c.drv.Ready():
		right = common.Cell{Text: "waiting for the first poll", Tone: common.ToneMuted}
	case c.drv.Plan().Current == "":
		right = common.Cell{Text: "all done", Tone: common.ToneOK}
	default:
		right = common.Cell{Text: fmt.Sprintf("step %d of %d", common.StepNumber(c.drv.Plan().Current), total), Tone: common.ToneMuted}
	}
	title := c.TitleRight(st.Title.Render("CHECKLIST"), right, W)
	if compact {
		var b strings.Builder
		for _, s := range c.drv.Plan().Steps {
			ic := c.stepIcon(s)
			b.WriteString(st.Paint(ic.Tone, ic.Text))
		}
		cur := ""
		if c.drv.Plan().Current != "" {
			cur = "  " + st.Paint(common.ToneStrong, common.StepTitle(c.drv.Plan().Current))
		}
		return []string{title, " " + b.String() + cur}
	}
	out := []string{title}
	prog, hasProg := c.drv.Progress()
	for i, s := range c.drv.Plan().Steps {
		ic := c.stepIcon(s)
		name := fmt.Sprintf("%d %s", i+1, s.Title)
		t := common.ToneText
		switch {
		case s.Status == steps.Pending:
			t = common.ToneMuted
		case s.ID == c.drv.Plan().Current:
			t = common.ToneStrong
		}
		line := " " + st.Paint(ic.Tone, ic.Text) + " " + st.Paint(t, name)
		switch {
		case c.running() && s.ID == c.RunningID() && hasProg && common.Width(prog.Phase)+2+common.Width(name)+3 <= W:
			// The phase where it fits whole; the step's detail below
			// always says it.
			line = c.TitleRight(line, common.Cell{Text: prog.Phase, Tone: common.ToneAccent}, W)
		case s.Status == steps.Blocked:
			line = c.TitleRight(line, common.Cell{Text: "blocked", Tone: common.ToneBad}, W)
		}
		out = append(out, line)
	}
	return out
}

// detail is the lower part: what matters now.
func (c *Checklist) detail(W, H int) []string {
	switch {
	case c.running() || c.drv.Starting():
		return c.runningView(W, H)
	case !c.drv.Ready():
		return []string{c.Styles.Paint(common.ToneMuted, "Polling the source, the target and the Sentinels…")}
	case c.drv.Plan().Current == "":
		return c.completeView(W, H)
	case c.drv.JustDoneAt(c.drv.Plan().Current, c.at):
		return c.settlingView(W, H)
	}
	return c.stepView(W, H)
}

// settlingView bridges the moment between a step's end and the polls
// showing it: the step's outcome, not a stale plan.
func (c *Checklist) settlingView(W, H int) []string {
	st := c.Styles
	id := c.drv.Plan().Current
	secs := []common.Section{{Lines: []string{c.stepHeading(id, common.Cell{Text: "✓ done", Tone: common.ToneOK}, W)}, Prio: 100}}
	if l := c.drv.Last(); l != nil && l.ID == id {
		if steps.Lookup(id).PointOfNoReturn {
			secs = append(secs, common.Section{Lines: c.phaseLines(l.Phases, l.Progress, W, l.Ended, true), Prio: 90})
		}
		secs = append(secs, common.Section{Lines: []string{st.Paint(common.ToneOK, "finished in "+common.Duration(l.Took))}, Prio: 95})
	}
	secs = append(secs, common.Section{Lines: []string{st.Paint(common.ToneMuted, "confirming on the next poll…")}, Prio: 95})
	return common.FitSections(secs, H)
}

// staleAfter is when a remembered outcome says its age: the screen shows
// what is true now, or says how old it is.
const staleAfter = 5 * time.Second

// failure is a step's error as it was at ended, with its age once that
// is staleAfter or more: the screen may show an old
// outcome, but says how old.
func (c *Checklist) failure(err error, ended time.Time) string {
	text := errText(err)
	if age := c.now().Sub(ended); age >= staleAfter {
		text = fmt.Sprintf("%s (as of %s ago)", text, common.Duration(age))
	}
	return text
}

// titled is a failure under its step's title: "Full sync: the target
// refused", or, when the failure names its step first, once: "Full sync
// stopped: …" (not "Full sync: full sync stopped: …").
func titled(title, text string) string {
	if len(text) > len(title) && strings.EqualFold(text[:len(title)], title) && text[len(title)] == ' ' {
		return title + text[len(title):]
	}
	return title + ": " + text
}

// lastLine sums up the step that ended last, when it is not the one on
// screen: the cutover's stall, a failure elsewhere; failed when that
// failure still holds (and the operator did not stop the step).
func (c *Checklist) lastLine(W int) (lines []string, failed bool) {
	l := c.drv.Last()
	if l == nil || l.ID == c.drv.Plan().Current {
		return nil, false
	}
	st := c.Styles
	if l.Err != nil {
		if c.drv.Plan().State(l.ID).Status == steps.Done {
			// What failed then holds now: the latest snapshot says so,
			// and a ✓ beside a stale block would contradict it.
			text := fmt.Sprintf("%s passes now (it did not %s ago)", common.StepTitle(l.ID), common.Duration(c.now().Sub(l.Ended)))
			return c.MarkedText(st.Paint(common.ToneOK, "✓ "), 2, text, common.ToneMuted, W), false
		}
		t := common.ToneBad
		if stopped(l.Err) {
			t = common.ToneWarn
		}
		return c.WrapText(titled(common.StepTitle(l.ID), c.failure(l.Err, l.Ended)), W, 0, t), !stopped(l.Err)
	}
	text := fmt.Sprintf("%s done in %s", common.StepTitle(l.ID), common.Took(l.Took))
	if steps.Lookup(l.ID).PointOfNoReturn && c.drv.Facts().Cutover != nil && c.drv.Facts().Cutover.Stall > 0 {
		text += " · writes paused " + ms(c.drv.Facts().Cutover.Stall)
	}
	return c.MarkedText(st.Paint(common.ToneOK, "✓ "), 2, text, common.ToneMuted, W), false
}

// stepHeading is "STEP 4 · STEADY STATE" with a fact on the right.
func (c *Checklist) stepHeading(id steps.StepID, right common.Cell, W int) string {
	name := strings.ToUpper(common.StepTitle(id))
	if n := common.StepNumber(id); n > 0 {
		name = fmt.Sprintf("STEP %d · %s", n, name)
	}
	return c.TitleRight(c.Styles.Title.Render(name), right, W)
}

// completeView is the end: what was done, what it cost, where the record is.
func (c *Checklist) completeView(W, H int) []string {
	st := c.Styles
	f := c.drv.Facts()
	lines := []string{st.Paint(common.ToneOK, "✓ ") + st.Title.Render("MIGRATION COMPLETE")}
	lines = append(lines, c.WrapText(fmt.Sprintf("The target %s is the primary; every Sentinel names it.", c.Cfg.Topo.Target), W, 0, common.ToneText)...)
	var rows [][2]common.Cell
	if f.Cutover != nil && f.Cutover.Stall > 0 {
		if f.Cutover.PausedAllClients {
			// Redis 6.0: the pause held reads too, and lifted by itself.
			rows = append(rows, [2]common.Cell{{Text: "stall"}, {Text: ms(f.Cutover.Stall) + " (every client, reads too: Redis 6.0)"}})
		} else {
			rows = append(rows, [2]common.Cell{{Text: "write stall"}, {Text: ms(f.Cutover.Stall) + " (pause to unpause)"}})
		}
	}
	if c.g.Writer != nil {
		lost := c.lostCell()
		if rb := f.ReadBack; rb != nil && rb.Err == "" {
			lost.Text = fmt.Sprintf("%s lost of %s acknowledged", probe.Thousands(rb.Verdict.Lost), probe.Thousands(rb.Verdict.Checked))
		}
		rows = append(rows, [2]common.Cell{{Text: "application"}, lost})
	}
	if f.Report != "" {
		rows = append(rows, [2]common.Cell{{Text: "report"}, {Text: f.Report}})
	}
	if c.g.Audit != nil && c.g.Audit.Path() != "" {
		rows = append(rows, [2]common.Cell{{Text: "audit log"}, {Text: c.g.Audit.Path()}})
	}
	if len(rows) > 0 {
		var a, b common.Column
		for _, r := range rows {
			a.Cells = append(a.Cells, common.Cell{Text: r[0].Text, Tone: common.ToneMuted})
			b.Cells = append(b.Cells, r[1])
		}
		lines = append(lines, "")
		lines = append(lines, st.Table([]common.Column{a, b}, W, 2)...)
	}
	if note := c.readBackNote(); note != "" {
		// What "lost of acknowledged" covered, and what it did not.
		lines = append(lines, c.WrapText("Application writes "+note+".", W, 0, common.ToneMuted)...)
	}
	// What happens if the new primary fails, so that "complete" is never
	// read as "highly available" when it is not.
	failover, ok := plan.Failover(*f)
	tone := common.ToneOK
	if !ok {
		tone = common.ToneWarn
	}
	lines = append(lines, "")
	lines = append(lines, c.WrapText("Failover: "+failover+".", W, 0, tone)...)
	if c.note.Text != "" {
		lines = append(lines, "")
		lines = append(lines, c.WrapText(c.note.Text, W, 0, c.note.Tone)...)
	}
	if c.auto.on && c.auto.status != "" {
		lines = append(lines, "", st.BadgeNeutral.Render(" AUTOPLAY ")+" "+st.Paint(common.ToneMuted, strings.TrimPrefix(c.auto.status, "autoplay: ")))
	}
	return lines
}

// dialogTop is the application, above the questions: what the
// operator watches while deciding.
func (c *Checklist) dialogTop(W int) []string {
	if c.g.Writer == nil {
		return nil
	}
	var top []string
	if W >= 90 {
		top = append(top, c.appLine(W))
	} else {
		top = append(top, c.appBlock(W)...)
	}
	return append(top, c.Styles.Rule.Render(strings.Repeat("─", W)))
}
