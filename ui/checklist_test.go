package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/driver"
	"flyover/driver/drivertest"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/steps"
	"flyover/ui/checklist"
	"flyover/ui/common"
	"flyover/ui/confirm"
	"flyover/ui/uitest"
)

// fakeWriter is the application panel's writer, frozen.
type fakeWriter struct{ stats probe.CanaryStats }

func (w *fakeWriter) Stats() probe.CanaryStats { return w.stats }

// guided is a harness with the checklist beside the dashboard.
type guided struct {
	*harness
	runner  *drivertest.Runner
	session *steps.Session
	c       *checklist.Checklist
}

// idlePoller never answers: the tests deliver polls by hand, and a poll
// command the checklist's tests run by accident waits forever instead.
type idlePoller struct{}

func (idlePoller) PollNode(ctx context.Context) probe.Node { <-ctx.Done(); return probe.Node{} }
func (idlePoller) PollSentinel(ctx context.Context, _ string) probe.SentinelView {
	<-ctx.Done()
	return probe.SentinelView{}
}

func newGuided(t *testing.T, w, h int, writer common.Writer, mod func(*common.Config)) *guided {
	r := &drivertest.Runner{}
	var session *steps.Session
	hs := newHarness(t, w, h, func(c *common.Config) {
		c.Source, c.Target = idlePoller{}, idlePoller{}
		for i := range c.Sentinels {
			c.Sentinels[i].Poller = idlePoller{}
		}
		c.Guide = &common.Guide{Runner: r, Session: steps.NewSession(), Options: steps.Options{}, Writer: writer,
			WriterLabel: "2,000 writes/s via Sentinel"}
		if mod != nil {
			mod(c)
		}
		session = c.Guide.Session
	})
	g := &guided{harness: hs, runner: r, session: session, c: hs.m.Checklist()}
	if g.c == nil {
		t.Fatal("no checklist with Config.Guide set")
	}
	if writer != nil {
		g.send(checklist.WriterTickMsg{Stats: writer.Stats()})
	}
	return g
}

// exec runs a command the model returned as the program would, feeding
// back the messages that move the checklist (modes, answers, started steps) and
// reporting a quit. Ticks are left to the tests, which deliver them by
// hand; a poll never answers (idlePoller).
func (g *guided) exec(cmd tea.Cmd) (quit bool) {
	for _, msg := range collect(cmd) {
		switch m := msg.(type) {
		case tea.QuitMsg:
			quit = true
		case common.ModeMsg, checklist.StepStartedMsg, confirm.DoneMsg:
			quit = g.exec(g.send(m)) || quit
		}
	}
	return quit
}

// collect runs cmd and every command of its batches concurrently, and
// returns the messages that arrive within a moment: starts and mode
// switches come at once, ticks later (and are dropped).
func collect(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 256)
	var pending sync.WaitGroup
	var launch func(tea.Cmd)
	launch = func(c tea.Cmd) {
		pending.Add(1)
		go func() {
			defer pending.Done()
			m := c()
			if b, ok := m.(tea.BatchMsg); ok {
				for _, c := range b {
					if c != nil {
						launch(c)
					}
				}
				return
			}
			select {
			case ch <- m:
			default:
			}
		}()
	}
	launch(cmd)
	all := make(chan struct{})
	go func() { pending.Wait(); close(all) }()
	select {
	case <-all:
	case <-time.After(50 * time.Millisecond):
	}
	var out []tea.Msg
	for {
		select {
		case m := <-ch:
			out = append(out, m)
		default:
			return out
		}
	}
}

// deliver hands a message to the dashboard and the checklist as the root
// model does, and runs what the checklist returns.
func (g *guided) deliver(msg tea.Msg) {
	_, cmd := g.m.polled(msg)
	g.m.invalidate()
	g.exec(cmd)
}

// round delivers one poll of every endpoint, then moves the clock a tick.
func (g *guided) round() { g.roundThrough(g.deliver) }

func (g *guided) rounds(n int) {
	for range n {
		g.round()
	}
}

// finishJobs ends every job still running, successfully.
func (g *guided) finishJobs() {
	for _, s := range g.runner.Starts() {
		s.Job.End(nil)
	}
	g.pump()
}

// pump delivers the running step's tick.
func (g *guided) pump() bool { return g.exec(g.send(checklist.JobTickMsg{})) }

// press types one key and runs what it returns; it reports a quit.
func (g *guided) press(k string) bool {
	return g.exec(g.send(uitest.Press(k)))
}

