package dashboard

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"

	"flyover/probe"
	"flyover/probe/events"
	"flyover/ui/common"
	"flyover/ui/uitest"
)

// The dashboard by itself, held as the root model holds it (harness):
// its badge, its timeline, its trends, its polls. The screens a user
// sees, with the footer and a panel beside, are the root's tests (ui).

// The IN SYNC badge needs N consecutive in-sync polls of the source, and
// one poll out of sync starts the count again.
func TestInSyncBadgeNeedsConsecutivePolls(t *testing.T) {
	hs := newHarness(t, 120, 36, func(c *common.Config) { c.InSyncPolls = 4 })
	// The first round's source poll arrives before the target's: it
	// cannot be in sync. Three more make three in-sync polls.
	hs.rounds(4)
	if hs.d.InSync() {
		t.Fatal("badge on after 3 in-sync polls; want 4")
	}
	if strings.Contains(hs.screen(), "IN SYNC") {
		t.Fatal("screen shows IN SYNC before the badge is on")
	}
	hs.round()
	if !hs.d.InSync() || !strings.Contains(hs.screen(), "● IN SYNC") {
		t.Fatal("badge off after 4 in-sync polls")
	}

	// Lag far beyond what a second of writes explains: out of sync. One
	// such poll is not enough to take the badge away; N are.
	hs.w.SrcOffset += 50 << 20
	for i := 0; hs.d.Snapshot().Link.InSync; i++ {
		if i > 20 {
			t.Fatal("the target never fell out of sync")
		}
		hs.round()
	}
	if !hs.d.InSync() {
		t.Fatal("one poll out of sync took the badge away")
	}
	hs.rounds(3)
	if hs.d.InSync() {
		t.Fatal("badge still on after 4 polls with the target 50 MiB behind")
	}
	if !strings.Contains(hs.screen(), "CATCHING UP") {
		t.Errorf("no CATCHING UP badge:\n%s", hs.screen())
	}
	hs.w.AckedOffset = hs.w.SrcOffset
	hs.rounds(3)
	if hs.d.InSync() {
		t.Fatal("badge back after 3 polls; the count must restart from zero")
	}
	if !strings.Contains(hs.screen(), "CONFIRMING · 3/4") {
		t.Errorf("no CONFIRMING badge:\n%s", hs.screen())
	}
	hs.round()
	if !hs.d.InSync() {
		t.Fatal("badge not back after 4 in-sync polls")
	}
	// The link going down takes it away at once.
	hs.w.TgtDown = true
	hs.round()
	if hs.d.InSync() {
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
	want := hs.d.Snapshot().Link.RateBytes
	if want < 1999 || want > 2001 {
		t.Fatalf("rate %v B/s, want 2000", want)
	}
	hs.send(common.SentinelPolledMsg{Index: 0, View: hs.w.Sentinel(0)})
	hs.send(common.NodePolledMsg{Which: common.TargetNode, Node: hs.w.Target()})
	if got := hs.d.Snapshot().Link.RateBytes; got != want {
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
	d := hs.d
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
	for i := hs.d.Events.Len() - 1; i >= 0; i-- {
		if e := hs.d.Events.Newest(i); e.Who[0] == FlyoverWho && e.Kind != "sentinels" && e.Kind != "target role" {
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
	d := hs.d
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
	e := hs.d.Events.Newest(0)
	if e.Kind != "sentinels" || e.Tone != common.ToneWarn || !strings.Contains(e.Text, "127.0.0.1:7002 (s3)") {
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
	hs.d.ScrollEvents(1)
	hs.d.ScrollEvents(1)
	if hs.d.Scroll != 2 {
		t.Fatalf("scroll %d after two rows down, want 2", hs.d.Scroll)
	}
	if !strings.Contains(hs.screen(), "↑ 2 newer") {
		t.Errorf("no scroll indicator:\n%s", hs.screen())
	}
	hs.d.ScrollEventsTop()
	if hs.d.Scroll != 0 {
		t.Fatalf("the top did not go back to the newest")
	}
	hs.d.ScrollEvents(-1)
	if hs.d.Scroll != 0 {
		t.Fatal("scrolled above the newest event")
	}
}

// The trend history is a fixed ring: minutes at the tick rate, never more.
func TestHistoryIsBounded(t *testing.T) {
	hs := newHarness(t, 120, 36, func(c *common.Config) { c.History = 10 * time.Second })
	if got := hs.d.History.Cap(); got != 20 {
		t.Fatalf("history holds %d samples, want 10 s / 500 ms = 20", got)
	}
	hs.rounds(50)
	if got := hs.d.History.Len(); got != 20 {
		t.Errorf("history has %d samples after 50 polls, want 20", got)
	}
	if got := hs.d.Events.Ring.Cap(); got != TimelineLen {
		t.Errorf("timeline holds %d, want %d", got, TimelineLen)
	}
}

// Events from the watcher channel reach the timeline, and a closed channel
// stops the listener.
func TestEventsFromChannel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan events.Event, 4)
	ch <- events.ParseEvent(uitest.FxSentinels[0], "+sdown", "master flyover 127.0.0.1 7001", time.Now())
	ch <- events.ParseEvent(uitest.FxSentinels[1], "+sdown", "master flyover 127.0.0.1 7001", time.Now())
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
	e := hs.d.Events.Newest(0)
	if e.Kind != "+sdown" || strings.Join(e.Who, " ") != "s1 s2" || e.Tone != common.ToneWarn {
		t.Errorf("event row %+v", e)
	}
	if !strings.Contains(e.Text, "master flyover 127.0.0.1:7001 (source)") {
		t.Errorf("event text %q", e.Text)
	}
}

// Only the endpoint that answered is polled again.
func TestPollResultRearmsOnlyItsEndpoint(t *testing.T) {
	src := &uitest.CountingNode{Addr: uitest.FxSource}
	tgt := &uitest.CountingNode{Addr: uitest.FxTarget}
	s := common.DefaultStyles(true)
	d := New(context.Background(), common.Config{Topo: uitest.FxTopo(), Source: src, Target: tgt, Tick: time.Millisecond}, &s)
	d.Source.InFlight, d.Target.InFlight = true, true // as after Init
	if d.ArmNode(common.SourceNode, common.Wait{}) != nil {
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
	if src.Polls() != 1 || tgt.Polls() != 0 {
		t.Errorf("polls: source %d, target %d; want 1 and 0", src.Polls(), tgt.Polls())
	}
}

// The screen keeps its meaning without colour: NO_COLOR drops colours but
// keeps reverse video, so badges stay badges.
func TestViewWithoutColourKeepsBadges(t *testing.T) {
	hs := inSyncScreen(t, 120, 36)
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.ASCII}
	if _, err := w.WriteString(hs.d.View()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, sgr := range []string{"38;2;", "38;5;", "48;2;", "48;5;"} {
		if strings.Contains(out, sgr) {
			t.Fatalf("colour sequence %q survives the ASCII profile", sgr)
		}
	}
	if !strings.Contains(out, "7m") && !strings.Contains(out, ";7;") && !strings.Contains(out, ";7m") {
		t.Error("no reverse video left: the IN SYNC badge is not a badge without colour")
	}
	if !strings.Contains(out, "IN SYNC") {
		t.Error("no IN SYNC on the screen")
	}
}

// Mid-failover the target reports master, follows no one, and one
// Sentinel names it: the badge says the switch is under way, not "not
// attached".
func TestBadgeSaysPromotingMidFailover(t *testing.T) {
	hs := inSyncScreen(t, 120, 36)
	hs.w.Attached = false // the target was promoted: master, following no one
	hs.w.SentMaster[1] = uitest.FxTarget
	hs.w.SentFlags[1] = []string{"master", "failover_in_progress"}
	hs.rounds(2)
	sc := hs.screen()
	if first, _, _ := strings.Cut(sc, "\n"); !strings.Contains(first, "PROMOTING · 1 of 3 Sentinels name the target") {
		t.Errorf("the header during the failover: %q", first)
	}
}

// Every Sentinel answers GET-MASTER-ADDR-BY-NAME with the target, but
// the leader's own record is still the old primary (it is in its
// failover, waiting for old replicas that never resync from Dragonfly):
// the header says SWITCHING, not SWITCHED, and its row shows the record.
func TestBadgeSaysSwitchingWhileTheLeaderIsInItsFailover(t *testing.T) {
	hs := inSyncScreen(t, 120, 36)
	hs.w.Attached, hs.w.Fenced = false, true
	for i := range uitest.FxSentinels {
		hs.w.SentMaster[i] = uitest.FxTarget
	}
	hs.w.SentRecord = map[int]string{0: uitest.FxSource}
	hs.w.SentFlags[0] = []string{"master", "failover_in_progress"}
	hs.rounds(2)
	sc := hs.screen()
	if first, _, _ := strings.Cut(sc, "\n"); !strings.Contains(first, "SWITCHING · 2 of 3 Sentinels switched") {
		t.Errorf("the header while the leader is in its failover: %q", first)
	}
	if !strings.Contains(sc, "own record "+uitest.FxSource) {
		t.Errorf("the leader's row does not show its own record:\n%s", sc)
	}
	hs.w.SentRecord, hs.w.SentFlags[0] = nil, nil
	hs.rounds(2)
	if first, _, _ := strings.Cut(hs.screen(), "\n"); !strings.Contains(first, "SWITCHED") {
		t.Errorf("the header once the leader switched: %q", first)
	}
}

// After the switch an old primary that still answers, following the
// target without ever syncing, serves data that stopped at the switch:
// its status says so instead of a plain "up".
func TestOldPrimaryStillAnsweringIsShownStale(t *testing.T) {
	hs := inSyncScreen(t, 120, 36)
	hs.w.Attached, hs.w.Fenced = false, true
	for i := range uitest.FxSentinels {
		hs.w.SentMaster[i] = uitest.FxTarget
	}
	hs.rounds(2)
	sc := hs.screen()
	if !strings.Contains(sc, "SWITCHED") || !strings.Contains(sc, "● stale since") {
		t.Errorf("the old primary after the switch:\n%s", sc)
	}
}

// What flyover read back as it started (a restart's recalled priorities)
// is a timeline entry of the start, not a warning that stays on screen
// after abort has done what it says.
func TestStartNotesAreTimelineEntries(t *testing.T) {
	hs := newHarness(t, 120, 36, func(c *common.Config) {
		c.Notes = []common.Note{{Kind: "recalled", Text: "replica 10.0.0.5:6379 was at replica-priority 100 before an earlier run set 0"}}
	})
	hs.rounds(2)
	sc := hs.screen()
	if strings.Contains(sc, "WARNING") || !strings.Contains(sc, "recalled") || !strings.Contains(sc, "replica 10.0.0.5:6379 was at") {
		t.Errorf("the start note:\n%s", sc)
	}
}

// A Sentinel that stopped answering says since when at every width: the
// reason gives way to its first words, then whole, before the duration
// is cut.
func TestADownSentinelSaysSinceWhenAtEveryWidth(t *testing.T) {
	for _, w := range []int{60, 68, 80, 100, 120, 160} {
		hs := inSyncScreen(t, w, 40)
		hs.w.SentDown[1] = true
		hs.rounds(4)
		var row string
		for _, l := range strings.Split(hs.screen(), "\n") {
			if strings.Contains(l, "DOWN · seen") {
				row = strings.TrimRight(l, " ")
			}
		}
		if row == "" {
			t.Fatalf("width %d: no Sentinel row says when it was seen:\n%s", w, hs.screen())
		}
		if !strings.HasSuffix(row, " ago") && !strings.HasSuffix(row, "deadline") && !strings.HasSuffix(row, "Redis port") {
			t.Errorf("width %d: the row is cut: %q", w, row)
		}
	}
}
