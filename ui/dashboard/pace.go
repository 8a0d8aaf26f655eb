package dashboard

import "flyover/ui/common"

// While nothing moves, the Sentinels are polled every Pace.Slow (4 s at
// the default tick) instead of every tick: their replies said the same
// thing twice a second, and their events say a change as it happens; the
// data nodes every Pace.SlowNodes (2 s). Anything that moves brings them
// back at once: a reply that differs, a Sentinel event, any timeline
// entry (a node down, a role or link change), the badge or the stage
// changing, and, from the root model, a key, a question or a running
// step (Move). Trouble on screen (a warning badge, a Sentinel down) is
// never quiet (calm). The header says when the endpoints are read
// slowly (paceNote).

// Move records movement now: the Sentinels' slow waits end, and their
// polls come every tick until nothing has moved for a while again.
func (d *Dashboard) Move() {
	d.moves++
	d.pace.Move(d.cfg.Now())
	if d.quiet {
		d.quiet = false
		d.invalidate()
	}
}

// nodeWait is the wait before a data node's next poll, armed now: every
// tick, or Pace.SlowNodes while the Sentinels are read slowly too (the
// figures alone then wait for the clock's second to be drawn: News).
func (d *Dashboard) nodeWait() common.Wait {
	now := d.cfg.Now()
	if !d.calm() {
		d.pace.Move(now)
	}
	return d.pace.NodeDelay(now)
}

// sentinelWait is the wait before a Sentinel's next poll, armed now.
func (d *Dashboard) sentinelWait() common.Wait {
	now := d.cfg.Now()
	if !d.calm() {
		d.pace.Move(now) // trouble on screen is watched every tick
	}
	w := d.pace.Delay(now)
	if quiet := w.Wake != nil; quiet != d.quiet {
		d.quiet = quiet
		d.invalidate()
	}
	return w
}

// calm reports whether nothing on screen asks for attention: every
// endpoint has answered, every Sentinel is up and monitors the master, and
// the badge is not a warning (IN SYNC, SWITCHED, NOT ATTACHED).
func (d *Dashboard) calm() bool {
	if !d.Ready() || d.badge.tone == common.ToneWarn || d.badge.tone == common.ToneBad {
		return false
	}
	for _, s := range d.Sentinels {
		if !s.view.Reachable || !s.view.Monitors {
			return false
		}
	}
	return true
}

// News is a count of what moved (Move): the root model draws a poll's
// frame at once when it changed, and otherwise with the clock's next
// second (a tick later at most): the figures alone (offsets, rates,
// trends) wait for it.
func (d *Dashboard) News() (moves uint64, second int64) { return d.moves, d.now.Unix() }

// Quiet reports whether the Sentinels are polled slowly, nothing moving.
func (d *Dashboard) Quiet() bool { return d.quiet }

// paceNote is the header's word on how often the endpoints are read.
func (d *Dashboard) paceNote() string {
	if d.quiet {
		return "every " + d.cfg.Tick.String() + ", nodes " + d.pace.SlowNodes.String() + ", Sentinels " + d.pace.Slow.String() + " while quiet"
	}
	return "every " + d.cfg.Tick.String()
}
