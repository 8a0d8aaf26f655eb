package checklist_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/steps"
	"flyover/ui/checklist"
	"flyover/ui/checklist/checklisttest"
	"flyover/ui/common"
	"flyover/ui/confirm"
	"flyover/ui/uitest"
)

// The checklist by itself, held as the root model holds it
// (checklisttest.Alone): the same digested polls, the same share of the
// screen, the keys the root hands it. Its screen is its own frame; the
// composed screens are the root's tests (ui).

// guided is the checklist alone on a w x h terminal.
func guided(t *testing.T, w, h int, writer common.Writer, mod func(*common.Config)) *checklisttest.Guided {
	return checklisttest.New(t, checklisttest.AloneHost, w, h, writer, mod)
}

// checkFrame checks the checklist's frame is exactly the share of the
// screen it was given.
func checkFrame(t *testing.T, g *checklisttest.Guided) {
	t.Helper()
	w, h := g.Host.(*checklisttest.Alone).Size()
	uitest.CheckFrame(t, g.Host.Frame(), w, h)
}

// Preflight runs by itself once the first polls are in: it only reads.
func TestPreflightRunsByItself(t *testing.T) {
	g := guided(t, 120, 36, nil, nil)
	g.W.Attached = false
	g.W.TgtKeys = map[int]probe.DBKeys{}
	g.W.At = g.Clock.Now()
	if g.Deliver(common.NodePolledMsg{Which: common.SourceNode, Node: g.W.Source()}); len(g.Runner.Ran()) != 0 {
		t.Fatal("preflight started before the target answered")
	}
	g.Deliver(common.NodePolledMsg{Which: common.TargetNode, Node: g.W.Target()})
	if len(g.Runner.Ran()) != 0 {
		t.Fatal("preflight started before the Sentinels answered")
	}
	for i := range uitest.FxSentinels {
		g.Deliver(common.SentinelPolledMsg{Index: i, View: g.W.Sentinel(i)})
	}
	if got := g.Runner.Ran(); len(got) != 1 || got[0] != steps.StepPreflight {
		t.Fatalf("started %v, want preflight alone", got)
	}
	if len(g.Runner.Last(t).Answers) != 0 {
		t.Error("preflight asked a question")
	}
	// It does not start again by itself.
	g.Runner.Last(t).Job.End(errors.New("preflight blocks: the target is empty"))
	g.Pump()
	g.Rounds(3)
	if n := len(g.Runner.Ran()); n != 1 {
		t.Errorf("preflight ran %d times by itself", n)
	}
}

// y runs the step with the facts the operator saw; anything else cancels
// and sends nothing.
func TestConfirmRunsOnYOnly(t *testing.T) {
	for _, k := range []string{"n", "x", "Y", "enter", "esc", " "} {
		g := guided(t, 120, 36, nil, nil)
		g.Detached()
		before := len(g.Runner.Ran())
		g.Press("enter")
		seen := *g.C.Driver().Facts()
		g.Press(k)
		if n := len(g.Runner.Ran()); n != before {
			t.Errorf("%q started %v", k, g.Runner.Ran()[before:])
		}
		if g.Mode() != common.ModeNormal || g.C.Question() != nil {
			t.Errorf("%q: the question is still open", k)
		}
		if !strings.Contains(g.Screen(), "cancelled, nothing sent") {
			t.Errorf("%q: the screen does not say the step was cancelled", k)
		}
		g.Press("enter")
		g.Press("y")
		s := g.Runner.Last(t)
		if s.ID != steps.StepAttach || s.Answers["attach"] != "y" {
			t.Fatalf("y after %q: started %s with %v", k, s.ID, s.Answers)
		}
		if s.Facts.Snapshot.At != seen.Snapshot.At {
			t.Error("the step got other facts than the ones on screen when enter was pressed")
		}
		if g.Mode() != common.ModeNormal {
			t.Error("the question stays open after y")
		}
	}
}

