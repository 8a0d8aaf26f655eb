package steps_test

// The fault and bad-input suite (issue 6): every case runs against real
// servers and asserts the four properties the README's reliability table
// lists: a clear message naming the endpoint and the next action; no
// command sent that the operator did not confirm (read from the audit
// log); the source never left paused; no acknowledged canary write lost,
// where a canary runs. Cases already covered by lab_test.go are listed in
// docs-drafts/reliability.md next to these.

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/checks"
	"flyover/steps/switchover"
)

// rigWith is newRig with the credentials and TLS settings of a real
// deployment: data-node auth, the Sentinels' own auth, and secrets the
// audit log scrubs.
func rigWith(t *testing.T, l *lab.Lab, so steps.Options, data, sentinel probe.Auth, tc *tls.Config, secrets ...string) *rig {
	t.Helper()
	p := &probe.Prober{
		Topo:   probe.Topology{MasterName: l.Opts.MasterName, Source: l.Source.Addr(), Target: l.Target.Addr()},
		Source: probe.NewEndpoint(l.Source.Addr(), data, tc, time.Second),
		Target: probe.NewEndpoint(l.Target.Addr(), data, tc, time.Second),
	}
	for _, a := range l.SentinelAddrs() {
		p.Sentinels = append(p.Sentinels, probe.NewEndpoint(a, sentinel, tc, time.Second))
	}
	p.Topo.ResolveTarget(time.Second)
	a, err := auditlog.OpenAudit(filepath.Join(t.TempDir(), auditlog.DefaultAuditPath(time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	a.SetSecrets(secrets...)
	r := steps.NewRunner(p, a, steps.NewSession(), so)
	r.DialReplica = func(addr string) *probe.Endpoint { return probe.NewEndpoint(addr, data, tc, time.Second) }
	t.Cleanup(func() { p.Close(); a.Close() })
	return &rig{t: t, lab: l, auth: data, prober: p, runner: r, audit: a, opts: so}
}

// pointSourceAt and pointTargetAt replace an endpoint, as a mistyped flag
// would.
func (g *rig) pointSourceAt(addr string, auth probe.Auth) {
	g.prober.Source.Close()
	g.prober.Source = probe.NewEndpoint(addr, auth, nil, time.Second)
	g.prober.Topo.Source = addr
}

func (g *rig) pointTargetAt(addr string, auth probe.Auth) {
	g.prober.Target.Close()
	g.prober.Target = probe.NewEndpoint(addr, auth, nil, time.Second)
	g.prober.Topo.Target = addr
	g.prober.Topo.TargetIPs = nil
	g.prober.Topo.ResolveTarget(time.Second)
}

// sourcePaused reports whether the source holds writes back: a PUBLISH
// (which CLIENT PAUSE WRITE holds, on a primary and on a replica alike,
// where a SET on a replica would fail at once with READONLY) from a new
// connection is not answered promptly. Redis 7.0's INFO has no pause
// fields, so this is the reliable way.
func sourcePaused(t *testing.T, l *lab.Lab) bool {
	t.Helper()
	if !l.Source.Running() {
		return false
	}
	c := l.Source.Client()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	err := c.Publish(ctx, "flyover:test:pause-probe", "x").Err()
	var ne net.Error
	return err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout())
}

func assertSourceNotPaused(t *testing.T, l *lab.Lab) {
	t.Helper()
	if sourcePaused(t, l) {
		t.Error("the source is left paused")
	}
}

// writesSent lists every command in the audit log that may change
// something, as "endpoint ARGS".
func writesSent(t *testing.T, path string) []string {
	t.Helper()
	es := readAudit(t, path)
	var out []string
	for _, e := range es {
		if e.Kind == auditlog.KindCommand && e.Write {
			out = append(out, e.Endpoint+" "+strings.Join(e.Args, " "))
		}
	}
	return out
}

// assertOnlyWrites checks that every write in the audit log is one of
// allowed ("endpoint ARGS" prefixes): the commands of the steps the
// operator confirmed. None allowed: only reads were sent.
func assertOnlyWrites(t *testing.T, path string, allowed ...string) {
	t.Helper()
	for _, w := range writesSent(t, path) {
		ok := false
		for _, a := range allowed {
			if strings.HasPrefix(w, a) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("sent %q, which no confirmed step sends", w)
		}
	}
}

// mustSay checks that msg names what it must: the endpoint and the next
// action.
func mustSay(t *testing.T, what, msg string, words ...string) {
	t.Helper()
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("%s: %q lacks %q", what, msg, w)
		}
	}
	t.Logf("%s: %s", what, msg)
}

// blockedAt runs preflight, which must fail, and checks the plan is
// blocked at the preflight step, that the attach refuses to run, and that
// nothing but reads was sent. It returns preflight's error and the plan's
// reason.
func (g *rig) blockedAt(step steps.StepID) (string, string) {
	g.t.Helper()
	err := g.run(steps.StepPreflight)
	if err == nil {
		g.t.Fatal("preflight did not block")
	}
	c, f := g.plan()
	st := c.State(step)
	if c.Current != step || st.Status != steps.Blocked {
		g.t.Fatalf("plan at %s (%s): %s", c.Current, st.Status, st.Reason)
	}
	if aerr := g.runner.Run(context.Background(), steps.StepAttach, f, steps.Answers{"attach": "y"}); aerr == nil || !strings.Contains(aerr.Error(), "nothing sent") {
		g.t.Errorf("attach on a blocked plan: %v", aerr)
	}
	assertOnlyWrites(g.t, g.audit.Path())
	return err.Error(), st.Reason
}

