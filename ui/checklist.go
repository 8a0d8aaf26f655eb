package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"flyover/probe"
	"flyover/steps"
)

// Checklist is the guided migration beside the dashboard: the plan derived
// from the live topology on every poll, the current step with why, what it
// checks and the exact commands it sends, the questions asked before it
// runs, and the running step's progress. It never sends anything itself:
// steps run through the runner (the audited path), started from a
// tea.Cmd, and their progress is read on a tick while they run.
type Checklist struct {
	*common
	g    Guide
	ctx  context.Context
	keys ChecklistKeyMap

	width, height int
	mode          Mode

	facts steps.Facts
	plan  steps.Checklist
	ready bool // the source and the target have answered once: the plan means something

	dlg *Confirm // the open question, if any

	job      RunningStep
	jobID    steps.StepID
	jobStart time.Time
	prog     steps.Progress
	hasProg  bool
	phases   []phaseMark
	starting bool // a Start is on its way
	ticking  bool // the job tick is armed
	pending  *pendingStart

	results map[steps.StepID]result
	last    *lastRun // the step that ended last
	note    cell     // one line about the last thing the operator did

	quitting bool // quit once the running step has stopped
	hidden   bool // tab: the dashboard has the whole screen

	stats      probe.CanaryStats
	hasStats   bool
	verdict    *probe.CanaryVerdict
	verdictErr string
	verifying  bool

	auto autoplay

	// adjust, in tests, adds to the facts what only a real session could
	// know (a verified write, a report).
	adjust func(*steps.Facts)

	frame string
	dirty bool      // the frame is stale: View renders it again
	at    time.Time // the clock as of the last change, for the frame
}

// phaseMark is one phase of the running step and when it began.
type phaseMark struct {
	phase string
	at    time.Time
}

// result is how a step's last run in this session ended.
type result struct {
	err error
	at  time.Time
}

// lastRun is how the last step ended, kept for a summary line (the
// cutover's stall) and to bridge the moment until the polls show it.
type lastRun struct {
	id      steps.StepID
	err     error
	took    time.Duration
	ended   time.Time
	phases  []phaseMark
	prog    steps.Progress
	hasProg bool
}

// settling is how long after a step succeeded the plan may still show
// it current: the dashboard's polls have not caught up yet.
const settling = 4 * time.Second

// justDone reports whether step id succeeded moments ago.
func (c *Checklist) justDone(id steps.StepID) bool { return c.justDoneAt(id, c.now()) }

func (c *Checklist) justDoneAt(id steps.StepID, now time.Time) bool {
	r, ok := c.results[id]
	return ok && r.err == nil && now.Sub(r.at) < settling
}

// pendingStart is a step confirmed while another was still stopping.
type pendingStart struct {
	id steps.StepID
	f  steps.Facts
	a  steps.Answers
}

// Messages of the checklist.
type (
	stepStartedMsg struct {
		id  steps.StepID
		job RunningStep
		err error
	}
	jobTickMsg    struct{}
	writerTickMsg struct{ stats probe.CanaryStats }
	verdictMsg    struct {
		v   probe.CanaryVerdict
		err error
	}
)

// jobTick is how often a running step's progress is read and its
// countdown redrawn.
const jobTick = 100 * time.Millisecond

// writerTick is how often the application panel is refreshed.
const writerTick = 250 * time.Millisecond

// NewChecklist builds the checklist for cfg.Guide beside dash.
func NewChecklist(ctx context.Context, cfg *Config, styles *Styles) *Checklist {
	c := &Checklist{common: &common{cfg: cfg, styles: styles}, g: *cfg.Guide, ctx: ctx,
		keys: DefaultChecklistKeyMap(), results: map[steps.StepID]result{}}
	c.auto.on = c.g.Autoplay && cfg.Lab != ""
	return c
}

