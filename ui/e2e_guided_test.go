package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/steps/auditlog"
	"flyover/ui/uitest"
)

// waitExit waits, bounded, for the pane's shell to record flyover's exit
// status, and returns it.
func waitExit(t *testing.T, s *uitest.Tmux, statusPath string, limit time.Duration) string {
	t.Helper()
	var status []byte
	err := lab.WaitFor(context.Background(), limit, func() bool {
		status, _ = os.ReadFile(statusPath)
		return len(status) > 0
	})
	if err != nil {
		t.Fatalf("flyover did not exit within %s; the screen:\n%s", limit, s.Screen())
	}
	return strings.TrimSpace(string(status))
}

// processesIn lists the processes whose working directory is under dir:
// the lab starts every server in its own directory there.
func processesIn(dir string) []string {
	var out []string
	procs, _ := filepath.Glob("/proc/[0-9]*/cwd")
	for _, p := range procs {
		if cwd, err := os.Readlink(p); err == nil && strings.HasPrefix(cwd, dir) {
			cmd, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "cmdline"))
			out = append(out, filepath.Base(filepath.Dir(p))+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return out
}

// flyover demo --autoplay, as a visitor would see it at a booth: the
// whole migration by itself, ending on 0 acknowledged writes lost, with
// the audit log and the report written; q then stops everything, and no
// server of the lab is left running.
func TestDemoAutoplayEndToEnd(t *testing.T) {
	uitest.E2eTools(t)
	t.Parallel()
	bin := uitest.BuildFlyover(t)
	dir := t.TempDir()
	audit, logPath, statusPath := filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "flyover.log"), filepath.Join(dir, "status")
	// The pane outlives flyover, so its last words stay readable.
	s := uitest.StartTmux(t, 120, 36, nil, fmt.Sprintf("%s demo --autoplay --audit-log %s --log %s; echo $? > %s; sleep 600", bin, audit, logPath, statusPath))

	sc := s.WaitScreen("the final screen", 3*time.Minute, func(sc string) bool {
		return strings.Contains(sc, "MIGRATION COMPLETE") && regexp.MustCompile(`0 lost of [0-9,]+ acknowledged`).MatchString(sc)
	})
	for _, want := range []string{"LAB", "standing in for Dragonfly", "APPLICATION", "write stall"} {
		if want == "standing in for Dragonfly" && !strings.Contains(sc, "stand-in") {
			if _, err := exec.LookPath("dragonfly"); err != nil {
				t.Errorf("the redis-server target does not say it stands in for Dragonfly:\n%s", sc)
			}
			continue
		}
		if want != "standing in for Dragonfly" && !strings.Contains(sc, want) {
			t.Errorf("final screen lacks %q:\n%s", want, sc)
		}
	}
	if !uitest.LinesFit(sc, 120) {
		t.Errorf("the final screen does not fit 120 columns:\n%s", sc)
	}
	report := auditlog.ReportPath(audit)
	for _, p := range []string{audit, report} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	b, _ := os.ReadFile(report)
	if !strings.Contains(string(b), "**0 lost**") {
		t.Errorf("the report does not say 0 lost:\n%s", b)
	}

	// Where the lab runs, from flyover's own log.
	logb, _ := os.ReadFile(logPath)
	m := regexp.MustCompile(`demo: .*; lab in (\S+)`).FindSubmatch(logb)
	if m == nil {
		t.Fatalf("the log does not say where the lab runs:\n%s", logb)
	}
	labDir := string(m[1])
	// The old Redis is shut down by then: the target and the Sentinels run.
	if procs := processesIn(labDir); len(procs) != 4 {
		t.Errorf("lab processes before quitting: %v (want the target and 3 Sentinels)", procs)
	}

	s.Keys("q")
	if st := waitExit(t, s, statusPath, 30*time.Second); st != "0" {
		t.Errorf("flyover demo exited with %s", st)
	}
	out := s.Screen()
	labtest.ContainsAll(t, "the summary after the demo", out, "acknowledged writes lost", "audit log", "report", "lab stopped")
	if err := lab.WaitFor(context.Background(), 10*time.Second, func() bool { return len(processesIn(labDir)) == 0 }); err != nil {
		t.Errorf("lab processes left after the demo: %v", processesIn(labDir))
	}
	if _, err := os.Stat(labDir); !os.IsNotExist(err) {
		t.Errorf("the lab's directory %s is left behind", labDir)
	}
}

