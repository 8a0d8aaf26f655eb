package fleetview

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/ui/uitest"
)

// `flyover fleet` as an operator runs it, at 80x24: the table lists every
// master, enter opens one and esc comes back, and q quits the program at
// once (its Sentinel event listener stops and the process exits 0).
func TestFleetEndToEndQuits(t *testing.T) {
	uitest.E2eTools(t)
	f := labtest.StartFleet(t, lab.FleetOptions{Masters: 2})
	targets, err := f.TargetsFile()
	if err != nil {
		t.Fatal(err)
	}
	bin := uitest.BuildFlyover(t)
	dir := t.TempDir()
	statusPath := filepath.Join(dir, "status")
	cmd := fmt.Sprintf("%s fleet %s --read-only --log %s --audit-log %s; echo $? > %s", bin, strings.Join(f.FleetArgs(targets), " "),
		filepath.Join(dir, "flyover.log"), filepath.Join(dir, "audit.jsonl"), statusPath)
	s := uitest.StartTmux(t, 80, 24, nil, cmd)
	s.WaitScreen("both masters listed", 30*time.Second, func(sc string) bool {
		return strings.Contains(sc, f.Names[0]) && strings.Contains(sc, f.Names[1]) && strings.Contains(sc, "not attached")
	})
	s.Keys("Enter")
	s.WaitScreen("the first master's dashboard", 15*time.Second, func(sc string) bool {
		return strings.Contains(sc, "fleet › "+f.Names[0])
	})
	// ← goes back whether or not the master's preflight (which starts
	// by itself) still runs; esc would stop it first, by design.
	s.Keys("Left")
	s.WaitScreen("the table again", 15*time.Second, func(sc string) bool {
		return strings.Contains(sc, "flyover fleet") && !strings.Contains(sc, "fleet › ")
	})
	s.Keys("q")
	var status []byte
	if err := lab.WaitFor(context.Background(), 10*time.Second, func() bool {
		status, _ = os.ReadFile(statusPath)
		return len(status) > 0
	}); err != nil {
		t.Fatalf("flyover fleet did not exit within 10 s of q; the screen:\n%s", s.Screen())
	}
	if st := strings.TrimSpace(string(status)); st != "0" {
		t.Errorf("flyover fleet exited with status %s:\n%s", st, s.Screen())
	}
}