func (c *Checklist) now() time.Time { return c.cfg.Now() }

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
func (c *Checklist) SetStyles(s *Styles) { c.styles = s; c.invalidate() }

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
	if c.dlg != nil && c.dlg.kind == confirmStep && (c.height <= 0 || c.dlg.need(w, c.dialogTop(w)) > c.height) {
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

// Running is the step running now, or nil.
func (c *Checklist) Running() RunningStep { return c.job }

// Plan is the checklist as last derived.
func (c *Checklist) Plan() steps.Checklist { return c.plan }

// LayoutKey changes when the panel's keys or width do.
func (c *Checklist) LayoutKey() string {
	k := fmt.Sprintf("%t %t %t %t %t %t", c.job != nil, c.job != nil && steps.Lookup(c.jobID).Watches, c.plan.Current == "", c.plan.CanAbort, c.dlg != nil, c.hidden)
	if c.dlg != nil {
		k += fmt.Sprintf(" %s %d", c.dlg.id, c.dlg.i)
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
	switch {
	case c.job != nil:
		out = append(out, k.Stop)
	case c.plan.Current != "" && !c.cfg.ReadOnly:
		out = append(out, k.Run)
	}
	if c.plan.CanAbort && !c.cfg.ReadOnly && (c.job == nil || steps.Lookup(c.jobID).Watches) {
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
	case tea.KeyPressMsg, observedMsg, stepStartedMsg, confirmDoneMsg, jobTickMsg, writerTickMsg, verdictMsg, autoplayTickMsg:
		defer c.invalidate()
	}
	return c.update(msg)
}

func (c *Checklist) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		cmd, handled := c.key(msg)
		return cmd, handled
	case observedMsg:
		c.ready = msg.ready
		c.derive(msg.facts)
		cmd := c.maybeAuto()
		return cmd, false
	case stepStartedMsg:
		return c.started(msg), false
	case confirmDoneMsg:
		cmd := c.confirmed(msg)
		return cmd, false
	case jobTickMsg:
		cmd := c.tickJob()
		return cmd, false
	case writerTickMsg:
		c.stats, c.hasStats = msg.stats, true
		return c.writerTick(), false
	case verdictMsg:
		c.verifying = false
		if msg.err != nil {
			c.verdictErr = msg.err.Error()
		} else {
			v := msg.v
			c.verdict, c.verdictErr = &v, ""
		}
		c.logf("application writes verified: %+v err=%v", msg.v, msg.err)
		return nil, false
	case autoplayTickMsg:
		cmd := c.autoplayStep()
		return tea.Batch(cmd, autoplayTick()), false
	}
	return nil, false
}

// derive recomputes the plan from f.
func (c *Checklist) derive(f steps.Facts) {
	c.facts = f
	if c.adjust != nil {
		c.adjust(&c.facts)
	}
	c.plan = steps.Plan(c.facts, c.g.Options)
}

// maybeAuto starts, without a question, the steps that only watch or
// read: preflight once at startup, then the waits (full sync, steady
// state, Sentinel registering the target) and the report as they become
// current. A wait that failed or was stopped is not restarted: enter does.
func (c *Checklist) maybeAuto() tea.Cmd {
	if !c.ready || c.job != nil || c.starting || c.dlg != nil || c.quitting {
		return nil
	}
	id := c.plan.Current
	if id == "" {
		return nil
	}
	step := steps.Lookup(id)
	if !step.Watches || (step.WritesFiles && c.cfg.ReadOnly) {
		return nil
	}
	st := c.plan.State(id)
	if st.Status != steps.Current && !(step.Survey && st.Status == steps.Blocked) {
		return nil
	}
	if len(step.Confirmations(c.facts, c.g.Options)) > 0 {
		return nil // the priority fix asks first
	}
	if r, ran := c.results[id]; ran {
		// Once is enough for a survey (enter runs it again); a wait that
		// failed waits for enter; one that succeeded while the plan has
		// not caught up yet is given a moment.
		if step.Survey || r.err != nil || c.justDone(id) {
			return nil
		}
	}
	return c.start(id, c.facts, nil)
}

