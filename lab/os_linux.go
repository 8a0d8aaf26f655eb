package lab

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// What only Linux has: network namespaces (the partition lab) and a
// signal to a child when its parent dies (Pdeathsig). The other systems'
// versions are in os_other.go.

// partitionsOnThisOS is nil: Linux has network namespaces.
func partitionsOnThisOS() error { return nil }

// joinNetns moves this OS thread into the network namespace f names.
func joinNetns(f *os.File) error { return unix.Setns(int(f.Fd()), unix.CLONE_NEWNET) }

// serverProcAttr puts a lab server in its own process group and kills it
// when the process that started it dies, however it dies.
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
