package common

import (
	"context"
	"time"
)

// Pace slows the polls of endpoints whose replies say nothing new while
// nothing moves, and brings them back to Fast the moment anything does.
// An idle dashboard spent most of its time polling three Sentinels that
// said the same thing twice a second. The owner calls Move for every sign
// of movement (a reply that differs, a Sentinel event, a timeline entry,
// a key, a running step); Delay is the wait before an endpoint's next
// poll. Update's goroutine owns it; the polls only wait on Wake's channel.
type Pace struct {
	// Fast is the poll interval while anything moves (Config.Tick), Slow
	// the Sentinels' interval once nothing has moved for QuietAfter, and
	// SlowNodes the data nodes'.
	Fast, Slow, SlowNodes, QuietAfter time.Duration
	lastMove                          time.Time
	wake                              chan struct{} // closed by Move: ends the slow waits
}

// NewPace paces polls of tick once nothing has moved for ten ticks: the
// Sentinels eight times slower, the data nodes four (500 ms: 4 s and 2 s
// after 5 s). An idle screen's cost is its wake-ups, each poll's and each
// changed frame's: a frame shows the figures with the poll's clock, so
// while quiet the screen changes every 2 s, not every second. The
// Sentinels say every change of their state on Pub/Sub as it happens
// (probe/events), which ends the slow waits at once; their polls are
// the backstop. now is when the watch starts, which counts as movement.
func NewPace(tick time.Duration, now time.Time) *Pace {
	return &Pace{Fast: tick, Slow: 8 * tick, SlowNodes: 4 * tick, QuietAfter: 10 * tick, lastMove: now}
}

// Move records movement at now: every slow wait ends, and polls are Fast
// until nothing has moved for QuietAfter again.
func (p *Pace) Move(now time.Time) {
	if now.After(p.lastMove) {
		p.lastMove = now
	}
	if p.wake != nil {
		close(p.wake)
		p.wake = nil
	}
}

// Quiet reports whether nothing has moved for p.QuietAfter as of now.
func (p *Pace) Quiet(now time.Time) bool { return now.Sub(p.lastMove) >= p.QuietAfter }

// Wait is how long a poll waits before it polls: about Delay, on its
// grid (onGrid). A wait that Wake's closing cuts short (Pace.Move) ends
// at the next instant of the grid of Fast, with the other endpoints'
// polls.
type Wait struct {
	Delay, Fast time.Duration
	Wake        <-chan struct{}
}

// Delay is the wait of a Sentinel's poll armed at now: Fast, or Slow
// until Move.
func (p *Pace) Delay(now time.Time) Wait { return p.delay(now, p.Slow) }

// NodeDelay is the wait of a data node's poll armed at now: Fast, or
// SlowNodes until Move.
func (p *Pace) NodeDelay(now time.Time) Wait { return p.delay(now, p.SlowNodes) }

func (p *Pace) delay(now time.Time, slow time.Duration) Wait {
	if !p.Quiet(now) || slow <= p.Fast {
		return Wait{Delay: p.Fast}
	}
	if p.wake == nil {
		p.wake = make(chan struct{})
	}
	return Wait{Delay: slow, Fast: p.Fast, Wake: p.wake}
}

// sleep waits w or until ctx ends; it reports whether the wait completed.
func (w Wait) sleep(ctx context.Context) bool {
	done, woken := sleepOrWake(ctx, onGrid(time.Now(), w.Delay), w.Wake)
	if woken {
		return Sleep(ctx, nextOnGrid(time.Now(), w.Fast))
	}
	return done
}

// nextOnGrid is how long until the next multiple of d after now.
func nextOnGrid(now time.Time, d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return now.Truncate(d).Add(d).Sub(now)
}
