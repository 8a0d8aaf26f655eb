package checklisttest

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/driver"
	"flyover/driver/drivertest"
	"flyover/probe"
	"flyover/probe/canary"
	"flyover/probe/readiness"
	"flyover/steps"
	"flyover/ui/checklist"
	"flyover/ui/common"
	"flyover/ui/confirm"
	"flyover/ui/uitest"
)

// Host holds the checklist as a program would run it.
type Host interface {
	// Send hands msg over as the program would, and returns the command.
	Send(msg tea.Msg) tea.Cmd
	// Poll hands over a poll result, digested as the root model digests
	// it, and returns what the checklist made of the observation (not
	// the endpoint's next poll).
	Poll(msg tea.Msg) tea.Cmd
	// Mode is the keyboard's mode, as the checklist last asked for it.
	Mode() common.Mode
	// Screen is what is on screen, without styles; Frame with them.
	Screen() string
	Frame() string
	Checklist() *checklist.Checklist
}

// HostFunc builds the host for cfg on a w x h terminal.
type HostFunc func(cfg common.Config, w, h int) Host

// Guided is the checklist on the fixtures' world.
type Guided struct {
	T       *testing.T
	Host    Host
	C       *checklist.Checklist
	Clock   *uitest.Clock
	W       *uitest.World
	Runner  *drivertest.Runner
	Session *steps.Session
	Tick    time.Duration
}

// New is the checklist in the host host builds, on a w x h terminal,
// with writer's application panel (none when nil); mod changes the
// configuration first.
func New(t *testing.T, host HostFunc, w, h int, writer common.Writer, mod func(*common.Config)) *Guided {
	clock := &uitest.Clock{T: uitest.T0}
	r := &drivertest.Runner{}
	cfg := uitest.FxConfig(clock)
	cfg.Source, cfg.Target = uitest.IdlePoller{}, uitest.IdlePoller{}
	for i := range cfg.Sentinels {
		cfg.Sentinels[i].Poller = uitest.IdlePoller{}
	}
	cfg.Guide = &common.Guide{Runner: r, Session: steps.NewSession(), Options: steps.Options{}, Writer: writer,
		WriterLabel: "2,000 writes/s via Sentinel"}
	if mod != nil {
		mod(&cfg)
	}
	g := &Guided{T: t, Clock: clock, W: uitest.NewWorld(uitest.T0), Runner: r, Session: cfg.Guide.Session, Tick: cfg.Tick}
	g.Host = host(cfg, w, h)
	if g.C = g.Host.Checklist(); g.C == nil {
		t.Fatal("no checklist with Config.Guide set")
	}
	if writer != nil {
		g.Send(checklist.WriterTickMsg{Stats: writer.Stats()})
	}
	return g
}

// Send hands msg to the host and returns its command, unrun.
func (g *Guided) Send(msg tea.Msg) tea.Cmd { return g.Host.Send(msg) }

// Screen is what is on screen, without styles.
func (g *Guided) Screen() string { return g.Host.Screen() }

// Mode is the keyboard's mode.
func (g *Guided) Mode() common.Mode { return g.Host.Mode() }

// Exec runs a command the host returned as the program would, feeding
// back the messages that move the checklist (modes, answers, started
// steps) and reporting a quit. Ticks are left to the tests, which deliver
// them by hand; a poll never answers (uitest.IdlePoller).
func (g *Guided) Exec(cmd tea.Cmd) (quit bool) {
	for _, msg := range uitest.Collect(cmd) {
		switch m := msg.(type) {
		case tea.QuitMsg:
			quit = true
		case common.ModeMsg, checklist.StepStartedMsg, confirm.DoneMsg:
			quit = g.Exec(g.Send(m)) || quit
		}
	}
	return quit
}

// Deliver hands a poll result over, digested, and runs what the checklist
// returns.
func (g *Guided) Deliver(msg tea.Msg) { g.Exec(g.Host.Poll(msg)) }

// Round delivers one poll of every endpoint, then moves the clock a tick.
func (g *Guided) Round() { uitest.Round(g.W, g.Clock, g.Tick, g.Deliver) }

// Rounds is n rounds.
func (g *Guided) Rounds(n int) {
	for range n {
		g.Round()
	}
}

// FinishJobs ends every job still running, successfully.
func (g *Guided) FinishJobs() {
	for _, s := range g.Runner.Starts() {
		s.Job.End(nil)
	}
	g.Pump()
}

// Pump delivers the running step's tick; it reports a quit.
func (g *Guided) Pump() bool { return g.Exec(g.Send(checklist.JobTickMsg{})) }

// Press types one key and runs what it returns; it reports a quit.
func (g *Guided) Press(k string) bool { return g.Exec(g.Send(uitest.Press(k))) }

// TypeText types s, one key a character.
func (g *Guided) TypeText(s string) {
	for _, r := range s {
		g.Press(string(r))
	}
}

