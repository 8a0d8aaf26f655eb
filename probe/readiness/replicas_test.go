package readiness

import (
	"testing"

	"flyover/probe"
)

// A Dragonfly primary lists its Dragonfly replica without offset=, and
// with lag counted in journal records.
func TestDragonflyPrimaryReplicaLineWithoutOffset(t *testing.T) {
	info := probe.ParseInfo("# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=7005,state=online,lag=0\r\nmaster_replid:abc\r\n")
	ls := info.ReplicaLines()
	if len(ls) != 1 {
		t.Fatalf("lines %+v", ls)
	}
	l := ls[0]
	if l.Addr() != "127.0.0.1:7005" || l.State != "online" || l.HasOffset || l.Lag != 0 {
		t.Fatalf("%+v", l)
	}
}

func TestReplicaClientsFromClientListAndCommandStats(t *testing.T) {
	list := "id=3 addr=127.0.0.1:5001 laddr=127.0.0.1:6380 fd=8 name=sentinel-1a2b-cmd age=9 idle=0 flags=N db=0 cmd=ping\n" +
		"id=4 addr=127.0.0.1:5002 laddr=127.0.0.1:6380 fd=9 name= age=9 idle=0 flags=M db=0 cmd=ping\n" +
		"id=5 addr=127.0.0.1:5003 laddr=127.0.0.1:6380 fd=10 name= age=3 idle=1 flags=N db=0 cmd=get\n" +
		"id=6 addr=127.0.0.1:5004 laddr=127.0.0.1:6380 fd=11 name= age=0 idle=0 flags=N db=0 cmd=client|list\n"
	if n := ParseClientList(list); n != 1 {
		t.Errorf("normal clients %d, want 1 (the one reading)", n)
	}
	stats := probe.ParseInfo("cmdstat_get:calls=120,usec=5\r\ncmdstat_info:calls=900,usec=5\r\ncmdstat_ping:calls=50,usec=1\r\ncmdstat_readonly:calls=2,usec=0\r\ncmdstat_client|list:calls=3,usec=1\r\n")
	reads, ro := ParseCommandStats(stats)
	if reads != 120 || ro != 2 {
		t.Errorf("reads %d readonly %d, want 120 and 2", reads, ro)
	}
	c := ReplicaClients{Addr: "x", Connected: 4, Normal: 1, Reads: 120, ReadOnlyCalls: 2}
	if !c.ReadsSeen() {
		t.Error("reads not seen")
	}
	quiet := ReplicaClients{Addr: "x", Connected: 3}
	if quiet.ReadsSeen() {
		t.Error("Sentinel's connections taken for an application's")
	}
}
