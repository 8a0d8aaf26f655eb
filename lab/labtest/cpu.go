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

// ProcessCPU is the user and system CPU time processes pids have used so
// far, summed (utime+stime of /proc/PID/stat; a process that is gone
// counts 0). Its resolution is the kernel's clock tick (10 ms): measure
// over many operations.
func ProcessCPU(pids ...int) time.Duration {
	var ticks int64
	for _, pid := range pids {
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
		ticks += ut + st
	}
	return time.Duration(ticks) * time.Second / clockTick
}

// clockTick is the kernel's USER_HZ, which /proc/PID/stat counts in: 100
// on every Linux that matters.
const clockTick = 100
