package plan

import (
	"encoding/json"
	"strings"
	"testing"

	"flyover/probe"
	"flyover/probe/access"
	"flyover/steps"
	"flyover/steps/checks"
	"flyover/steps/stepstest"
)

func findCheck(cs []steps.Check, id string) *steps.Check {
	for i := range cs {
		if cs[i].ID == id {
			return &cs[i]
		}
	}
	return nil
}

func aclFacts(endpoint, addr, user, method string, checks ...access.ACLCheck) access.ACLFacts {
	return access.ACLFacts{Endpoint: endpoint, Addr: addr, User: user, Method: method, Checks: checks}
}

func aclc(verdict access.ACLVerdict, required bool, grant string, args ...string) access.ACLCheck {
	n := access.ACLNeed{Args: args, Required: required, For: "what it is for"}
	return access.ACLCheck{ACLNeed: n, Command: n.Name(), Verdict: verdict, Grant: grant}
}

// A user that may not run a command flyover needs blocks preflight: the
// endpoint, the user, the commands, and the ACL SETUSER that grants them.
// Optional ones warn with what is lost; endpoints where all is allowed
// share one line.
func TestACLChecksNameEndpointUserCommandsAndFix(t *testing.T) {
	x := stepstest.Healthy()
	x.Pre.ACL = []access.ACLFacts{
		aclFacts("source", stepstest.FxSource, "migrator", access.ACLByDryRun,
			aclc(access.ACLAllowed, true, "", "INFO", "replication"),
			aclc(access.ACLDenied, true, "+client|pause", "CLIENT", "PAUSE", "1000", "WRITE"),
			aclc(access.ACLDenied, true, "+client|kill", "CLIENT", "KILL", "TYPE", "normal"),
			aclc(access.ACLDenied, false, "+shutdown", "SHUTDOWN")),
		aclFacts("target", stepstest.FxTarget, "default", access.ACLByDryRun, aclc(access.ACLAllowed, true, "", "ROLE")),
		aclFacts("sentinel-1", x.Sents[0].Addr, "default", access.ACLByDryRun, aclc(access.ACLAllowed, true, "", "SENTINEL", "MASTER", "m")),
		aclFacts("sentinel-2", x.Sents[1].Addr, "watcher", "",
			aclc(access.ACLAllowed, true, "", "SENTINEL", "MASTER", "m"),
			aclc(access.ACLUnknown, true, "", "SENTINEL", "FAILOVER", "m")),
		aclFacts("sentinel-3", x.Sents[2].Addr, "default", access.ACLByDryRun, aclc(access.ACLDenied, false, "&*", "PSUBSCRIBE", "*")),
	}
	x.Pre.ACL[3].Why = "the user watcher may run neither ACL DRYRUN nor ACL GETUSER"
	cs := checks.Preflight(x.Facts(), steps.Options{})

	src := findCheck(cs, "acl-source")
	if src == nil || src.Level != steps.Block {
		t.Fatalf("source: %+v", src)
	}
	for _, w := range []string{"source " + stepstest.FxSource, `"migrator"`, "CLIENT PAUSE, CLIENT KILL", "SHUTDOWN", "ACL DRYRUN"} {
		if !strings.Contains(src.Detail, w) {
			t.Errorf("source detail lacks %q: %s", w, src.Detail)
		}
	}
	if len(src.FixCommands) != 1 || strings.Join(src.FixCommands[0].Args, " ") != "ACL SETUSER migrator +client|pause +client|kill +shutdown" ||
		!strings.Contains(src.Fix, "ACL SETUSER migrator +client|pause") {
		t.Errorf("source fix: %s %v", src.Fix, src.FixCommands)
	}
	if c := findCheck(cs, "acl"); c == nil || c.Level != steps.Pass || !strings.Contains(c.Detail, "target") || !strings.Contains(c.Detail, "sentinel-1") {
		t.Errorf("the shared pass line: %+v", c)
	}
	if c := findCheck(cs, "acl-sentinel-2"); c == nil || c.Level != steps.Warn || !strings.Contains(c.Detail, "cannot tell") ||
		!strings.Contains(c.Fix, "ACL DRYRUN watcher SENTINEL FAILOVER m") {
		t.Errorf("cannot tell: %+v", c)
	}
	if c := findCheck(cs, "acl-sentinel-3"); c == nil || c.Level != steps.Warn || !strings.Contains(c.Detail, "PSUBSCRIBE") || !strings.Contains(c.Fix, "&*") {
		t.Errorf("optional: %+v", c)
	}
	if c := steps.FirstBlock(cs); c == nil || c.ID != "acl-source" {
		t.Errorf("first block %+v", c)
	}
	// The attach refuses while it blocks.
	if b := steps.FirstBlock(attachPre(x.Facts(), steps.Options{})); b == nil || b.ID != "acl-source" {
		t.Errorf("attach precondition: %+v", b)
	}
}