// At 80x24 the cutover's question shows every command it will send, one
// line each, with the point of no return; on a screen too short even for
// that, it says how many commands are not shown rather than cutting them
// silently, and no command is shown in part.
func TestCutoverPromptShowsEveryCommandAt80x24(t *testing.T) {
	g := guided(t, 80, 24, checklisttest.DemoWriter(), nil)
	g.Ready()
	g.Press("enter")
	g.Settle()
	sc := g.Screen()
	labtest.ContainsAll(t, "the cutover prompt at 80x24", sc, "POINT OF NO RETURN", "CLIENT PAUSE", "SENTINEL FAILOVER flyover",
		"REPLICAOF", "CLIENT KILL TYPE normal", "CLIENT KILL TYPE pubsub", "CLIENT UNPAUSE", "Type the master name (flyover)")
	// The worst case, before the name is typed: the fixture's Sentinels
	// say failover-timeout 60000.
	labtest.ContainsAll(t, "the cutover's worst case at 80x24", sc, "If Sentinel loses the target mid-switch, writes stay paused", "(60 s)")
	checkFrame(t, g)

	g.Send(tea.WindowSizeMsg{Width: 80, Height: 16})
	sc = g.Screen()
	labtest.ContainsAll(t, "the cutover prompt at 80x16", sc, "CLIENT PAUSE", "more commands: make the window taller", "Type the master name (flyover)")
	checkFrame(t, g)
}

// The cutover runs only when the master name is typed exactly. A wrong
// name says so and leaves the field empty for another try.
func TestCutoverNeedsTheExactMasterName(t *testing.T) {
	for _, typed := range []string{"", "flyove", "flyover ", "Flyover", "flyoverx", "y"} {
		g := guided(t, 120, 36, nil, nil)
		g.Ready()
		before := len(g.Runner.Ran())
		g.Press("enter")
		g.Settle()
		// While the prompt is open, q and a are letters, not keys.
		g.TypeText(typed)
		if g.Press("enter") {
			t.Fatalf("%q: quit", typed)
		}
		if n := len(g.Runner.Ran()); n != before {
			t.Errorf("typed %q: started %v", typed, g.Runner.Ran()[before:])
		}
		if g.Mode() != common.ModePrompt || g.C.Question() == nil || len(g.C.Question().Typed) != 0 {
			t.Errorf("typed %q: the prompt is not open with an empty field for another try", typed)
		}
		sc := g.Screen()
		want := "that is not the master name: you typed " + fmt.Sprintf("%q", typed)
		if typed == "" {
			want = "nothing typed: type flyover"
		}
		if !strings.Contains(sc, want) || !strings.Contains(sc, "  > █") {
			t.Errorf("typed %q: the screen does not say %q over an empty field:\n%s", typed, want, sc)
		}
		g.TypeText("flyover")
		g.Press("enter")
		if s := g.Runner.Last(t); s.ID != steps.StepCutover || s.Answers["cutover"] != "flyover" {
			t.Fatalf("after %q, flyover: started %s with %v, want the cutover", typed, s.ID, s.Answers)
		}
	}
	g := guided(t, 120, 36, nil, nil)
	g.Ready()
	g.Press("enter")
	g.Settle()
	g.TypeText("flyoverx")
	g.Press("backspace")
	g.Press("enter")
	s := g.Runner.Last(t)
	if s.ID != steps.StepCutover || s.Answers["cutover"] != "flyover" {
		t.Fatalf("started %s with %v, want the cutover with the typed name", s.ID, s.Answers)
	}
	// esc still cancels, and sends nothing.
	g = guided(t, 120, 36, nil, nil)
	g.Ready()
	before := len(g.Runner.Ran())
	g.Press("enter")
	g.Press("esc")
	if g.C.Question() != nil || g.Mode() != common.ModeNormal || len(g.Runner.Ran()) != before {
		t.Error("esc did not cancel the prompt at once")
	}
}

