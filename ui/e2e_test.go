package ui

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
)

// tmuxSession runs a program in a detached tmux session on a private
// server, so tests can type keys and read the screen as a person would.
type tmuxSession struct {
	t      testing.TB
	socket string
	name   string
}

// startTmux runs the shell command cmdline in a w x h session. The
// session and its tmux server are killed when the test ends.
func startTmux(t testing.TB, w, h int, env []string, cmdline string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, socket: fmt.Sprintf("flyover-test-%d-%d", os.Getpid(), time.Now().UnixNano()), name: "ui"}
	t.Cleanup(func() { _, _ = s.run("kill-server") })
	args := []string{"new-session", "-d", "-s", s.name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h)}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, cmdline)
	if out, err := s.run(args...); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	return s
}

func (s *tmuxSession) run(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	return string(out), err
}

func (s *tmuxSession) screen() string {
	out, err := s.run("capture-pane", "-p", "-t", s.name)
	if err != nil {
		s.t.Fatalf("tmux capture-pane: %v: %s", err, out)
	}
	return out
}

func (s *tmuxSession) keys(keys ...string) {
	if out, err := s.run(append([]string{"send-keys", "-t", s.name}, keys...)...); err != nil {
		s.t.Fatalf("tmux send-keys: %v: %s", err, out)
	}
}

func (s *tmuxSession) resize(w, h int) {
	if out, err := s.run("resize-window", "-t", s.name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h)); err != nil {
		s.t.Fatalf("tmux resize-window: %v: %s", err, out)
	}
}

// waitScreen waits, bounded, until the screen satisfies cond.
func (s *tmuxSession) waitScreen(what string, limit time.Duration, cond func(string) bool) string {
	s.t.Helper()
	var last string
	err := lab.WaitFor(context.Background(), limit, func() bool {
		last = s.screen()
		return cond(last)
	})
	if err != nil {
		s.t.Fatalf("waiting %s for %s; the screen:\n%s", limit, what, last)
	}
	return last
}

// paneValue reads a tmux format variable of the pane (pane_pid...).
func (s *tmuxSession) paneValue(name string) string {
	out, _ := s.run("display-message", "-p", "-t", s.name, "#{"+name+"}")
	return strings.TrimSpace(out)
}

// buildFlyover builds the flyover binary into a temporary directory.
func buildFlyover(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "flyover")
	out, err := exec.Command("go", "build", "-o", bin, "flyover").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// e2eLab starts a lab for a test or skips when tmux or the servers are
// missing.
func e2eLab(t testing.TB, opts lab.Options) *lab.Lab {
	t.Helper()
	e2eTools(t)
	probe.SetLogOutput(io.Discard) // the lab's dial retries while servers start
	return labtest.Start(t, opts)
}

func linesFit(screen string, w int) bool {
	for _, l := range strings.Split(strings.TrimRight(screen, "\n"), "\n") {
		if len([]rune(l)) > w {
			return false
		}
	}
	return true
}

// The dashboard as an operator uses it: started against a real lab,
// it shows the target detached, follows it to IN SYNC after REPLICAOF,
// adapts to resizes, keeps answering keys while a Sentinel hangs, and
// quits cleanly with q. Nothing but the dashboard reaches the screen.
func TestDashboardEndToEnd(t *testing.T) {
	l := e2eLab(t, lab.Options{PreloadKeys: 5000, DownAfter: 30 * time.Second})
	bin := buildFlyover(t)
	dir := t.TempDir()
	logPath, statusPath := filepath.Join(dir, "flyover.log"), filepath.Join(dir, "status")
	// The shell in the pane records flyover's exit status.
	cmd := fmt.Sprintf("%s %s --read-only --log %s --audit-log %s; echo $? > %s", bin, strings.Join(l.FlyoverArgs(), " "), logPath, filepath.Join(dir, "audit.jsonl"), statusPath)
	s := startTmux(t, 120, 36, nil, cmd)

	s.waitScreen("the target shown not attached", 30*time.Second, func(sc string) bool {
		return strings.Contains(sc, "NOT ATTACHED") && strings.Contains(sc, "READ-ONLY")
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	sc := s.waitScreen("IN SYNC after REPLICAOF", 60*time.Second, func(sc string) bool {
		return strings.Contains(sc, "IN SYNC")
	})
	labtest.ContainsAll(t, "in-sync screen", sc, "5,000", "sync started", "sync finished")
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
	s.resize(80, 24)
	s.waitScreen("the checklist alone at 80x24", 10*time.Second, func(sc string) bool {
		return linesFit(sc, 80) && strings.Contains(sc, "CHECKLIST") && strings.Contains(sc, "READ-ONLY  shown, never sent")
	})
	s.keys("Tab")
	s.waitScreen("the 80x24 layout", 10*time.Second, func(sc string) bool {
		return linesFit(sc, 80) && strings.Contains(sc, "REPLICATION  ●") && strings.Contains(sc, "IN SYNC")
	})
	s.resize(200, 50)
	s.waitScreen("the 200x50 layout", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "TRENDS") && strings.Contains(sc, "IN SYNC")
	})

	// A hung Sentinel: its polls time out one by one, keys still answer.
	l.Sentinels[0].Freeze()
	t.Cleanup(l.Sentinels[0].Thaw)
	s.waitScreen("s1 shown down", 30*time.Second, func(sc string) bool {
		return strings.Contains(sc, "s1  "+l.Sentinels[0].Addr()+"  ✗")
	})
	s.keys("?")
	s.waitScreen("the full help while s1 hangs", 5*time.Second, func(sc string) bool {
		return strings.Contains(sc, "fewer keys")
	})
	s.keys("?")
	sc = s.waitScreen("the short help again", 5*time.Second, func(sc string) bool {
		return strings.Contains(sc, "more keys")
	})
	if strings.Contains(sc, "go-redis") || strings.Contains(sc, "redis: ") {
		t.Errorf("log output on the screen:\n%s", sc)
	}

	quit := time.Now()
	s.keys("q")
	var status []byte
	err := lab.WaitFor(context.Background(), 15*time.Second, func() bool {
		status, _ = os.ReadFile(statusPath)
		return len(status) > 0
	})
	if err != nil {
		t.Fatalf("flyover did not exit within 15 s of q; the screen:\n%s", s.screen())
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
	nc := startTmux(t, 120, 36, []string{"NO_COLOR=1"}, fmt.Sprintf("exec %s %s --log %s --audit-log %s", bin, strings.Join(l.FlyoverArgs(), " "), logPath, filepath.Join(dir, "audit2.jsonl")))
	nc.waitScreen("IN SYNC without colour", 30*time.Second, func(sc string) bool { return strings.Contains(sc, "IN SYNC") })
	styled, err := nc.run("capture-pane", "-p", "-e", "-t", nc.name)
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
	nc.keys("q")
}
