package ui

import (
	"bytes"
	"context"
	"errors"
	"log"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/probe"
	"flyover/ui/common"
	"flyover/ui/dashboard"
	"flyover/ui/uitest"
)

// The IN SYNC badge needs N consecutive in-sync polls of the source, and
// one poll out of sync starts the count again.
func TestInSyncBadgeNeedsConsecutivePolls(t *testing.T) {
	hs := newHarness(t, 120, 36, func(c *common.Config) { c.InSyncPolls = 4 })
	// The first round's source poll arrives before the target's: it
	// cannot be in sync. Three more make three in-sync polls.
	hs.rounds(4)
	if hs.m.Dash.InSync() {
		t.Fatal("badge on after 3 in-sync polls; want 4")
	}
	if strings.Contains(hs.screen(), "IN SYNC") {
		t.Fatal("screen shows IN SYNC before the badge is on")
	}
	hs.round()
	if !hs.m.Dash.InSync() || !strings.Contains(hs.screen(), "● IN SYNC") {
		t.Fatal("badge off after 4 in-sync polls")
	}

	// Lag far beyond what a second of writes explains: out of sync. One
	// such poll is not enough to take the badge away; N are.
	hs.w.SrcOffset += 50 << 20
	for i := 0; hs.m.Dash.Snapshot().Link.InSync; i++ {
		if i > 20 {
			t.Fatal("the target never fell out of sync")
		}
		hs.round()
	}
	if !hs.m.Dash.InSync() {
		t.Fatal("one poll out of sync took the badge away")
	}
	hs.rounds(3)
	if hs.m.Dash.InSync() {
		t.Fatal("badge still on after 4 polls with the target 50 MiB behind")
	}
	if !strings.Contains(hs.screen(), "CATCHING UP") {
		t.Errorf("no CATCHING UP badge:\n%s", hs.screen())
	}
	hs.w.AckedOffset = hs.w.SrcOffset
	hs.rounds(3)
	if hs.m.Dash.InSync() {
		t.Fatal("badge back after 3 polls; the count must restart from zero")
	}
	if !strings.Contains(hs.screen(), "CONFIRMING · 3/4") {
		t.Errorf("no CONFIRMING badge:\n%s", hs.screen())
	}
	hs.round()
	if !hs.m.Dash.InSync() {
		t.Fatal("badge not back after 4 in-sync polls")
	}
	// The link going down takes it away at once.
	hs.w.TgtDown = true
	hs.round()
	if hs.m.Dash.InSync() {
		t.Fatal("badge still on with the target down")
	}
}

// A Sentinel's reply between two source polls must not change the
// replication rate: Derive measures it between source polls only.
func TestRateIsMeasuredBetweenSourcePolls(t *testing.T) {
	hs := newHarness(t, 120, 36, nil)
	hs.rounds(2)
	hs.w.At = hs.clock.Now()
	hs.w.SrcOffset += 1000 // 1000 B in one 500 ms tick
	hs.w.AckedOffset = hs.w.SrcOffset
	hs.send(common.NodePolledMsg{Which: common.SourceNode, Node: hs.w.Source()})
	want := hs.m.Dash.Snapshot().Link.RateBytes
	if want < 1999 || want > 2001 {
		t.Fatalf("rate %v B/s, want 2000", want)
	}
	hs.send(common.SentinelPolledMsg{Index: 0, View: hs.w.Sentinel(0)})
	hs.send(common.NodePolledMsg{Which: common.TargetNode, Node: hs.w.Target()})
	if got := hs.m.Dash.Snapshot().Link.RateBytes; got != want {
		t.Errorf("rate after other endpoints answered: %v, want %v", got, want)
	}
}

