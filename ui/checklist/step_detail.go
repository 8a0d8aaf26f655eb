// The current step in detail: why, what it checks, what it sends, and what
// enter does.

package checklist

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"flyover/driver"
	"flyover/probe"
	"flyover/steps"
	"flyover/ui/common"
)

// stepView is the current step: why, what it checks, what it sends, and
// what enter does.
func (c *Checklist) stepView(W, H int) []string {
	st := c.Styles
	id := c.drv.Plan().Current
	state := c.drv.Plan().State(id)
	step := steps.Lookup(id)
	status := common.Cell{Text: "ready", Tone: common.ToneOK}
	switch {
	case state.Status == steps.Blocked:
		status = common.Cell{Text: "blocked", Tone: common.ToneBad}
	case step.Watches && !step.Survey && !step.WritesFiles:
		status = common.Cell{Text: "waiting", Tone: common.ToneWarn}
	}
	r, ran := c.drv.Result(id)
	failed := ran && r.Err != nil && !(step.Survey && state.Status == steps.Blocked)
	if failed {
		status = common.Cell{Text: "failed", Tone: common.ToneBad}
		if stopped(r.Err) {
			status = common.Cell{Text: "stopped", Tone: common.ToneWarn}
		}
	}
	secs := []common.Section{{Lines: []string{c.stepHeading(id, status, W)}, Prio: 100}}
	if failed {
		t := common.ToneBad
		if stopped(r.Err) {
			t = common.ToneWarn
		}
		lines := c.WrapText(c.failure(r.Err, r.At), W, 0, t)
		if !stopped(r.Err) {
			lines = append(lines, c.WrapText(step.OnFailure, W, 0, common.ToneMuted)...)
		}
		secs = append(secs, common.Section{Lines: lines, Prio: 90, Min: 2, More: c.moreLines})
	}
	if l, lastFailed := c.lastLine(W); len(l) > 0 {
		// A failure elsewhere that holds (the full sync's stop that brought
		// the plan back to the attach) is why this step is current: it
		// gives way to this step's checks, not to its list of commands
		// (enter shows every one first).
		prio := 30
		if lastFailed {
			prio = 50
		}
		secs = append(secs, common.Section{Lines: l, Prio: prio, More: c.moreLines})
	}
	secs = append(secs, common.Section{Lines: c.WrapText(step.Why, W, 0, common.ToneMuted), Prio: 10, Whole: true})
	if checks := c.checkLines(state, W); len(checks) > 0 {
		secs = append(secs, common.Section{Lines: checks, Prio: 60, Min: 2, More: c.moreLines})
	}
	// Derived from the facts once a frame: the commands, the questions,
	// whether any of them writes.
	cmds := step.Commands(*c.drv.Facts(), c.g.Options)
	confs := step.Confirmations(*c.drv.Facts(), c.g.Options)
	writes := driver.AnyWrites(cmds, confs)
	switch {
	case len(cmds) == 0:
	case !writes && len(cmds) > 3:
		secs = append(secs, common.Section{Lines: c.WrapText("reads only: "+commandSummary(cmds), W, 0, common.ToneMuted), Prio: 40, Min: 1,
			Brief: st.Paint(common.ToneMuted, common.FirstFit(W, fmt.Sprintf("reads only: %d commands, nothing written", len(cmds)), fmt.Sprintf("reads only: %d commands", len(cmds))))})
	default:
		lines := []string{st.Paint(common.ToneMuted, "sends")}
		units := make([]int, 0, len(cmds))
		for _, cmd := range cmds {
			// Every byte of a command is what will be sent: a long one
			// wraps under itself, and is shown whole or not at all.
			cmd.Note = ""
			units = append(units, len(lines))
			for i, l := range commandLines(cmd, max(8, W-3)) {
				pad := "   "
				if i == 0 {
					pad = " "
				}
				lines = append(lines, pad+l)
			}
		}
		secs = append(secs, common.Section{Lines: lines, Prio: 40, Min: 2, Units: units, More: func(n int) string {
			return st.Paint(common.ToneMuted, common.FirstFit(W, fmt.Sprintf("  … %d more: enter shows every one first", n), fmt.Sprintf("  … %d more", n)))
		}})
	}
	secs = append(secs, common.Section{Lines: c.actionLines(id, state, failed, confs, writes, W), Prio: 95, Min: 1})
	return common.FitSections(secs, H)
}

// commandLines wraps a command to w cells: on one line when it fits;
// else the prompt on its own line and the command under it, so that a
// command that fits a line is read in one piece (REPLICAOF with its host
// and port), and a longer one wraps at its spaces.
func commandLines(cmd steps.Command, w int) []string {
	if all := cmd.String(); common.Width(all) <= w {
		return []string{all}
	}
	return append(common.WrapWords(cmd.Prompt(), w), common.WrapWords(cmd.Line(), w)...)
}

