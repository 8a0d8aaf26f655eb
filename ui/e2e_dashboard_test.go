package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/ui/dashboard"
	"flyover/ui/uitest"
)

// The dashboard as an operator uses it: started against a real lab,
// it shows the target detached, follows it to IN SYNC after REPLICAOF,
// adapts to resizes, keeps answering keys while a Sentinel hangs, and
// quits cleanly with q. Nothing but the dashboard reaches the screen.
func TestDashboardEndToEnd(t *testing.T) {
	l := uitest.E2eLab(t, lab.Options{PreloadKeys: 5000, DownAfter: 30 * time.Second})
	bin := uitest.BuildFlyover(t)
	dir := t.TempDir()
	logPath, statusPath := filepath.Join(dir, "flyover.log"), filepath.Join(dir, "status")
	// The shell in the pane records flyover's exit status.
	cmd := fmt.Sprintf("%s %s --read-only --log %s --audit-log %s; echo $? > %s", bin, strings.Join(l.FlyoverArgs(), " "), logPath, filepath.Join(dir, "audit.jsonl"), statusPath)
	s := uitest.StartTmux(t, 120, 36, nil, cmd)

	s.WaitScreen("the target shown not attached", 30*time.Second, func(sc string) bool {
		return strings.Contains(sc, "NOT ATTACHED") && strings.Contains(sc, "READ-ONLY")
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	sc := s.WaitScreen("IN SYNC after REPLICAOF", 60*time.Second, func(sc string) bool {
		return strings.Contains(sc, "IN SYNC")
	})
	labtest.ContainsAll(t, "in-sync screen", sc, "5,000")
	// The sync's events are on the timeline, newest first; on a busy
	// machine more events can come between them and IN SYNC than the
	// panel has rows (phases, Sentinels' news), so the test scrolls the
	// timeline as an operator would until it has read both, instead of
	// counting on them being among the newest.
	timelineShows(t, s, sc, "sync started", "sync finished")
	// The label follows what the target says it is.
	pr := l.Prober(time.Second)
	tgt := pr.Target.PollNode(ctx)
	pr.Close()
	if tgt.Kind == probe.KindDragonfly {
		if !strings.Contains(sc, "dragonfly "+tgt.Version) {
			t.Errorf("the Dragonfly target is not shown as dragonfly %s:\n%s", tgt.Version, sc)
		}
	} else if !strings.Contains(sc, "stand-in") && !strings.Contains(sc, "standing in") {
		t.Errorf("the %s target does not say it stands in for Dragonfly:\n%s", tgt.Kind, sc)
	}

	// Too narrow for both: the checklist has the screen, tab shows the
	// dashboard.
	s.Resize(80, 24)
	s.WaitScreen("the checklist alone at 80x24", 10*time.Second, func(sc string) bool {
		return uitest.LinesFit(sc, 80) && strings.Contains(sc, "CHECKLIST") && strings.Contains(sc, "READ-ONLY  shown, never sent")
	})
	s.Keys("Tab")
	s.WaitScreen("the 80x24 layout", 10*time.Second, func(sc string) bool {
		return uitest.LinesFit(sc, 80) && strings.Contains(sc, "REPLICATION  ●") && strings.Contains(sc, "IN SYNC")
	})
	s.Resize(200, 50)
	s.WaitScreen("the 200x50 layout", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "TRENDS") && strings.Contains(sc, "IN SYNC")
	})

	// A hung Sentinel: its polls time out one by one, keys still answer.
	l.Sentinels[0].Freeze()
	t.Cleanup(l.Sentinels[0].Thaw)
	s.WaitScreen("s1 shown down", 30*time.Second, func(sc string) bool {
		return strings.Contains(sc, "s1  "+l.Sentinels[0].Addr()+"  ✗")
	})
	s.Keys("?")
	s.WaitScreen("the full help while s1 hangs", 5*time.Second, func(sc string) bool {
		return strings.Contains(sc, "fewer keys")
	})
	s.Keys("?")
	sc = s.WaitScreen("the short help again", 5*time.Second, func(sc string) bool {
		return strings.Contains(sc, "more keys")
	})
	if strings.Contains(sc, "go-redis") || strings.Contains(sc, "redis: ") {
		t.Errorf("log output on the screen:\n%s", sc)
	}

	quit := time.Now()
	s.Keys("q")
	var status []byte
	err := lab.WaitFor(context.Background(), 15*time.Second, func() bool {
		status, _ = os.ReadFile(statusPath)
		return len(status) > 0
	})
	if err != nil {
		t.Fatalf("flyover did not exit within 15 s of q; the screen:\n%s", s.Screen())
	}
	t.Logf("q to exit: %s", time.Since(quit).Round(time.Millisecond))
	b, err := os.ReadFile(logPath)
	if st := strings.TrimSpace(string(status)); st != "0" {
		t.Errorf("flyover exited with status %s; the log:\n%s", st, b)
	}
	if err != nil {
		t.Fatal(err)
	}
	labtest.ContainsAll(t, "log", string(b), "dashboard start", "event: sync started", "event: sync finished", "event: sentinel s1 down", "dashboard end: <nil>")
	if strings.Contains(string(b), "--read-only") && strings.Contains(string(b), "refused") {
		t.Errorf("the read-only guard refused a command the dashboard sent:\n%s", b)
	}

	// NO_COLOR: the same screen without colours; reverse video stays.
	l.Sentinels[0].Thaw()
	nc := uitest.StartTmux(t, 120, 36, []string{"NO_COLOR=1"}, fmt.Sprintf("exec %s %s --log %s --audit-log %s", bin, strings.Join(l.FlyoverArgs(), " "), logPath, filepath.Join(dir, "audit2.jsonl")))
	nc.WaitScreen("IN SYNC without colour", 30*time.Second, func(sc string) bool { return strings.Contains(sc, "IN SYNC") })
	styled, err := nc.Run("capture-pane", "-p", "-e", "-t", nc.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, sgr := range []string{"[38;", "[48;", ";38;", ";48;", "[3" + "1m", "[32m", "[33m", "[34m"} {
		if strings.Contains(styled, sgr) {
			t.Errorf("NO_COLOR=1: colour sequence %q on screen", sgr)
		}
	}
	if !strings.Contains(styled, "7m") {
		t.Error("NO_COLOR=1: no reverse video left for the badge")
	}
	nc.Keys("q")
}

// timelineShows reads the timeline from the screen sc down, one row at a
// time (j), until every one of want has been on screen, then goes back to
// the newest events (g).
func timelineShows(t *testing.T, s *uitest.Tmux, sc string, want ...string) {
	t.Helper()
	missing := slices.Clone(want)
	for range dashboard.TimelineLen {
		missing = slices.DeleteFunc(missing, func(w string) bool { return strings.Contains(sc, w) })
		if len(missing) == 0 {
			break
		}
		s.Keys("j")
		before := sc
		// The screen moves with every poll too: any new frame will do.
		_ = lab.WaitFor(context.Background(), 5*time.Second, func() bool { sc = s.Screen(); return sc != before })
	}
	s.Keys("g")
	if len(missing) > 0 {
		t.Errorf("the timeline never showed %q; the screen:\n%s", missing, sc)
	}
}
