package fleetview

import (
	"context"
	"sync"
	"time"

	"flyover/driver"
	"flyover/fleet"
	"flyover/probe"
	"flyover/steps"
	"flyover/ui/common"
)

// pace slows a master's dashboard polls while the master is not in focus:
// the fleet shows it from its own slower polls, and 50 masters polled
// every 500 ms would be 600 round trips a second for nothing. In focus it
// polls on the dashboard's tick as flyover alone does.
type pace struct {
	mu      sync.Mutex
	focused bool
	wake    chan struct{} // closed when the master comes into focus
	slow    time.Duration // the extra wait between polls out of focus
}

func newPace(slow time.Duration) *pace { return &pace{wake: make(chan struct{}), slow: slow} }

func (p *pace) setFocus(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on == p.focused {
		return
	}
	p.focused = on
	if on {
		close(p.wake)
	} else {
		p.wake = make(chan struct{})
	}
}

// wait returns at once in focus; out of focus, after the slow wait, or
// as soon as the master comes into focus.
func (p *pace) wait(ctx context.Context) {
	p.mu.Lock()
	on, wake := p.focused, p.wake
	p.mu.Unlock()
	if on {
		return
	}
	t := time.NewTimer(p.slow)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-wake:
	case <-t.C:
	}
}

type pacedNode struct {
	p     *pace
	inner common.NodePoller
}

func (n pacedNode) PollNode(ctx context.Context) probe.Node {
	n.p.wait(ctx)
	return n.inner.PollNode(ctx)
}

type pacedSentinel struct {
	p     *pace
	inner common.SentinelPoller
}

func (s pacedSentinel) PollSentinel(ctx context.Context, master string) probe.SentinelView {
	s.p.wait(ctx)
	return s.inner.PollSentinel(ctx, master)
}

// turnGate makes a master's steps wait their turn in the fleet
// (fleet.Turns): the checklist shows the refusal as the step's result.
func turnGate(turns *fleet.Turns, master string) driver.Gate {
	return func(id steps.StepID) (func(error), error) { return turns.Acquire(master, id) }
}