// ---- Bad inputs ----

// Mistyped endpoints and a target that cannot be one: each blocks
// preflight with the endpoint's name and the fix, and nothing is sent but
// reads. One lab, the cases one after another.
func TestBadInputsBlockPreflight(t *testing.T) {
	t.Parallel()
	l := startRig(t, lab.Options{PreloadKeys: 100}, steps.Options{}).lab
	so := steps.Options{}

	t.Run("wrong host", func(t *testing.T) {
		g := newRig(t, l, so)
		g.pointSourceAt("no-such-host.invalid:7000", probe.Auth{})
		err, reason := g.blockedAt(steps.StepPreflight)
		mustSay(t, "preflight", err, "source reachable", "no-such-host.invalid:7000", "fix the address")
		mustSay(t, "plan", reason, "no-such-host.invalid:7000")
		if !strings.Contains(reason, "cannot resolve host") && !strings.Contains(reason, "no answer") {
			t.Errorf("plan: %s", reason)
		}
		assertSourceNotPaused(t, l)
	})
	t.Run("wrong port", func(t *testing.T) {
		g := newRig(t, l, so)
		closed, err := netListenClosed()
		if err != nil {
			t.Fatal(err)
		}
		g.pointTargetAt(closed, probe.Auth{})
		msg, reason := g.blockedAt(steps.StepPreflight)
		mustSay(t, "preflight", msg, "target reachable", closed+": connection refused", "is the port right?", "fix the address")
		mustSay(t, "plan", reason, closed)
		assertSourceNotPaused(t, l)
	})
	t.Run("target equals source", func(t *testing.T) {
		for _, addr := range []string{l.Source.Addr(), net.JoinHostPort("localhost", strings.Split(l.Source.Addr(), ":")[1])} {
			g := newRig(t, l, so)
			g.pointTargetAt(addr, probe.Auth{})
			msg, reason := g.blockedAt(steps.StepPreflight)
			mustSay(t, "preflight "+addr, msg, "the target is not the source", "point --target at the Dragonfly instance")
			mustSay(t, "plan", reason, "point --target")
			if auditHas(t, g.audit.Path(), "REPLICAOF") {
				t.Error("REPLICAOF was sent")
			}
		}
		assertSourceNotPaused(t, l)
	})
	t.Run("target already follows another primary", func(t *testing.T) {
		// A primary it can reach: Dragonfly refuses REPLICAOF to one it
		// cannot ("ERR replication cancelled"), where Redis accepts it.
		ctx := context.Background()
		op, err := l.StartStandalone(ctx, "other-primary")
		if err != nil {
			t.Fatal(err)
		}
		other := op.Addr()
		h, p, _ := net.SplitHostPort(other)
		tc := l.Target.Client()
		defer tc.Close()
		if err := tc.Do(ctx, "REPLICAOF", h, p).Err(); err != nil {
			t.Fatal(err)
		}
		defer tc.Do(ctx, "REPLICAOF", "NO", "ONE")
		g := newRig(t, l, so)
		msg, reason := g.blockedAt(steps.StepPreflight)
		mustSay(t, "preflight", msg, "the target follows no other primary", "the target replicates from "+other, "REPLICAOF NO ONE on the target")
		mustSay(t, "plan", reason, other)
		assertSourceNotPaused(t, l)
	})
}