// settle lets the open typed question take keys, as the operator reading
// it would: a second passes (past promptSettle; a whole turn of the
// spinner, so frames read the same) and its redraw arrives.
func (g *guided) settle() {
	g.t.Helper()
	if g.c.Question() == nil {
		g.t.Fatal("no question open to settle")
	}
	g.clock.Advance(time.Second)
	g.exec(g.send(confirm.SettledMsg{Dialog: g.c.Question(), Index: g.c.Question().Index}))
}

func (g *guided) typeText(s string) {
	for _, r := range s {
		g.press(string(r))
	}
}

// ready brings the world to the cutover: attached, in sync for long
// enough, every Sentinel lists the target and would promote it.
func (g *guided) ready() {
	for range 8 {
		g.round()
		g.finishJobs()
	}
	g.clock.Advance(driver.SettleTime)
	g.round()
	if g.c.Plan().Current != steps.StepCutover {
		g.t.Fatalf("plan at %s (%s), want the cutover", g.c.Plan().Current, g.c.Plan().State(g.c.Plan().Current).Reason)
	}
}

// detached is a world before the attach, with preflight read.
func (g *guided) detached() {
	g.w.Attached = false
	g.w.TgtKeys = map[int]probe.DBKeys{}
	g.session.SetPreflight(probe.PreflightFacts{})
	g.rounds(3)
	g.finishJobs()
	if g.c.Plan().Current != steps.StepAttach {
		g.t.Fatalf("plan at %s (%s), want attach", g.c.Plan().Current, g.c.Plan().State(g.c.Plan().Current).Reason)
	}
}

// Preflight runs by itself once the first polls are in: it only reads.
func TestPreflightRunsByItself(t *testing.T) {
	g := newGuided(t, 120, 36, nil, nil)
	g.w.Attached = false
	g.w.TgtKeys = map[int]probe.DBKeys{}
	g.w.At = g.clock.Now()
	if g.deliver(common.NodePolledMsg{Which: common.SourceNode, Node: g.w.Source()}); len(g.runner.Ran()) != 0 {
		t.Fatal("preflight started before the target answered")
	}
	g.deliver(common.NodePolledMsg{Which: common.TargetNode, Node: g.w.Target()})
	if len(g.runner.Ran()) != 0 {
		t.Fatal("preflight started before the Sentinels answered")
	}
	for i := range uitest.FxSentinels {
		g.deliver(common.SentinelPolledMsg{Index: i, View: g.w.Sentinel(i)})
	}
	if got := g.runner.Ran(); len(got) != 1 || got[0] != steps.StepPreflight {
		t.Fatalf("started %v, want preflight alone", got)
	}
	if len(g.runner.Last(t).Answers) != 0 {
		t.Error("preflight asked a question")
	}
	// It does not start again by itself.
	g.runner.Last(t).Job.End(errors.New("preflight blocks: the target is empty"))
	g.pump()
	g.rounds(3)
	if n := len(g.runner.Ran()); n != 1 {
		t.Errorf("preflight ran %d times by itself", n)
	}
}

func TestChecklistPreflightBlockGolden(t *testing.T) {
	g := newGuided(t, 120, 36, nil, nil)
	g.w.Attached = false
	g.w.TgtKeys = map[int]probe.DBKeys{0: {Keys: 4_210}}
	g.session.SetPreflight(probe.PreflightFacts{})
	g.rounds(3)
	g.runner.Last(t).Job.End(errors.New("preflight blocks: the target is empty: the target holds 4210 keys"))
	g.pump()
	st := g.c.Plan().State(steps.StepPreflight)
	if g.c.Plan().Current != steps.StepPreflight || st.Status != steps.Blocked {
		t.Fatalf("plan at %s %s, want preflight blocked", g.c.Plan().Current, st.Status)
	}
	sc := g.screen()
	labtest.ContainsAll(t, "screen", sc, "✗ the target is empty", "REPLICAOF wipes", "--allow-", "blocked")
	goldenFrame(t, g.harness, "checklist-preflight-block-120x36", 120, 36)
	// enter runs preflight again: it only reads, so no question.
	g.press("enter")
	if g.m.Mode() != common.ModeNormal || g.runner.Last(t).ID != steps.StepPreflight {
		t.Errorf("enter on a blocked preflight: mode %v, ran %v", g.m.Mode(), g.runner.Ran())
	}
}

