package common

import (
	"log"
	"time"

	"flyover/probe"
	"flyover/probe/events"
)

// Config is what the dashboard watches, and how.
type Config struct {
	Topo      probe.Topology
	Source    NodePoller
	Target    NodePoller
	Sentinels []Sentinel
	// Events are Sentinel Pub/Sub events (events.WatchSentinels); nil for none.
	Events <-chan events.Event

	// Tick is the pause between one poll of an endpoint and the next
	// (default 500 ms). It starts when the previous poll's result arrives.
	Tick time.Duration
	// Redraw, when set (ui.Run sets it), coalesces the polls' results:
	// those that land within Redraw of the first are observed and drawn
	// once, together (common.Redraw); keys still draw at once. Zero (the
	// tests' default): every result is observed and drawn as it comes.
	// It only applies below Tick/2, so that no two polls of one endpoint
	// fall in one window.
	Redraw time.Duration
	// InSyncPolls is how many consecutive in-sync polls of the source it
	// takes to show the IN SYNC badge (default 3).
	InSyncPolls int
	// History is the span of the trend sparklines (default 5 minutes).
	History time.Duration
	// ReadOnly is shown in the header: flyover sends reads only.
	ReadOnly bool

	// Now is the clock (default time.Now); tests pin it.
	Now func() time.Time
	// Log receives flyover's own events (endpoint down/up, sync started/
	// finished), and with Debug every message the UI handles. Never the
	// terminal.
	Log   *log.Logger
	Debug bool
	// LogPath is where Log writes, shown in the footer.
	LogPath string

	// Guide turns the guided checklist on beside the dashboard.
	Guide *Guide
	// Warnings are shown on every screen, one loud line each: a password
	// on the command line, TLS verification off.
	Warnings []string
	// Notes are things flyover learned as it started, each a timeline
	// entry of its own at the start (what a restart read back from
	// earlier audit logs): they were true then, and the timeline says
	// when.
	Notes []Note
	// Lab, when set, labels the topology as a local lab ("demo").
	Lab string
	// Secrets are the passwords flyover was given: no text the checklist
	// shows (a server's error, a step's failure) ever carries one.
	Secrets []string
}

func (c *Config) Defaults() {
	if c.Tick <= 0 {
		c.Tick = 500 * time.Millisecond
	}
	if c.InSyncPolls <= 0 {
		c.InSyncPolls = 3
	}
	if c.History <= 0 {
		c.History = 5 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Note is one of Config.Notes: a timeline entry's kind and text.
type Note struct {
	Kind, Text string
}
