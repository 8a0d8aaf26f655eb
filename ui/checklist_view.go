package ui

import (
	"fmt"
	"strings"
	"time"

	"flyover/probe"
	"flyover/steps"
)

// render lays the panel out into c.frame, from View when it is stale.
func (c *Checklist) render() {
	W, H := c.width, c.height
	if W <= 0 || H <= 0 || c.styles == nil {
		c.frame = ""
		return
	}
	var lines []string
	if c.dlg != nil && c.dlg.kind == confirmStep {
		lines = c.dlg.View(W, H, c.dialogTop(W))
	} else {
		lines = c.panelView(W, H)
	}
	if len(lines) > H {
		lines = lines[:H]
	}
	blank := strings.Repeat(" ", W)
	for i := range lines {
		lines[i] = fit(lines[i], W)
	}
	for len(lines) < H {
		lines = append(lines, blank)
	}
	c.frame = strings.Join(lines, "\n")
}

// section is a run of lines the layout may shorten: the lowest prio is
// cut first, down to min lines; more says what was cut.
type section struct {
	lines []string
	prio  int
	min   int
	more  func(n int) string
	whole bool // all of it or none (a paragraph cut short reads wrong)
}

// sectionsHeight is how many lines the sections take, stacked with a
// blank line between them, when those below prio are cut to their
// minimum (0: none cut).
func sectionsHeight(secs []section, prio int) int {
	n, k := 0, 0
	for _, s := range secs {
		l := len(s.lines)
		if s.prio < prio {
			l = min(l, s.min)
		}
		if l > 0 {
			n += l
			k++
		}
	}
	return n + max(0, k-1)
}

// fitSections stacks sections, one blank line between them, shortening
// the least important until they fit in h lines.
func fitSections(secs []section, h int) []string {
	total := func() int { return sectionsHeight(secs, 0) }
	for total() > h {
		worst := -1
		for i, s := range secs {
			if len(s.lines) > s.min && (worst < 0 || s.prio < secs[worst].prio) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		s := &secs[worst]
		if s.whole {
			s.lines = nil
			continue
		}
		cut := min(total()-h, len(s.lines)-s.min)
		keep := len(s.lines) - cut
		if s.more != nil && keep > 0 {
			hidden := len(s.lines) - keep + 1
			s.lines = append(s.lines[:keep-1:keep-1], s.more(hidden))
		} else {
			s.lines = s.lines[:keep]
		}
	}
	var out []string
	for _, s := range secs {
		if len(s.lines) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, s.lines...)
	}
	return out
}

// ---- the panel beside the dashboard ----

func (c *Checklist) panelView(W, H int) []string {
	st := c.styles
	var top []string
	if c.g.Writer != nil {
		top = append(top, c.appBlock(W)...)
		top = append(top, "")
	}
	compact := H < 30
	top = append(top, c.listBlock(W, compact)...)
	top = append(top, st.Rule.Render(strings.Repeat("─", W)))
	if d := c.dlg; d != nil && d.kind == confirmQuit && H-len(top) < len(d.View(W, 0, nil))+2 {
		return c.detail(W, H) // the question and its step, without the list
	}
	rest := max(1, H-len(top))
	return append(top, c.detail(W, rest)...)
}

// stepIcon is a step's status as a symbol and a tone.
func (c *Checklist) stepIcon(s steps.StepState) cell {
	switch {
	case c.running() && s.ID == c.runningID():
		return cell{text: spinner(c.at), tone: toneAccent}
	case s.Status == steps.Done:
		return cell{text: "✓", tone: toneOK}
	case s.Status == steps.Blocked:
		return cell{text: "✗", tone: toneBad}
	case s.Status == steps.Current:
		return cell{text: "▶", tone: toneAccent}
	}
	return cell{text: "○", tone: toneMuted}
}

// spinner turns while a step runs, so a long wait never looks frozen.
func spinner(now time.Time) string {
	frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
	return string(frames[(now.UnixMilli()/int64(jobTick/time.Millisecond))%int64(len(frames))])
}

