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

// Many endpoints polled every 5 s in slots 500 ms apart: each lands on
// its own slot whenever its reply came, each wait stays about 5 s, and
// the instants are ten, whatever the number of endpoints.
func TestSlotsShareThePollsAmongFewInstants(t *testing.T) {
	s := Slots{Every: 5 * time.Second, Step: 500 * time.Millisecond}
	base := time.Unix(1000, 0)
	instants := map[int64]bool{}
	for i := range 200 {
		for _, at := range []time.Duration{0, 7 * time.Millisecond, 2400 * time.Millisecond, 4999 * time.Millisecond} {
			now := base.Add(at + time.Duration(i)*time.Millisecond)
			w := s.Wait(now, i)
			if w < s.Every/2 || w >= 3*s.Every/2 {
				t.Fatalf("endpoint %d at +%v: wait %v, want within [%v, %v)", i, at, w, s.Every/2, 3*s.Every/2)
			}
			end := now.Add(w).UnixNano()
			if off := time.Duration(end % int64(s.Every)); off != time.Duration(i%10)*s.Step {
				t.Fatalf("endpoint %d: lands %v into the period, want slot %d (%v)", i, off, i%10, time.Duration(i%10)*s.Step)
			}
			instants[end%int64(s.Every)] = true
		}
	}
	if len(instants) != 10 {
		t.Errorf("%d instants in a period, want 10", len(instants))
	}
	if w := (Slots{Every: time.Second}).Wait(base.Add(3*time.Millisecond), 7); base.Add(3*time.Millisecond).Add(w).UnixNano()%int64(time.Second) != 0 {
		t.Errorf("no step: the wait ends off the grid of Every")
	}
}
