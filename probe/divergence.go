package probe

import (
	"strconv"
	"strings"
	"time"
)

// DivergenceCounters are the target's counts of commands it could not
// run, at one moment. Compare two with DivergenceGrowth.
type DivergenceCounters struct {
	At time.Time `json:"at"`
	// Known is false when INFO commandstats could not be read.
	Known         bool   `json:"known"`
	RunID         string `json:"run_id,omitempty"` // Redis only; Dragonfly has none
	UptimeSeconds int64  `json:"uptime_seconds"`
	// Unknown are the unknown_NAME lines of INFO commandstats, by
	// upper-case name.
	Unknown map[string]int64 `json:"unknown,omitempty"`
	// UnknownCmd and ScriptErrors are INFO errorstats' unknown_cmd and
	// script_error (direct calls; whether replicated commands count
	// there is unverified).
	UnknownCmd   int64 `json:"unknown_cmd"`
	ScriptErrors int64 `json:"script_error"`
}

// DivergenceCounters are the divergence counters this poll of the node
// carries: Known only when the poll read INFO commandstats. The poll
// does not read INFO errorstats, so UnknownCmd and ScriptErrors are zero
// (ReadDivergence reads them).
func (n *Node) DivergenceCounters() DivergenceCounters {
	c := DivergenceCounters{At: n.PolledAt, Known: n.Reachable && n.CommandStatsRead,
		RunID: n.RunID, UptimeSeconds: n.UptimeSeconds}
	if c.Known {
		c.Unknown = n.UnknownCommands
	}
	return c
}

// UnknownCommands returns Dragonfly's count of commands it did not know,
// by upper-case name: in stable sync from Redis, an unknown replicated
// command is executed against a reply nobody reads and counted only as a
// line of its own in INFO commandstats, without the cmdstat_ prefix
// (DRAGONFLY.md, verified: `unknown_SWAPDB:2`).
func UnknownCommands(info Info) map[string]int64 {
	out := map[string]int64{}
	for k, v := range info {
		name, ok := strings.CutPrefix(k, "unknown_")
		if !ok || name == "" || name == "cmd" { // unknown_cmd is errorstats'
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			out[strings.ToUpper(name)] += n
		}
	}
	return out
}
