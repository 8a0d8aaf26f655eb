package ui

import (
	"bytes"
	"context"
	"errors"
	"log"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/probe"
	"flyover/ui/common"
	"flyover/ui/uitest"
)

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		hs := newHarness(t, 80, 24, nil)
		var msg tea.KeyPressMsg
		if k == "q" {
			msg = tea.KeyPressMsg{Code: 'q', Text: "q"}
		} else {
			msg = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
		}
		cmd := hs.send(msg)
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
}

// ---- polling behaviour with real commands ----

type countingSentinel struct{ polls atomic.Int64 }

func (c *countingSentinel) PollSentinel(_ context.Context, _ string) probe.SentinelView {
	c.polls.Add(1)
	return probe.SentinelView{Addr: "s", PolledAt: time.Now(), Error: "test poller"}
}

// runProgram runs a real Bubble Tea program over the model, without a
// terminal, and returns a function that waits for it to end.
func runProgram(t *testing.T, m *Model) (*tea.Program, func() error) {
	t.Helper()
	p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(&bytes.Buffer{}), tea.WithWindowSize(120, 36),
		tea.WithoutSignals(), tea.WithoutSignalHandler())
	done := make(chan error, 1)
	go func() {
		_, err := p.Run()
		done <- err
	}()
	wait := func() error {
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return errors.New("the program did not end within 30 s")
		}
	}
	t.Cleanup(func() { p.Kill() })
	return p, wait
}

// A slow endpoint never has two polls in flight, and does not slow the
// others: each endpoint's next poll is armed by its own result.
func TestSlowEndpointNeverStacksPolls(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := &uitest.CountingNode{Addr: uitest.FxSource, Delay: 40 * time.Millisecond}
	fast := &uitest.CountingNode{Addr: uitest.FxTarget}
	sent := &countingSentinel{}
	m := New(ctx, common.Config{Topo: uitest.FxTopo(), Source: slow, Target: fast,
		Sentinels: []common.Sentinel{{Addr: uitest.FxSentinels[0], Poller: sent}}, Tick: time.Millisecond})
	p, wait := runProgram(t, m)
	err := waitUntil(30*time.Second, func() bool { return slow.Polls() >= 10 })
	p.Quit()
	if werr := wait(); werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatalf("slow endpoint polled %d times: %v", slow.Polls(), err)
	}
	slowMax, fastMax := slow.MaxInFlight(), fast.MaxInFlight()
	if slowMax != 1 {
		t.Errorf("%d polls of the slow endpoint overlapped; want at most 1 in flight", slowMax)
	}
	if fastMax != 1 {
		t.Errorf("%d polls of the fast endpoint overlapped", fastMax)
	}
	if fast.Polls() <= slow.Polls() {
		t.Errorf("fast endpoint polled %d times, slow %d: the slow one held the fast one back", fast.Polls(), slow.Polls())
	}
}

// A key press is answered while an endpoint hangs: the hang lives in a
// command, never in Update.
func TestKeysAnsweredWhileEndpointHangs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hung := &uitest.CountingNode{Addr: uitest.FxSource, Hang: make(chan struct{}), Started: make(chan struct{}, 1)}
	defer close(hung.Hang)
	m := New(ctx, common.Config{Topo: uitest.FxTopo(), Source: hung, Target: &uitest.CountingNode{Addr: uitest.FxTarget}, Tick: 10 * time.Millisecond})
	p, wait := runProgram(t, m)
	select {
	case <-hung.Started:
	case <-time.After(30 * time.Second):
		t.Fatal("the hanging poll never started")
	}
	p.Send(tea.KeyPressMsg{Code: '?', Text: "?"})
	p.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if err := wait(); err != nil {
		t.Fatalf("q while the source hangs: %v", err)
	}
	if !m.help.ShowAll {
		t.Error("? was not handled while the source hung")
	}
	if hung.Polls() != 0 {
		t.Error("the hanging poll returned; the test proves nothing")
	}
}