// Credentials: a wrong password, a wrong ACL user and a wrong Sentinel
// password each block with the endpoint and what to check; a user with
// too few permissions blocks with the commands it lacks and the ACL
// SETUSER that grants them; a target without masterauth for a source that
// requires one blocks the attach with the fix, and once fixed the attach
// runs and the target syncs.
func TestCredentialsBlockWithTheFix(t *testing.T) {
	t.Parallel()
	const (
		pwData     = "data-pw-c1e0"
		pwSentinel = "sentinel-pw-58aa"
		pwMigrator = "migrator-pw-3b7d"
	)
	lo := lab.Options{Password: pwData, SentinelPassword: pwSentinel, PreloadKeys: 500, TargetNoMasterAuth: true,
		Users: []lab.User{{Name: "migrator", Password: pwMigrator, Rules: "+@all -client|pause -client|kill"}}}
	l := startRig(t, lo, steps.Options{}).lab
	so := steps.Options{}
	secrets := []string{pwData, pwSentinel, pwMigrator}
	data, sentinel := probe.Auth{Password: pwData}, probe.Auth{Password: pwSentinel}

	t.Run("wrong password", func(t *testing.T) {
		g := rigWith(t, l, so, probe.Auth{Password: "not-the-password"}, sentinel, nil, secrets...)
		msg, reason := g.blockedAt(steps.StepPreflight)
		mustSay(t, "preflight", msg, "source reachable", l.Source.Addr()+": authentication failed", "check the password variable or file")
		mustSay(t, "plan", reason, l.Source.Addr(), "authentication failed")
	})
	t.Run("wrong ACL user", func(t *testing.T) {
		g := rigWith(t, l, so, probe.Auth{Username: "nosuchuser", Password: pwMigrator}, sentinel, nil, secrets...)
		msg, _ := g.blockedAt(steps.StepPreflight)
		mustSay(t, "preflight", msg, "source reachable", l.Source.Addr()+": authentication failed (wrong user or password)")
	})
	t.Run("wrong Sentinel password", func(t *testing.T) {
		// The data nodes' password given to the Sentinels too: their own
		// auth is separate.
		g := rigWith(t, l, so, data, data, nil, secrets...)
		msg, _ := g.blockedAt(steps.StepPreflight)
		mustSay(t, "preflight", msg, "sentinel-1 "+l.Sentinels[0].Addr(), "authentication failed", "every Sentinel")
	})
	t.Run("ACL user with too few permissions", func(t *testing.T) {
		g := rigWith(t, l, so, probe.Auth{Username: "migrator", Password: pwMigrator}, sentinel, nil, secrets...)
		msg, _ := g.blockedAt(steps.StepPreflight)
		mustSay(t, "preflight", msg, "source: ACL user \"migrator\"", "source "+l.Source.Addr(), "may not run CLIENT PAUSE, CLIENT KILL",
			"ACL SETUSER migrator +client|pause +client|kill")
		c, _ := g.plan()
		var acl *steps.Check
		for _, ch := range c.State(steps.StepPreflight).Checks {
			if ch.ID == "acl-source" {
				ch := ch
				acl = &ch
			}
		}
		if acl == nil || acl.Level != steps.Block || len(acl.FixCommands) != 1 || acl.FixCommands[0].Addr != l.Source.Addr() {
			t.Fatalf("acl-source: %+v", acl)
		}
		if !auditHas(t, g.audit.Path(), "ACL", "DRYRUN", "migrator", "CLIENT", "PAUSE") {
			t.Error("the permissions were not read with ACL DRYRUN")
		}
	})
	t.Run("target cannot authenticate to the source", func(t *testing.T) {
		g := rigWith(t, l, so, data, sentinel, nil, secrets...)
		msg, reason := g.blockedAt(steps.StepPreflight)
		mustSay(t, "preflight", msg, "the target can authenticate to the source", "the target has no masterauth",
			"CONFIG SET masterauth <the source's password>", "--masterauth=")
		mustSay(t, "plan", reason, "masterauth")
		for _, s := range secrets {
			if strings.Contains(msg+reason, s) {
				t.Error("a password is in the message")
			}
		}
		// The operator sets it (not flyover: it does not send passwords).
		tc := l.Target.Client()
		defer tc.Close()
		if err := tc.ConfigSet(context.Background(), "masterauth", pwData).Err(); err != nil {
			t.Fatal(err)
		}
		g.mustRun(steps.StepPreflight)
		g.mustRun(steps.StepAttach)
		labtest.Wait(t, 20*time.Second, "the target to sync", func() bool { return steps.StageOf(g.facts()) == steps.StageStreaming })
		assertOnlyWrites(t, g.audit.Path(), "target REPLICAOF 127.0.0.1 ")
		for _, e := range readAll(t, g.audit.Path()) {
			for _, s := range secrets {
				if strings.Contains(e, s) {
					t.Fatalf("a password is in the audit log: %s", e)
				}
			}
		}
	})
}

// TLS expected but not offered, and the reverse: each blocks with the
// endpoint and which way to fix the flags.
func TestTLSMismatchesBlockPreflight(t *testing.T) {
	t.Parallel()
	plain := startRig(t, lab.Options{Sentinels: 1, Quorum: 1}, steps.Options{}).lab
	tl := startRig(t, lab.Options{TLS: true, Sentinels: 1, Quorum: 1}, steps.Options{}).lab
	tc, err := probe.TLSOptions{Enabled: true, CAFile: tl.TLS.CA, CertFile: tl.TLS.ClientCert, KeyFile: tl.TLS.ClientKey}.Config()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("TLS expected, not offered", func(t *testing.T) {
		g := rigWith(t, plain, steps.Options{}, probe.Auth{}, probe.Auth{}, tc)
		msg, _ := g.blockedAt(steps.StepPreflight)
		// A plain-text Redis either answers the TLS hello with an error
		// (when the hello happens to hold a newline) or waits for one.
		mustSay(t, "preflight", msg, "source reachable", plain.Source.Addr()+": ", "not speak TLS on this port", "drop --tls")
		assertSourceNotPaused(t, plain)
	})
	t.Run("TLS offered, not expected", func(t *testing.T) {
		g := rigWith(t, tl, steps.Options{}, probe.Auth{}, probe.Auth{}, nil)
		msg, _ := g.blockedAt(steps.StepPreflight)
		mustSay(t, "preflight", msg, "source reachable", tl.Source.Addr()+": the server closed the connection", "add --tls")
		assertSourceNotPaused(t, tl)
	})
	t.Run("TLS both ways", func(t *testing.T) {
		g := rigWith(t, tl, steps.Options{}, probe.Auth{}, probe.Auth{}, tc)
		g.mustRun(steps.StepPreflight)
	})
}

