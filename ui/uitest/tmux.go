package uitest

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
type Tmux struct {
	t      testing.TB
	socket string
	Name   string
}

// StartTmux runs the shell command cmdline in a w x h session. The
// session and its tmux server are killed when the test ends.
func StartTmux(t testing.TB, w, h int, env []string, cmdline string) *Tmux {
	t.Helper()
	s := &Tmux{t: t, socket: fmt.Sprintf("flyover-test-%d-%d", os.Getpid(), time.Now().UnixNano()), Name: "ui"}
	t.Cleanup(func() { _, _ = s.Run("kill-server") })
	args := []string{"new-session", "-d", "-s", s.Name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h)}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, cmdline)
	if out, err := s.Run(args...); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	return s
}

func (s *Tmux) Run(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	return string(out), err
}

func (s *Tmux) Screen() string {
	out, err := s.Run("capture-pane", "-p", "-t", s.Name)
	if err != nil {
		s.t.Fatalf("tmux capture-pane: %v: %s", err, out)
	}
	return out
}

func (s *Tmux) Keys(keys ...string) {
	if out, err := s.Run(append([]string{"send-keys", "-t", s.Name}, keys...)...); err != nil {
		s.t.Fatalf("tmux send-keys: %v: %s", err, out)
	}
}

func (s *Tmux) Resize(w, h int) {
	if out, err := s.Run("resize-window", "-t", s.Name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h)); err != nil {
		s.t.Fatalf("tmux resize-window: %v: %s", err, out)
	}
}

// WaitScreen waits, bounded, until the screen satisfies cond.
func (s *Tmux) WaitScreen(what string, limit time.Duration, cond func(string) bool) string {
	s.t.Helper()
	var last string
	err := lab.WaitFor(context.Background(), limit, func() bool {
		last = s.Screen()
		return cond(last)
	})
	if err != nil {
		s.t.Fatalf("waiting %s for %s; the screen:\n%s", limit, what, last)
	}
	return last
}

// PaneValue reads a tmux format variable of the pane (pane_pid...).
func (s *Tmux) PaneValue(name string) string {
	out, _ := s.Run("display-message", "-p", "-t", s.Name, "#{"+name+"}")
	return strings.TrimSpace(out)
}

// BuildFlyover builds the flyover binary into a temporary directory.
func BuildFlyover(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "flyover")
	out, err := exec.Command("go", "build", "-o", bin, "flyover").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// E2eLab starts a lab for a test or skips when tmux or the servers are
// missing.
func E2eLab(t testing.TB, opts lab.Options) *lab.Lab {
	t.Helper()
	E2eTools(t)
	probe.SetLogOutput(io.Discard) // the lab's dial retries while servers start
	return labtest.Start(t, opts)
}

func LinesFit(screen string, w int) bool {
	for _, l := range strings.Split(strings.TrimRight(screen, "\n"), "\n") {
		if len([]rune(l)) > w {
			return false
		}
	}
	return true
}

// E2eTools skips a test that needs tmux and the lab's servers.
func E2eTools(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	labtest.Skip(t)
}