// The debug log names messages but never dumps the environment (which
// holds passwords).
func TestDebugLogLeavesEnvironmentOut(t *testing.T) {
	var buf bytes.Buffer
	hs := newHarness(t, 80, 24, func(c *common.Config) { c.Log, c.Debug = log.New(&buf, "", 0), true })
	hs.send(tea.EnvMsg{"FLYOVER_SOURCE_PASSWORD=hunter2"})
	hs.round()
	if strings.Contains(buf.String(), "hunter2") {
		t.Fatal("the debug log contains a password from the environment")
	}
	if !strings.Contains(buf.String(), "nodePolled source 127.0.0.1:7001") {
		t.Errorf("debug log lacks poll messages:\n%s", buf.String())
	}
}

func TestRunWithoutTerminal(t *testing.T) {
	if IsTerminal() {
		t.Skip("standard output is a terminal here")
	}
	err := Run(context.Background(), common.Config{Topo: uitest.FxTopo(), Source: uitest.NopNode{}, Target: uitest.NopNode{}})
	if !errors.Is(err, ErrNoTerminal) {
		t.Fatalf("Run without a terminal: %v, want ErrNoTerminal", err)
	}
}

func waitUntil(limit time.Duration, cond func() bool) error {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New("condition not met within " + limit.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// A Sentinel saying again what it said costs no redraw: its poll is
// re-armed and the frame stands. A reply that changes a fact is drawn.
func TestRepeatedSentinelReplyIsNotRedrawn(t *testing.T) {
	hs := inSyncScreen(t, 120, 36)
	before := hs.screen()
	v := hs.w.Sentinel(1)
	v.PolledAt, v.LastSeen, v.RTT = v.PolledAt.Add(time.Second), v.LastSeen.Add(time.Second), 530*time.Microsecond
	v.Replicas[0].LastOKPing, v.Replicas[0].InfoRefresh = 800*time.Millisecond, 9*time.Second
	hs.m.Dash.Sentinels[1].InFlight = true
	cmd := hs.send(common.SentinelPolledMsg{Index: 1, View: v})
	if hs.m.dirty || hs.m.Dash.Dirty {
		t.Error("a repeated Sentinel reply marked the frame stale")
	}
	if cmd == nil || hs.m.Dash.Sentinels[1].InFlight != true {
		t.Error("a repeated Sentinel reply did not re-arm its poll")
	}
	if hs.screen() != before {
		t.Error("the screen changed on a repeated reply")
	}
	v.MasterAddr = uitest.FxTarget
	hs.m.Dash.Sentinels[1].InFlight = true
	hs.send(common.SentinelPolledMsg{Index: 1, View: v})
	if !strings.Contains(hs.screen(), "DISAGREE") {
		t.Errorf("a Sentinel naming another master was not drawn:\n%s", hs.screen())
	}
}

// The timeline's keys reach the dashboard: down and up move a row, g
// goes back to the newest (the scrolling itself is the dashboard's,
// ui/dashboard's TestEventsScroll).
func TestKeysScrollTheTimeline(t *testing.T) {
	hs := inSyncScreen(t, 80, 24)
	for i := range 30 {
		hs.clock.Advance(time.Second)
		hs.event(i%3, "+sdown", "slave 127.0.0.1:9"+string(rune('0'+i%10))+" 127.0.0.1 9 @ flyover 127.0.0.1 7001")
	}
	hs.key("down")
	hs.key("down")
	if hs.m.Dash.Scroll != 2 {
		t.Fatalf("scroll %d after two downs, want 2", hs.m.Dash.Scroll)
	}
	if !strings.Contains(hs.screen(), "↑ 2 newer") {
		t.Errorf("no scroll indicator:\n%s", hs.screen())
	}
	hs.key("g")
	if hs.m.Dash.Scroll != 0 {
		t.Fatalf("g did not go back to the newest")
	}
	hs.key("up")
	if hs.m.Dash.Scroll != 0 {
		t.Fatal("scrolled above the newest event")
	}
}
