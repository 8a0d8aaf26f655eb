package lab_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
)

// The stand-in that refuses Redis replicas: an old Redis pointed at it
// never syncs (as with Dragonfly), and a new replica started for restore
// HA does.
func TestStandInRefusesRedisReplicasButNotNewReplicas(t *testing.T) {
	l := labtest.Start(t, lab.Options{ExtraReplicas: 1, PreloadKeys: 100, StandIn: true, Password: "pw"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	port := strconv.Itoa(l.Target.Port)
	old := l.Replicas[0].Client()
	defer old.Close()
	if err := old.Do(ctx, "REPLICAOF", "127.0.0.1", port).Err(); err != nil {
		t.Fatal(err)
	}
	nr, err := l.StartNewReplica(ctx, "new-replica-1")
	if err != nil {
		t.Fatal(err)
	}
	nc := nr.Client()
	defer nc.Close()
	if err := nc.Do(ctx, "REPLICAOF", "127.0.0.1", port).Err(); err != nil {
		t.Fatal(err)
	}
	up := func(info string) bool { return strings.Contains(info, "master_link_status:up") }
	if err := lab.WaitFor(ctx, 15*time.Second, func() bool { return up(nc.Info(ctx, "replication").Val()) }); err != nil {
		t.Fatalf("the new replica does not sync: %s", nc.Info(ctx, "replication").Val())
	}
	if up(old.Info(ctx, "replication").Val()) {
		t.Fatalf("the old Redis replica synced from the stand-in: %s", old.Info(ctx, "replication").Val())
	}
}