// The target announces an address the Sentinels cannot reach
// (replica-announce-ip 127.0.0.2, Dragonfly --replica_announce_ip, set at
// start: loopback, but nothing listens there). Before the attach,
// preflight blocks: the Sentinels would know the target by another
// address than flyover's. Attached anyway (outside flyover), the plan
// names the address the source lists and the Sentinels that cannot reach
// it, and the cutover refuses to start.
func TestTargetAnnouncedWhereSentinelsCannotReachIt(t *testing.T) {
	t.Parallel()
	so := steps.Options{}
	g := startRig(t, lab.Options{PreloadKeys: 500, TargetAnnounceIP: "127.0.0.2"}, so)
	ctx := context.Background()
	announced := net.JoinHostPort("127.0.0.2", strings.Split(g.lab.Target.Addr(), ":")[1])

	t.Run("before the attach", func(t *testing.T) {
		g := newRig(t, g.lab, so)
		if g.facts().Snapshot.Target.Kind == probe.KindDragonfly {
			t.Skip("Dragonfly does not show --replica_announce_ip through CONFIG GET (it is not in its config registry), " +
				"so preflight cannot see the announced address before the attach")
		}
		msg, reason := g.blockedAt(steps.StepPreflight)
		mustSay(t, "preflight", msg, "the Sentinels can reach the target", "announces itself as "+announced, "replica-announce-ip")
		mustSay(t, "plan", reason, "--target "+announced)
	})
	t.Run("attached anyway", func(t *testing.T) {
		g := newRig(t, g.lab, so)
		if err := g.lab.AttachTarget(ctx); err != nil {
			t.Fatal(err)
		}
		var c steps.Checklist
		var f steps.Facts
		labtest.Wait(t, 30*time.Second, "a Sentinel to list the announced address", func() bool {
			c, f = g.plan()
			for _, v := range f.Snapshot.Sentinels {
				if r := v.Replica(announced); r != nil && r.Down() {
					return c.State(c.Current).Status == steps.Blocked
				}
			}
			return false
		})
		st := c.State(c.Current)
		mustSay(t, "plan after attach ("+string(c.Current)+")", st.Reason, "the source lists "+announced, "cannot reach "+announced, "abort")
		err := g.runner.Run(ctx, steps.StepCutover, f, yes(steps.StepCutover, f, so))
		if err == nil || !strings.Contains(err.Error(), "nothing sent") {
			t.Errorf("cutover: %v", err)
		}
		assertOnlyWrites(t, g.audit.Path())
		assertSourceNotPaused(t, g.lab)
	})
}

// Two of three Sentinels stopped: preflight blocks on each one that does
// not answer, and, once the last one notices, on its failed CKQUORUM.
func TestQuorumUnreachableBlocks(t *testing.T) {
	t.Parallel()
	g := startRig(t, lab.Options{PreloadKeys: 100}, steps.Options{})
	g.lab.Sentinels[1].Stop()
	g.lab.Sentinels[2].Stop()
	msg, _ := g.blockedAt(steps.StepPreflight)
	mustSay(t, "preflight", msg, "sentinel-2 "+g.lab.Sentinels[1].Addr(), "sentinel-3", "connection refused", "flyover needs every Sentinel")
	var reason string
	labtest.Wait(t, 20*time.Second, "sentinel-1 to lose its quorum", func() bool {
		f := g.facts()
		for _, ch := range checks.Preflight(f, g.opts) {
			if ch.ID == "sentinel-1" && ch.Level == steps.Block {
				reason = ch.Detail + ": " + ch.Fix
				return true
			}
		}
		return false
	})
	mustSay(t, "sentinel-1", reason, "SENTINEL CKQUORUM flyover", "NOQUORUM", "make sure a majority of them is running")
	assertOnlyWrites(t, g.audit.Path())
	assertSourceNotPaused(t, g.lab)
}