// Settle lets the open typed question take keys, as the operator reading
// it would: a second passes (past promptSettle; a whole turn of the
// spinner, so frames read the same) and its redraw arrives.
func (g *Guided) Settle() {
	g.T.Helper()
	if g.C.Question() == nil {
		g.T.Fatal("no question open to settle")
	}
	g.Clock.Advance(time.Second)
	g.Exec(g.Send(confirm.SettledMsg{Dialog: g.C.Question(), Index: g.C.Question().Index}))
}

// Ready brings the world to the cutover: attached, in sync for long
// enough, every Sentinel lists the target and would promote it.
func (g *Guided) Ready() {
	g.T.Helper()
	for range 8 {
		g.Round()
		g.FinishJobs()
	}
	g.Clock.Advance(driver.SettleTime)
	g.Round()
	if c := g.C.Plan(); c.Current != steps.StepCutover {
		g.T.Fatalf("plan at %s (%s), want the cutover", c.Current, c.State(c.Current).Reason)
	}
}

// Detached is a world before the attach, with preflight read.
func (g *Guided) Detached() {
	g.T.Helper()
	g.W.Attached = false
	g.W.TgtKeys = map[int]probe.DBKeys{}
	g.Session.SetPreflight(readiness.PreflightFacts{})
	g.Rounds(3)
	g.FinishJobs()
	if c := g.C.Plan(); c.Current != steps.StepAttach {
		g.T.Fatalf("plan at %s (%s), want attach", c.Current, c.State(c.Current).Reason)
	}
}

// Writer is the application panel's writer, frozen.
type Writer struct{ stats canary.CanaryStats }

func (w *Writer) Stats() canary.CanaryStats { return w.stats }

// DemoWriter is a writer as the demo's runs: 2,000 writes a second,
// 131,877 acknowledged.
func DemoWriter() *Writer {
	return &Writer{stats: canary.CanaryStats{Namespace: "app:092653", Running: true, Attempted: 131_900, Acked: 131_877, Failed: 0,
		WritesPerSec: 1_999.6, CurrentStall: 812 * time.Millisecond, LongestStall: 14 * time.Millisecond}}
}

// CutoverRunning starts the cutover at 120x36 and reports its phases up
// to the drain's end and the wait for a majority.
func CutoverRunning(t *testing.T, host HostFunc) *Guided {
	g := New(t, host, 120, 36, DemoWriter(), nil)
	g.Ready()
	g.Press("enter")
	g.Settle()
	g.TypeText("flyover")
	g.Press("enter")
	j := g.Runner.Last(t).Job
	t1 := g.Clock.Now()
	at := func(ms int) time.Time { return t1.Add(time.Duration(ms) * time.Millisecond) }
	j.Report(steps.Progress{At: at(0), Phase: steps.PhasePausing, Message: "CLIENT PAUSE 20000 WRITE on the source", Fraction: -1})
	j.Report(steps.Progress{At: at(1), Phase: steps.PhaseDraining, Message: "source at 48213904, target at 48213100", Fraction: -1,
		Deadline: at(5001), Offsets: &steps.Offsets{Source: 48_213_904, Target: 48_213_100, JudgedBy: "target's slave_repl_offset"}})
	j.Report(steps.Progress{At: at(3), Phase: steps.PhaseDraining, Message: "source at 48213904, target at 48213904", Fraction: -1,
		Deadline: at(5001), Offsets: &steps.Offsets{Source: 48_213_904, Target: 48_213_904, JudgedBy: "target's slave_repl_offset"}})
	j.Report(steps.Progress{At: at(4), Phase: steps.PhaseFailover, Message: "SENTINEL FAILOVER flyover on sentinel-1 (attempt 1)", Fraction: -1, Deadline: at(5004)})
	j.Report(steps.Progress{At: at(9), Phase: steps.PhasePromoting, Message: "1 of 3 Sentinels name the target (need 2); the target reports master", Fraction: -1, Deadline: at(8009)})
	g.Clock.Advance(700 * time.Millisecond)
	g.Pump()
	return g
}

// Done is after the migration, at 120x36: every Sentinel names the
// target, the old Redis is gone, the write verified, the report written.
func Done(t *testing.T, host HostFunc) *Guided {
	g := New(t, host, 120, 36, DemoWriter(), nil)
	g.C.Driver().Adjust(func(f *steps.Facts) {
		f.VerifiedWrite = uitest.T0.Add(3 * time.Second)
		f.Decommissioned = true
		f.Report = "./flyover-report-20250314-092653.md"
		f.Cutover = &steps.CutoverResult{Stall: 1_183 * time.Millisecond}
		f.ReadBack = &steps.ReadBack{Step: steps.StepReport, Verdict: canary.CanaryVerdict{At: uitest.T0.Add(5 * time.Second), Acked: 120_000, Checked: 120_000}}
	})
	g.W.Attached = false
	g.W.SrcDown = true
	for i := range uitest.FxSentinels {
		g.W.SentMaster[i] = uitest.FxTarget
	}
	g.Rounds(3)
	return g
}
