// The running step: its phases (the cutover's as a stepper), countdown and
// the drain's offsets.

package checklist

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"flyover/driver"
	"flyover/probe"
	"flyover/steps"
	"flyover/ui/common"
	"flyover/ui/confirm"
)

// runningView is the running step's progress: phases, countdown, the
// drain's offsets.
func (c *Checklist) runningView(W, H int) []string {
	st := c.Styles
	now := c.at
	if !c.running() {
		return []string{st.Paint(common.ToneMuted, "starting…")}
	}
	elapsed := common.Cell{Text: spinner(now) + " " + common.Duration(now.Sub(c.drv.Since())), Tone: common.ToneAccent}
	secs := []common.Section{{Lines: []string{c.stepHeading(c.RunningID(), elapsed, W)}, Prio: 100}}
	p, hasProg := c.drv.Progress()
	if steps.Lookup(c.RunningID()).PointOfNoReturn {
		secs = append(secs, common.Section{Lines: c.phaseLines(c.drv.Phases(), p, W, now, false), Prio: 90})
	} else if hasProg {
		lines := []string{st.Paint(common.ToneMuted, "phase  ") + st.Paint(common.ToneStrong, p.Phase)}
		if p.Fraction >= 0 {
			lines = append(lines, c.bar(p.Fraction, W))
		}
		if !p.Deadline.IsZero() {
			lines = append(lines, st.Paint(common.ToneMuted, "gives up in ")+st.Paint(common.ToneText, countdown(p.Deadline.Sub(now))))
		}
		secs = append(secs, common.Section{Lines: lines, Prio: 90})
	}
	if p.Offsets != nil {
		o := p.Offsets
		t := common.ToneWarn
		if o.Target >= o.Source {
			t = common.ToneOK
		}
		lines := []string{
			st.Paint(common.ToneMuted, "source offset  ") + probe.Thousands(o.Source),
			st.Paint(common.ToneMuted, "target offset  ") + st.Paint(t, probe.Thousands(o.Target)) + st.Paint(common.ToneMuted, "  "+common.Signed(o.Target-o.Source)),
			st.Paint(common.ToneMuted, "judged by the "+o.JudgedBy),
		}
		secs = append(secs, common.Section{Lines: lines, Prio: 80})
	}
	if hasProg && p.Message != "" {
		lines := c.WrapText(p.Message, W, 0, common.ToneText)
		secs = append(secs, common.Section{Lines: lines, Prio: 70, Min: 1, More: func(n int) string {
			// Short of room: what the lines left say, up to the last
			// whole word that fits ("0 of 3 Sentinels name the target
			// (need 2); the …"), never a figure cut.
			rest := make([]string, 0, n)
			for _, l := range lines[len(lines)-n:] {
				rest = append(rest, ansi.Strip(l))
			}
			return st.Paint(common.ToneText, common.ClipWords(strings.Join(rest, " "), W))
		}})
	}
	var act []string
	if c.note.Text != "" {
		act = append(act, c.WrapText(c.note.Text, W, 0, c.note.Tone)...)
	}
	switch {
	case c.dlg != nil && c.dlg.Kind == confirm.KindQuit:
		// A question the screen does not show is no question: it is
		// never cut, and goes right under the heading.
		q := c.dlg.View(W, 0, nil)
		secs = append(secs[:1], append([]common.Section{{Lines: q, Prio: 101, Min: len(q)}}, secs[1:]...)...)
	case !c.quitting:
		stop := "esc  stop this step"
		if steps.Lookup(c.RunningID()).PointOfNoReturn {
			// What stopping does is the point: said whole, shorter
			// where the panel is narrow.
			stop = common.FirstFit(W, "esc  stop: before SENTINEL FAILOVER it unpauses, nothing changes",
				"esc  stop: unpauses if before SENTINEL FAILOVER", "esc  stop")
		}
		act = append(act, st.Paint(common.ToneMuted, common.Clip(stop, W)))
	}
	secs = append(secs, common.Section{Lines: act, Prio: 95, Min: 1})
	return common.FitSections(secs, H)
}

// phaseLines are the guarded cutover as a stepper: each phase, when it
// began, and the countdown of the one under way (ended: none is).
func (c *Checklist) phaseLines(phases []driver.PhaseMark, prog steps.Progress, W int, now time.Time, ended bool) []string {
	st := c.Styles
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
		icon, t := "○", common.ToneMuted
		right := ""
		switch {
		case ph == cur && !ended:
			icon, t = spinner(now), common.ToneAccent
			if ph == steps.PhaseUnpaused || ph == steps.PhaseAborted {
				icon = "✓"
			}
			right = "+" + ms(at.Sub(t0))
			if !prog.Deadline.IsZero() {
				right += " · " + countdown(prog.Deadline.Sub(now)) + " left"
			}
		case ok:
			icon, t = "✓", common.ToneOK
			right = "+" + ms(at.Sub(t0))
		case undo:
			continue
		}
		if ph == steps.PhaseUndoing || ph == steps.PhaseAborted {
			t = common.ToneWarn
		}
		name := ph
		if ph == steps.PhaseFailover {
			name = "failover · point of no return"
		}
		nt := common.ToneText
		if ph == cur && !ended {
			nt = common.ToneStrong
		}
		line := " " + st.Paint(t, icon) + " " + st.Paint(nt, name)
		out = append(out, c.TitleRight(line, common.Cell{Text: right, Tone: common.ToneMuted}, W))
	}
	return out
}

// bar is a progress bar with its percentage.
func (c *Checklist) bar(f float64, W int) string {
	f = min(1, max(0, f))
	w := min(30, W-6)
	done := int(f*float64(w) + 0.5)
	return c.Styles.PhaseDoneSpan.Render(strings.Repeat("█", done)) + c.Styles.PhaseTodoSpan.Render(strings.Repeat("░", w-done)) +
		fmt.Sprintf(" %3d%%", int(f*100))
}
