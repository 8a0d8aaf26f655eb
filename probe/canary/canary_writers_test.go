package canary

import (
	"strings"
	"testing"
	"time"
)

// Conns writers of Pipeline SETs each, one batch every interval, make the
// rate asked together.
func TestCanaryBatchInterval(t *testing.T) {
	for _, c := range []struct {
		rate, conns, pipeline int
		want                  time.Duration
	}{
		{2000, 1, 1, 500 * time.Microsecond},
		{20000, 4, 10, 2 * time.Millisecond},
		{10000, 8, 1, 800 * time.Microsecond},
		{100, 2, 50, time.Second},
	} {
		if got := batchInterval(c.rate, c.conns, c.pipeline); got != c.want {
			t.Errorf("rate %d, %d conns, pipeline %d: every %s, want %s", c.rate, c.conns, c.pipeline, got, c.want)
		}
	}
}

// A value is its sequence number, padded to ValueSize when asked; Verify
// compares what it reads with the same.
func TestCanaryValue(t *testing.T) {
	c := &Canary{}
	if v := c.value(42); v != "42" {
		t.Errorf("no size: %q", v)
	}
	c.opts.ValueSize = 64
	v := c.value(12345)
	if len(v) != 64 || !strings.HasPrefix(v, "12345:") {
		t.Errorf("size 64: %q (%d bytes)", v, len(v))
	}
	if c.value(12346) == v {
		t.Error("two sequence numbers, one value")
	}
	c.opts.ValueSize = 3
	if v := c.value(123456); v != "123456" {
		t.Errorf("a size smaller than the number: %q", v)
	}
}

// Every write of every batch in flight is left out of a Verify while the
// canary runs, not just one.
func TestCanaryLedgerLeavesOutEveryBatchInFlight(t *testing.T) {
	c := &Canary{opts: CanaryOptions{TTL: time.Hour}, unacked: map[int64]struct{}{}, inFlight: map[int64]int64{10: 14, 20: 22},
		next: 30, marks: []seqMark{{n: 0, at: time.Now()}}}
	_, end, unacked := c.ledger()
	if end != 30 || len(unacked) != 6 {
		t.Fatalf("end %d, unacked %v; want 10-13 and 20-21 left out", end, unacked)
	}
	for _, seq := range []int64{10, 13, 20, 21} {
		if _, out := unacked[seq]; !out {
			t.Errorf("seq %d in flight is in the ledger", seq)
		}
	}
}
