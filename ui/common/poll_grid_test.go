package common

import (
	"testing"
	"time"
)

// Polls re-armed at one tick end on the same instants, whatever moment
// each result arrived at, and each wait stays about one tick.
func TestPollsLandOnOneGrid(t *testing.T) {
	d := 500 * time.Millisecond
	base := time.Unix(1000, 0)
	for _, at := range []time.Duration{0, 1 * time.Millisecond, 180 * time.Millisecond, 249 * time.Millisecond, 251 * time.Millisecond, 499 * time.Millisecond} {
		now := base.Add(at)
		w := onGrid(now, d)
		if w < d/2 || w >= 3*d/2 {
			t.Errorf("at +%v: wait %v, want within [%v, %v)", at, w, d/2, 3*d/2)
		}
		if end := now.Add(w); end.UnixNano()%int64(d) != 0 {
			t.Errorf("at +%v: the wait ends at %v, off the %v grid", at, end, d)
		}
	}
	if w := onGrid(base, 0); w != 0 {
		t.Errorf("no delay: %v", w)
	}
}
