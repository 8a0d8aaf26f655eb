package uitest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Wakeups is how many times process pid's threads have gone to sleep and
// been woken: the sum of voluntary_ctxt_switches over /proc/PID/task. An
// idle process's cost is mostly its wake-ups, and their count over a
// measurement hardly moves when other work shares the machine, as its CPU
// time does. (A thread that ended takes its count along; the Go runtime's
// threads live as long as the process.)
func Wakeups(pid int) int64 {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	var n int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "voluntary_ctxt_switches:"); ok {
				c, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				n += c
			}
		}
	}
	return n
}