func readAll(t *testing.T, path string) []string {
	t.Helper()
	es := readAudit(t, path)
	var out []string
	for _, e := range es {
		out = append(out, e.Message+" "+e.Error+" "+strings.Join(e.Args, " ")+" "+jsonString(e.Reply)+" "+string(e.Data))
	}
	return out
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// ---- Faults ----

// cutoverWrites are the writes of a confirmed cutover (SPEC's guarded
// sequence), and nothing else.
// On Redis 6.0 the cutover also arms and puts back min-replicas-to-write.
var cutoverWrites = []string{"source CLIENT PAUSE ", "sentinel-1 SENTINEL FAILOVER ", "sentinel-2 SENTINEL FAILOVER ",
	"sentinel-3 SENTINEL FAILOVER ", "source REPLICAOF ", "source CLIENT KILL TYPE ", "source CLIENT UNPAUSE",
	"source CONFIG SET min-replicas-to-write "}

// The target dies during the full sync (held in the handshake by the
// source's repl-diskless-sync-delay): the full-sync step ends at once with
// what happened and what to do; nothing but the confirmed REPLICAOF was
// sent.
func TestTargetDiesMidSync(t *testing.T) {
	t.Parallel()
	so := steps.Options{PollInterval: 200 * time.Millisecond}
	g := startRig(t, lab.Options{PreloadKeys: 2000, SyncDelay: 4 * time.Second}, so)
	g.mustRun(steps.StepPreflight)
	g.mustRun(steps.StepAttach)
	c, f := g.plan()
	if c.Current != steps.StepFullSync {
		t.Fatalf("plan at %s: %s", c.Current, c.State(c.Current).Reason)
	}
	job, err := g.runner.Start(context.Background(), steps.StepFullSync, f, steps.Answers{})
	if err != nil {
		t.Fatal(err)
	}
	// Killed once the step has read the sync under way (its first
	// report), not after a guessed sleep.
	labtest.Wait(t, 10*time.Second, "the full-sync step's first report", func() bool { return !job.Last().At.IsZero() })
	g.lab.Target.Kill()
	select {
	case <-job.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the full-sync step did not notice the target died")
	}
	msg := ErrString(job.Err())
	mustSay(t, "full sync", msg, "the target stopped answering during the full sync", g.lab.Target.Addr(),
		"run the attach step again", "abort")
	// How a dead target reads depends on where the step's poll was when
	// the process died: a poll dialling after it is refused, one whose
	// connection was open reads the close. Both say the target died; on a
	// busy machine either comes first.
	if !strings.Contains(msg, "connection refused") && !strings.Contains(msg, "closed the connection") {
		t.Errorf("full sync: %q says neither that the connection was refused nor that it was closed", msg)
	}
	c, _ = g.plan()
	mustSay(t, "plan ("+string(c.Current)+")", c.State(c.Current).Reason, "target", "fix the address, the server")
	assertOnlyWrites(t, g.audit.Path(), "target REPLICAOF 127.0.0.1 ")
	assertSourceNotPaused(t, g.lab)
}

func ErrString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// The source crashes after the target is registered, before the cutover:
// the cutover refuses to start (the source does not answer), and when
// the Sentinels fail over on their own flyover follows them to the
// verify step. The crash itself may lose what the source had not
// replicated, whatever flyover does: no canary here.
func TestSourceDiesBeforeCutover(t *testing.T) {
	t.Parallel()
	so := steps.Options{SteadyPolls: 2, PollInterval: 250 * time.Millisecond}
	g := startRig(t, lab.Options{PreloadKeys: 1000}, so)
	ctx := context.Background()
	g.attachRegistered()
	g.lab.Source.Kill()
	c, f := g.plan()
	mustSay(t, "plan ("+string(c.Current)+")", c.State(c.Current).Reason, g.lab.Source.Addr(), "connection refused", "source")
	err := g.runner.Run(ctx, steps.StepCutover, f, yes(steps.StepCutover, f, so))
	mustSay(t, "cutover", ErrString(err), "not started, nothing sent", g.lab.Source.Addr(), "connection refused")
	if auditHas(t, g.audit.Path(), "CLIENT", "PAUSE") || auditHas(t, g.audit.Path(), "SENTINEL", "FAILOVER") {
		t.Error("the cutover sent something")
	}
	for _, ch := range steps.Lookup(steps.StepCutover).Precondition(f, so) {
		if ch.ID == "cutover-source" {
			mustSay(t, "cutover precondition", ch.Fix, "bring the source back", "fail over on their own")
		}
	}
	labtest.Wait(t, 40*time.Second, "the Sentinels' own failover", func() bool {
		c, _ = g.plan()
		return c.Current == steps.StepVerify
	})
	g.mustRun(steps.StepVerify)
	assertOnlyWrites(t, g.audit.Path(), "target SET flyover:verify:")
}

// A Sentinel dies just after SENTINEL FAILOVER was accepted (one that did
// not take it): the other two still make a majority, the cutover
// finishes, and no acknowledged write is lost.
func TestSentinelDiesMidFailover(t *testing.T) {
	t.Parallel()
	so := steps.Options{}
	g, plan, canary := startCuttingOver(t, lab.Options{PreloadKeys: 1000}, so, 500, 200)
	ctx := context.Background()
	victim := g.lab.Sentinels[plan.Sentinels[len(plan.Sentinels)-1]]
	killed := false
	res, err := switchover.Cutover(ctx, g.runner, plan, func(p steps.Progress) {
		if p.Phase == steps.PhasePromoting && !killed {
			killed = true
			victim.Kill()
		}
	})
	if !killed {
		t.Fatal("never reached the promotion wait")
	}
	if err != nil {
		t.Fatalf("cutover: %v", err)
	}
	t.Logf("cutover with %s killed: %d Sentinels named the target, stall %s, notes %v", victim.Name, res.SentinelsNaming, res.Stall, res.Notes)
	if res.FailoverSentinel == "" || strings.Contains(res.FailoverSentinel, victim.Addr()) {
		t.Errorf("failover taken by %q", res.FailoverSentinel)
	}
	c, _ := g.plan()
	if c.Current != steps.StepVerify {
		t.Errorf("plan at %s: %s", c.Current, c.State(c.Current).Reason)
	}
	assertOnlyWrites(t, g.audit.Path(), cutoverWrites...)
	assertSourceNotPaused(t, g.lab)
	labtest.Wait(t, 15*time.Second, "writes through Sentinel", func() bool { return canary.Stats().CurrentStall < 100*time.Millisecond })
	assertNothingLost(t, canary)
}

// -NOGOODSLAVE that does not go away (the target's priority turned 0
// after the operator confirmed): the retries end with the budget, the
// pause is lifted, nothing changed, and the message says what to do.
func TestNoGoodSlaveUntilTheBudgetUnpauses(t *testing.T) {
	t.Parallel()
	so := steps.Options{Cutover: steps.CutoverOptions{FailoverBudget: 1500 * time.Millisecond}}
	g := startRig(t, lab.Options{PreloadKeys: 1000}, so)
	ctx := context.Background()
	g.attachInSync(20 * time.Second)
	canary := startWritingCanary(t, g.lab, 300, 100)
	tc := g.lab.Target.Client()
	defer tc.Close()
	if err := tc.ConfigSet(ctx, "replica-priority", "0").Err(); err != nil {
		t.Fatal(err)
	}
	_, err := switchover.Cutover(ctx, g.runner, steps.PlanCutover(g.facts(), so), func(steps.Progress) {})
	var ce *steps.CutoverError
	if !errors.As(err, &ce) || ce.Phase != steps.PhaseFailover || ce.PastPointOfNoReturn {
		t.Fatalf("want a failover-phase CutoverError, got %v", err)
	}
	mustSay(t, "cutover", err.Error(), "NOGOODSLAVE", "no replica it is willing to promote", unpausedSays(g), "nothing else changed",
		"Next: wait until every Sentinel lists the target as healthy and would promote it")
	assertSourceNotPaused(t, g.lab)
	s := g.facts().Snapshot
	if s.AgreedMaster != g.lab.Source.Addr() || s.Source.Role != probe.RolePrimary || s.Target.Role != probe.RoleReplica {
		t.Errorf("topology changed: Sentinels name %s, source %s, target %s", s.AgreedMaster, s.Source.Role, s.Target.Role)
	}
	assertOnlyWrites(t, g.audit.Path(), "source CLIENT PAUSE", "sentinel-1 SENTINEL FAILOVER", "sentinel-2 SENTINEL FAILOVER",
		"sentinel-3 SENTINEL FAILOVER", "source CLIENT UNPAUSE", "source CONFIG SET min-replicas-to-write ")
	assertNothingLost(t, canary)
}

// A failover started by someone else just before the cutover: the step
// refuses to start while a Sentinel reports it; a cutover that races it
// gets -INPROG, waits for that failover instead of starting one, fences,
// and loses nothing.
func TestInProgFailoverIsWaitedFor(t *testing.T) {
	t.Parallel()
	so := steps.Options{}
	g, plan, canary := startCuttingOver(t, lab.Options{PreloadKeys: 1000}, so, 500, 200)
	f := g.facts()
	ctx := context.Background()
	other := g.lab.Sentinels[plan.Sentinels[0]].Client()
	defer other.Close()

	// Someone else's SENTINEL FAILOVER. The step refuses to start while
	// a Sentinel reports it, and sends nothing.
	if err := other.Do(ctx, "SENTINEL", "FAILOVER", g.lab.Opts.MasterName).Err(); err != nil {
		t.Fatal(err)
	}
	err := g.runner.Run(ctx, steps.StepCutover, f, yes(steps.StepCutover, f, so))
	mustSay(t, "cutover step", ErrString(err), "not started, nothing sent", "a Sentinel reports a failover in progress", "wait for it to end")
	if w := writesSent(t, g.audit.Path()); len(w) > 0 {
		t.Errorf("sent %v", w)
	}
	// A cutover that raced it (confirmed just before it began) gets
	// -INPROG from that Sentinel.
	res, err := switchover.Cutover(ctx, g.runner, plan, func(steps.Progress) {})
	if err != nil {
		t.Fatalf("cutover: %v", err)
	}
	t.Logf("notes: %v; stall %s", res.Notes, res.Stall)
	if !strings.Contains(res.FailoverSentinel, "-INPROG") || len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "already running") {
		t.Errorf("failover by %q, notes %v", res.FailoverSentinel, res.Notes)
	}
	s := g.facts().Snapshot
	if s.Target.Role != probe.RolePrimary || s.Source.Role != probe.RoleReplica {
		t.Errorf("after: target %s, old primary %s", s.Target.Role, s.Source.Role)
	}
	assertSourceNotPaused(t, g.lab)
	assertOnlyWrites(t, g.audit.Path(), cutoverWrites...)
	labtest.Wait(t, 15*time.Second, "writes through Sentinel", func() bool { return canary.Stats().CurrentStall < 100*time.Millisecond })
	assertNothingLost(t, canary)
}