// start runs step id through the runner, from a command: Start writes the
// answers to the audit log (fsync'd) before it returns.
func (c *Checklist) start(id steps.StepID, f steps.Facts, a steps.Answers) tea.Cmd {
	if c.job != nil {
		// Still stopping: start once it has.
		c.pending = &pendingStart{id: id, f: f, a: a}
		return nil
	}
	c.starting = true
	c.note = cell{}
	r, ctx := c.g.Runner, c.ctx
	c.logf("start %s answers=%v", id, a)
	return func() tea.Msg {
		job, err := r.Start(ctx, id, f, a)
		return stepStartedMsg{id: id, job: job, err: err}
	}
}

func (c *Checklist) started(msg stepStartedMsg) tea.Cmd {
	c.starting = false
	if msg.err != nil {
		c.results[msg.id] = result{err: msg.err, at: c.now()}
		c.logf("%s not started: %v", msg.id, msg.err)
		return nil
	}
	c.job, c.jobID, c.jobStart = msg.job, msg.id, c.now()
	c.prog, c.hasProg, c.phases = steps.Progress{}, false, nil
	delete(c.results, msg.id)
	return c.armJobTick()
}

func (c *Checklist) armJobTick() tea.Cmd {
	if c.ticking {
		return nil
	}
	c.ticking = true
	return tea.Tick(jobTick, func(time.Time) tea.Msg { return jobTickMsg{} })
}

// tickJob reads what the running step reported since the last tick, and
// finishes it when it has ended.
func (c *Checklist) tickJob() tea.Cmd {
	c.ticking = false
	if c.job == nil {
		return nil
	}
	ups := c.job.Updates()
	for ups != nil {
		select {
		case p, ok := <-ups:
			if !ok {
				ups = nil
				break
			}
			c.progress(p)
		default:
			ups = nil
		}
	}
	select {
	case <-c.job.Done():
		return c.finish()
	default:
	}
	return c.armJobTick()
}

func (c *Checklist) progress(p steps.Progress) {
	if len(c.phases) == 0 || c.phases[len(c.phases)-1].phase != p.Phase {
		at := p.At
		if at.IsZero() {
			at = c.now()
		}
		c.phases = append(c.phases, phaseMark{phase: p.Phase, at: at})
	}
	if p.Offsets == nil && c.prog.Offsets != nil && p.Phase == c.prog.Phase {
		p.Offsets = c.prog.Offsets
	}
	c.prog, c.hasProg = p, true
}

// finish records how the running step ended and starts what follows.
func (c *Checklist) finish() tea.Cmd {
	err := c.job.Err()
	id := c.jobID
	now := c.now()
	c.results[id] = result{err: err, at: now}
	c.last = &lastRun{id: id, err: err, took: now.Sub(c.jobStart), ended: now, phases: c.phases, prog: c.prog, hasProg: c.hasProg}
	c.job = nil
	c.logf("%s ended: %v", id, err)
	var cmds []tea.Cmd
	if c.quitting {
		return tea.Quit
	}
	if c.dlg != nil && c.dlg.kind == confirmQuit {
		c.dlg = nil // nothing runs any more: nothing to ask
		cmds = append(cmds, c.setMode(ModeNormal))
	}
	if p := c.pending; p != nil {
		c.pending = nil
		cmds = append(cmds, c.start(p.id, p.f, p.a))
	}
	// What the step did (a cutover, a report) is in the session now.
	c.derive(c.g.Session.Facts(c.cfg.Topo, c.facts.Snapshot))
	cmds = append(cmds, c.maybeAuto())
	if steps.Lookup(id).ReadsBackWrites && err == nil && c.g.Writer != nil && !c.verifying {
		// Every acknowledged write so far, read back: after the cutover
		// is verified, and again as the last word.
		cmds = append(cmds, c.verifyWriter())
	}
	return tea.Batch(cmds...)
}

// verifyWriter reads every acknowledged write of the application back
// from the primary Sentinel names.
func (c *Checklist) verifyWriter() tea.Cmd {
	c.verifying = true
	w, ctx := c.g.Writer, c.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		v, err := w.Verify(ctx)
		return verdictMsg{v: v, err: err}
	}
}

func (c *Checklist) writerTick() tea.Cmd {
	w := c.g.Writer
	return tea.Tick(writerTick, func(time.Time) tea.Msg { return writerTickMsg{stats: w.Stats()} })
}

