package probe

import "testing"

// Dragonfly v1.34.2 as a replica of Redis (facts from its source): role
// spelled slave, no run_id, slave_repl_offset printed but 0, so its own
// offset is not trusted and the drain waits for its once-a-second ACK.
func TestDragonfly134ReplicaOffsetIsZeroAndTheDrainWaitsForItsAck(t *testing.T) {
	n := NodeFromInfo(fixtureInfo(t, "dragonfly-1.34-replica.info"), nil)
	if n.Kind != KindDragonfly || n.Version != "1.34.2" || n.RunID != "" {
		t.Errorf("kind %q version %q run_id %q", n.Kind, n.Version, n.RunID)
	}
	if n.Role != RoleReplica || n.MasterHost != "10.0.0.5" || n.MasterPort != 6379 || n.Priority != 100 || !n.ReadOnly {
		t.Errorf("replica fields: %+v", n)
	}
	if !n.HasOffset || n.Offset != 0 || n.OffsetTrusted {
		t.Errorf("offset: has %v, %d, trusted %v", n.HasOffset, n.Offset, n.OffsetTrusted)
	}
	if !n.Synced() {
		t.Error("sync over (master_sync_in_progress:0, slave_repl_offset present) must read as synced")
	}
	if !n.DrainWaitsForAck() {
		t.Error("v1.34: the drain waits for the acknowledgement")
	}
	for _, tc := range []struct {
		kind    Kind
		version string
		want    bool
	}{{KindDragonfly, "1.38.2", true}, {KindDragonfly, "1.39.0", false}, {KindDragonfly, "1.40.1", false}, {KindRedis, "7.0.15", false}} {
		n := Node{Kind: tc.kind, Version: tc.version}
		if got := n.DrainWaitsForAck(); got != tc.want {
			t.Errorf("%s %s: %v", tc.kind, tc.version, got)
		}
	}
}
