package labtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// SelfCPU is the user and system CPU time this process has used so far
// (getrusage RUSAGE_SELF: every goroutine, the garbage collector's
// included). Unlike wall time it does not grow when other work shares
// the machine.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ProcessCPU is the CPU time processes pids have used so far, summed:
// the scheduler's run time of each of their threads
// (/proc/PID/task/TID/schedstat, nanoseconds; a thread that has exited is
// no longer counted), or where that cannot be read utime+stime of
// /proc/PID/stat (10 ms ticks). A process that is gone counts 0.
func ProcessCPU(pids ...int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		if d, ok := threadsCPU(pid); ok {
			total += d
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// The fields after the command name (which may hold spaces)
		// start past its ")": utime and stime are stat's 14th and 15th.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(ut+st) * time.Second / clockTick
	}
	return total
}

// threadsCPU sums the run time of pid's threads from their schedstat
// (the process's own schedstat is its first thread's alone).
func threadsCPU(pid int) (time.Duration, bool) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil || len(tasks) == 0 {
		return 0, false
	}
	var total time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if err != nil {
			continue // exited since the listing
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return 0, false
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, false
		}
		total += time.Duration(ns)
	}
	return total, true
}

// clockTick is the kernel's USER_HZ, which /proc/PID/stat counts in: 100
// on every Linux that matters.
const clockTick = 100