// The guided migration by hand, as an operator types it: attach (a
// cancelled question first, then y), the waits on their own, the cutover
// refused on a mistyped master name and run on the right one. Every
// command is in the audit log, and Sentinel names the target afterwards.
func TestGuidedMigrationByHand(t *testing.T) {
	uitest.E2eTools(t)
	t.Parallel()
	l := uitest.E2eLab(t, lab.Options{PreloadKeys: 5000, FailoverTimeout: 20 * time.Second})
	bin := uitest.BuildFlyover(t)
	dir := t.TempDir()
	audit, logPath, statusPath := filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "flyover.log"), filepath.Join(dir, "status")
	s := uitest.StartTmux(t, 120, 36, nil, fmt.Sprintf("%s %s --canary --audit-log %s --log %s; echo $? > %s",
		bin, strings.Join(l.FlyoverArgs(), " "), audit, logPath, statusPath))

	s.WaitScreen("the attach step", 30*time.Second, func(sc string) bool {
		return strings.Contains(sc, "STEP 2 · ATTACH THE TARGET") && strings.Contains(sc, "enter  run it")
	})
	s.Keys("Enter")
	s.WaitScreen("the attach question", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "Attach the target as a replica of the source?") &&
			strings.Contains(sc, "REPLICAOF 127.0.0.1 "+fmt.Sprint(l.Source.Port))
	})
	s.Keys("n")
	s.WaitScreen("the attach cancelled", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "cancelled, nothing sent") && strings.Contains(sc, "STEP 2 · ATTACH THE TARGET")
	})
	s.Keys("Enter")
	s.WaitScreen("the attach question again", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "Attach the target as a replica of the source?")
	})
	s.Keys("y")
	s.WaitScreen("the cutover, ready", 90*time.Second, func(sc string) bool {
		return strings.Contains(sc, "STEP 7 · CUTOVER") && strings.Contains(sc, "type the master name first")
	})
	s.Keys("Enter")
	// The cursor shows once the prompt takes keys: what came sooner was
	// typed before it was on screen.
	s.WaitScreen("the typed prompt", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "POINT OF NO RETURN") && strings.Contains(sc, "Type the master name (flyover)") && strings.Contains(sc, "> █")
	})
	s.Keys("-l", "flyove")
	s.Keys("Enter")
	s.WaitScreen("the mistyped name refused, the field empty again", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, `that is not the master name: you typed "flyove"`) && strings.Contains(sc, "> █")
	})
	s.Keys("-l", "flyover")
	s.Keys("Enter")
	s.WaitScreen("the verify step after the cutover", 60*time.Second, func(sc string) bool {
		return strings.Contains(sc, "STEP 8 · VERIFY") && strings.Contains(sc, "SWITCHED")
	})

	s.Keys("q")
	if st := waitExit(t, s, statusPath, 30*time.Second); st != "0" {
		t.Errorf("flyover exited with %s", st)
	}
	entries, err := auditlog.ReadAudit(audit)
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	confirms := map[string]int{}
	for _, e := range entries {
		if e.Kind == auditlog.KindCommand && e.Write {
			sent = append(sent, strings.Join(e.Args, " "))
		}
		if e.Kind == auditlog.KindConfirm {
			confirms[e.Phase+" "+e.Event]++
		}
	}
	all := strings.Join(sent, "\n")
	for _, want := range []string{"REPLICAOF 127.0.0.1", "CLIENT PAUSE", "SENTINEL FAILOVER flyover", "CLIENT KILL TYPE normal", "CLIENT UNPAUSE"} {
		if !strings.Contains(all, want) {
			t.Errorf("the audit log has no %q among the writes:\n%s", want, all)
		}
	}
	if strings.Count(all, "SENTINEL FAILOVER") != 1 {
		t.Errorf("SENTINEL FAILOVER sent %d times:\n%s", strings.Count(all, "SENTINEL FAILOVER"), all)
	}
	for _, want := range []string{"attach no", "attach yes", "cutover no", "cutover yes"} {
		if confirms[want] != 1 {
			t.Errorf("audit log: confirmation %q recorded %d times (%v)", want, confirms[want], confirms)
		}
	}
	c := l.Sentinels[0].Client()
	defer c.Close()
	addr, err := c.Do(context.Background(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "flyover").StringSlice()
	if err != nil || len(addr) != 2 || addr[1] != fmt.Sprint(l.Target.Port) {
		t.Errorf("Sentinel names %v (%v), want the target", addr, err)
	}
}