// Keys typed before the name prompt was on screen are not for it: the y
// typed out of habit after enter (or held down), and, in a question
// after a y/N, the y that answered the one before.
func TestNamePromptIgnoresKeysTypedBeforeItOpened(t *testing.T) {
	g := guided(t, 120, 36, nil, nil)
	g.Ready()
	g.Press("enter")
	g.Press("y")
	g.Press("enter") // a second enter, too soon, submits nothing
	if g.C.Question() == nil || len(g.C.Question().Typed) != 0 || g.Mode() != common.ModePrompt {
		t.Fatalf("keys typed before the prompt was on screen reached it: %q", string(g.C.Question().Typed))
	}
	if sc := g.Screen(); !strings.Contains(sc, "ignored 2 keys typed before this question was on screen") || strings.Contains(sc, "█") {
		t.Errorf("the prompt does not say what it ignored, or shows a cursor before it takes keys:\n%s", sc)
	}
	g.Settle()
	if !strings.Contains(g.Screen(), "  > █") {
		t.Errorf("no cursor once the prompt takes keys:\n%s", g.Screen())
	}
	g.TypeText("flyover")
	g.Press("enter")
	if s := g.Runner.Last(t); s.ID != steps.StepCutover || s.Answers["cutover"] != "flyover" {
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

// a is the abort, before the cutover only.
func TestAbortOnlyBeforeTheCutover(t *testing.T) {
	g := guided(t, 120, 36, nil, nil)
	g.Ready()
	g.Press("a")
	if g.Mode() != common.ModeConfirm || g.C.Question() == nil || g.C.Question().ID != steps.StepAbort {
		t.Fatal("a before the cutover did not ask to abort")
	}
	if !strings.Contains(g.Screen(), "CLIENT UNPAUSE") {
		t.Errorf("the abort question does not show its command:\n%s", g.Screen())
	}
	g.Press("y") // lift the pause
	g.Press("n") // optional: leave the target replicating
	s := g.Runner.Last(t)
	if s.ID != steps.StepAbort || s.Answers["abort"] != "y" || s.Answers["detach"] != "n" {
		t.Fatalf("started %s with %v", s.ID, s.Answers)
	}
	s.Job.End(nil)
	g.Pump()

	// After the failover: no abort, and the screen says why.
	for i := range uitest.FxSentinels {
		g.W.SentMaster[i] = uitest.FxTarget
	}
	g.W.Attached = false
	g.Rounds(2)
	before := len(g.Runner.Ran())
	g.Press("a")
	if g.C.Question() != nil || len(g.Runner.Ran()) != before {
		t.Fatal("a after the failover opened a question or started something")
	}
	if !strings.Contains(g.Screen(), "no abort: the failover has happened") {
		t.Errorf("the screen does not say why there is no abort:\n%s", g.Screen())
	}
}

// q while a step runs asks first; y stops the step, and flyover quits
// once it has ended.
func TestQuitWhileAStepRunsAsksFirst(t *testing.T) {
	g := checklisttest.CutoverRunning(t, checklisttest.AloneHost)
	j := g.Runner.Last(t).Job
	if g.Press("q") {
		t.Fatal("q quit while the cutover runs, without asking")
	}
	if g.Mode() != common.ModeConfirm || !strings.Contains(g.Screen(), "Cutover is running. Quit?") {
		t.Fatalf("no question after q:\n%s", g.Screen())
	}
	g.Press("x") // anything but y: keep running
	if j.Cancelled() || g.Mode() != common.ModeNormal {
		t.Fatal("x stopped the step or left the question open")
	}
	g.Press("q")
	if g.Press("y") {
		t.Fatal("quit before the step ended")
	}
	if !j.Cancelled() {
		t.Fatal("y did not stop the step")
	}
	j.End(errors.New("cutover stopped while draining: cancelled by the operator"))
	if !g.Pump() {
		t.Error("no quit once the step ended")
	}
	// With nothing running, q is not the checklist's: the root quits
	// (ui's TestQuitWithNothingRunningQuitsAtOnce).
	g2 := guided(t, 120, 36, nil, nil)
	g2.Ready()
	if cmd, handled := g2.C.Update(tea.KeyPressMsg{Code: 'q', Text: "q"}); handled || cmd != nil {
		t.Error("q with nothing running was taken by the checklist")
	}
}

// q while only a wait runs (a step that sends nothing) quits at once and
// stops the wait: there is nothing to ask. Read-only at 80x24, the wait
// for steady state running again after the target came back.
func TestQuitDuringAWaitQuitsAtOnce(t *testing.T) {
	g := guided(t, 80, 24, nil, func(c *common.Config) { c.ReadOnly = true })
	g.W.SrcOffset += 10 << 20 // the target is behind: steady state waits
	g.Round()
	g.FinishJobs() // preflight
	for i := 0; g.C.Running() == nil; i++ {
		if i > 20 {
			t.Fatalf("no wait started; plan at %s", g.C.Plan().Current)
		}
		g.Round()
	}
	if step := steps.Lookup(g.C.RunningID()); !step.Watches {
		t.Fatalf("%s runs; want a wait", g.C.RunningID())
	}
	j := g.Runner.Last(t).Job
	if !g.Press("q") {
		t.Fatalf("q while %s waits did not quit:\n%s", g.C.RunningID(), g.Screen())
	}
	if !j.Cancelled() {
		t.Error("the wait was not stopped")
	}
}

// In read-only mode the checklist shows the plan and the commands and
// sends nothing: enter says so instead of asking.
func TestReadOnlyChecklistRunsNothing(t *testing.T) {
	g := guided(t, 120, 36, nil, func(c *common.Config) { c.ReadOnly = true })
	g.Detached()
	before := len(g.Runner.Ran())
	g.Press("enter")
	if g.C.Question() != nil || len(g.Runner.Ran()) != before {
		t.Fatal("enter in read-only mode asked or started something")
	}
	sc := g.Screen()
	if !strings.Contains(sc, "READ-ONLY") || !strings.Contains(sc, "REPLICAOF 127.0.0.1 7001") {
		t.Errorf("read-only screen lacks the badge or the command:\n%s", sc)
	}
	g.Press("a")
	if g.C.Question() != nil {
		t.Error("a in read-only mode asked to abort")
	}
}

// Autoplay answers the questions itself, only in a lab, and the same way
// an operator would (the root refuses it outside a lab: ui's
// TestAutoplayRunsInALabOnly).
func TestAutoplayWalksTheStepsInALabOnly(t *testing.T) {
	g := guided(t, 120, 36, nil, func(c *common.Config) { c.Guide.Autoplay = true })
	if g.C.Autoplaying() {
		t.Fatal("autoplay on without a lab")
	}
	g = guided(t, 120, 36, nil, func(c *common.Config) { c.Guide.Autoplay = true; c.Lab = "demo" })
	g.Ready()
	for i := 0; g.C.Question() == nil || len(g.C.Question().Typed) < len("flyover"); i++ {
		if i > 100 {
			t.Fatalf("autoplay did not open and type the cutover prompt:\n%s", g.Screen())
		}
		g.Clock.Advance(checklist.AutoplayEvery)
		g.Exec(g.Send(checklist.AutoplayTickMsg{}))
	}
	if !strings.Contains(g.Screen(), "> flyover") {
		t.Errorf("the typed name is not on screen:\n%s", g.Screen())
	}
	for i := 0; len(g.Runner.Ran()) == 0 || g.Runner.Last(t).ID != steps.StepCutover; i++ {
		if i > 100 {
			t.Fatal("autoplay did not confirm the cutover")
		}
		g.Clock.Advance(checklist.AutoplayEvery)
		g.Exec(g.Send(checklist.AutoplayTickMsg{}))
	}
	if a := g.Runner.Last(t).Answers["cutover"]; a != "flyover" {
		t.Errorf("autoplay answered %q", a)
	}
}

// No password flyover was given ever reaches the screen, even inside a
// server's error.
func TestNoPasswordOnScreen(t *testing.T) {
	const pw = "hunter2-s3cret"
	g := guided(t, 120, 36, nil, func(c *common.Config) { c.Secrets = []string{pw} })
	g.Detached()
	g.Runner.Err = errors.New("target: REPLICAOF: WRONGPASS the password " + pw + " is wrong")
	g.Press("enter")
	g.Press("y")
	sc := g.Screen()
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
	g := guided(t, 120, 36, nil, nil)
	g.W.OtherReplica = true
	for range 8 {
		g.Round()
		g.FinishJobs()
	}
	c := g.C.Plan()
	if c.Current != steps.StepPriority || c.State(steps.StepPriority).Status != steps.Current {
		t.Fatalf("plan at %s %s (%s), want step 6 current", c.Current, c.State(c.Current).Status, c.State(c.Current).Reason)
	}
	g.Press("enter")
	sc := g.Screen()
	if g.Mode() != common.ModeConfirm || !strings.Contains(sc, "127.0.0.1:7003> CONFIG SET replica-priority 0") {
		t.Fatalf("no question with the exact command:\n%s", sc)
	}
	g.Press("y")
	if s := g.Runner.Last(t); s.ID != steps.StepPriority || s.Answers["priority-zero"] != "y" {
		t.Errorf("started %s with %v", s.ID, s.Answers)
	}
}

// A verdict on screen is true now: a preflight that blocked when it ran
// (NOQUORUM while the Sentinels were still finding each other) and passes
// on the latest snapshot shows as passing, never its stale block beside a
// ✓; one still blocking says how old it is.
func TestStalePreflightBlockGivesWayToTheLiveVerdict(t *testing.T) {
	g := guided(t, 80, 24, nil, nil)
	g.W.Attached = false
	g.Session.SetPreflight(readiness.PreflightFacts{})
	g.Rounds(3) // blocked: the target holds keys
	g.Runner.Last(t).Job.End(errors.New("preflight blocks: 3 of 3 Sentinels: SENTINEL CKQUORUM flyover: NOQUORUM 1 usable Sentinels"))
	g.Pump()
	g.W.TgtKeys = map[int]probe.DBKeys{} // the condition clears
	g.Rounds(3)
	if g.C.Plan().State(steps.StepPreflight).Status != steps.Done {
		t.Fatalf("preflight is %s on a healthy snapshot: %s", g.C.Plan().State(steps.StepPreflight).Status, g.C.Plan().State(steps.StepPreflight).Reason)
	}
	sc := g.Screen()
	if strings.Contains(sc, "NOQUORUM") {
		t.Errorf("the stale block is still on screen:\n%s", sc)
	}
	if !strings.Contains(sc, "Preflight passes now") {
		t.Errorf("screen does not say preflight passes now:\n%s", sc)
	}
	checkFrame(t, g)
}

// A wait that failed stays failed on screen until enter runs it again, and
// once that is a few seconds old it says how old: the header may already
// be IN SYNC again.
func TestFailedWaitSaysHowOldItsFailureIs(t *testing.T) {
	g := guided(t, 120, 36, nil, nil)
	g.W.SrcOffset += 10 << 20 // behind: the steady-state wait runs
	g.Round()
	g.FinishJobs()
	for i := 0; g.C.Running() == nil || g.C.RunningID() != steps.StepSteady; i++ {
		if i > 20 {
			t.Fatalf("no steady-state wait started (job %v)", g.C.RunningID())
		}
		g.Round()
	}
	g.Runner.Last(t).Job.End(errors.New("the target is unknown, not streaming"))
	g.Pump()
	if sc := g.Screen(); !strings.Contains(sc, "the target is unknown, not streaming") || strings.Contains(sc, "as of") {
		t.Fatalf("the fresh failure:\n%s", sc)
	}
	g.Clock.Advance(12 * time.Second)
	g.Round()
	if sc := g.Screen(); !strings.Contains(sc, "the target is unknown, not streaming (as of 12 s") {
		t.Errorf("the failure 12 s later:\n%s", sc)
	}
}
