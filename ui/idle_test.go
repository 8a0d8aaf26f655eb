package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/ui/uitest"
)

// TestIdleUsage measures what the dashboard costs while nothing happens:
// CPU time and memory of the flyover process over FLYOVER_IDLE_SECONDS
// (for example 60) against a lab whose target is attached and in sync.
// It reports and asserts nothing: the figures depend on the machine.
//
//	FLYOVER_IDLE_SECONDS=60 go test -run TestIdleUsage -v ./ui/
func TestIdleUsage(t *testing.T) {
	secs := labtest.Measure(t, "FLYOVER_IDLE_SECONDS")
	l := uitest.E2eLab(t, lab.Options{PreloadKeys: 5000})
	bin := uitest.BuildFlyover(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "flyover.log")
	s := uitest.StartTmux(t, 120, 36, nil, fmt.Sprintf("exec %s %s --log %s --audit-log %s", bin, strings.Join(l.FlyoverArgs(), " "), logPath, filepath.Join(t.TempDir(), "audit.jsonl")))
	s.WaitScreen("IN SYNC", 60*time.Second, func(sc string) bool { return strings.Contains(sc, "IN SYNC") })
	// Idle is after the checklist's own start-up work (preflight's reads,
	// the steady state's key sample, the waits for Sentinel): measured
	// from the moment the cutover is the step that waits for the operator.
	s.WaitScreen("the cutover, ready", 90*time.Second, func(sc string) bool { return strings.Contains(sc, "▶ 7 Cutover") })
	pid, err := strconv.Atoi(s.PaneValue("pane_pid"))
	if err != nil {
		t.Fatalf("pane pid: %v", err)
	}
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); exe != bin {
		t.Fatalf("pane process is %s, not flyover", exe)
	}
	hz := clockTicks(t)

	cpu0, start := cpuTicks(t, pid), time.Now()
	time.Sleep(time.Duration(secs) * time.Second) // the measurement itself
	cpu1, elapsed := cpuTicks(t, pid), time.Since(start)
	rss, hwm := memKB(t, pid, "VmRSS"), memKB(t, pid, "VmHWM")

	used := float64(cpu1-cpu0) / float64(hz)
	t.Logf("idle %s: CPU %.2f s = %.2f%% of one core; RSS %.1f MB (peak %.1f MB); %d Sentinels, tick 500 ms, 120x36",
		elapsed.Round(time.Second), used, 100*used/elapsed.Seconds(), float64(rss)/1024, float64(hwm)/1024, len(l.Sentinels))
	if sc := s.Screen(); !strings.Contains(sc, "IN SYNC") {
		t.Errorf("not in sync at the end of the measurement:\n%s", sc)
	}
	s.Keys("q")
}

func clockTicks(t *testing.T) int {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return 100 // Linux's USER_HZ everywhere that matters
	}
	hz, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || hz <= 0 {
		return 100
	}
	return hz
}

// cpuTicks is utime+stime of pid from /proc/PID/stat.
func cpuTicks(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name (which may hold spaces) start at ")".
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of stat
	st, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	return ut + st
}

// memKB reads a Vm* line of /proc/PID/status, in kB.
func memKB(t *testing.T, pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