// An endpoint going down and coming back is on the timeline, newest
// first, and says how long ago it was last seen.
func TestEndpointDownAndUpOnTimeline(t *testing.T) {
	hs := inSyncScreen(t, 120, 36)
	hs.w.TgtDown = true
	hs.rounds(2)
	s := hs.screen()
	if !strings.Contains(s, "TARGET DOWN") {
		t.Errorf("no TARGET DOWN badge:\n%s", s)
	}
	if !strings.Contains(s, "✗ DOWN · seen") {
		t.Errorf("the target's status does not say when it was last seen:\n%s", s)
	}
	hs.w.TgtDown = false
	hs.round()
	d := hs.m.Dash
	if d.Events.Len() < 2 {
		t.Fatal("no events")
	}
	if e := d.Events.Newest(0); e.Kind != "target up" || e.Tone != common.ToneOK {
		t.Errorf("newest event %q (%v), want target up", e.Kind, e.Tone)
	}
	var sawDown bool
	for i := range d.Events.Len() {
		if d.Events.Newest(i).Kind == "target down" {
			sawDown = true
		}
	}
	if !sawDown {
		t.Error("no target down event")
	}
}

// Attaching the target is on the timeline as flyover's own events: sync
// started, each phase, sync finished, then in sync.
func TestSyncStartedAndFinishedEvents(t *testing.T) {
	hs := newHarness(t, 120, 36, nil)
	hs.w.Attached = false
	hs.rounds(2)
	hs.w.Attached, hs.w.Phase = true, "handshake"
	hs.round()
	hs.w.Phase, hs.w.Progress = "transfer", [2]int64{1 << 20, 4 << 20}
	hs.round()
	hs.w.Phase = "online"
	hs.rounds(4)
	var kinds []string
	for i := hs.m.Dash.Events.Len() - 1; i >= 0; i-- {
		if e := hs.m.Dash.Events.Newest(i); e.Who[0] == dashboard.FlyoverWho && e.Kind != "sentinels" && e.Kind != "target role" {
			kinds = append(kinds, e.Kind)
		}
	}
	want := "link not attached, sync started, link handshake, link transfer, sync finished, in sync"
	if got := strings.Join(kinds, ", "); got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}

// The same Sentinel event from several Sentinels is one row naming each.
func TestSentinelEventsMergeAndShowReporters(t *testing.T) {
	hs := newHarness(t, 120, 36, nil)
	hs.rounds(1)
	for i := range uitest.FxSentinels {
		hs.event(i, "+switch-master", "flyover 127.0.0.1 7001 127.0.0.1 7002")
	}
	hs.event(0, "+sdown", "sentinel 5f0a 127.0.0.1 26382 @ flyover 127.0.0.1 7002")
	d := hs.m.Dash
	if e := d.Events.Newest(0); e.Kind != "+sdown" {
		t.Errorf("newest is %q, want +sdown (newest first)", e.Kind)
	}
	e := d.Events.Newest(1)
	if e.Kind != "+switch-master" || strings.Join(e.Who, " ") != "s1 s2 s3" {
		t.Errorf("switch-master row: %q by %v, want by s1 s2 s3", e.Kind, e.Who)
	}
	if !strings.Contains(e.Text, "127.0.0.1:7001 (source) → 127.0.0.1:7002 (target)") {
		t.Errorf("switch-master text %q does not name source and target", e.Text)
	}
	if !strings.Contains(hs.screen(), "s1 s2 s3") {
		t.Error("reporters not on screen")
	}
}

// Disagreeing Sentinels are flagged, in the summary and on the timeline.
func TestSentinelDisagreementIsFlagged(t *testing.T) {
	hs := inSyncScreen(t, 120, 36)
	hs.w.SentMaster[2] = uitest.FxTarget
	hs.round()
	if !strings.Contains(hs.screen(), "DISAGREE") {
		t.Errorf("no DISAGREE:\n%s", hs.screen())
	}
	e := hs.m.Dash.Events.Newest(0)
	if e.Kind != "sentinels" || e.Tone != common.ToneWarn || !strings.Contains(e.Text, "s3 127.0.0.1:7002") {
		t.Errorf("newest event %+v, want a warning naming s3's master", e)
	}
}

