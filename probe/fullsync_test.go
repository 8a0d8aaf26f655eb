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
	cs := fullsync.ParseReplicaClients(string(b))
	if len(cs) != 2 || cs[1] != (fullsync.ReplicaClient{ID: 9, Addr: "127.0.0.1:51870", AgeSeconds: 1, Omem: 13303808, TotMem: 13326080}) {
		t.Fatalf("clients = %+v", cs)
	}
	s := fullsync.SourceSync{Clients: cs, ClientsRead: true}
	if c := targetClient(&s, Topology{Target: "127.0.0.1:6380"}); c == nil || c.ID != 9 {
		t.Fatalf("target client = %+v, want the youngest from the target's host (id 9)", c)
	}
	if c := targetClient(&s, Topology{Target: "10.0.0.9:6380"}); c != nil {
		t.Fatalf("target client = %+v, want none from another host", c)
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
