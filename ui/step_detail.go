// The current step in detail: why, what it checks, what it sends, and what
// enter does.

package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"flyover/driver"
	"flyover/probe"
	"flyover/steps"
)

// stepView is the current step: why, what it checks, what it sends, and
// what enter does.
func (c *Checklist) stepView(W, H int) []string {
	st := c.styles
	id := c.drv.Plan().Current
	state := c.drv.Plan().State(id)
	step := steps.Lookup(id)
	status := cell{text: "ready", tone: toneOK}
	switch {
	case state.Status == steps.Blocked:
		status = cell{text: "blocked", tone: toneBad}
	case step.Watches && !step.Survey && !step.WritesFiles:
		status = cell{text: "waiting", tone: toneWarn}
	}
	r, ran := c.drv.Result(id)
	failed := ran && r.Err != nil && !(step.Survey && state.Status == steps.Blocked)
	if failed {
		status = cell{text: "failed", tone: toneBad}
		if stopped(r.Err) {
			status = cell{text: "stopped", tone: toneWarn}
		}
	}
	secs := []section{{lines: []string{c.stepHeading(id, status, W)}, prio: 100}}
	if failed {
		t := toneBad
		if stopped(r.Err) {
			t = toneWarn
		}
		lines := c.wrapText(c.failure(r.Err, r.At, ""), W, 0, t)
		if !stopped(r.Err) {
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
	cmds := step.Commands(*c.drv.Facts(), c.g.Options)
	switch {
	case len(cmds) == 0:
	case !driver.Writes(step, *c.drv.Facts(), c.g.Options) && len(cmds) > 3:
		secs = append(secs, section{lines: c.wrapText("reads only: "+commandSummary(cmds), W, 0, toneMuted), prio: 40, min: 1})
	default:
		lines := []string{st.paint(toneMuted, "sends")}
		for _, cmd := range cmds {
			cmd.Note = ""
			lines = append(lines, " "+clip(cmd.String(), W-1))
		}
		secs = append(secs, section{lines: lines, prio: 40, min: 2, more: func(n int) string {
			return st.paint(toneMuted, clip(fmt.Sprintf("  … %d more: enter shows every one first", n), W))
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
			warns = append(warns, c.detailLines(ch.Detail, W)...)
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
		out = append(out, c.detailLines(ch.Detail, W)...)
	}
	return out
}

// detailLines are a check's detail under its title: two lines at most,
// the second ending in "…" when more was cut.
func (c *Checklist) detailLines(detail string, W int) []string {
	if detail == "" {
		return nil
	}
	d := c.wrapText(detail, W, 3, toneMuted)
	if len(d) > 2 {
		d = append(d[:1], c.styles.paint(toneMuted, clip(ansi.Strip(d[1])+" …", W)))
	}
	return d
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
	confs := step.Confirmations(*c.drv.Facts(), c.g.Options)
	switch {
	case c.cfg.ReadOnly && driver.Writes(step, *c.drv.Facts(), c.g.Options):
		out = append(out, st.BadgeNeutral.Render(" READ-ONLY ")+" "+st.paint(toneWarn, "shown, never sent"))
	case state.Status == steps.Blocked && driver.OffersFix(step, confs):
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