// Scrolling the timeline moves through older events and back.
func TestEventsScroll(t *testing.T) {
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

// The trend history is a fixed ring: minutes at the tick rate, never more.
func TestHistoryIsBounded(t *testing.T) {
	hs := newHarness(t, 120, 36, func(c *common.Config) { c.History = 10 * time.Second })
	if got := hs.m.Dash.History.Cap(); got != 20 {
		t.Fatalf("history holds %d samples, want 10 s / 500 ms = 20", got)
	}
	hs.rounds(50)
	if got := hs.m.Dash.History.Len(); got != 20 {
		t.Errorf("history has %d samples after 50 polls, want 20", got)
	}
	if got := hs.m.Dash.Events.Ring.Cap(); got != dashboard.TimelineLen {
		t.Errorf("timeline holds %d, want %d", got, dashboard.TimelineLen)
	}
}

func TestRing(t *testing.T) {
	r := common.NewRing[int](3)
	for i := 1; i <= 5; i++ {
		r.Push(i)
	}
	if r.Len() != 3 || r.At(0) != 3 || r.At(2) != 5 {
		t.Errorf("ring holds %d, %d..%d; want 3, 3..5", r.Len(), r.At(0), r.At(2))
	}
	if v, _ := r.Last(); v != 5 {
		t.Errorf("last %d, want 5", v)
	}
}

func TestSparkline(t *testing.T) {
	r := common.NewRing[int64](8)
	for _, v := range []int64{0, 0, 1, 7, -1} {
		r.Push(v)
	}
	got := common.Sparkline(r, 8, func(v *int64) int64 { return *v })
	if got != "   ▁▁▂▇ " {
		t.Errorf("sparkline %q", got)
	}
	// A ring larger than the width: each cell shows the largest of its share.
	r = common.NewRing[int64](16)
	for i := range 16 {
		r.Push(int64(i % 2 * 10))
	}
	if got := common.Sparkline(r, 4, func(v *int64) int64 { return *v }); got != "▇▇▇▇" {
		t.Errorf("bucketed sparkline %q, want the peaks", got)
	}
}

// ---- polling behaviour with real commands ----

// countingNode is a NodePoller that records how many of its polls overlap.
type countingNode struct {
	addr    string
	delay   time.Duration
	hang    chan struct{} // when set, polls block until it closes or ctx ends
	started chan struct{} // receives once per poll start, when set

	mu      sync.Mutex
	active  int
	maxSeen int
	polls   atomic.Int64
}

func (c *countingNode) PollNode(ctx context.Context) probe.Node {
	c.mu.Lock()
	c.active++
	c.maxSeen = max(c.maxSeen, c.active)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.active--
		c.mu.Unlock()
	}()
	if c.started != nil {
		select {
		case c.started <- struct{}{}:
		default:
		}
	}
	if c.hang != nil {
		select {
		case <-c.hang:
		case <-ctx.Done():
		}
	} else {
		common.Sleep(ctx, c.delay)
	}
	c.polls.Add(1)
	return probe.Node{Addr: c.addr, PolledAt: time.Now(), Error: c.addr + ": test poller"}
}

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
	slow := &countingNode{addr: uitest.FxSource, delay: 40 * time.Millisecond}
	fast := &countingNode{addr: uitest.FxTarget}
	sent := &countingSentinel{}
	m := New(ctx, common.Config{Topo: uitest.FxTopo(), Source: slow, Target: fast,
		Sentinels: []common.Sentinel{{Addr: uitest.FxSentinels[0], Poller: sent}}, Tick: time.Millisecond})
	p, wait := runProgram(t, m)
	err := waitUntil(30*time.Second, func() bool { return slow.polls.Load() >= 10 })
	p.Quit()
	if werr := wait(); werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatalf("slow endpoint polled %d times: %v", slow.polls.Load(), err)
	}
	// A poll started before the quit may still be running: read under
	// each node's lock.
	slow.mu.Lock()
	slowMax := slow.maxSeen
	slow.mu.Unlock()
	fast.mu.Lock()
	fastMax := fast.maxSeen
	fast.mu.Unlock()
	if slowMax != 1 {
		t.Errorf("%d polls of the slow endpoint overlapped; want at most 1 in flight", slowMax)
	}
	if fastMax != 1 {
		t.Errorf("%d polls of the fast endpoint overlapped", fastMax)
	}
	if fast.polls.Load() <= slow.polls.Load() {
		t.Errorf("fast endpoint polled %d times, slow %d: the slow one held the fast one back", fast.polls.Load(), slow.polls.Load())
	}
}

