package canary

import (
	"testing"
	"time"
)

// A Verify while the canary still writes reads back only acknowledged
// writes: the one sent and not yet answered is nobody's acknowledged
// write, and reading it back early made a lost write out of nothing (the
// last write of a run, missing now and then).
func TestCanaryLedgerLeavesOutTheWriteInFlight(t *testing.T) {
	c := &Canary{opts: CanaryOptions{TTL: time.Hour}, unacked: map[int64]struct{}{1: {}}, inFlight: map[int64]int64{},
		next: 5, marks: []seqMark{{n: 0, at: time.Now()}}}
	_, end, unacked := c.ledger()
	if end != 5 || len(unacked) != 1 {
		t.Fatalf("idle: end %d, unacked %v", end, unacked)
	}
	c.inFlight[4] = 5
	first, end, unacked := c.ledger()
	if _, out := unacked[4]; !out || first != 0 || end != 5 {
		t.Fatalf("in flight: first %d, end %d, unacked %v; want seq 4 left out", first, end, unacked)
	}
}