// cutoverChild is what TestFlyoverKilledDuringThePause hands the flyover
// process it kills.
type cutoverChild struct {
	Master    string               `json:"master"`
	Source    string               `json:"source"`
	Target    string               `json:"target"`
	Sentinels []string             `json:"sentinels"`
	Audit     string               `json:"audit"`
	Cutover   steps.CutoverOptions `json:"cutover"`
}

const cutoverChildEnv = "FLYOVER_TEST_CUTOVER_CHILD"

// TestHelperCutoverChild is not a test of its own: it is the flyover
// process TestFlyoverKilledDuringThePause starts (the test binary run
// again) and kills. It runs the cutover and stays in the drain, where a
// flyover that hangs or is killed would be.
func TestHelperCutoverChild(t *testing.T) {
	spec := os.Getenv(cutoverChildEnv)
	if spec == "" {
		t.Skip("the flyover process TestFlyoverKilledDuringThePause kills")
	}
	var c cutoverChild
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		t.Fatal(err)
	}
	p := &probe.Prober{
		Topo:   probe.Topology{MasterName: c.Master, Source: c.Source, Target: c.Target},
		Source: probe.NewEndpoint(c.Source, probe.Auth{}, nil, time.Second),
		Target: probe.NewEndpoint(c.Target, probe.Auth{}, nil, time.Second),
	}
	for _, a := range c.Sentinels {
		p.Sentinels = append(p.Sentinels, probe.NewEndpoint(a, probe.Auth{}, nil, time.Second))
	}
	p.Topo.ResolveTarget(time.Second)
	a, err := auditlog.OpenAudit(c.Audit)
	if err != nil {
		t.Fatal(err)
	}
	so := steps.Options{Cutover: c.Cutover}
	r := steps.NewRunner(p, a, nil, so)
	f := r.Facts(context.Background())
	_, err = switchover.Cutover(context.Background(), r, steps.PlanCutover(f, so), func(pr steps.Progress) {
		if pr.Phase == steps.PhaseDraining {
			time.Sleep(time.Minute) // killed here
		}
	})
	t.Fatalf("the cutover ended (%v) before the process was killed", err)
}

