package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

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

// fitSections stacks sections, one blank line between them, shortening
// the least important until they fit in h lines.
func fitSections(secs []section, h int) []string {
	total := func() int {
		n, k := 0, 0
		for _, s := range secs {
			if len(s.lines) > 0 {
				n += len(s.lines)
				k++
			}
		}
		return n + max(0, k-1)
	}
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
	rest := max(1, H-len(top))
	return append(top, c.detail(W, rest)...)
}

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

// stepIcon is a step's status as a symbol and a tone.
func (c *Checklist) stepIcon(s steps.StepState) cell {
	switch {
	case c.job != nil && s.ID == c.jobID:
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
	total := len(c.plan.Steps)
	right := cell{text: "derived from the live topology", tone: toneMuted}
	switch {
	case !c.ready:
		right = cell{text: "waiting for the first poll", tone: toneMuted}
	case c.plan.Current == "":
		right = cell{text: "all done", tone: toneOK}
	default:
		right = cell{text: fmt.Sprintf("step %d of %d", stepNumber(c.plan.Current), total), tone: toneMuted}
	}
	title := c.titleRight(st.title.Render("CHECKLIST"), right, W)
	if compact {
		var b strings.Builder
		for _, s := range c.plan.Steps {
			ic := c.stepIcon(s)
			b.WriteString(st.paint(ic.tone, ic.text))
		}
		cur := ""
		if c.plan.Current != "" {
			cur = "  " + st.paint(toneStrong, stepTitle(c.plan.Current))
		}
		return []string{title, " " + b.String() + cur}
	}
	out := []string{title}
	for i, s := range c.plan.Steps {
		ic := c.stepIcon(s)
		name := fmt.Sprintf("%d %s", i+1, s.Title)
		t := toneText
		switch {
		case s.Status == steps.Pending:
			t = toneMuted
		case s.ID == c.plan.Current:
			t = toneStrong
		}
		line := " " + st.paint(ic.tone, ic.text) + " " + st.paint(t, name)
		switch {
		case c.job != nil && s.ID == c.jobID && c.hasProg:
			line = c.titleRight(line, cell{text: c.prog.Phase, tone: toneAccent}, W)
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
	case c.job != nil || c.starting:
		return c.runningView(W, H)
	case !c.ready:
		return []string{c.styles.paint(toneMuted, "Polling the source, the target and the Sentinels…")}
	case c.plan.Current == "":
		return c.completeView(W, H)
	case c.justDoneAt(c.plan.Current, c.at):
		return c.settlingView(W, H)
	}
	return c.stepView(W, H)
}

// settlingView bridges the moment between a step's end and the polls
// showing it: the step's outcome, not a stale plan.
func (c *Checklist) settlingView(W, H int) []string {
	st := c.styles
	id := c.plan.Current
	secs := []section{{lines: []string{c.stepHeading(id, cell{text: "✓ done", tone: toneOK}, W)}, prio: 100}}
	if l := c.last; l != nil && l.id == id {
		if steps.Lookup(id).PointOfNoReturn {
			secs = append(secs, section{lines: c.phaseLines(l.phases, l.prog, W, l.ended, true), prio: 90})
		}
		secs = append(secs, section{lines: []string{st.paint(toneOK, "finished in "+duration(l.took))}, prio: 95})
	}
	secs = append(secs, section{lines: []string{st.paint(toneMuted, "confirming on the next poll…")}, prio: 95})
	return fitSections(secs, H)
}

// lastLine sums up the step that ended last, when it is not the one on
// screen: the cutover's stall, a failure elsewhere.
func (c *Checklist) lastLine(W int) []string {
	l := c.last
	if l == nil || l.id == c.plan.Current {
		return nil
	}
	st := c.styles
	if l.err != nil {
		t := toneBad
		if stopped(l.err) {
			t = toneWarn
		}
		return c.wrapText(stepTitle(l.id)+": "+errText(l.err), W, 0, t)
	}
	text := fmt.Sprintf("%s done in %s", stepTitle(l.id), duration(l.took))
	if steps.Lookup(l.id).PointOfNoReturn && c.facts.Cutover != nil && c.facts.Cutover.Stall > 0 {
		text += " · writes paused " + ms(c.facts.Cutover.Stall)
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

// stepView is the current step: why, what it checks, what it sends, and
// what enter does.
func (c *Checklist) stepView(W, H int) []string {
	st := c.styles
	id := c.plan.Current
	state := c.plan.State(id)
	step := steps.Lookup(id)
	status := cell{text: "ready", tone: toneOK}
	switch {
	case state.Status == steps.Blocked:
		status = cell{text: "blocked", tone: toneBad}
	case step.Watches && !step.Survey && !step.WritesFiles:
		status = cell{text: "waiting", tone: toneWarn}
	}
	r, ran := c.results[id]
	failed := ran && r.err != nil && !(step.Survey && state.Status == steps.Blocked)
	if failed {
		status = cell{text: "failed", tone: toneBad}
		if stopped(r.err) {
			status = cell{text: "stopped", tone: toneWarn}
		}
	}
	secs := []section{{lines: []string{c.stepHeading(id, status, W)}, prio: 100}}
	if failed {
		t := toneBad
		if stopped(r.err) {
			t = toneWarn
		}
		lines := c.wrapText(errText(r.err), W, 0, t)
		if !stopped(r.err) {
			lines = append(lines, c.wrapText(step.OnFailure, W, 0, toneMuted)...)
		}
		secs = append(secs, section{lines: lines, prio: 90, min: 2})
	}
	if l := c.lastLine(W); len(l) > 0 {
		secs = append(secs, section{lines: l, prio: 30})
	}
	secs = append(secs, section{lines: c.wrapText(step.Why, W, 0, toneMuted), prio: 10, whole: true})
	if checks := c.checkLines(state, W); len(checks) > 0 {
		secs = append(secs, section{lines: checks, prio: 60, min: 2, more: func(n int) string {
			return st.paint(toneMuted, fmt.Sprintf("  … %d more lines", n))
		}})
	}
	cmds := step.Commands(c.facts, c.g.Options)
	switch {
	case len(cmds) == 0:
	case !writes(step, c.facts, c.g.Options) && len(cmds) > 3:
		secs = append(secs, section{lines: c.wrapText("reads only: "+commandSummary(cmds), W, 0, toneMuted), prio: 40, min: 1})
	default:
		lines := []string{st.paint(toneMuted, "sends")}
		for _, cmd := range cmds {
			cmd.Note = ""
			lines = append(lines, " "+clip(cmd.String(), W-1))
		}
		secs = append(secs, section{lines: lines, prio: 40, min: 2, more: func(n int) string {
			return st.paint(toneMuted, clip(fmt.Sprintf("  … %d more: enter shows them all before anything is sent", n), W))
		}})
	}
	secs = append(secs, section{lines: c.actionLines(id, state, failed, W), prio: 95, min: 1})
	return fitSections(secs, H)
}

// commandSummary names commands by kind and count: "CONFIG GET ×11, DBSIZE".
func commandSummary(cmds []steps.Command) string {
	var order []string
	count := map[string]int{}
	for _, c := range cmds {
		name := probe.CommandName(c.Args)
		if count[name] == 0 {
			order = append(order, name)
		}
		count[name]++
	}
	parts := make([]string, len(order))
	for i, n := range order {
		parts[i] = n
		if count[n] > 1 {
			parts[i] += fmt.Sprintf(" ×%d", count[n])
		}
	}
	return strings.Join(parts, ", ")
}

// stopped reports whether a step ended because the operator stopped it.
func stopped(err error) bool {
	return err != nil && strings.Contains(err.Error(), "context canceled")
}

// checkLines are a step's checks: blocks in full with their fix,
// warnings with why, passes by title (or counted when room is short).
func (c *Checklist) checkLines(state steps.StepState, W int) []string {
	st := c.styles
	if state.Status == steps.Current && !steps.Lookup(state.ID).Survey {
		return c.goalLines(state, W)
	}
	var blocks, warns, passes []string
	seen := map[string]bool{} // a block said once: the same one on every Sentinel is one line more
	for _, ch := range state.Checks {
		switch ch.Level {
		case steps.Block:
			same := ch.Detail + "\x00" + ch.Fix
			if seen[same] {
				blocks = append(blocks, " "+st.paint(toneBad, "✗ ")+st.paint(toneStrong, clip(ch.Title, W-10))+st.paint(toneMuted, " · same"))
				continue
			}
			seen[same] = true
			blocks = append(blocks, " "+st.paint(toneBad, "✗ ")+st.paint(toneStrong, clip(ch.Title, W-3)))
			blocks = append(blocks, c.wrapText(ch.Detail, W, 3, toneBad)...)
			if ch.Fix != "" {
				blocks = append(blocks, c.wrapText("fix: "+ch.Fix, W, 3, toneText)...)
			}
			for _, fc := range ch.FixCommands {
				fc.Note = ""
				blocks = append(blocks, "   "+st.paint(toneAccent, clip(fc.String(), W-3)))
			}
		case steps.Warn:
			warns = append(warns, " "+st.paint(toneWarn, "! ")+clip(ch.Title, W-3))
			if ch.Detail != "" {
				d := c.wrapText(ch.Detail, W, 3, toneMuted)
				if len(d) > 2 {
					d = append(d[:1], st.paint(toneMuted, clip(ansi.Strip(d[1])+" …", W)))
				}
				warns = append(warns, d...)
			}
		default:
			line := " " + st.paint(toneOK, "✓ ") + ch.Title
			if ch.Detail != "" && len(state.Checks) <= 4 {
				line = c.titleRight(line, cell{text: ch.Detail, tone: toneMuted}, W)
			}
			passes = append(passes, line)
		}
	}
	out := append(blocks, warns...)
	if len(blocks)+len(warns) > 0 && len(passes) > 3 {
		return append(out, " "+st.paint(toneOK, "✓ ")+st.paint(toneMuted, fmt.Sprintf("%d more checks pass", len(passes))))
	}
	return append(out, passes...)
}

// goalLines are what the current step waits for: met or not yet. They
// are its postcondition, not warnings.
func (c *Checklist) goalLines(state steps.StepState, W int) []string {
	st := c.styles
	out := []string{st.paint(toneMuted, "done when")}
	for _, ch := range state.Checks {
		icon, t := "○", toneMuted
		if ch.Level == steps.Pass {
			icon, t = "✓", toneOK
		}
		line := " " + st.paint(t, icon) + " " + ch.Title
		if ch.Detail != "" && width(ansi.Strip(line))+2+width(ch.Detail) <= W {
			out = append(out, c.titleRight(line, cell{text: ch.Detail, tone: toneMuted}, W))
			continue
		}
		out = append(out, line)
		if ch.Detail != "" {
			d := c.wrapText(ch.Detail, W, 3, toneMuted)
			if len(d) > 2 {
				d = d[:2]
			}
			out = append(out, d...)
		}
	}
	return out
}

// actionLines say what the operator can do now.
func (c *Checklist) actionLines(id steps.StepID, state steps.StepState, failed bool, W int) []string {
	st := c.styles
	enter := func(what string) string { return st.paint(toneAccent, c.keys.Run.Help().Key) + "  " + what }
	var out []string
	if c.note.text != "" {
		out = append(out, c.wrapText(c.note.text, W, 0, c.note.tone)...)
	}
	if c.auto.on && c.auto.status != "" {
		out = append(out, st.BadgeNeutral.Render(" AUTOPLAY ")+" "+st.paint(toneMuted, strings.TrimPrefix(c.auto.status, "autoplay: ")))
	}
	step := steps.Lookup(id)
	confs := step.Confirmations(c.facts, c.g.Options)
	switch {
	case c.cfg.ReadOnly && writes(step, c.facts, c.g.Options):
		out = append(out, st.BadgeNeutral.Render(" READ-ONLY ")+" "+st.paint(toneWarn, "shown, never sent"))
	case state.Status == steps.Blocked && offersFix(step, confs):
		out = append(out, enter("apply the fix · you confirm first"))
	case state.Status == steps.Blocked && !step.Survey:
		out = append(out, st.paint(toneMuted, "fix what is marked ✗: the plan moves on by itself"))
	case step.Survey && state.Status == steps.Blocked:
		out = append(out, enter("run preflight again (reads only)"))
	case failed:
		out = append(out, enter("try again"))
	case len(confs) == 0 && step.Watches:
		out = append(out, st.paint(toneMuted, "runs by itself: it only reads"))
	case len(confs) > 0 && confs[0].Kind == steps.ConfirmTypeName:
		out = append(out, enter("run it · type the master name first"))
	default:
		out = append(out, enter("run it · you see every command first"))
	}
	return out
}

// runningView is the running step's progress: phases, countdown, the
// drain's offsets.
func (c *Checklist) runningView(W, H int) []string {
	st := c.styles
	now := c.at
	if c.job == nil {
		return []string{st.paint(toneMuted, "starting…")}
	}
	elapsed := cell{text: spinner(now) + " " + duration(now.Sub(c.jobStart)), tone: toneAccent}
	secs := []section{{lines: []string{c.stepHeading(c.jobID, elapsed, W)}, prio: 100}}
	p := c.prog
	if steps.Lookup(c.jobID).PointOfNoReturn {
		secs = append(secs, section{lines: c.phaseLines(c.phases, c.prog, W, now, false), prio: 90})
	} else if c.hasProg {
		lines := []string{st.paint(toneMuted, "phase  ") + st.paint(toneStrong, p.Phase)}
		if p.Fraction >= 0 {
			lines = append(lines, c.bar(p.Fraction, W))
		}
		if !p.Deadline.IsZero() {
			lines = append(lines, st.paint(toneMuted, "gives up in ")+st.paint(toneText, countdown(p.Deadline.Sub(now))))
		}
		secs = append(secs, section{lines: lines, prio: 90})
	}
	if p.Offsets != nil {
		o := p.Offsets
		t := toneWarn
		if o.Target >= o.Source {
			t = toneOK
		}
		lines := []string{
			st.paint(toneMuted, "source offset  ") + probe.Thousands(o.Source),
			st.paint(toneMuted, "target offset  ") + st.paint(t, probe.Thousands(o.Target)) + st.paint(toneMuted, "  "+signed(o.Target-o.Source)),
			st.paint(toneMuted, "judged by the "+o.JudgedBy),
		}
		secs = append(secs, section{lines: lines, prio: 80})
	}
	if c.hasProg && p.Message != "" {
		secs = append(secs, section{lines: c.wrapText(p.Message, W, 0, toneText), prio: 70, min: 1})
	}
	var act []string
	if c.note.text != "" {
		act = append(act, c.wrapText(c.note.text, W, 0, c.note.tone)...)
	}
	switch {
	case c.dlg != nil && c.dlg.kind == confirmQuit:
		act = append(act, c.dlg.View(W, 0, nil)...)
	case !c.quitting:
		stop := "esc  stop this step"
		if steps.Lookup(c.jobID).PointOfNoReturn {
			stop = "esc  stop: before SENTINEL FAILOVER it unpauses, nothing changes"
		}
		act = append(act, st.paint(toneMuted, clip(stop, W)))
	}
	secs = append(secs, section{lines: act, prio: 95, min: 1})
	return fitSections(secs, H)
}

// phaseLines are the guarded cutover as a stepper: each phase, when it
// began, and the countdown of the one under way (ended: none is).
func (c *Checklist) phaseLines(phases []phaseMark, prog steps.Progress, W int, now time.Time, ended bool) []string {
	st := c.styles
	order := []string{steps.PhasePausing, steps.PhaseDraining, steps.PhaseFailover, steps.PhasePromoting, steps.PhaseFencing, steps.PhaseUnpaused}
	if len(phases) > 0 && phases[0].phase == steps.PhasePromoting {
		order = order[3:] // fence only: the failover happened before
	}
	seen := map[string]time.Time{}
	undo := false
	for _, ph := range phases {
		if _, ok := seen[ph.phase]; !ok {
			seen[ph.phase] = ph.at
		}
		undo = undo || ph.phase == steps.PhaseUndoing || ph.phase == steps.PhaseAborted
	}
	if undo {
		order = append(order, steps.PhaseUndoing, steps.PhaseAborted)
	}
	cur := prog.Phase
	var t0 time.Time
	if len(phases) > 0 {
		t0 = phases[0].at
	}
	var out []string
	for _, ph := range order {
		at, ok := seen[ph]
		icon, t := "○", toneMuted
		right := ""
		switch {
		case ph == cur && !ended:
			icon, t = spinner(now), toneAccent
			if ph == steps.PhaseUnpaused || ph == steps.PhaseAborted {
				icon = "✓"
			}
			right = "+" + ms(at.Sub(t0))
			if !prog.Deadline.IsZero() {
				right += " · " + countdown(prog.Deadline.Sub(now)) + " left"
			}
		case ok:
			icon, t = "✓", toneOK
			right = "+" + ms(at.Sub(t0))
		case undo:
			continue
		}
		if ph == steps.PhaseUndoing || ph == steps.PhaseAborted {
			t = toneWarn
		}
		name := ph
		if ph == steps.PhaseFailover {
			name = "failover · point of no return"
		}
		nt := toneText
		if ph == cur && !ended {
			nt = toneStrong
		}
		line := " " + st.paint(t, icon) + " " + st.paint(nt, name)
		out = append(out, c.titleRight(line, cell{text: right, tone: toneMuted}, W))
	}
	return out
}

// bar is a progress bar with its percentage.
func (c *Checklist) bar(f float64, W int) string {
	f = min(1, max(0, f))
	w := min(30, W-6)
	done := int(f*float64(w) + 0.5)
	return c.styles.phaseDone.Render(strings.Repeat("█", done)) + c.styles.phaseTodo.Render(strings.Repeat("░", w-done)) +
		fmt.Sprintf(" %3d%%", int(f*100))
}

// completeView is the end: what was done, what it cost, where the record is.
func (c *Checklist) completeView(W, H int) []string {
	st := c.styles
	f := &c.facts
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
	if c.g.Audit != nil {
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
