package probe

import (
	"errors"
	"os"
	"testing"

	"flyover/probe/fullsync"
)

func TestParseReplicaClientsReadsOmemAndPicksTheTargetsYoungest(t *testing.T) {
	b, err := os.ReadFile("testdata/redis7-client-list-replica.txt")
	if err != nil {
		t.Fatal(err)
	}
	cs := ParseReplicaClients(string(b))
	if len(cs) != 2 || cs[1] != (ReplicaClient{ID: 9, Addr: "127.0.0.1:51870", AgeSeconds: 1, Omem: 13303808, TotMem: 13326080}) {
		t.Fatalf("clients = %+v", cs)
	}
	s := SourceSync{Clients: cs, ClientsRead: true}
	if c := s.TargetClient(Topology{Target: "127.0.0.1:6380"}); c == nil || c.ID != 9 {
		t.Fatalf("target client = %+v, want the youngest from the target's host (id 9)", c)
	}
	if c := s.TargetClient(Topology{Target: "10.0.0.9:6380"}); c != nil {
		t.Fatalf("target client = %+v, want none from another host", c)
	}
}

func TestParseBufferLimitsBothClassNames(t *testing.T) {
	// Redis 7.0.15 prints the class as slave; a config file may say replica
	// and units.
	l, err := ParseBufferLimits("normal 0 0 0 slave 1048576 524288 5 pubsub 33554432 8388608 60")
	if err != nil {
		t.Fatal(err)
	}
	if l.Replica != (fullsync.Limit{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 5}) || l.ReplicaWord != "slave" ||
		l.PubSub.Hard != 32<<20 || l.Normal != (fullsync.Limit{}) {
		t.Fatalf("limits = %+v", l)
	}
	l, err = ParseBufferLimits("replica 256mb 64mb 60")
	if err != nil || l.Replica != (fullsync.Limit{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60}) || l.ReplicaWord != "replica" {
		t.Fatalf("limits = %+v, %v", l, err)
	}
	for _, bad := range []string{"", "slave 1 2", "normal 0 0 0", "slave x 1 1"} {
		if _, err := ParseBufferLimits(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestSourceSyncFromInfo(t *testing.T) {
	n := NodeFromInfo(ParseInfo("role:master\r\nsync_full:3\r\nlatest_fork_usec:812\r\ninstantaneous_input_kbps:1024.50\r\n"), nil)
	if n.Sync.SyncFull != 3 || n.Sync.ForkUsec != 812 || n.Sync.InputKbps != 1024.5 {
		t.Fatalf("sync = %+v", n.Sync)
	}
}

func TestIsLoading(t *testing.T) {
	if !IsLoading(errors.New("LOADING Dragonfly is loading the dataset in memory")) || IsLoading(errors.New("ERR x")) || IsLoading(nil) {
		t.Fatal("IsLoading")
	}
}