func TestChecklistAttachConfirmGolden(t *testing.T) {
	g := newGuided(t, 120, 36, &fakeWriter{stats: demoStats()}, nil)
	g.detached()
	g.press("enter")
	if g.m.Mode() != common.ModeConfirm {
		t.Fatalf("mode %v after enter, want the confirmation", g.m.Mode())
	}
	sc := g.screen()
	if !strings.Contains(sc, "target 127.0.0.1:7002> REPLICAOF 127.0.0.1 7001") {
		t.Errorf("the confirmation does not show the exact command:\n%s", sc)
	}
	goldenFrame(t, g.harness, "checklist-attach-confirm-120x36", 120, 36)
}

// y runs the step with the facts the operator saw; anything else cancels
// and sends nothing.
func TestConfirmRunsOnYOnly(t *testing.T) {
	for _, k := range []string{"n", "x", "Y", "enter", "esc", " "} {
		g := newGuided(t, 120, 36, nil, nil)
		g.detached()
		before := len(g.runner.Ran())
		g.press("enter")
		seen := *g.c.Driver().Facts()
		g.press(k)
		if n := len(g.runner.Ran()); n != before {
			t.Errorf("%q started %v", k, g.runner.Ran()[before:])
		}
		if g.m.Mode() != common.ModeNormal || g.c.Question() != nil {
			t.Errorf("%q: the question is still open", k)
		}
		if !strings.Contains(g.screen(), "cancelled, nothing sent") {
			t.Errorf("%q: the screen does not say the step was cancelled", k)
		}
		g.press("enter")
		g.press("y")
		s := g.runner.Last(t)
		if s.ID != steps.StepAttach || s.Answers["attach"] != "y" {
			t.Fatalf("y after %q: started %s with %v", k, s.ID, s.Answers)
		}
		if s.Facts.Snapshot.At != seen.Snapshot.At {
			t.Error("the step got other facts than the ones on screen when enter was pressed")
		}
		if g.m.Mode() != common.ModeNormal {
			t.Error("the question stays open after y")
		}
	}
}

func TestChecklistCutoverPromptGolden(t *testing.T) {
	g := newGuided(t, 120, 36, &fakeWriter{stats: demoStats()}, nil)
	g.ready()
	g.press("enter")
	if g.m.Mode() != common.ModePrompt {
		t.Fatalf("mode %v, want the typed prompt", g.m.Mode())
	}
	g.settle()
	g.typeText("flyo")
	sc := g.screen()
	labtest.ContainsAll(t, "the cutover prompt", sc, "POINT OF NO RETURN", "SENTINEL FAILOVER flyover", "CLIENT PAUSE", "CLIENT UNPAUSE", "Type the master name (flyover)", "> flyo")
	goldenFrame(t, g.harness, "checklist-cutover-prompt-120x36", 120, 36)
}

// At 80x24 the cutover's question shows every command it will send, one
// line each, with the point of no return; on a screen too short even for
// that, it says how many lines are not shown rather than cutting them
// silently.
func TestCutoverPromptShowsEveryCommandAt80x24(t *testing.T) {
	g := newGuided(t, 80, 24, &fakeWriter{stats: demoStats()}, nil)
	g.ready()
	g.press("enter")
	g.settle()
	sc := g.screen()
	labtest.ContainsAll(t, "the cutover prompt at 80x24", sc, "POINT OF NO RETURN", "CLIENT PAUSE", "SENTINEL FAILOVER flyover",
		"REPLICAOF", "CLIENT KILL TYPE normal", "CLIENT KILL TYPE pubsub", "CLIENT UNPAUSE", "Type the master name (flyover)")
	// The worst case, before the name is typed: the fixture's Sentinels
	// say failover-timeout 60000.
	labtest.ContainsAll(t, "the cutover's worst case at 80x24", sc, "If Sentinel loses the target mid-switch, writes stay paused", "(60 s)")
	uitest.CheckFrame(t, g.m.View().Content, 80, 24)

	g.send(tea.WindowSizeMsg{Width: 80, Height: 16})
	sc = g.screen()
	labtest.ContainsAll(t, "the cutover prompt at 80x16", sc, "CLIENT PAUSE", "more lines: make the window taller", "Type the master name (flyover)")
	uitest.CheckFrame(t, g.m.View().Content, 80, 16)
}

