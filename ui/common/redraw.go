package common

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// Redraw coalesces the redraws that poll results ask for: the first one
// arms a single tick of Every, and every result that lands before that
// tick is drawn by it, in one frame. Polls that arrive together (they are
// armed on one grid, see onGrid) cost one frame instead of one each. Keys
// never wait for it: a key draws at once, with whatever is pending.
type Redraw struct {
	Every          time.Duration
	pending, armed bool
}

// Arm marks a redraw pending and returns the tick that brings msg, unless
// one is armed already (nil then).
func (r *Redraw) Arm(msg tea.Msg) tea.Cmd {
	r.pending = true
	if r.armed {
		return nil
	}
	r.armed = true
	return tea.Tick(r.Every, func(time.Time) tea.Msg { return msg })
}

// Fire is the armed tick's arrival: it reports whether a redraw was
// pending, and clears it.
func (r *Redraw) Fire() (pending bool) {
	pending, r.pending, r.armed = r.pending, false, false
	return pending
}

// Armed reports whether a tick is on its way.
func (r *Redraw) Armed() bool { return r.armed }
