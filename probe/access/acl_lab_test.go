package access_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/probe/access"
)

func TestMain(m *testing.M) { labtest.Main(m) }

// recorder is a Doer that records what it sends, to check that reading
// permissions sends nothing that writes.
type recorder struct {
	mu   sync.Mutex
	sent []string
}

func (r *recorder) do(ctx context.Context, e *probe.Endpoint, args ...any) (any, error) {
	r.mu.Lock()
	r.sent = append(r.sent, strings.TrimSpace(fmt.Sprintln(args...)))
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	return e.Do(ctx, args...)
}

func (r *recorder) onlyReads(t *testing.T) {
	t.Helper()
	for _, s := range r.sent {
		up := strings.ToUpper(s)
		ok := false
		for _, p := range []string{"ACL DRYRUN ", "ACL GETUSER ", "INFO", "ROLE", "CONFIG GET ", "DBSIZE", "GET ", "PING",
			"SENTINEL MASTER ", "SENTINEL REPLICAS ", "SENTINEL GET-MASTER-ADDR-BY-NAME ", "SENTINEL CKQUORUM ", "SENTINEL SENTINELS ",
			// Readiness and the sampled comparison: probe.IsRead's.
			"FUNCTION LIST", "MODULE LIST", "PUBSUB NUMPAT", "PUBSUB CHANNELS ", "COMMAND INFO ", strings.ToUpper("EVAL " + probe.LuaProbeScript + " 0"),
			"RANDOMKEY", "SCAN ", "TYPE ", "PTTL ", "STRLEN ", "GETRANGE ", "LLEN ", "LRANGE ", "HLEN ", "HSCAN ",
			"SCARD ", "SSCAN ", "ZCARD ", "ZRANGE ", "XLEN ", "XRANGE "} {
			if strings.HasPrefix(up, p) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("sent %q, which is not a read", s)
		}
	}
}

func verdicts(f access.ACLFacts) map[string]access.ACLVerdict {
	out := map[string]access.ACLVerdict{}
	for _, c := range f.Checks {
		out[c.Command] = c.Verdict
	}
	return out
}

// Each way of reading permissions against a real Redis 7.0 and Sentinel:
// ACL DRYRUN for a user that may run it, ACL GETUSER for one that may
// only read its own rules, and for one that may do neither, the reads
// tried for real and the rest unknown. Nothing that writes is sent.
func TestACLPermissionsAreReadWithoutWriting(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{Password: "pw-default", SentinelPassword: "pw-sentinel", Sentinels: 1, Quorum: 1,
		Users: []lab.User{
			{Name: "migrator", Password: "pw-migrator", Rules: "+@all -client|pause -client|kill resetkeys ~app:*"},
			{Name: "reader", Password: "pw-reader", Rules: "-@all +info +role +client|setname +config|get"},
			{Name: "self", Password: "pw-self", Rules: "-@all +info +role +client|setname +acl|getuser +replicaof +client +set +get"},
		}})
	ctx := context.Background()
	ep := func(addr, user, pw string) *probe.Endpoint {
		e := probe.NewEndpoint(addr, probe.Auth{Username: user, Password: pw}, nil, time.Second)
		t.Cleanup(func() { e.Close() })
		return e
	}
	rec := &recorder{}

	dry := access.GatherACL(ctx, rec.do, "source", ep(l.Source.Addr(), "migrator", "pw-migrator"), access.SourceACLNeeds())
	v := verdicts(dry)
	if dry.Method != access.ACLByDryRun || dry.User != "migrator" || v["CLIENT PAUSE"] != access.ACLDenied || v["CLIENT KILL"] != access.ACLDenied ||
		v["REPLICAOF"] != access.ACLAllowed || v["INFO"] != access.ACLAllowed || v["CLIENT UNPAUSE"] != access.ACLAllowed {
		t.Errorf("DRYRUN: %+v", dry)
	}
	tgt := access.GatherACL(ctx, rec.do, "target", ep(l.Target.Addr(), "migrator", "pw-migrator"), access.TargetACLNeeds())
	for _, c := range tgt.Checks {
		if c.Command == "SET" && (c.Verdict != access.ACLDenied || c.Grant != "~flyover:*" || !strings.Contains(c.Reason, "flyover:verify:0")) {
			t.Errorf("a key the user may not write: %+v", c)
		}
	}

	self := access.GatherACL(ctx, rec.do, "source", ep(l.Source.Addr(), "self", "pw-self"), access.SourceACLNeeds())
	v = verdicts(self)
	if self.Method != access.ACLByGetUser || v["CLIENT PAUSE"] != access.ACLAllowed || v["REPLICAOF"] != access.ACLAllowed ||
		v["CONFIG GET"] != access.ACLDenied || v["SHUTDOWN"] != access.ACLDenied {
		t.Errorf("GETUSER: %+v", self)
	}

	blind := access.GatherACL(ctx, rec.do, "target", ep(l.Target.Addr(), "reader", "pw-reader"), access.TargetACLNeeds())
	v = verdicts(blind)
	if blind.Method != "" || !strings.Contains(blind.Why, "neither ACL DRYRUN nor ACL GETUSER") ||
		v["INFO"] != access.ACLAllowed || v["CONFIG GET"] != access.ACLAllowed || v["DBSIZE"] != access.ACLDenied ||
		v["REPLICAOF"] != access.ACLUnknown || v["SET"] != access.ACLUnknown {
		t.Errorf("neither: %+v", blind)
	}

	// Sentinel: its default user (requirepass), and users of its own.
	sa := l.Sentinels[0].Addr()
	admin := ep(sa, "", "pw-sentinel")
	if _, err := admin.Do(ctx, "ACL", "SETUSER", "nofailover", "on", ">pw-nf", "~*", "resetchannels", "+@all", "-sentinel|failover"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Do(ctx, "ACL", "SETUSER", "poller", "on", ">pw-poll", "~*", "&*", "-@all", "+client|setname",
		"+sentinel|master", "+sentinel|replicas", "+sentinel|get-master-addr-by-name", "+sentinel|ckquorum"); err != nil {
		t.Fatal(err)
	}
	all := access.GatherACL(ctx, rec.do, "sentinel-1", admin, access.SentinelACLNeeds("flyover"))
	if all.Method != access.ACLByDryRun || all.User != "default" || len(all.With(access.ACLAllowed)) != len(all.Checks) {
		t.Errorf("Sentinel default user: %+v", all)
	}
	nf := access.GatherACL(ctx, rec.do, "sentinel-1", ep(sa, "nofailover", "pw-nf"), access.SentinelACLNeeds("flyover"))
	v = verdicts(nf)
	if v["SENTINEL FAILOVER"] != access.ACLDenied || v["PSUBSCRIBE"] != access.ACLDenied || v["SENTINEL RESET"] != access.ACLAllowed {
		t.Errorf("Sentinel user without failover: %+v", nf)
	}
	poll := access.GatherACL(ctx, rec.do, "sentinel-1", ep(sa, "poller", "pw-poll"), access.SentinelACLNeeds("flyover"))
	v = verdicts(poll)
	if poll.Method != "" || v["SENTINEL CKQUORUM"] != access.ACLAllowed || v["SENTINEL FAILOVER"] != access.ACLUnknown {
		t.Errorf("Sentinel user that cannot check: %+v", poll)
	}
	rec.onlyReads(t)
	for _, s := range rec.sent {
		if strings.Contains(s, "pw-") {
			t.Errorf("a password was sent as an argument: %q", s)
		}
	}
}