// The cutover runs only when the master name is typed exactly. A wrong
// name says so and leaves the field empty for another try.
func TestCutoverNeedsTheExactMasterName(t *testing.T) {
	for _, typed := range []string{"", "flyove", "flyover ", "Flyover", "flyoverx", "y"} {
		g := newGuided(t, 120, 36, nil, nil)
		g.ready()
		before := len(g.runner.Ran())
		g.press("enter")
		g.settle()
		// While the prompt is open, q and a are letters, not keys.
		g.typeText(typed)
		if g.press("enter") {
			t.Fatalf("%q: quit", typed)
		}
		if n := len(g.runner.Ran()); n != before {
			t.Errorf("typed %q: started %v", typed, g.runner.Ran()[before:])
		}
		if g.m.Mode() != common.ModePrompt || g.c.Question() == nil || len(g.c.Question().Typed) != 0 {
			t.Errorf("typed %q: the prompt is not open with an empty field for another try", typed)
		}
		sc := g.screen()
		want := "that is not the master name: you typed " + fmt.Sprintf("%q", typed)
		if typed == "" {
			want = "nothing typed: type flyover"
		}
		if !strings.Contains(sc, want) || !strings.Contains(sc, "  > █") {
			t.Errorf("typed %q: the screen does not say %q over an empty field:\n%s", typed, want, sc)
		}
		g.typeText("flyover")
		g.press("enter")
		if s := g.runner.Last(t); s.ID != steps.StepCutover || s.Answers["cutover"] != "flyover" {
			t.Fatalf("after %q, flyover: started %s with %v, want the cutover", typed, s.ID, s.Answers)
		}
	}
	g := newGuided(t, 120, 36, nil, nil)
	g.ready()
	g.press("enter")
	g.settle()
	g.typeText("flyoverx")
	g.press("backspace")
	g.press("enter")
	s := g.runner.Last(t)
	if s.ID != steps.StepCutover || s.Answers["cutover"] != "flyover" {
		t.Fatalf("started %s with %v, want the cutover with the typed name", s.ID, s.Answers)
	}
	// esc still cancels, and sends nothing.
	g = newGuided(t, 120, 36, nil, nil)
	g.ready()
	before := len(g.runner.Ran())
	g.press("enter")
	g.press("esc")
	if g.c.Question() != nil || g.m.Mode() != common.ModeNormal || len(g.runner.Ran()) != before {
		t.Error("esc did not cancel the prompt at once")
	}
}

// Keys typed before the name prompt was on screen are not for it: the y
// typed out of habit after enter (or held down), and, in a question
// after a y/N, the y that answered the one before.
func TestNamePromptIgnoresKeysTypedBeforeItOpened(t *testing.T) {
	g := newGuided(t, 120, 36, nil, nil)
	g.ready()
	g.press("enter")
	g.press("y")
	g.press("enter") // a second enter, too soon, submits nothing
	if g.c.Question() == nil || len(g.c.Question().Typed) != 0 || g.m.Mode() != common.ModePrompt {
		t.Fatalf("keys typed before the prompt was on screen reached it: %q", string(g.c.Question().Typed))
	}
	if sc := g.screen(); !strings.Contains(sc, "ignored 2 keys typed before this question was on screen") || strings.Contains(sc, "█") {
		t.Errorf("the prompt does not say what it ignored, or shows a cursor before it takes keys:\n%s", sc)
	}
	g.settle()
	if !strings.Contains(g.screen(), "  > █") {
		t.Errorf("no cursor once the prompt takes keys:\n%s", g.screen())
	}
	g.typeText("flyover")
	g.press("enter")
	if s := g.runner.Last(t); s.ID != steps.StepCutover || s.Answers["cutover"] != "flyover" {
		t.Fatalf("started %s with %v, want the cutover with \"flyover\"", s.ID, s.Answers)
	}

	// A y/N before the typed question: its y, repeated, is not the name.
	clock := &uitest.Clock{T: uitest.T0}
	cm := &common.Common{Cfg: &common.Config{Now: clock.Now}, Styles: &common.Styles{}}
	confs := []steps.Confirmation{
		{ID: "first", Kind: steps.ConfirmYesNo, Prompt: "First?"},
		{ID: "name", Kind: steps.ConfirmTypeName, Expect: "flyover", Prompt: "Type the master name:"},
	}
	d := confirm.NewStep(cm, steps.Lookup(steps.StepCutover), steps.Facts{}, confs)
	clock.Advance(time.Second) // read the first question
	if cmd := d.Update(uitest.Press("y")); cmd == nil || !d.Typing() {
		t.Fatal("y did not move on to the typed question, or did not ask for its redraw")
	}
	d.Update(uitest.Press("y")) // the key repeat of that y
	if len(d.Typed) != 0 || d.Early != 1 {
		t.Fatalf("the y that answered the question before is in the field: %q", string(d.Typed))
	}
	clock.Advance(confirm.PromptSettle)
	for _, r := range "flyover" {
		d.Update(uitest.Press(string(r)))
	}
	if string(d.Typed) != "flyover" {
		t.Fatalf("typed %q after the prompt settled, want flyover", string(d.Typed))
	}
}

