package probe

// DrainWaitsForAck reports whether a guarded cutover's drain must wait
// for this target's acknowledgement rather than read its own offset: a
// Dragonfly before v1.39 prints slave_repl_offset:0 for a Redis primary,
// so the drain is judged by the offset in the source's slaveN line, which
// Dragonfly sends about once a second (REPLCONF ACK). It holds for the
// node as a master too (before the attach), from its version alone.
func (n *Node) DrainWaitsForAck() bool {
	return n.Kind == KindDragonfly && !OffsetTrusted(n.Kind, n.Version)
}
