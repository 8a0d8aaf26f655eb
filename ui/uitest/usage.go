package uitest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"flyover/lab"
)

// Usage is what a process cost over a measurement: CPU time, and its
// resident memory at the end and at its peak.
type Usage struct {
	Elapsed      time.Duration
	CPU          time.Duration
	RSSKB, HWMKB int64
}

// Percent is the CPU time as a share of one core.
func (u Usage) Percent() float64 { return 100 * u.CPU.Seconds() / u.Elapsed.Seconds() }

func (u Usage) String() string {
	return fmt.Sprintf("CPU %.2f s over %s = %.2f%% of one core; RSS %.1f MB (peak %.1f MB)",
		u.CPU.Seconds(), u.Elapsed.Round(time.Second), u.Percent(), float64(u.RSSKB)/1024, float64(u.HWMKB)/1024)
}

// MeasureProcess is what process pid costs over d: utime+stime from
// /proc/PID/stat before and after, VmRSS and VmHWM from /proc/PID/status
// after.
func MeasureProcess(t testing.TB, pid int, d time.Duration) Usage {
	t.Helper()
	hz := clockTicks()
	cpu0, start := cpuTicks(t, pid), time.Now()
	time.Sleep(d) // the measurement itself
	cpu1, elapsed := cpuTicks(t, pid), time.Since(start)
	return Usage{Elapsed: elapsed, CPU: time.Duration(float64(cpu1-cpu0) / float64(hz) * float64(time.Second)),
		RSSKB: memKB(t, pid, "VmRSS"), HWMKB: memKB(t, pid, "VmHWM")}
}

func clockTicks() int {
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
func cpuTicks(t testing.TB, pid int) int64 {
	t.Helper()
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
func memKB(t testing.TB, pid int, field string) int64 {
	t.Helper()
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

// PanePID is the pid of the program in s's pane, checked to be bin.
func (s *Tmux) PanePID(bin string) int {
	s.t.Helper()
	pid, err := strconv.Atoi(s.PaneValue("pane_pid"))
	if err != nil {
		s.t.Fatalf("pane pid: %v", err)
	}
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); exe != bin {
		s.t.Fatalf("pane process is %s, not %s", exe, bin)
	}
	return pid
}

// KeptProfile is the environment that has a flyover started by test t
// write its CPU profile into $FLYOVER_TEST_KEEP, and the profile's path;
// nil and "" when FLYOVER_TEST_KEEP is not set.
func KeptProfile(t testing.TB) (env []string, path string) {
	keep := os.Getenv("FLYOVER_TEST_KEEP")
	if keep == "" {
		return nil, ""
	}
	path = filepath.Join(keep, t.Name()+"-cpu.pprof")
	return []string{"FLYOVER_CPUPROFILE=" + path}, path
}

// QuitMeasured presses q and waits, bounded, until the measured flyover
// (pid) has exited, so that its CPU profile is written; it says where the
// profile is when one is kept (KeptProfile).
func (s *Tmux) QuitMeasured(pid int, bin, profile string) {
	s.t.Helper()
	s.Keys("q")
	gone := func() bool { _, err := os.Stat(fmt.Sprintf("/proc/%d/exe", pid)); return err != nil }
	if err := lab.WaitFor(s.t.Context(), 30*time.Second, gone); err != nil {
		s.t.Fatalf("flyover did not exit within 30 s of q:\n%s", s.Screen())
	}
	if profile != "" {
		s.t.Logf("CPU profile: go tool pprof -top %s %s", bin, profile)
	}
}