// A key press is answered while an endpoint hangs: the hang lives in a
// command, never in Update.
func TestKeysAnsweredWhileEndpointHangs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hung := &countingNode{addr: uitest.FxSource, hang: make(chan struct{}), started: make(chan struct{}, 1)}
	defer close(hung.hang)
	m := New(ctx, common.Config{Topo: uitest.FxTopo(), Source: hung, Target: &countingNode{addr: uitest.FxTarget}, Tick: 10 * time.Millisecond})
	p, wait := runProgram(t, m)
	select {
	case <-hung.started:
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
	if hung.polls.Load() != 0 {
		t.Error("the hanging poll returned; the test proves nothing")
	}
}

// Events from the watcher channel reach the timeline, and a closed channel
// stops the listener.
func TestEventsFromChannel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan probe.Event, 4)
	ch <- probe.ParseEvent(uitest.FxSentinels[0], "+sdown", "master flyover 127.0.0.1 7001", time.Now())
	ch <- probe.ParseEvent(uitest.FxSentinels[1], "+sdown", "master flyover 127.0.0.1 7001", time.Now())
	close(ch)
	cmd := common.WaitEvents(ctx, ch)
	msg, ok := cmd().(common.SentinelEventsMsg)
	if !ok || len(msg.Events) != 2 || !msg.Closed {
		t.Fatalf("got %+v, want both events in one batch and closed", msg)
	}
	hs := newHarness(t, 120, 36, func(c *common.Config) { c.Events = ch })
	if next := hs.send(msg); next != nil {
		t.Error("listener re-armed on a closed channel")
	}
	e := hs.m.Dash.Events.Newest(0)
	if e.Kind != "+sdown" || strings.Join(e.Who, " ") != "s1 s2" || e.Tone != common.ToneWarn {
		t.Errorf("event row %+v", e)
	}
	if !strings.Contains(e.Text, "master flyover 127.0.0.1:7001 (source)") {
		t.Errorf("event text %q", e.Text)
	}
}

// Only the endpoint that answered is polled again.
func TestPollResultRearmsOnlyItsEndpoint(t *testing.T) {
	src := &countingNode{addr: uitest.FxSource}
	tgt := &countingNode{addr: uitest.FxTarget}
	m := New(context.Background(), common.Config{Topo: uitest.FxTopo(), Source: src, Target: tgt, Tick: time.Millisecond})
	d := m.Dash
	d.Source.InFlight, d.Target.InFlight = true, true // as after Init
	if d.ArmNode(common.SourceNode, 0) != nil {
		t.Fatal("a second poll was armed while one is in flight")
	}
	cmd := d.Update(common.NodePolledMsg{Which: common.SourceNode, Node: probe.Node{Addr: uitest.FxSource}})
	if cmd == nil {
		t.Fatal("the source's result did not re-arm its poll")
	}
	msg, ok := cmd().(common.NodePolledMsg)
	if !ok || msg.Which != common.SourceNode {
		t.Fatalf("re-armed command returned %T %+v, want the source's next poll", msg, msg)
	}
	if src.polls.Load() != 1 || tgt.polls.Load() != 0 {
		t.Errorf("polls: source %d, target %d; want 1 and 0", src.polls.Load(), tgt.polls.Load())
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
	err := Run(context.Background(), common.Config{Topo: uitest.FxTopo(), Source: nopNode{}, Target: nopNode{}})
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