// Whether the target can authenticate to the source: open (no password
// needed), missing masterauth, a wrong one, the right one; the password
// read from the target never comes back in the result.
func TestReplicationAuthVerdicts(t *testing.T) {
	t.Parallel()
	const pw = "pw-repl-source"
	l := labtest.Start(t, lab.Options{Password: pw, Sentinels: 1, Quorum: 1, TargetNoMasterAuth: true})
	open := labtest.Start(t, lab.Options{Sentinels: 1, Quorum: 1})
	ctx := context.Background()
	auth := probe.Auth{Password: pw}
	src := probe.NewEndpoint(l.Source.Addr(), auth, nil, time.Second)
	tgt := probe.NewEndpoint(l.Target.Addr(), auth, nil, time.Second)
	defer src.Close()
	defer tgt.Close()
	rec := &recorder{}

	if ra := access.GatherReplicationAuth(ctx, rec.do, src, tgt); ra.Verdict != access.ReplAuthMissing {
		t.Errorf("no masterauth: %+v", ra)
	}
	if _, err := tgt.Do(ctx, "CONFIG", "SET", "masterauth", "wrong-"+pw); err != nil {
		t.Fatal(err)
	}
	ra := access.GatherReplicationAuth(ctx, rec.do, src, tgt)
	if ra.Verdict != access.ReplAuthRefused || strings.Contains(ra.Detail, pw) {
		t.Errorf("wrong masterauth: %+v", ra)
	}
	if _, err := tgt.Do(ctx, "CONFIG", "SET", "masterauth", pw); err != nil {
		t.Fatal(err)
	}
	if ra := access.GatherReplicationAuth(ctx, rec.do, src, tgt); ra.Verdict != access.ReplAuthOK {
		t.Errorf("right masterauth: %+v", ra)
	}
	osrc := probe.NewEndpoint(open.Source.Addr(), probe.Auth{}, nil, time.Second)
	otgt := probe.NewEndpoint(open.Target.Addr(), probe.Auth{}, nil, time.Second)
	defer osrc.Close()
	defer otgt.Close()
	if ra := access.GatherReplicationAuth(ctx, rec.do, osrc, otgt); ra.Verdict != access.ReplAuthOpen {
		t.Errorf("no password anywhere: %+v", ra)
	}
	rec.onlyReads(t)
}

// A user that may not name its connection still connects: the name is a
// courtesy, not a need, so an operator's least-privileged user works.
func TestUserWithoutClientSetnameConnects(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{Password: "pw-default", Sentinels: 1, Quorum: 1,
		Users: []lab.User{{Name: "watcher", Password: "pw-watcher", Rules: "-@all +info +role"}}})
	e := probe.NewEndpoint(l.Source.Addr(), probe.Auth{Username: "watcher", Password: "pw-watcher"}, nil, 2*time.Second)
	t.Cleanup(func() { e.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e.Do(ctx, "ROLE"); err != nil {
		t.Fatalf("ROLE as a user without +client|setname: %v", err)
	}
	if n := e.PollNode(ctx); !n.Reachable {
		t.Fatalf("poll as a user without +client|setname: %s", n.Error)
	}
}
