//go:build !linux

package lab

import (
	"errors"
	"os"
	"runtime"
	"syscall"
)

// The lab off Linux (macOS): the servers run as on Linux, but there are no
// network namespaces, so no partition lab, and no parent-death signal.

// partitionsOnThisOS says that the partition lab is Linux only.
func partitionsOnThisOS() error {
	return &PartitionsUnavailableError{Why: "they are Linux only, and this is " + runtime.GOOS + "/" + runtime.GOARCH +
		": run the partition suite on Linux as root (.ci/run); every other lab, flyover demo and flyover lab work here"}
}

// joinNetns never runs off Linux (newNet refuses first).
func joinNetns(*os.File) error {
	return errors.New("lab: network namespaces are Linux only")
}

// serverProcAttr puts a lab server in its own process group. Without
// Pdeathsig a server outlives a flyover killed with SIGKILL: Lab.Close (on
// every normal exit, Ctrl-C included) stops them; after a kill -9 they
// keep running until stopped by hand (ps -eo pid,args | grep redis-).
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
