package ui

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"flyover/probe"
	"flyover/ui/common"
	"flyover/ui/uitest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name.golden (ANSI already stripped).
// goldenFrame checks that hs shows a w×h frame and compares its screen
// with the golden file name.
func goldenFrame(t *testing.T, hs *harness, name string, w, h int) {
	t.Helper()
	uitest.CheckFrame(t, hs.m.View().Content, w, h)
	golden(t, name, hs.screen())
}

// goldenSize is one size a golden test renders a screen at.
type goldenSize struct {
	name string
	w, h int
}

// goldenSizes renders screen at each size, each in a subtest, and checks
// it with goldenFrame.
func goldenSizes(t *testing.T, screen func(t testing.TB, w, h int) *harness, sizes []goldenSize) {
	for _, sz := range sizes {
		t.Run(sz.name, func(t *testing.T) { goldenFrame(t, screen(t, sz.w, sz.h), sz.name, sz.w, sz.h) })
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui -run %s -update to create it)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("screen differs from %s (go test ./ui -update rewrites it after a deliberate change)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// inSyncScreen is the steady state: attached, streaming, in sync, with a
// few Sentinel events.
func inSyncScreen(t testing.TB, w, h int) *harness {
	hs := newHarness(t, w, h, nil)
	hs.rounds(8)
	hs.event(0, "+slave", "slave 127.0.0.1:7002 127.0.0.1 7002 @ flyover 127.0.0.1 7001")
	hs.event(1, "+slave", "slave 127.0.0.1:7002 127.0.0.1 7002 @ flyover 127.0.0.1 7001")
	hs.event(2, "+slave", "slave 127.0.0.1:7002 127.0.0.1 7002 @ flyover 127.0.0.1 7001")
	return hs
}

func TestViewInSyncGolden(t *testing.T) {
	goldenSizes(t, inSyncScreen, []goldenSize{{"insync-120x36", 120, 36}, {"insync-80x24", 80, 24}, {"insync-200x50", 200, 50}})
}

// troubleScreen: a full sync in progress while one Sentinel is down and
// the other two disagree.
func troubleScreen(t testing.TB, w, h int) *harness {
	hs := newHarness(t, w, h, nil)
	hs.w.Attached = false
	hs.w.TgtKeys = map[int]probe.DBKeys{}
	hs.rounds(3)
	hs.w.Attached = true
	hs.w.Phase = "transfer"
	hs.w.Progress = [2]int64{10 << 20, 40 << 20}
	hs.round()
	hs.w.Progress = [2]int64{25 << 20, 40 << 20}
	hs.w.SentDown[2] = true
	hs.w.SentMaster[1] = uitest.FxTarget
	hs.w.SentRTT[0] = 45 * time.Millisecond
	hs.w.SentFlags[1] = []string{"master", "failover_in_progress"}
	hs.round()
	hs.event(1, "+switch-master", "flyover 127.0.0.1 7001 127.0.0.1 7002")
	return hs
}

func TestViewTroubleGolden(t *testing.T) {
	goldenSizes(t, troubleScreen, []goldenSize{{"trouble-120x36", 120, 36}, {"trouble-80x24", 80, 24}})
}

func TestViewSourceDownGolden(t *testing.T) {
	hs := inSyncScreen(t, 120, 36)
	hs.w.SrcDown = true
	hs.rounds(4)
	goldenFrame(t, hs, "source-down-120x36", 120, 36)
}

// silentTargetScreen: in sync, then the target stops answering (a hung
// server: SIGSTOP) while the source takes 2 MiB more. The source's slaveN
// line still says what the target last acknowledged.
func silentTargetScreen(t testing.TB, w, h int) *harness {
	hs := inSyncScreen(t, w, h)
	hs.w.TgtDown = true
	for range 12 { // six seconds of polls
		hs.w.SrcOffset += 2 << 20 / 12
		hs.w.AckAge++
		hs.round()
	}
	return hs
}

// A silent target is not zero behind, nor "—": the dashboard shows the
// source's view of its lag, says so, and how long it has been silent.
func TestViewSilentTargetGolden(t *testing.T) {
	for _, sz := range []struct {
		name string
		w, h int
		want []string
	}{
		{"silent-target-120x36", 120, 36, []string{"2.0 MiB · 6.0 s", "lag from       source's view · silent 9.5 s", "TARGET DOWN"}},
		{"silent-target-80x24", 80, 24, []string{"2.0 MiB · 6.0 s · source's view", "TARGET DOWN"}},
	} {
		t.Run(sz.name, func(t *testing.T) {
			hs := silentTargetScreen(t, sz.w, sz.h)
			sc := hs.screen()
			for _, want := range sz.want {
				if !strings.Contains(sc, want) {
					t.Errorf("the screen lacks %q:\n%s", want, sc)
				}
			}
			if strings.Contains(sc, "caught up") {
				t.Errorf("a silent target reads caught up:\n%s", sc)
			}
			uitest.CheckFrame(t, hs.m.View().Content, sz.w, sz.h)
			golden(t, sz.name, sc)
		})
	}
}

func TestViewFullHelpGolden(t *testing.T) {
	hs := inSyncScreen(t, 80, 24)
	hs.key("?")
	goldenFrame(t, hs, "full-help-80x24", 80, 24)
	hs.key("?")
	if strings.Contains(hs.screen(), "fewer keys") {
		t.Error("? did not close the full help")
	}
}

// Every size from the smallest supported to very wide gives a frame of
// exactly the terminal's size: nothing wraps, nothing scrolls.
func TestViewFitsEverySize(t *testing.T) {
	hs := troubleScreen(t, 80, 24)
	for _, w := range []int{30, 40, 60, 79, 80, 81, 100, 109, 110, 119, 120, 150, 169, 170, 200, 260} {
		for _, h := range []int{8, 12, 20, 24, 29, 30, 36, 50, 70} {
			hs.send(tea.WindowSizeMsg{Width: w, Height: h})
			uitest.CheckFrame(t, hs.m.View().Content, w, h)
		}
	}
}

// The screen keeps its meaning without colour: NO_COLOR drops colours but
// keeps reverse video, so badges stay badges.
func TestViewWithoutColourKeepsBadges(t *testing.T) {
	hs := inSyncScreen(t, 120, 36)
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.ASCII}
	if _, err := w.WriteString(hs.m.View().Content); err != nil {
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

// A light terminal gets the light palette: the styles change with the
// background the terminal reports.
func TestBackgroundColourPicksPalette(t *testing.T) {
	hs := inSyncScreen(t, 120, 36)
	dark := hs.m.View().Content
	hs.send(tea.BackgroundColorMsg{Color: whiteColor{}})
	if hs.m.styles.IsDark {
		t.Fatal("white background: still the dark palette")
	}
	if hs.m.View().Content == dark {
		t.Error("the screen did not change with the light palette")
	}
	hs.send(tea.BackgroundColorMsg{Color: blackColor{}})
	if !hs.m.styles.IsDark {
		t.Fatal("black background: not the dark palette")
	}
}

type whiteColor struct{}

func (whiteColor) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }

type blackColor struct{}

func (blackColor) RGBA() (r, g, b, a uint32) { return 0, 0, 0, 0xffff }

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