// moreLines says a section was cut short, and by how much: a message
// never ends mid-sentence without saying so.
func (c *Checklist) moreLines(n int) string {
	return c.Styles.Paint(common.ToneMuted, fmt.Sprintf("  … %d more lines", n))
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
	st := c.Styles
	if state.Status == steps.Current && !steps.Lookup(state.ID).Survey {
		return c.goalLines(state, W)
	}
	var blocks, warns, passes []string
	passed := 0
	seen := map[string]bool{} // a block said once: the same one on every Sentinel is one line more
	for _, ch := range state.Checks {
		switch ch.Level {
		case steps.Block:
			same := ch.Detail + "\x00" + ch.Fix
			if seen[same] {
				blocks = append(blocks, c.MarkedText(" "+st.Paint(common.ToneBad, "✗ "), 3, ch.Title+" · same", common.ToneStrong, W)...)
				continue
			}
			seen[same] = true
			blocks = append(blocks, c.MarkedText(" "+st.Paint(common.ToneBad, "✗ "), 3, ch.Title, common.ToneStrong, W)...)
			blocks = append(blocks, c.WrapText(ch.Detail, W, 3, common.ToneBad)...)
			if ch.Fix != "" {
				blocks = append(blocks, c.WrapText("fix: "+ch.Fix, W, 3, common.ToneText)...)
			}
			for _, fc := range ch.FixCommands {
				fc.Note = ""
				blocks = append(blocks, c.MarkedText("   ", 5, fc.String(), common.ToneAccent, W)...)
			}
		case steps.Warn:
			warns = append(warns, c.MarkedText(" "+st.Paint(common.ToneWarn, "! "), 3, ch.Title, common.ToneText, W)...)
			warns = append(warns, c.detailLines(ch.Detail, W)...)
		default:
			line := " " + st.Paint(common.ToneOK, "✓ ") + ch.Title
			switch {
			case ch.Detail == "" || len(state.Checks) > 4:
				passes = append(passes, line)
			case common.Width(ansi.Strip(line))+2+common.Width(ch.Detail) <= W:
				passes = append(passes, c.TitleRight(line, common.Cell{Text: ch.Detail, Tone: common.ToneMuted}, W))
			default:
				// Under its title, whole, where it does not fit beside it.
				passes = append(passes, line)
				passes = append(passes, c.WrapText(ch.Detail, W, 3, common.ToneMuted)...)
			}
			passed++
		}
	}
	out := append(blocks, warns...)
	if len(blocks)+len(warns) > 0 && passed > 3 {
		return append(out, " "+st.Paint(common.ToneOK, "✓ ")+st.Paint(common.ToneMuted, fmt.Sprintf("%d more checks pass", passed)))
	}
	return append(out, passes...)
}

// goalLines are what the current step waits for: met or not yet. They
// are its postcondition, not warnings.
func (c *Checklist) goalLines(state steps.StepState, W int) []string {
	st := c.Styles
	out := []string{st.Paint(common.ToneMuted, "done when")}
	for _, ch := range state.Checks {
		icon, t := "○", common.ToneMuted
		if ch.Level == steps.Pass {
			icon, t = "✓", common.ToneOK
		}
		line := " " + st.Paint(t, icon) + " " + ch.Title
		if ch.Detail != "" && common.Width(ansi.Strip(line))+2+common.Width(ch.Detail) <= W {
			out = append(out, c.TitleRight(line, common.Cell{Text: ch.Detail, Tone: common.ToneMuted}, W))
			continue
		}
		out = append(out, line)
		// What the step waits for is the point (an address, since when
		// the old primary serves stale data): said whole, wrapped.
		out = append(out, c.WrapText(ch.Detail, W, 3, common.ToneMuted)...)
	}
	return out
}

// detailLines are a warning's detail under its title: two lines at most,
// the second ending in " …" after its last whole word when more was cut.
func (c *Checklist) detailLines(detail string, W int) []string {
	if detail == "" {
		return nil
	}
	d := c.WrapText(detail, W, 3, common.ToneMuted)
	if len(d) > 2 {
		d = append(d[:1], c.Styles.Paint(common.ToneMuted, common.ClipWords(ansi.Strip(d[1])+" …", W)))
	}
	return d
}

// actionLines say what the operator can do now.
func (c *Checklist) actionLines(id steps.StepID, state steps.StepState, failed bool, confs []steps.Confirmation, writes bool, W int) []string {
	st := c.Styles
	enter := func(what string) string { return st.Paint(common.ToneAccent, c.keys.Run.Help().Key) + "  " + what }
	var out []string
	if c.note.Text != "" {
		out = append(out, c.WrapText(c.note.Text, W, 0, c.note.Tone)...)
	}
	if c.auto.on && c.auto.status != "" {
		out = append(out, st.BadgeNeutral.Render(" AUTOPLAY ")+" "+st.Paint(common.ToneMuted, strings.TrimPrefix(c.auto.status, "autoplay: ")))
	}
	step := steps.Lookup(id)
	switch {
	case c.Cfg.ReadOnly && writes:
		out = append(out, st.BadgeNeutral.Render(" READ-ONLY ")+" "+st.Paint(common.ToneWarn, "shown, never sent"))
	case state.Status == steps.Blocked && driver.OffersFix(step, confs):
		out = append(out, enter("apply the fix · you confirm first"))
	case state.Status == steps.Blocked && !step.Survey:
		out = append(out, st.Paint(common.ToneMuted, "fix what is marked ✗: the plan moves on by itself"))
	case step.Survey && state.Status == steps.Blocked:
		out = append(out, enter("run preflight again (reads only)"))
	case failed:
		out = append(out, enter("try again"))
	case len(confs) == 0 && step.Watches:
		out = append(out, st.Paint(common.ToneMuted, "runs by itself: it only reads"))
	case len(confs) > 0 && confs[0].Kind == steps.ConfirmTypeName:
		out = append(out, enter("run it · type the master name first"))
	default:
		out = append(out, enter("run it · you see every command first"))
	}
	return out
}
