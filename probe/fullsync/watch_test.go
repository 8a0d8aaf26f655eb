package fullsync

import (
	"testing"
	"time"
)

// A poll that could not read the buffers carries the last one seen; a
// poll that did not ask (the fleet's brief poll between syncs) carries
// none: a gauge from the last sync would be shown as now.
func TestWatchCarriesAFailedReadingNotASkippedOne(t *testing.T) {
	at := time.Unix(1000, 0)
	client := &ReplicaClient{ID: 7, Addr: "127.0.0.1:40000", Omem: 5 << 20}
	obs := func(s SourceSync, c *ReplicaClient) Observation {
		at = at.Add(time.Second)
		return Observation{At: at, Attached: true, Online: true, Source: SourceSide{Reachable: true, Sync: s, Client: c}}
	}
	first := obs(SourceSync{SyncFull: 1, ClientsRead: true, Clients: []ReplicaClient{*client}}, client)
	w := Next(nil, nil, first)
	if w.Client == nil {
		t.Fatalf("read: %+v", w)
	}
	failed := obs(SourceSync{SyncFull: 1, ClientsError: "CLIENT LIST TYPE replica: timeout"}, nil)
	if got := Next(&first, &w, failed); got.Client != client {
		t.Errorf("a failed reading carries the last client: %+v", got.Client)
	}
	skipped := obs(SourceSync{SyncFull: 1, ClientsSkipped: true}, nil)
	if got := Next(&first, &w, skipped); got.Client != nil || got.Peak != 0 {
		t.Errorf("a skipped reading carries nothing: client %+v, peak %d", got.Client, got.Peak)
	}
}