// flyover itself is killed (SIGKILL) while the source is paused: the
// pause lifts by itself at its hard expiry, nothing else was sent, no
// acknowledged write is lost, and a restarted flyover lands on the
// cutover step again.
func TestFlyoverKilledDuringThePause(t *testing.T) {
	t.Parallel()
	so := steps.Options{SteadyPolls: 2, Cutover: steps.CutoverOptions{
		DrainTimeout: 2 * time.Second, FailoverBudget: time.Second, PromoteTimeout: 2 * time.Second, Margin: time.Second}}
	// down-after above the pause, so that the Sentinels do not fail over
	// on their own while it holds.
	g, _, canary := startCuttingOver(t, lab.Options{PreloadKeys: 1000, DownAfter: 10 * time.Second}, so, 300, 100)

	audit := filepath.Join(t.TempDir(), "flyover-audit-child.jsonl")
	spec, _ := json.Marshal(cutoverChild{Master: g.lab.Opts.MasterName, Source: g.lab.Source.Addr(), Target: g.lab.Target.Addr(),
		Sentinels: g.lab.SentinelAddrs(), Audit: audit, Cutover: so.Cutover})
	var out strings.Builder
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCutoverChild$", "-test.v", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), cutoverChildEnv+"="+string(spec))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() { cmd.Process.Kill(); <-exited }()

	// Kill it once CLIENT PAUSE is acknowledged, as written to its audit
	// log.
	labtest.Wait(t, 30*time.Second, "the child flyover to pause the source", func() bool {
		es, _ := auditlog.ReadAudit(audit)
		seq := int64(0)
		for _, e := range es {
			if e.Kind == auditlog.KindCommand && len(e.Args) > 1 && e.Args[0] == "CLIENT" && e.Args[1] == "PAUSE" {
				seq = e.Seq
			}
			if seq > 0 && e.Kind == auditlog.KindReply && e.Ref == seq && e.Error == "" {
				return true
			}
		}
		return false
	})
	killedAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	if !sourcePaused(t, g.lab) {
		t.Fatalf("the source is not paused right after flyover was killed; child output:\n%s", out.String())
	}
	pause := so.Cutover.Pause()
	labtest.Wait(t, pause+3*time.Second, "the pause to lift by itself", func() bool { return !sourcePaused(t, g.lab) })
	t.Logf("the pause (hard expiry %s) lifted by itself %s after flyover was killed", pause, time.Since(killedAt).Round(100*time.Millisecond))

	w := writesSent(t, audit)
	if len(w) == 2 && !g.prober.Source.Capabilities().PauseWrites && strings.HasPrefix(w[0], "source CONFIG SET min-replicas-to-write ") {
		// Redis 6.0: the pause's MULTI armed min-replicas-to-write, which
		// stays armed when flyover dies (the audit log has the old value).
		w = w[1:]
	}
	if len(w) != 1 || !strings.HasPrefix(w[0], "source CLIENT PAUSE ") {
		t.Errorf("the killed flyover sent %v", w)
	}
	s := g.facts().Snapshot
	if s.AgreedMaster != g.lab.Source.Addr() || s.Source.Role != probe.RolePrimary || s.Target.Role != probe.RoleReplica {
		t.Errorf("topology changed: Sentinels name %s, source %s, target %s", s.AgreedMaster, s.Source.Role, s.Target.Role)
	}
	assertResumesAt(t, g.lab, so, steps.StepCutover)
	v := assertNothingLost(t, canary)
	t.Logf("canary: %d acknowledged writes checked, %d lost; longest stall %s", v.Checked, v.Lost, canary.Stats().LongestStall)
}