// ---- keys ----

func (c *Checklist) key(k tea.KeyPressMsg) (tea.Cmd, bool) {
	if c.dlg != nil {
		return c.answer(k), true
	}
	if c.quitting {
		return nil, true // stopping the step; Ctrl-C still quits at once
	}
	switch {
	case key.Matches(k, c.keys.Toggle):
		c.hidden = !c.hidden
		return nil, true
	case key.Matches(k, c.keys.Run):
		c.hidden = false
		return c.runCurrent(), true
	case key.Matches(k, c.keys.Abort):
		return c.abort(), true
	case key.Matches(k, c.keys.Stop):
		if c.job == nil {
			return nil, false
		}
		c.job.Cancel()
		c.note = cell{text: "stopping " + stepTitle(c.jobID) + "…", tone: toneWarn}
		if steps.Lookup(c.jobID).PointOfNoReturn {
			c.note.text = "stopping the cutover: before SENTINEL FAILOVER it unpauses and changes nothing; after it, the fence finishes"
		}
		return nil, true
	case key.Matches(k, c.keys.Quit):
		if c.job == nil {
			return nil, false
		}
		return c.open(newQuitConfirm(c.common, c.jobID)), true
	}
	return nil, false
}

// runCurrent is enter: ask to run the current step.
func (c *Checklist) runCurrent() tea.Cmd {
	id := c.plan.Current
	switch {
	case c.job != nil || c.starting:
		c.note = cell{text: stepTitle(c.jobID) + " is running: wait for it, or esc to stop it", tone: toneWarn}
		return nil
	case id == "":
		c.note = cell{text: "every step is done", tone: toneOK}
		return nil
	case !c.ready:
		c.note = cell{text: "waiting for the first poll of the source and the target", tone: toneMuted}
		return nil
	case c.justDone(id):
		c.note = cell{text: stepTitle(id) + " just finished: confirming it on the next poll", tone: toneMuted}
		return nil
	}
	st := c.plan.State(id)
	step := steps.Lookup(id)
	confs := step.Confirmations(c.facts, c.g.Options)
	if st.Status == steps.Blocked && !step.Survey && !offersFix(step, confs) {
		c.note = cell{text: "blocked: " + st.Reason, tone: toneBad}
		return nil
	}
	if c.cfg.ReadOnly && writes(step, c.facts, c.g.Options) {
		c.note = cell{text: "read-only: flyover shows this step's commands but sends none of them (restart without --read-only to act)", tone: toneWarn}
		return nil
	}
	if len(confs) == 0 {
		return c.start(id, c.facts, nil)
	}
	return c.open(newStepConfirm(c.common, step, c.facts, confs))
}

// offersFix reports whether a blocked step's questions are its fix: step
// 5 offers to raise the other replicas' priority numbers when another
// replica would be promoted instead of the target.
func offersFix(step *steps.Step, confs []steps.Confirmation) bool {
	return step.FixWhenBlocked && len(confs) > 0
}

// writes reports whether a step would send anything but reads.
func writes(step *steps.Step, f steps.Facts, o steps.Options) bool {
	cmds := step.Commands(f, o)
	for _, q := range step.Confirmations(f, o) {
		cmds = append(cmds, q.Commands...)
	}
	for _, cmd := range cmds {
		if !probe.IsRead(cmd.Args) {
			return true
		}
	}
	return false
}

// abort is a: ask to go back to how things were, before the cutover.
func (c *Checklist) abort() tea.Cmd {
	if c.cfg.ReadOnly {
		c.note = cell{text: "read-only: the abort sends commands; restart without --read-only to act", tone: toneWarn}
		return nil
	}
	if !c.plan.CanAbort {
		c.note = cell{text: "no abort: " + c.plan.AbortWhy, tone: toneBad}
		return nil
	}
	if c.job != nil {
		if !steps.Lookup(c.jobID).Watches {
			c.note = cell{text: stepTitle(c.jobID) + " is running: wait for it, or esc to stop it, then a", tone: toneWarn}
			return nil
		}
		c.job.Cancel() // a wait: nothing to undo
	}
	step := abortStep()
	return c.open(newStepConfirm(c.common, step, c.facts, step.Confirmations(c.facts, c.g.Options)))
}