// listBlock is the plan: every step and where it stands.
func (c *Checklist) listBlock(W int, compact bool) []string {
	st := c.styles
	total := len(c.drv.Plan().Steps)
	right := cell{text: "derived from the live topology", tone: toneMuted}
	switch {
	case !c.drv.Ready():
		right = cell{text: "waiting for the first poll", tone: toneMuted}
	case c.drv.Plan().Current == "":
		right = cell{text: "all done", tone: toneOK}
	default:
		right = cell{text: fmt.Sprintf("step %d of %d", stepNumber(c.drv.Plan().Current), total), tone: toneMuted}
	}
	title := c.titleRight(st.title.Render("CHECKLIST"), right, W)
	if compact {
		var b strings.Builder
		for _, s := range c.drv.Plan().Steps {
			ic := c.stepIcon(s)
			b.WriteString(st.paint(ic.tone, ic.text))
		}
		cur := ""
		if c.drv.Plan().Current != "" {
			cur = "  " + st.paint(toneStrong, stepTitle(c.drv.Plan().Current))
		}
		return []string{title, " " + b.String() + cur}
	}
	out := []string{title}
	prog, hasProg := c.drv.Progress()
	for i, s := range c.drv.Plan().Steps {
		ic := c.stepIcon(s)
		name := fmt.Sprintf("%d %s", i+1, s.Title)
		t := toneText
		switch {
		case s.Status == steps.Pending:
			t = toneMuted
		case s.ID == c.drv.Plan().Current:
			t = toneStrong
		}
		line := " " + st.paint(ic.tone, ic.text) + " " + st.paint(t, name)
		switch {
		case c.running() && s.ID == c.runningID() && hasProg:
			line = c.titleRight(line, cell{text: prog.Phase, tone: toneAccent}, W)
		case s.Status == steps.Blocked:
			line = c.titleRight(line, cell{text: "blocked", tone: toneBad}, W)
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
		return []string{c.styles.paint(toneMuted, "Polling the source, the target and the Sentinels…")}
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
	st := c.styles
	id := c.drv.Plan().Current
	secs := []section{{lines: []string{c.stepHeading(id, cell{text: "✓ done", tone: toneOK}, W)}, prio: 100}}
	if l := c.drv.Last(); l != nil && l.ID == id {
		if steps.Lookup(id).PointOfNoReturn {
			secs = append(secs, section{lines: c.phaseLines(l.Phases, l.Progress, W, l.Ended, true), prio: 90})
		}
		secs = append(secs, section{lines: []string{st.paint(toneOK, "finished in "+duration(l.Took))}, prio: 95})
	}
	secs = append(secs, section{lines: []string{st.paint(toneMuted, "confirming on the next poll…")}, prio: 95})
	return fitSections(secs, H)
}

// staleAfter is when a remembered outcome says its age: the screen shows
// what is true now, or says how old it is.
const staleAfter = 5 * time.Second

// failure is a step's error as it was at ended, with its age once that
// is staleAfter or more (and then then): the screen may show an old
// outcome, but says how old.
func (c *Checklist) failure(err error, ended time.Time, then string) string {
	text := errText(err)
	if age := c.now().Sub(ended); age >= staleAfter {
		text = fmt.Sprintf("%s (as of %s ago%s)", text, duration(age), then)
	}
	return text
}

// lastLine sums up the step that ended last, when it is not the one on
// screen: the cutover's stall, a failure elsewhere.
func (c *Checklist) lastLine(W int) []string {
	l := c.drv.Last()
	if l == nil || l.ID == c.drv.Plan().Current {
		return nil
	}
	st := c.styles
	if l.Err != nil {
		if c.drv.Plan().State(l.ID).Status == steps.Done {
			// What failed then holds now: the latest snapshot says so,
			// and a ✓ beside a stale block would contradict it.
			text := fmt.Sprintf("%s passes now (it did not %s ago)", stepTitle(l.ID), duration(c.now().Sub(l.Ended)))
			return []string{st.paint(toneOK, "✓ ") + st.paint(toneMuted, clip(text, W-2))}
		}
		t := toneBad
		if stopped(l.Err) {
			t = toneWarn
		}
		return c.wrapText(stepTitle(l.ID)+": "+c.failure(l.Err, l.Ended, ": enter runs it again"), W, 0, t)
	}
	text := fmt.Sprintf("%s done in %s", stepTitle(l.ID), took(l.Took))
	if steps.Lookup(l.ID).PointOfNoReturn && c.drv.Facts().Cutover != nil && c.drv.Facts().Cutover.Stall > 0 {
		text += " · writes paused " + ms(c.drv.Facts().Cutover.Stall)
	}
	return []string{st.paint(toneOK, "✓ ") + st.paint(toneMuted, clip(text, W-2))}
}

// stepHeading is "STEP 4 · STEADY STATE" with a fact on the right.
func (c *Checklist) stepHeading(id steps.StepID, right cell, W int) string {
	name := strings.ToUpper(stepTitle(id))
	if n := stepNumber(id); n > 0 {
		name = fmt.Sprintf("STEP %d · %s", n, name)
	}
	return c.titleRight(c.styles.title.Render(name), right, W)
}

// completeView is the end: what was done, what it cost, where the record is.
func (c *Checklist) completeView(W, H int) []string {
	st := c.styles
	f := c.drv.Facts()
	lines := []string{st.paint(toneOK, "✓ ") + st.title.Render("MIGRATION COMPLETE")}
	lines = append(lines, c.wrapText(fmt.Sprintf("The target %s is the primary; every Sentinel names it.", c.cfg.Topo.Target), W, 0, toneText)...)
	var rows [][2]cell
	if f.Cutover != nil && f.Cutover.Stall > 0 {
		rows = append(rows, [2]cell{{text: "write stall"}, {text: ms(f.Cutover.Stall) + " (pause to unpause)"}})
	}
	if c.g.Writer != nil {
		lost := c.lostCell()
		if c.verdict != nil {
			lost.text = fmt.Sprintf("%s lost of %s acknowledged", probe.Thousands(c.verdict.Lost), probe.Thousands(c.verdict.Checked))
		}
		rows = append(rows, [2]cell{{text: "application"}, lost})
	}
	if f.Report != "" {
		rows = append(rows, [2]cell{{text: "report"}, {text: f.Report}})
	}
	if c.g.Audit != nil && c.g.Audit.Path() != "" {
		rows = append(rows, [2]cell{{text: "audit log"}, {text: c.g.Audit.Path()}})
	}
	if len(rows) > 0 {
		var a, b column
		for _, r := range rows {
			a.cells = append(a.cells, cell{text: r[0].text, tone: toneMuted})
			b.cells = append(b.cells, r[1])
		}
		lines = append(lines, "")
		lines = append(lines, st.table([]column{a, b}, W, 2)...)
	}
	// What happens if the new primary fails, so that "complete" is never
	// read as "highly available" when it is not.
	failover, ok := steps.Failover(*f)
	tone := toneOK
	if !ok {
		tone = toneWarn
	}
	lines = append(lines, "")
	lines = append(lines, c.wrapText("Failover: "+failover+".", W, 0, tone)...)
	if c.note.text != "" {
		lines = append(lines, "")
		lines = append(lines, c.wrapText(c.note.text, W, 0, c.note.tone)...)
	}
	if c.auto.on && c.auto.status != "" {
		lines = append(lines, "", st.BadgeNeutral.Render(" AUTOPLAY ")+" "+st.paint(toneMuted, strings.TrimPrefix(c.auto.status, "autoplay: ")))
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
	return append(top, c.styles.Rule.Render(strings.Repeat("─", W)))
}
