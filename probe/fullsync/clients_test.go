package fullsync

import "testing"

func TestParseBufferLimitsBothClassNames(t *testing.T) {
	// Redis 7.0.15 prints the class as slave; a config file may say replica
	// and units.
	l, err := ParseBufferLimits("normal 0 0 0 slave 1048576 524288 5 pubsub 33554432 8388608 60")
	if err != nil {
		t.Fatal(err)
	}
	if l.Replica != (Limit{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 5}) || l.ReplicaWord != "slave" ||
		l.PubSub.Hard != 32<<20 || l.Normal != (Limit{}) {
		t.Fatalf("limits = %+v", l)
	}
	l, err = ParseBufferLimits("replica 256mb 64mb 60")
	if err != nil || l.Replica != (Limit{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60}) || l.ReplicaWord != "replica" {
		t.Fatalf("limits = %+v, %v", l, err)
	}
	for _, bad := range []string{"", "slave 1 2", "normal 0 0 0", "slave x 1 1"} {
		if _, err := ParseBufferLimits(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}
