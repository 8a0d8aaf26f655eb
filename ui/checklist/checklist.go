package checklist

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"flyover/driver"
	"flyover/probe/canary"
	"flyover/steps"
	"flyover/ui/common"
	"flyover/ui/confirm"
)

// Checklist is the guided migration beside the dashboard: the plan derived
// from the live topology on every poll, the current step with why, what it
// checks and the exact commands it sends, the questions asked before it
// runs, and the running step's progress. It never sends anything itself:
// steps run through the runner (the audited path), started from a
// tea.Cmd, and their progress is read on a tick while they run.
type Checklist struct {
	*common.Common
	g    common.Guide
	ctx  context.Context
	keys common.ChecklistKeyMap

	width, height int
	mode          common.Mode

	// drv drives the migration: the plan, the running step, how each
	// step ended. The checklist feeds it facts and answers and draws it.
	drv *driver.Driver

	dlg *confirm.Confirm // the open question, if any

	ticking bool        // the job tick is armed
	note    common.Cell // one line about the last thing the operator did

	quitting bool // quit once the running step has stopped
	hidden   bool // tab: the dashboard has the whole screen

	stats    canary.CanaryStats
	hasStats bool

	auto autoplay

	frame string
	fits  common.FitMemo // the frame's lines as last fitted to the width
	dirty bool           // the frame is stale: View renders it again
	at    time.Time      // the clock as of the last change, for the frame
}

// New builds the checklist for cfg.Guide beside dash.
func New(ctx context.Context, cfg *common.Config, styles *common.Styles) *Checklist {
	c := &Checklist{Common: &common.Common{Cfg: cfg, Styles: styles}, g: *cfg.Guide, ctx: ctx,
		keys: common.DefaultChecklistKeyMap()}
	c.drv = driver.New(ctx, driver.Config{Runner: c.g.Runner, Session: c.g.Session, Options: c.g.Options,
		ReadOnly: cfg.ReadOnly, Gate: c.g.Gate, Now: cfg.Now, Logf: c.logf})
	c.auto.on = c.g.Autoplay && cfg.Lab != ""
	return c
}

func (c *Checklist) now() time.Time { return c.Cfg.Now() }

// Init starts the application panel's refresh and autoplay.
func (c *Checklist) Init() tea.Cmd {
	var cmds []tea.Cmd
	if c.g.Writer != nil {
		cmds = append(cmds, c.writerTick())
	}
	if c.auto.on {
		cmds = append(cmds, autoplayTick())
	}
	return tea.Batch(cmds...)
}

// SetStyles follows the root model's styles.
func (c *Checklist) SetStyles(s *common.Styles) { c.Styles = s; c.invalidate() }

// Width is the panel's share: beside the dashboard normally, the whole
// screen while a step's questions are open (the commands read in full).
//
// Below narrowWidth there is no room for both: the checklist takes the
// screen and tab shows the dashboard instead (and back).
func (c *Checklist) Width(total int) int {
	if c.hidden && c.dlg == nil {
		return 0
	}
	if total < narrowWidth {
		return total
	}
	w := min(64, max(48, total*42/100))
	if c.dlg != nil && c.dlg.Kind == confirm.KindStep && (c.height <= 0 || c.dlg.Need(w, c.dialogTop(w)) > c.height) {
		return total
	}
	return w
}

// narrowWidth is the narrowest screen with room for the dashboard and the
// checklist side by side.
const narrowWidth = 100

// SetSize gives the panel its size.
func (c *Checklist) SetSize(w, h int) {
	if w == c.width && h == c.height {
		return
	}
	c.width, c.height = w, h
	c.invalidate()
}

// View is the panel, rendered again when something changed.
func (c *Checklist) View() string {
	if c.dirty {
		c.render()
		c.dirty = false
	}
	return c.frame
}

// invalidate marks the frame stale. It is called from one place, the end
// of Update (and the setters), so no change can miss a redraw; the frame
// shows the clock as of then, the moment the change happened.
func (c *Checklist) invalidate() {
	c.dirty = true
	c.at = c.now()
}

// Autoplaying reports whether autoplay walks the steps (in a lab only).
func (c *Checklist) Autoplaying() bool { return c.auto.on }

// Asking reports whether a question is open.
func (c *Checklist) Asking() bool { return c.dlg != nil }

