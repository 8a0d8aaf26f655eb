package checks

import (
	"flyover/probe"
	"flyover/steps"
)

// dragonflyAckNote says, for a Dragonfly target older than v1.39, that
// the cutover's pause will last about a second longer, why, and what
// removes it; "" for any other target. Preflight and the cutover's
// confirmation both say it.
func dragonflyAckNote(n probe.Node) string {
	if !n.DrainWaitsForAck() {
		return ""
	}
	return "Dragonfly " + n.Version + ": the cutover's write pause will last about a second longer. Before v1.39 Dragonfly's own " +
		"replication offset (slave_repl_offset) is 0, not the source's byte offset, so the drain waits for the offset it acknowledges " +
		"to the source, which it sends about once a second (measured with v1.34.2: writes paused 2.18 s, against 1.18 s with v1.40.1). " +
		"Dragonfly v1.39 or later removes the wait"
}

// CutoverAckWarning is dragonflyAckNote as a sentence to append to the
// cutover's confirmation.
func CutoverAckWarning(f steps.Facts) string {
	if note := dragonflyAckNote(f.Snapshot.Target); note != "" {
		return " " + note + "."
	}
	return ""
}