// The target's credentials for the source: checked before attaching, the
// fix shown with the password redacted, for a Redis stand-in and for
// Dragonfly.
func TestReplicationAuthCheckBeforeAttach(t *testing.T) {
	cases := []struct {
		ra    access.ReplicationAuth
		level steps.Level
		words string
	}{
		{access.ReplicationAuth{Verdict: access.ReplAuthOpen, Detail: "the source takes connections without a password"}, steps.Pass, "without a password"},
		{access.ReplicationAuth{Verdict: access.ReplAuthOK, Detail: "the source accepts the target's masterauth"}, steps.Pass, "accepts"},
		{access.ReplicationAuth{Verdict: access.ReplAuthMissing, Detail: "the target has no masterauth"}, steps.Block, "--masterauth"},
		{access.ReplicationAuth{Verdict: access.ReplAuthRefused, MasterUser: "repl", Detail: "the source refuses the target's masteruser repl and masterauth"}, steps.Block, "masteruser repl"},
		{access.ReplicationAuth{Verdict: access.ReplAuthUnknown, Detail: "the target does not say"}, steps.Warn, "--masterauth"},
	}
	for _, c := range cases {
		x := stepstest.Healthy()
		ra := c.ra
		x.Pre.Replication = &ra
		ch := findCheck(checks.Preflight(x.Facts(), steps.Options{}), "target-masterauth")
		if ch == nil || ch.Level != c.level || !strings.Contains(ch.Detail+" "+ch.Fix, c.words) {
			t.Errorf("%s: %+v", c.ra.Verdict, ch)
			continue
		}
		if c.level == steps.Block {
			if len(ch.FixCommands) == 0 || strings.Join(ch.FixCommands[0].Args, " ") != "CONFIG SET masterauth ***" || !strings.Contains(ch.Fix, "CONFIG SET masterauth") {
				t.Errorf("%s fix: %s %v", c.ra.Verdict, ch.Fix, ch.FixCommands)
			}
		}
		// Once attached, the question is past.
		x.Attached()
		if ch := findCheck(checks.Preflight(x.Facts(), steps.Options{}), "target-masterauth"); ch != nil {
			t.Errorf("%s: shown after attach: %+v", c.ra.Verdict, ch)
		}
	}
}

func TestTargetThatIsTheSourceBlocks(t *testing.T) {
	x := stepstest.Healthy()
	x.Topo.Target = stepstest.FxSource
	if c := findCheck(checks.Preflight(x.Facts(), steps.Options{}), "target-not-source"); c == nil || c.Level != steps.Block || !strings.Contains(c.Fix, "--target") {
		t.Errorf("same address: %+v", c)
	}
	x = stepstest.Healthy()
	x.Tgt.RunID = x.Src.RunID // another name for the same server
	if c := findCheck(checks.Preflight(x.Facts(), steps.Options{}), "target-not-source"); c == nil || c.Level != steps.Block || !strings.Contains(c.Detail, "same server") {
		t.Errorf("same run_id: %+v", c)
	}
	if c := findCheck(checks.Preflight(stepstest.Healthy().Facts(), steps.Options{}), "target-not-source"); c != nil {
		t.Errorf("healthy: %+v", c)
	}
}

// A target that announces another address than flyover's: blocked before
// attaching; once attached, the source's listing under that address is
// named, with the Sentinels that cannot reach it.
func TestTargetKnownByAnotherAddressIsNamed(t *testing.T) {
	x := stepstest.Healthy()
	x.Pre.Target.AnnounceIP = "10.9.9.9"
	c := findCheck(checks.Preflight(x.Facts(), steps.Options{}), "target-address")
	if c == nil || c.Level != steps.Block || !strings.Contains(c.Detail, "10.9.9.9:6380") || !strings.Contains(c.Fix, "--target 10.9.9.9:6380") {
		t.Fatalf("before attach: %+v", c)
	}

	x.Attached()
	x.Src.Replicas[0].IP = "10.9.9.9"
	for i := range x.Sents {
		x.Sents[i].Replicas = []probe.SentinelReplica{{IP: "10.9.9.9", Port: 6380, Flags: []string{"slave", "s_down", "disconnected"}, Priority: 100}}
	}
	f := stepstest.Steady(x.Facts(), 5)
	c = findCheck(checks.Preflight(f, steps.Options{}), "target-address")
	if c == nil || c.Level != steps.Block || !strings.Contains(c.Detail, "lists 10.9.9.9:6380") || !strings.Contains(c.Detail, "sentinel-1 cannot reach 10.9.9.9:6380") ||
		!strings.Contains(c.Fix, "abort") {
		t.Errorf("after attach: %+v", c)
	}
	reg := registrationChecks(f)
	if len(reg) == 0 || reg[0].Level != steps.Block || !strings.Contains(reg[0].Detail, "10.9.9.9:6380") {
		t.Errorf("registration: %+v", reg)
	}
}

func TestACLGetUserRepliesAreRedacted(t *testing.T) {
	got := steps.RedactReply([]string{"ACL", "GETUSER", "u"}, []any{"flags", []any{"on"}, "passwords", []any{"5e884898da28"}, "commands", "+@all"})
	if b, _ := json.Marshal(got); strings.Contains(string(b), "5e884898da28") || !strings.Contains(string(b), `"passwords","***"`) {
		t.Errorf("hash in %s", b)
	}
	if !probe.IsRead([]string{"ACL", "DRYRUN", "u", "CLIENT", "PAUSE", "1000"}) || !probe.IsRead([]string{"ACL", "GETUSER", "u"}) || probe.IsRead([]string{"ACL", "SETUSER", "u", "+@all"}) {
		t.Error("ACL DRYRUN and GETUSER read; SETUSER writes")
	}
	if got := steps.RedactArgs([]string{"ACL", "DRYRUN", "u", "AUTH", "u", "s3cret"}); strings.Join(got, " ") != "ACL DRYRUN u AUTH u ***" {
		t.Errorf("DRYRUN of AUTH: %v", got)
	}
}
