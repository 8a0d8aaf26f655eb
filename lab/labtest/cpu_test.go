package labtest

import (
	"os"
	"sync"
	"testing"
	"time"
)

// A process's CPU is every thread's: this one burns CPU on two
// goroutines (two threads) until getrusage counts 300 ms, and ProcessCPU
// of itself counts about as much (a process's own schedstat would count
// its first thread alone).
func TestProcessCPUCountsEveryThread(t *testing.T) {
	self0, proc0 := SelfCPU(), ProcessCPU(os.Getpid())
	deadline := time.Now().Add(time.Minute) // bounds the wait on a starved machine
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for SelfCPU()-self0 < 300*time.Millisecond && time.Now().Before(deadline) {
			}
		})
	}
	wg.Wait()
	self, proc := SelfCPU()-self0, ProcessCPU(os.Getpid())-proc0
	if self < 300*time.Millisecond {
		t.Skipf("the machine gave this test %s of CPU in a minute", self)
	}
	if proc < self/2 {
		t.Fatalf("getrusage says %s, ProcessCPU %s: it misses threads", self, proc)
	}
}
