// The running step: its phases (the cutover's as a stepper), countdown and
// the drain's offsets.

package ui

import (
	"fmt"
	"strings"
	"time"

	"flyover/driver"
	"flyover/probe"
	"flyover/steps"
)

// runningView is the running step's progress: phases, countdown, the
// drain's offsets.
func (c *Checklist) runningView(W, H int) []string {
	st := c.styles
	now := c.at
	if !c.running() {
		return []string{st.paint(toneMuted, "starting…")}
	}
	elapsed := cell{text: spinner(now) + " " + duration(now.Sub(c.drv.Since())), tone: toneAccent}
	secs := []section{{lines: []string{c.stepHeading(c.runningID(), elapsed, W)}, prio: 100}}
	p, hasProg := c.drv.Progress()
	if steps.Lookup(c.runningID()).PointOfNoReturn {
		secs = append(secs, section{lines: c.phaseLines(c.drv.Phases(), p, W, now, false), prio: 90})
	} else if hasProg {
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
	if hasProg && p.Message != "" {
		secs = append(secs, section{lines: c.wrapText(p.Message, W, 0, toneText), prio: 70, min: 1})
	}
	var act []string
	if c.note.text != "" {
		act = append(act, c.wrapText(c.note.text, W, 0, c.note.tone)...)
	}
	switch {
	case c.dlg != nil && c.dlg.kind == confirmQuit:
		// A question the screen does not show is no question: it is
		// never cut, and goes right under the heading.
		q := c.dlg.View(W, 0, nil)
		secs = append(secs[:1], append([]section{{lines: q, prio: 101, min: len(q)}}, secs[1:]...)...)
	case !c.quitting:
		stop := "esc  stop this step"
		if steps.Lookup(c.runningID()).PointOfNoReturn {
			stop = "esc  stop: before SENTINEL FAILOVER it unpauses, nothing changes"
		}
		act = append(act, st.paint(toneMuted, clip(stop, W)))
	}
	secs = append(secs, section{lines: act, prio: 95, min: 1})
	return fitSections(secs, H)
}

// phaseLines are the guarded cutover as a stepper: each phase, when it
// began, and the countdown of the one under way (ended: none is).
func (c *Checklist) phaseLines(phases []driver.PhaseMark, prog steps.Progress, W int, now time.Time, ended bool) []string {
	st := c.styles
	order := []string{steps.PhasePausing, steps.PhaseDraining, steps.PhaseFailover, steps.PhasePromoting, steps.PhaseFencing, steps.PhaseUnpaused}
	if len(phases) > 0 && phases[0].Phase == steps.PhasePromoting {
		order = order[3:] // fence only: the failover happened before
	}
	seen := map[string]time.Time{}
	undo := false
	for _, ph := range phases {
		if _, ok := seen[ph.Phase]; !ok {
			seen[ph.Phase] = ph.At
		}
		undo = undo || ph.Phase == steps.PhaseUndoing || ph.Phase == steps.PhaseAborted
	}
	if undo {
		order = append(order, steps.PhaseUndoing, steps.PhaseAborted)
	}
	if _, ok := seen[steps.PhaseChecking]; ok {
		// The reads before the pause (readiness, a sample of keys).
		order = append([]string{steps.PhaseChecking}, order...)
	}
	cur := prog.Phase
	var t0 time.Time
	if len(phases) > 0 {
		t0 = phases[0].At
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