// cutoverRunning starts the cutover and reports its phases up to the
// drain's end and the wait for a majority.
func cutoverRunning(t *testing.T) *guided {
	g := newGuided(t, 120, 36, &fakeWriter{stats: demoStats()}, nil)
	g.ready()
	g.press("enter")
	g.settle()
	g.typeText("flyover")
	g.press("enter")
	j := g.runner.Last(t).Job
	t1 := g.clock.Now()
	at := func(ms int) time.Time { return t1.Add(time.Duration(ms) * time.Millisecond) }
	j.Report(steps.Progress{At: at(0), Phase: steps.PhasePausing, Message: "CLIENT PAUSE 20000 WRITE on the source", Fraction: -1})
	j.Report(steps.Progress{At: at(1), Phase: steps.PhaseDraining, Message: "source at 48213904, target at 48213100", Fraction: -1,
		Deadline: at(5001), Offsets: &steps.Offsets{Source: 48_213_904, Target: 48_213_100, JudgedBy: "target's slave_repl_offset"}})
	j.Report(steps.Progress{At: at(3), Phase: steps.PhaseDraining, Message: "source at 48213904, target at 48213904", Fraction: -1,
		Deadline: at(5001), Offsets: &steps.Offsets{Source: 48_213_904, Target: 48_213_904, JudgedBy: "target's slave_repl_offset"}})
	j.Report(steps.Progress{At: at(4), Phase: steps.PhaseFailover, Message: "SENTINEL FAILOVER flyover on sentinel-1 (attempt 1)", Fraction: -1, Deadline: at(5004)})
	j.Report(steps.Progress{At: at(9), Phase: steps.PhasePromoting, Message: "1 of 3 Sentinels name the target (need 2); the target reports master", Fraction: -1, Deadline: at(8009)})
	g.clock.Advance(700 * time.Millisecond)
	g.pump()
	return g
}

func TestChecklistCutoverRunningGolden(t *testing.T) {
	g := cutoverRunning(t)
	sc := g.screen()
	labtest.ContainsAll(t, "the running cutover", sc, "waiting for majority", "8 s left", "48,213,904", "1 of 3 Sentinels name the target")
	goldenFrame(t, g.harness, "checklist-cutover-running-120x36", 120, 36)

	// The countdown moves with the clock.
	g.clock.Advance(2 * time.Second)
	g.pump()
	if !strings.Contains(g.screen(), "6 s left") {
		t.Errorf("the countdown did not move:\n%s", g.screen())
	}
}

// a is the abort, before the cutover only.
func TestAbortOnlyBeforeTheCutover(t *testing.T) {
	g := newGuided(t, 120, 36, nil, nil)
	g.ready()
	g.press("a")
	if g.m.Mode() != common.ModeConfirm || g.c.Question() == nil || g.c.Question().ID != steps.StepAbort {
		t.Fatal("a before the cutover did not ask to abort")
	}
	if !strings.Contains(g.screen(), "CLIENT UNPAUSE") {
		t.Errorf("the abort question does not show its command:\n%s", g.screen())
	}
	g.press("y") // lift the pause
	g.press("n") // optional: leave the target replicating
	s := g.runner.Last(t)
	if s.ID != steps.StepAbort || s.Answers["abort"] != "y" || s.Answers["detach"] != "n" {
		t.Fatalf("started %s with %v", s.ID, s.Answers)
	}
	s.Job.End(nil)
	g.pump()

	// After the failover: no abort, and the screen says why.
	for i := range uitest.FxSentinels {
		g.w.SentMaster[i] = uitest.FxTarget
	}
	g.w.Attached = false
	g.rounds(2)
	before := len(g.runner.Ran())
	g.press("a")
	if g.c.Question() != nil || len(g.runner.Ran()) != before {
		t.Fatal("a after the failover opened a question or started something")
	}
	if !strings.Contains(g.screen(), "no abort: the failover has happened") {
		t.Errorf("the screen does not say why there is no abort:\n%s", g.screen())
	}
}

