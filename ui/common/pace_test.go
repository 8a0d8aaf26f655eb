package common

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"flyover/probe"
)

// Polls are Fast until nothing has moved for QuietAfter, then Slow; any
// movement makes them Fast again at once.
func TestPaceSlowsWhileQuiet(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tick := 500 * time.Millisecond
	p := NewPace(tick, t0)
	if w := p.Delay(t0.Add(p.QuietAfter - time.Millisecond)); w.Delay != tick || w.Wake != nil {
		t.Fatalf("before QuietAfter: %+v, want every tick", w)
	}
	slow := p.Delay(t0.Add(p.QuietAfter))
	if slow.Delay != p.Slow || slow.Delay <= tick || slow.Wake == nil || slow.Fast != tick {
		t.Fatalf("quiet: %+v, want every %v, cut short at the next tick", slow, p.Slow)
	}
	if again := p.Delay(t0.Add(p.QuietAfter + time.Second)); again.Wake != slow.Wake {
		t.Error("two slow waits have different wake-ups: one Move would leave one asleep")
	}
	moved := t0.Add(p.QuietAfter + 2*time.Second)
	p.Move(moved)
	select {
	case <-slow.Wake:
	default:
		t.Fatal("Move left the slow waits asleep")
	}
	if w := p.Delay(moved.Add(p.QuietAfter / 2)); w.Delay != tick || w.Wake != nil {
		t.Errorf("after a move: %+v, want every tick", w)
	}
	// An older moment (a clock that went back) does not undo a later one.
	p.Move(t0)
	if p.Quiet(moved.Add(p.QuietAfter / 2)) {
		t.Error("an older Move made the pace quiet")
	}
}

// A Sentinel's slow wait ends when anything moves: its poll comes at the
// next tick, not at the end of the slow wait.
func TestSlowSentinelPollWakesOnMove(t *testing.T) {
	p := &Pace{Fast: 10 * time.Millisecond, Slow: time.Hour, QuietAfter: 0, lastMove: time.Now()}
	w := p.Delay(time.Now())
	if w.Wake == nil {
		t.Fatal("the pace is not slow")
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	polled := make(chan tea.Msg, 1)
	go func() { polled <- PollSentinel(ctx, 2, viewOf("s3"), "flyover", w)() }()
	p.Move(time.Now())
	select {
	case msg := <-polled:
		if s, ok := msg.(SentinelPolledMsg); !ok || s.Index != 2 || s.View.Addr != "s3" {
			t.Errorf("polled %#v", msg)
		}
	case <-time.After(30 * time.Second): // bound only: the wait it cuts is an hour
		t.Fatal("the slow wait did not end on Move")
	}
}

// viewOf is a Sentinel that answers at once with its address.
type viewOf string

func (v viewOf) PollSentinel(context.Context, string) probe.SentinelView {
	return probe.SentinelView{Addr: string(v)}
}

// The next instant of a grid is within one step, and on it.
func TestNextOnGrid(t *testing.T) {
	d := 500 * time.Millisecond
	base := time.Unix(1000, 0)
	for _, at := range []time.Duration{0, time.Millisecond, 250 * time.Millisecond, 499 * time.Millisecond} {
		now := base.Add(at)
		w := nextOnGrid(now, d)
		if w <= 0 || w > d || now.Add(w).UnixNano()%int64(d) != 0 {
			t.Errorf("at +%v: %v, want the next multiple of %v", at, w, d)
		}
	}
}