// Question is the open question, or nil.
func (c *Checklist) Question() *confirm.Confirm { return c.dlg }

// Driver is the migration's driver the checklist shows.
func (c *Checklist) Driver() *driver.Driver { return c.drv }

// Running is the step running now, or nil.
func (c *Checklist) Running() driver.Job {
	j, _ := c.drv.Running()
	return j
}

// running reports whether a step runs now.
func (c *Checklist) running() bool { return c.Running() != nil }

// RunningID is the step running now, or "".
func (c *Checklist) RunningID() steps.StepID {
	_, id := c.drv.Running()
	return id
}

// Plan is the checklist as last derived.
func (c *Checklist) Plan() steps.Checklist { return c.drv.Plan() }

// LayoutKey changes when the panel's keys or width do.
func (c *Checklist) LayoutKey() string {
	plan := c.drv.Plan()
	k := fmt.Sprintf("%t %t %t %t %t %t", c.running(), c.running() && steps.Lookup(c.RunningID()).Watches, plan.Current == "", plan.CanAbort, c.dlg != nil, c.hidden)
	if c.dlg != nil {
		k += fmt.Sprintf(" %s %d", c.dlg.ID, c.dlg.Index)
	}
	return k
}

// Help is the panel's keys for the footer, for the state it is in.
func (c *Checklist) Help() []key.Binding {
	k := c.keys
	if c.dlg != nil {
		return c.dlg.Help()
	}
	var out []key.Binding
	plan := c.drv.Plan()
	switch {
	case c.running():
		out = append(out, k.Stop)
	case plan.Current != "" && !c.Cfg.ReadOnly:
		out = append(out, k.Run)
	}
	if plan.CanAbort && !c.Cfg.ReadOnly && (!c.running() || steps.Lookup(c.RunningID()).Watches) {
		out = append(out, k.Abort)
	}
	t := k.Toggle
	if c.hidden {
		t.SetHelp("tab", "show the checklist")
	}
	return append(out, t)
}

// Update handles a message; keys it does not use are left to the
// dashboard.
func (c *Checklist) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg.(type) {
	case tea.KeyPressMsg, common.ObservedMsg, StepStartedMsg, confirm.DoneMsg, confirm.RefusedMsg, confirm.SettledMsg, JobTickMsg, jobDoneMsg, WriterTickMsg, AutoplayTickMsg:
		defer c.invalidate()
	}
	return c.update(msg)
}

func (c *Checklist) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		cmd, handled := c.key(msg)
		return cmd, handled
	case common.ObservedMsg:
		c.drv.Observe(msg.Facts, msg.Ready)
		cmd := c.maybeAuto()
		return cmd, false
	case StepStartedMsg:
		return c.started(msg), false
	case confirm.DoneMsg:
		cmd := c.confirmed(msg)
		return cmd, false
	case confirm.RefusedMsg:
		return c.refusedName(msg), false
	case confirm.SettledMsg:
		return nil, false // the frame is redrawn: the cursor shows
	case JobTickMsg:
		cmd := c.tickJob()
		return cmd, false
	case jobDoneMsg:
		return c.jobDone(msg), false
	case WriterTickMsg:
		c.stats, c.hasStats = msg.Stats, true
		return c.writerTick(), false
	case AutoplayTickMsg:
		cmd := c.autoplayStep()
		return tea.Batch(cmd, autoplayTick()), false
	}
	return nil, false
}

// maybeAuto starts, without a question, the steps that only watch or
// read (driver.Auto), unless a question is open or flyover is quitting.
func (c *Checklist) maybeAuto() tea.Cmd {
	if c.dlg != nil || c.quitting {
		return nil
	}
	id, ok := c.drv.Auto()
	if !ok {
		return nil
	}
	return c.start(id, *c.drv.Facts(), nil)
}

func (c *Checklist) logf(format string, args ...any) {
	if c.Cfg.Log != nil {
		c.Cfg.Log.Printf("checklist: "+format, args...)
	}
}

// errText is an error in one line, for the panel.
func errText(err error) string {
	var nc *steps.NotConfirmedError
	if errors.As(err, &nc) {
		return "not confirmed, nothing sent"
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// Result is how step id's last run ended (zero when it has not run).
func (c *Checklist) Result(id steps.StepID) driver.Result {
	r, _ := c.drv.Result(id)
	return r
}