// q while a step runs asks first; y stops the step, and flyover quits
// once it has ended.
func TestQuitWhileAStepRunsAsksFirst(t *testing.T) {
	g := cutoverRunning(t)
	j := g.runner.Last(t).Job
	if g.press("q") {
		t.Fatal("q quit while the cutover runs, without asking")
	}
	if g.m.Mode() != common.ModeConfirm || !strings.Contains(g.screen(), "Cutover is running. Quit?") {
		t.Fatalf("no question after q:\n%s", g.screen())
	}
	g.press("x") // anything but y: keep running
	if j.Cancelled() || g.m.Mode() != common.ModeNormal {
		t.Fatal("x stopped the step or left the question open")
	}
	g.press("q")
	if g.press("y") {
		t.Fatal("quit before the step ended")
	}
	if !j.Cancelled() {
		t.Fatal("y did not stop the step")
	}
	j.End(errors.New("cutover stopped while draining: cancelled by the operator"))
	if !g.pump() {
		t.Error("no quit once the step ended")
	}
	// With nothing running, q quits at once.
	g2 := newGuided(t, 120, 36, nil, nil)
	g2.ready()
	if !g2.exec(g2.send(tea.KeyPressMsg{Code: 'q', Text: "q"})) {
		t.Error("q with nothing running did not quit")
	}
}

// q while only a wait runs (a step that sends nothing) quits at once and
// stops the wait: there is nothing to ask. Read-only at 80x24, the wait
// for steady state running again after the target came back.
func TestQuitDuringAWaitQuitsAtOnce(t *testing.T) {
	g := newGuided(t, 80, 24, nil, func(c *common.Config) { c.ReadOnly = true })
	g.w.SrcOffset += 10 << 20 // the target is behind: steady state waits
	g.round()
	g.finishJobs() // preflight
	for i := 0; g.c.Running() == nil; i++ {
		if i > 20 {
			t.Fatalf("no wait started; plan at %s", g.c.Plan().Current)
		}
		g.round()
	}
	if step := steps.Lookup(g.c.RunningID()); !step.Watches {
		t.Fatalf("%s runs; want a wait", g.c.RunningID())
	}
	j := g.runner.Last(t).Job
	if !g.press("q") {
		t.Fatalf("q while %s waits did not quit:\n%s", g.c.RunningID(), g.screen())
	}
	if !j.Cancelled() {
		t.Error("the wait was not stopped")
	}
}

// q while a step that writes runs asks first, and the question is on
// screen at every size, 80x24 included.
func TestQuitQuestionIsVisibleAtEverySize(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 36}, {100, 20}, {80, 14}, {200, 50}} {
		g := cutoverRunning(t)
		g.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		if g.press("q") {
			t.Fatalf("%dx%d: q quit while the cutover runs, without asking", sz[0], sz[1])
		}
		sc := g.screen()
		for _, want := range []string{"Cutover is running. Quit?", "y quit", "keep it running"} {
			if !strings.Contains(sc, want) {
				t.Errorf("%dx%d: the quit question lacks %q on screen:\n%s", sz[0], sz[1], want, sc)
			}
		}
		uitest.CheckFrame(t, g.m.View().Content, sz[0], sz[1])
	}
}

// doneWorld is after the migration: every Sentinel names the target, the
// old Redis is gone, the write verified, the report written.
func doneWorld(t *testing.T) *guided {
	g := newGuided(t, 120, 36, &fakeWriter{stats: demoStats()}, nil)
	g.c.Driver().Adjust(func(f *steps.Facts) {
		f.VerifiedWrite = uitest.T0.Add(3 * time.Second)
		f.Decommissioned = true
		f.Report = "./flyover-report-20250314-092653.md"
		f.Cutover = &steps.CutoverResult{Stall: 1_183 * time.Millisecond}
		f.ReadBack = &steps.ReadBack{Step: steps.StepReport, Verdict: probe.CanaryVerdict{At: uitest.T0.Add(5 * time.Second), Acked: 120_000, Checked: 120_000}}
	})
	g.w.Attached = false
	g.w.SrcDown = true
	for i := range uitest.FxSentinels {
		g.w.SentMaster[i] = uitest.FxTarget
	}
	g.rounds(3)
	return g
}

func TestChecklistDoneGolden(t *testing.T) {
	g := doneWorld(t)
	if c := g.c.Plan(); c.Current != "" {
		t.Fatalf("plan at %s (%s), want every step done", c.Current, c.State(c.Current).Reason)
	}
	sc := g.screen()
	labtest.ContainsAll(t, "the final screen", sc, "MIGRATION COMPLETE", "flyover-report-20250314-092653.md",
		"0 lost of 120,000 acknowledged", "read back by the report step:", "the 120,000 writes acknowledged by "+uitest.T0.Add(5*time.Second).Format("15:04:05"),
		"11,877 acknowledged since", "1.18 s")
	goldenFrame(t, g.harness, "checklist-done-120x36", 120, 36)
}