// open shows a question and hands it the keyboard.
func (c *Checklist) open(d *Confirm) tea.Cmd {
	c.dlg = d
	c.note = cell{}
	return c.setMode(c.dialogMode())
}

func (c *Checklist) dialogMode() Mode {
	if c.dlg == nil {
		return ModeNormal
	}
	return c.dlg.Mode()
}

func (c *Checklist) setMode(m Mode) tea.Cmd {
	c.mode = m
	return func() tea.Msg { return ModeMsg{Mode: m} }
}

// answer hands a key to the open question; the keyboard mode follows the
// question (a typed name after a y/N).
func (c *Checklist) answer(k tea.KeyPressMsg) tea.Cmd {
	cmd := c.dlg.Update(k)
	if m := c.dialogMode(); m != c.mode && !c.dlg.done {
		return tea.Batch(cmd, c.setMode(m))
	}
	return cmd
}

// confirmed acts on a question's end: the step starts with the answers,
// or flyover quits once the running step has stopped; a cancel sends
// nothing.
func (c *Checklist) confirmed(msg confirmDoneMsg) tea.Cmd {
	d := msg.dlg
	if d != c.dlg {
		return nil
	}
	c.dlg = nil
	switch {
	case !msg.ok:
		return c.declined(d, msg.why)
	case d.kind == confirmQuit && c.job == nil:
		return tea.Quit
	case d.kind == confirmQuit:
		c.quitting = true
		c.job.Cancel()
		c.note = cell{text: "stopping " + stepTitle(c.jobID) + " before quitting…", tone: toneWarn}
		return c.setMode(ModeNormal)
	}
	return tea.Batch(c.setMode(ModeNormal), c.start(d.id, d.facts, d.answers))
}

// declined closes a cancelled question; nothing is sent. A step's answer
// is recorded in the audit log, so it shows who declined what.
func (c *Checklist) declined(d *Confirm, why string) tea.Cmd {
	c.note = cell{text: why, tone: toneWarn}
	c.logf("%s", why)
	cmds := []tea.Cmd{c.setMode(ModeNormal)}
	if d.kind == confirmStep && c.g.Audit != nil {
		a, q, id := c.g.Audit, d.conf(), d.id
		cmds = append(cmds, func() tea.Msg {
			// TODO(merge): use Runner.Declined
			a.Log(steps.Entry{Kind: steps.KindConfirm, Step: id, Event: "no", Phase: q.ID, Message: q.Prompt + " (" + why + ")"}, true)
			return nil
		})
	}
	return tea.Batch(cmds...)
}

// Stop stops the running step, if any, and waits for it to end: the
// cutover unpauses (before SENTINEL FAILOVER) or finishes the fence
// (after). say reports what it waits for.
func (c *Checklist) Stop(say func(string)) {
	j := c.job
	if j == nil {
		return
	}
	select {
	case <-j.Done():
		return
	default:
	}
	say(fmt.Sprintf("stopping %s…", stepTitle(c.jobID)))
	j.Cancel()
	<-j.Done()
	if err := j.Err(); err != nil {
		say(fmt.Sprintf("%s: %v", stepTitle(c.jobID), err))
	} else {
		say(stepTitle(c.jobID) + ": finished")
	}
}

func (c *Checklist) logf(format string, args ...any) {
	if c.cfg.Log != nil {
		c.cfg.Log.Printf("checklist: "+format, args...)
	}
}

func stepTitle(id steps.StepID) string {
	if s := steps.Lookup(id); s != nil {
		return s.Title
	}
	return string(id)
}

// stepNumber is a step's place in the plan, from 1; 0 for the abort.
func stepNumber(id steps.StepID) int {
	for i, s := range steps.Steps() {
		if s.ID == id {
			return i + 1
		}
	}
	return 0
}

// errText is an error in one line, for the panel.
func errText(err error) string {
	var nc *steps.NotConfirmedError
	if errors.As(err, &nc) {
		return "not confirmed, nothing sent"
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}