// The Sentinel that took SENTINEL FAILOVER dies at once, before it
// promotes the target (its failover state machine moves on a 100 ms
// timer): no Sentinel promotes it, the cutover gives up at its promotion
// deadline, unpauses, nothing changed, and no acknowledged write is lost.
// Had it died after promoting the target but before telling the others,
// the cutover would fence anyway (see docs-drafts/reliability.md).
func TestFailoverLeaderDiesBeforePromoting(t *testing.T) {
	t.Parallel()
	so := steps.Options{Cutover: steps.CutoverOptions{PromoteTimeout: 4 * time.Second}}
	g, plan, canary := startCuttingOver(t, lab.Options{PreloadKeys: 1000}, so, 300, 100)
	ctx := context.Background()
	leader := g.lab.Sentinels[plan.Sentinels[0]]
	killed := false
	res, err := switchover.Cutover(ctx, g.runner, plan, func(p steps.Progress) {
		if p.Phase == steps.PhasePromoting && !killed {
			killed = true
			leader.Kill()
		}
	})
	var ce *steps.CutoverError
	switch {
	case errors.As(err, &ce):
		mustSay(t, "cutover", err.Error(), "Sentinel did not promote the target", unpausedSays(g), "nothing else changed",
			"read the Sentinels' logs")
		s := g.facts().Snapshot
		if s.Source.Role != probe.RolePrimary || s.Target.Role != probe.RoleReplica || s.AgreedMaster != g.lab.Source.Addr() {
			t.Errorf("topology changed: source %s, target %s, Sentinels name %s", s.Source.Role, s.Target.Role, s.AgreedMaster)
		}
	case err == nil:
		// The leader promoted the target before it died (a slow machine):
		// then the cutover fences, as it must.
		t.Logf("the leader promoted the target before it died: %v", res.Notes)
	default:
		t.Fatalf("cutover: %v", err)
	}
	assertOnlyWrites(t, g.audit.Path(), cutoverWrites...)
	assertSourceNotPaused(t, g.lab)
	v := assertNothingLost(t, canary)
	t.Logf("stall %s; canary: %d checked, %d lost", res.Stall, v.Checked, v.Lost)
}

// A target that can never sync (no masterauth for a source that requires a
// password) attached behind flyover's back, while the application writes:
// the full-sync step must give up when nothing moves on the target's side,
// not wait forever because the source's offset keeps moving.
func TestFullSyncThatCannotFinishGivesUpUnderWrites(t *testing.T) {
	t.Parallel()
	so := steps.Options{PollInterval: 200 * time.Millisecond, SyncStallTimeout: 3 * time.Second}
	g := startRig(t, lab.Options{PreloadKeys: 500, Password: "stall-pw", TargetNoMasterAuth: true}, so)
	if g.facts().Snapshot.Target.Kind == probe.KindDragonfly {
		t.Skip("Dragonfly has no REPLICAOF that accepts a source it cannot authenticate to: it refuses it at once " +
			"(ERR replication cancelled) and stays a master, so this sync cannot start; TestAttachThatCannotAuthenticateSaysWhy covers that answer")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := g.lab.Source.Client()
	defer src.Close()
	go func() {
		for i := 0; ctx.Err() == nil; i++ {
			src.Set(ctx, fmt.Sprintf("app:%d", i%100), i, 0)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	if err := g.lab.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	_, f := g.plan()
	job, err := g.runner.Start(ctx, steps.StepFullSync, f, steps.Answers{})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-job.Done():
	case <-time.After(30 * time.Second):
		job.Cancel()
		t.Fatal("the full-sync step kept waiting on a sync that cannot move")
	}
	mustSay(t, "full sync", ErrString(job.Err()), "has not moved for 3s", "masterauth", "abort")
	assertSourceNotPaused(t, g.lab)
}

// A transient condition that clears leaves no verdict behind: two
// Sentinels hung (SIGSTOP) are one line naming both, the third one's
// NOQUORUM blocks preflight; once they answer again the plan's preflight
// passes on the next poll, with nothing run again and no key pressed.
func TestTransientQuorumLossClearsOnTheNextPoll(t *testing.T) {
	t.Parallel()
	g := startRig(t, lab.Options{PreloadKeys: 100, DownAfter: 2 * time.Second}, steps.Options{})
	g.mustRun(steps.StepPreflight)
	if c, _ := g.plan(); c.State(steps.StepPreflight).Status != steps.Done {
		t.Fatalf("preflight %s before the fault", c.State(steps.StepPreflight).Status)
	}
	hung := g.lab.Sentinels[1:]
	for _, s := range hung {
		s.Freeze()
	}
	thawed := false
	thaw := func() {
		if !thawed {
			for _, s := range hung {
				s.Thaw()
			}
			thawed = true
		}
	}
	t.Cleanup(thaw)

	var lines []steps.Check
	labtest.Wait(t, 30*time.Second, "the hung Sentinels as one line and sentinel-1's NOQUORUM", func() bool {
		lines = nil
		noquorum, both := false, false
		for _, ch := range checks.Preflight(g.facts(), g.opts) {
			if !strings.HasPrefix(ch.ID, "sentinel-") || ch.ID == "sentinel-versions" {
				continue
			}
			lines = append(lines, ch)
			noquorum = noquorum || ch.Level == steps.Block && strings.Contains(ch.Detail, "NOQUORUM")
			both = both || ch.Level == steps.Block && strings.HasPrefix(ch.Title, "2 of 3 Sentinels: ")
		}
		return noquorum && both
	})
	if len(lines) != 2 {
		t.Errorf("%d Sentinel lines for two findings: %+v", len(lines), lines)
	}
	if c, _ := g.plan(); c.State(steps.StepPreflight).Status != steps.Blocked {
		t.Errorf("preflight is %s while two Sentinels hang", c.State(steps.StepPreflight).Status)
	}

	thaw()
	labtest.Wait(t, 30*time.Second, "preflight to pass again on a poll", func() bool {
		c, f := g.plan()
		return c.State(steps.StepPreflight).Status == steps.Done && !steps.AnyBlock(checks.Preflight(f, g.opts))
	})
	assertOnlyWrites(t, g.audit.Path())
}
