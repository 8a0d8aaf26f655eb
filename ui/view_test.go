package ui

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
	"flyover/ui/uitest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenFrame checks that m shows a w×h frame with no value cut, and
// compares its screen with the golden file name.
func goldenFrame(t *testing.T, m *Model, name string, w, h int) {
	t.Helper()
	uitest.CheckFrame(t, m.View().Content, w, h)
	assertNothingCut(t, name, ansi.Strip(m.View().Content))
	golden(t, name, ansi.Strip(m.View().Content))
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
		t.Run(sz.name, func(t *testing.T) { goldenFrame(t, screen(t, sz.w, sz.h).m, sz.name, sz.w, sz.h) })
	}
}

// golden compares got with testdata/name.golden (ANSI already stripped).
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
	uitest.ToInSync(hs.w, hs.clock, hs.tick, func(msg tea.Msg) { hs.send(msg) })
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
	goldenFrame(t, hs.m, "source-down-120x36", 120, 36)
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
	goldenFrame(t, hs.m, "full-help-80x24", 80, 24)
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
