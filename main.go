// Command flyover supervises a live migration of a Redis primary onto
// Dragonfly through Redis Sentinel.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"flyover/commands"
)

func main() {
	os.Exit(profiled(func() int { return commands.Run(os.Args[1:], os.Stdout, os.Stderr) }))
}

// profiled runs f under a CPU profile written to $FLYOVER_CPUPROFILE, when
// set: how the idle cost of a running dashboard is found.
func profiled(f func() int) int {
	path := os.Getenv("FLYOVER_CPUPROFILE")
	if path == "" {
		return f()
	}
	out, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "flyover: FLYOVER_CPUPROFILE: %v\n", err)
		return 2
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		fmt.Fprintf(os.Stderr, "flyover: FLYOVER_CPUPROFILE: %v\n", err)
		return 2
	}
	defer pprof.StopCPUProfile()
	return f()
}