// In read-only mode the checklist shows the plan and the commands and
// sends nothing: enter says so instead of asking.
func TestReadOnlyChecklistRunsNothing(t *testing.T) {
	g := newGuided(t, 120, 36, nil, func(c *common.Config) { c.ReadOnly = true })
	g.detached()
	before := len(g.runner.Ran())
	g.press("enter")
	if g.c.Question() != nil || len(g.runner.Ran()) != before {
		t.Fatal("enter in read-only mode asked or started something")
	}
	sc := g.screen()
	if !strings.Contains(sc, "READ-ONLY") || !strings.Contains(sc, "REPLICAOF 127.0.0.1 7001") {
		t.Errorf("read-only screen lacks the badge or the command:\n%s", sc)
	}
	g.press("a")
	if g.c.Question() != nil {
		t.Error("a in read-only mode asked to abort")
	}
}

// Warnings (a password on the command line, TLS verification off) stay
// on every screen; the lab is labelled as one.
func TestWarningsAndLabStayOnScreen(t *testing.T) {
	warn := "--source-password: a password on the command line is visible in the process list"
	g := newGuided(t, 120, 36, nil, func(c *common.Config) {
		c.Warnings = []string{warn}
		c.Lab = "demo on loopback"
	})
	g.ready()
	for _, step := range []string{"normal", "prompt"} {
		if step == "prompt" {
			g.press("enter")
		}
		sc := g.screen()
		if !strings.Contains(sc, "WARNING  "+warn[:40]) || !strings.Contains(sc, "LAB") {
			t.Errorf("%s: warning or lab label missing:\n%s", step, sc)
		}
		uitest.CheckFrame(t, g.m.View().Content, 120, 36)
	}
}

// The checklist fits any screen the dashboard does.
func TestChecklistFitsEverySize(t *testing.T) {
	g := cutoverRunning(t)
	for _, w := range []int{40, 60, 80, 100, 120, 160, 220} {
		for _, h := range []int{10, 24, 36, 50} {
			g.send(tea.WindowSizeMsg{Width: w, Height: h})
			uitest.CheckFrame(t, g.m.View().Content, w, h)
		}
	}
	g = newGuided(t, 80, 24, &fakeWriter{stats: demoStats()}, nil)
	g.ready()
	g.press("enter")
	for _, w := range []int{40, 80, 120} {
		for _, h := range []int{10, 24, 36} {
			g.send(tea.WindowSizeMsg{Width: w, Height: h})
			uitest.CheckFrame(t, g.m.View().Content, w, h)
		}
	}
}

// Autoplay answers the questions itself, only in a lab, and the same way
// an operator would.
func TestAutoplayWalksTheStepsInALabOnly(t *testing.T) {
	g := newGuided(t, 120, 36, nil, func(c *common.Config) { c.Guide.Autoplay = true })
	if g.c.Autoplaying() {
		t.Fatal("autoplay on without a lab")
	}
	if err := checkConfig(&common.Config{Guide: &common.Guide{Autoplay: true}}); !errors.Is(err, ErrAutoplayOutsideLab) {
		t.Errorf("autoplay outside a lab: %v", err)
	}
	if err := checkConfig(&common.Config{Guide: &common.Guide{Autoplay: true}, Lab: "demo"}); err != nil {
		t.Errorf("autoplay in a lab: %v", err)
	}

	g = newGuided(t, 120, 36, nil, func(c *common.Config) { c.Guide.Autoplay = true; c.Lab = "demo" })
	g.ready()
	for i := 0; g.c.Question() == nil || len(g.c.Question().Typed) < len("flyover"); i++ {
		if i > 100 {
			t.Fatalf("autoplay did not open and type the cutover prompt:\n%s", g.screen())
		}
		g.clock.Advance(checklist.AutoplayEvery)
		g.exec(g.send(checklist.AutoplayTickMsg{}))
	}
	if !strings.Contains(g.screen(), "> flyover") {
		t.Errorf("the typed name is not on screen:\n%s", g.screen())
	}
	for i := 0; len(g.runner.Ran()) == 0 || g.runner.Last(t).ID != steps.StepCutover; i++ {
		if i > 100 {
			t.Fatal("autoplay did not confirm the cutover")
		}
		g.clock.Advance(checklist.AutoplayEvery)
		g.exec(g.send(checklist.AutoplayTickMsg{}))
	}
	if a := g.runner.Last(t).Answers["cutover"]; a != "flyover" {
		t.Errorf("autoplay answered %q", a)
	}
}

func demoStats() probe.CanaryStats {
	return probe.CanaryStats{Namespace: "app:092653", Running: true, Attempted: 131_900, Acked: 131_877, Failed: 0,
		WritesPerSec: 1_999.6, CurrentStall: 812 * time.Millisecond, LongestStall: 14 * time.Millisecond}
}

