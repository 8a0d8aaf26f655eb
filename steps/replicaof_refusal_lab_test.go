package steps_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/steps"
	"flyover/steps/switchover"
)

// A target that cannot authenticate to the source when the attach runs
// (its masterauth changed after preflight passed). Dragonfly refuses
// REPLICAOF at once ("ERR replication cancelled"); the redis-server
// stand-in answers OK and never gets past the handshake. Either way the
// attach step fails with what it means and what flyover found from where
// it stands (the source refuses the target's masterauth), and sends
// nothing but the REPLICAOF and reads.
func TestAttachThatCannotAuthenticateSaysWhy(t *testing.T) {
	t.Parallel()
	const pw, wrong = "attach-pw-41c7", "not-the-source-pw-0d2e"
	so := steps.Options{AttachTimeout: 3 * time.Second}
	g := startRig(t, lab.Options{PreloadKeys: 100, Password: pw, Sentinels: 1, Quorum: 1}, so)
	g.audit.SetSecrets(pw, wrong)
	g.mustRun(steps.StepPreflight)

	tc := g.lab.Target.Client()
	defer tc.Close()
	ctx := context.Background()
	if err := tc.ConfigSet(ctx, "masterauth", wrong).Err(); err != nil {
		t.Fatal(err)
	}
	err := g.run(steps.StepAttach)
	var re *switchover.ReplicaOfError
	if !errors.As(err, &re) {
		t.Fatalf("attach: %v", err)
	}
	msg := err.Error()
	if re.Reply != "" {
		mustSay(t, "attach (refused)", msg, "refused REPLICAOF 127.0.0.1 ", "replication cancelled", "could not reach or authenticate to the source",
			"nothing else was sent", "run the step again")
	} else {
		mustSay(t, "attach (stuck)", msg, "answered OK to REPLICAOF 127.0.0.1 ", "has not got past the handshake",
			"cannot reach or authenticate to the source", "abort to detach it")
	}
	mustSay(t, "attach", msg, "target "+g.lab.Target.Addr(), "flyover reaches "+g.lab.Source.Addr(),
		"the source refuses the target's masterauth", "likely cause", "masterauth/masteruser", "as the target sees it", "TLS")
	for _, s := range []string{pw, wrong} {
		if strings.Contains(msg, s) {
			t.Error("a password is in the message")
		}
	}
	assertOnlyWrites(t, g.audit.Path(), "target REPLICAOF 127.0.0.1 ")
	assertSourceNotPaused(t, g.lab)
}
