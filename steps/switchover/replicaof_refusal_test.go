package switchover

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"flyover/probe"
	"flyover/probe/access"
	"flyover/steps"
	"flyover/steps/stepstest"
)

// Dragonfly v1.40.1's answer to REPLICAOF when its first handshake with
// the source fails (closed port, or NOAUTH for want of masterauth), as
// the audited path returns it.
var dragonflyReplicationCancelled = &steps.CommandError{Endpoint: "target", Addr: "10.0.0.2:6380",
	Args: []string{"REPLICAOF", "10.0.0.1", "6379"}, Err: stepstest.FakeReplyError("ERR replication cancelled")}

func TestReplicaOfRefusalsAreRecognised(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{dragonflyReplicationCancelled, true},
		{stepstest.FakeReplyError("ERR could not connect to master: Connection refused"), true},
		{stepstest.FakeReplyError("ERR could not resolve master dns"), true},
		{stepstest.FakeReplyError("ERR could not greet master "), true},
		{stepstest.FakeReplyError("ERR syntax error"), false},
		{stepstest.FakeReplyError("NOPERM this user has no permissions to run the 'replicaof' command"), false},
		{&steps.CommandError{Endpoint: "target", Err: syscall.ECONNREFUSED}, false},
		{nil, false},
	} {
		if got := refusedReplicaOf(tc.err); got != tc.want {
			t.Errorf("%v: %v", tc.err, got)
		}
	}
}

// The attach step's answer to "ERR replication cancelled": what it means,
// what flyover checked from where it stands, and what to check on the
// target.
func TestReplicationCancelledSaysWhatItMeansAndWhatToCheck(t *testing.T) {
	missing := &access.ReplicationAuth{Verdict: access.ReplAuthMissing,
		Detail: "the source requires a password and the target has no masterauth: its sync would fail with NOAUTH"}
	e := &ReplicaOfError{Replica: "target", ReplicaAddr: stepstest.FxTarget, PrimaryName: "source", Primary: stepstest.FxSource, Kind: probe.KindDragonfly,
		Reply: "ERR replication cancelled", Err: dragonflyReplicationCancelled,
		Diagnosis: linkDiagnosis{Primary: stepstest.FxSource, Auth: missing}}
	msg := e.Error()
	for _, want := range []string{
		"target 10.0.0.2:6380 refused REPLICAOF 10.0.0.1 6379", `"ERR replication cancelled"`,
		"Dragonfly tries the first handshake before it answers",
		"could not reach or authenticate to the source at 10.0.0.1:6379", "stays a master and nothing else was sent",
		"flyover reaches 10.0.0.1:6379", "the target has no masterauth", "likely cause",
		"masterauth/masteruser", "--masterauth", "the address 10.0.0.1:6379 as the target sees it", "--tls_replication", "run the step again",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("lacks %q:\n%s", want, msg)
		}
	}
	if !errors.Is(e, dragonflyReplicationCancelled) {
		t.Error("the reply is not kept")
	}

	// Nothing wrong from flyover's side: say so, and that the target's
	// view differs.
	e.Diagnosis = linkDiagnosis{Primary: stepstest.FxSource, TLS: true,
		Auth: &access.ReplicationAuth{Verdict: access.ReplAuthOK, Detail: "the source accepts the target's masterauth"}}
	msg = e.Error()
	for _, want := range []string{"accepts the target's masterauth", "flyover speaks TLS to it, so the replica must too",
		"Nothing flyover can check from here is wrong, so the target's own view differs"} {
		if !strings.Contains(msg, want) {
			t.Errorf("lacks %q:\n%s", want, msg)
		}
	}
	e.Diagnosis = linkDiagnosis{Primary: stepstest.FxSource, Unreachable: "10.0.0.1:6379: connection refused"}
	if msg = e.Error(); !strings.Contains(msg, "flyover cannot reach 10.0.0.1:6379 either") || !strings.Contains(msg, "likely cause") {
		t.Errorf("unreachable:\n%s", msg)
	}

	// Redis answers OK and stays in the handshake: the same reasons.
	e = &ReplicaOfError{Replica: "target", ReplicaAddr: stepstest.FxTarget, PrimaryName: "source", Primary: stepstest.FxSource, Kind: probe.KindRedis,
		Stuck: 3 * time.Second, Diagnosis: linkDiagnosis{Primary: stepstest.FxSource, Auth: missing}}
	msg = e.Error()
	for _, want := range []string{"answered OK to REPLICAOF 10.0.0.1 6379 but has not got past the handshake after 3s",
		"cannot reach or authenticate to the source", "keeps retrying", "the target has no masterauth", "CONFIG SET masterauth",
		"tls-replication yes", "abort to detach it"} {
		if !strings.Contains(msg, want) {
			t.Errorf("lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "Dragonfly") {
		t.Errorf("a Redis target's message speaks of Dragonfly:\n%s", msg)
	}
}

// A Redis target that follows the source but never authenticated: not
// listed by the source, link down, ROLE state connecting.
func TestHandshakeDoneOnlyOnceTheSourceHasTheTarget(t *testing.T) {
	x := stepstest.Healthy().Attached()
	x.Tgt.Kind, x.Tgt.Version = probe.KindRedis, "7.0.15"
	x.Tgt.LinkStatus, x.Tgt.LinkState, x.Tgt.HasOffset = "down", "connecting", false
	x.Src.Replicas = nil
	if f := x.Facts(); !steps.Attached(f) || HandshakeDone(f) {
		t.Errorf("stuck: attached %v, handshake done %v", steps.Attached(f), HandshakeDone(f))
	}
	x.Tgt.LinkState, x.Tgt.SyncInProgress = "sync", true
	if !HandshakeDone(x.Facts()) {
		t.Error("a transfer under way is past the handshake")
	}
	if !HandshakeDone(stepstest.Healthy().Syncing().Facts()) {
		t.Error("listed by the source")
	}
}

func TestReplicaOfNoOneIsNeverDiagnosed(t *testing.T) {
	var r steps.Runner
	err := explainReplicaOf(context.Background(), &r, nil, "NO", "ONE", "", nil, dragonflyReplicationCancelled)
	if err != dragonflyReplicationCancelled {
		t.Errorf("%v", err)
	}
}