// No password flyover was given ever reaches the screen, even inside a
// server's error.
func TestNoPasswordOnScreen(t *testing.T) {
	const pw = "hunter2-s3cret"
	g := newGuided(t, 120, 36, nil, func(c *common.Config) { c.Secrets = []string{pw} })
	g.detached()
	g.runner.Err = errors.New("target: REPLICAOF: WRONGPASS the password " + pw + " is wrong")
	g.press("enter")
	g.press("y")
	sc := g.screen()
	if strings.Contains(sc, pw) {
		t.Fatalf("the password is on screen:\n%s", sc)
	}
	if !strings.Contains(sc, "WRONGPASS the password ***") {
		t.Errorf("the error is not shown (redacted):\n%s", sc)
	}
}

// When another replica could be promoted instead of the target, step 6
// (only the target can be promoted) is next, and enter asks before the
// exact CONFIG SET replica-priority 0 on that replica.
func TestPriorityStepOffersPriorityZero(t *testing.T) {
	g := newGuided(t, 120, 36, nil, nil)
	g.w.OtherReplica = true
	for range 8 {
		g.round()
		g.finishJobs()
	}
	c := g.c.Plan()
	if c.Current != steps.StepPriority || c.State(steps.StepPriority).Status != steps.Current {
		t.Fatalf("plan at %s %s (%s), want step 6 current", c.Current, c.State(c.Current).Status, c.State(c.Current).Reason)
	}
	g.press("enter")
	sc := g.screen()
	if g.m.Mode() != common.ModeConfirm || !strings.Contains(sc, "127.0.0.1:7003> CONFIG SET replica-priority 0") {
		t.Fatalf("no question with the exact command:\n%s", sc)
	}
	g.press("y")
	if s := g.runner.Last(t); s.ID != steps.StepPriority || s.Answers["priority-zero"] != "y" {
		t.Errorf("started %s with %v", s.ID, s.Answers)
	}
}

// A verdict on screen is true now: a preflight that blocked when it ran
// (NOQUORUM while the Sentinels were still finding each other) and passes
// on the latest snapshot shows as passing, never its stale block beside a
// ✓; one still blocking says how old it is.
func TestStalePreflightBlockGivesWayToTheLiveVerdict(t *testing.T) {
	g := newGuided(t, 80, 24, nil, nil)
	g.w.Attached = false
	g.session.SetPreflight(probe.PreflightFacts{})
	g.rounds(3) // blocked: the target holds keys
	g.runner.Last(t).Job.End(errors.New("preflight blocks: 3 of 3 Sentinels: SENTINEL CKQUORUM flyover: NOQUORUM 1 usable Sentinels"))
	g.pump()
	g.w.TgtKeys = map[int]probe.DBKeys{} // the condition clears
	g.rounds(3)
	if g.c.Plan().State(steps.StepPreflight).Status != steps.Done {
		t.Fatalf("preflight is %s on a healthy snapshot: %s", g.c.Plan().State(steps.StepPreflight).Status, g.c.Plan().State(steps.StepPreflight).Reason)
	}
	sc := g.screen()
	if strings.Contains(sc, "NOQUORUM") {
		t.Errorf("the stale block is still on screen:\n%s", sc)
	}
	if !strings.Contains(sc, "Preflight passes now") {
		t.Errorf("screen does not say preflight passes now:\n%s", sc)
	}
	uitest.CheckFrame(t, g.m.View().Content, 80, 24)
}

// A wait that failed stays failed on screen until enter runs it again, and
// once that is a few seconds old it says how old: the header may already
// be IN SYNC again.
func TestFailedWaitSaysHowOldItsFailureIs(t *testing.T) {
	g := newGuided(t, 120, 36, nil, nil)
	g.w.SrcOffset += 10 << 20 // behind: the steady-state wait runs
	g.round()
	g.finishJobs()
	for i := 0; g.c.Running() == nil || g.c.RunningID() != steps.StepSteady; i++ {
		if i > 20 {
			t.Fatalf("no steady-state wait started (job %v)", g.c.RunningID())
		}
		g.round()
	}
	g.runner.Last(t).Job.End(errors.New("the target is unknown, not streaming"))
	g.pump()
	if sc := g.screen(); !strings.Contains(sc, "the target is unknown, not streaming") || strings.Contains(sc, "as of") {
		t.Fatalf("the fresh failure:\n%s", sc)
	}
	g.clock.Advance(12 * time.Second)
	g.round()
	if sc := g.screen(); !strings.Contains(sc, "the target is unknown, not streaming (as of 12 s") {
		t.Errorf("the failure 12 s later:\n%s", sc)
	}
}
