package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/checks"
	"flyover/steps/stepstest"
	"flyover/steps/switchover"
)

// The plan lands on the step the topology is at, from nothing but the
// facts: what a new flyover process would see.
func TestPlanLandsWhereTheTopologyIs(t *testing.T) {
	o := steps.Options{}
	cases := []struct {
		name  string
		facts func() steps.Facts
		stage steps.Stage
		want  steps.StepID
	}{
		{"nothing read yet", func() steps.Facts { f := stepstest.Healthy().Facts(); f.Preflight = nil; return f }, steps.StageDetached, steps.StepPreflight},
		{"preflight read", func() steps.Facts { return stepstest.Healthy().Facts() }, steps.StageDetached, steps.StepAttach},
		{"full sync under way", func() steps.Facts { return stepstest.Healthy().Syncing().Facts() }, steps.StageSyncing, steps.StepFullSync},
		{"streaming, not steady yet", func() steps.Facts { return stepstest.Healthy().Attached().Facts() }, steps.StageStreaming, steps.StepSteady},
		{"steady, Sentinels not told yet", func() steps.Facts { return stepstest.Steady(stepstest.Healthy().Attached().Facts(), 5) }, steps.StageStreaming, steps.StepRegister},
		{"restarted with no preflight facts, registered", func() steps.Facts {
			f := stepstest.Steady(stepstest.Healthy().Attached().Registered().Facts(), 5)
			f.Preflight = nil
			return f
		}, steps.StageStreaming, steps.StepCutover},
		{"one Sentinel names the target", func() steps.Facts { return stepstest.Healthy().Registered().Promoted(1).Facts() }, steps.StagePromoting, steps.StepCutover},
		{"promoted, old primary still master", func() steps.Facts { return stepstest.Healthy().Registered().Promoted(3).Facts() }, steps.StagePromoted, steps.StepCutover},
		{"promoted and fenced", func() steps.Facts { return stepstest.Healthy().Registered().Promoted(3).Fenced().Facts() }, steps.StagePromoted, steps.StepVerify},
		{"verified this session", func() steps.Facts {
			f := stepstest.Healthy().Registered().Promoted(3).Fenced().Facts()
			f.VerifiedWrite = time.Now()
			return f
		}, steps.StagePromoted, steps.StepDecommission},
		{"old primary gone and forgotten", func() steps.Facts {
			x := stepstest.Healthy().Promoted(3)
			x.Src = probe.Node{Addr: stepstest.FxSource, Error: "connection refused"}
			f := x.Facts()
			f.VerifiedWrite = time.Now()
			return f
		}, steps.StagePromoted, steps.StepReport},
		{"report written", func() steps.Facts {
			x := stepstest.Healthy().Promoted(3)
			x.Src = probe.Node{Addr: stepstest.FxSource, Error: "connection refused"}
			f := x.Facts()
			f.VerifiedWrite, f.Report = time.Now(), "r.md"
			return f
		}, steps.StagePromoted, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.facts()
			c := Plan(f, o)
			if c.Stage != tc.stage || c.Current != tc.want {
				t.Fatalf("stage %s, current %s (%s); want %s, %s", c.Stage, c.Current, c.State(c.Current).Reason, tc.stage, tc.want)
			}
			seen := false
			for _, s := range c.Steps {
				switch {
				case s.ID == tc.want:
					seen = true
					if s.Status != steps.Current {
						t.Errorf("%s is %s: %s", s.ID, s.Status, s.Reason)
					}
				case !seen && s.Status != steps.Done:
					t.Errorf("%s before the current step is %s", s.ID, s.Status)
				case seen && s.Status != steps.Pending:
					t.Errorf("%s after the current step is %s", s.ID, s.Status)
				}
			}
			wantAbort := tc.stage != steps.StagePromoted && tc.stage != steps.StagePromoting
			if c.CanAbort != wantAbort {
				t.Errorf("CanAbort %t", c.CanAbort)
			}
		})
	}
}

func TestPreflightBlocksWithTheFix(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(x *stepstest.Fixture)
		id     string
		level  steps.Level
		words  string
	}{
		{"target holds data", func(x *stepstest.Fixture) { x.Tgt.Keyspace = map[int]probe.DBKeys{0: {Keys: 3}} }, "target-empty", steps.Block, "--allow-nonempty-target"},
		{"target follows another primary", func(x *stepstest.Fixture) {
			x.Tgt.Role, x.Tgt.MasterHost, x.Tgt.MasterPort = probe.RoleReplica, "10.9.9.9", 6379
		}, "target-not-following", steps.Block, "REPLICAOF NO ONE"},
		{"Sentinels disagree", func(x *stepstest.Fixture) { x.Sents[2].MasterAddr = "10.0.0.9:6379" }, "sentinels-name-source", steps.Block, "disagree"},
		{"Sentinels name another primary", func(x *stepstest.Fixture) {
			for i := range x.Sents {
				x.Sents[i].MasterAddr = "10.0.0.9:6379"
			}
		}, "sentinels-name-source", steps.Block, "point --source at 10.0.0.9:6379"},
		{"source is a replica", func(x *stepstest.Fixture) {
			x.Src.Role, x.Src.MasterHost, x.Src.MasterPort = probe.RoleReplica, "10.0.0.9", 6379
		}, "source-primary", steps.Block, "point --source"},
		{"target too small", func(x *stepstest.Fixture) { x.Pre.Target.MaxMemory = 1 << 10 }, "target-memory", steps.Block, "raise the target's limit"},
		{"target barely big enough", func(x *stepstest.Fixture) { x.Pre.Target.MaxMemory = 1<<20 + 1 }, "target-memory", steps.Warn, "headroom"},
		{"no masterauth", func(x *stepstest.Fixture) {
			x.Pre.Source.RequiresPassword = true
			x.Pre.Target.Known["masterauth"] = true
		}, "target-masterauth", steps.Block, "masterauth"},
		{"an unreachable Sentinel", func(x *stepstest.Fixture) {
			x.Sents[1] = probe.SentinelView{Addr: x.Sents[1].Addr, Error: x.Sents[1].Addr + ": connection refused: is the server running, and is the port right?"}
		}, "sentinel-2", steps.Block, "every Sentinel"},
		{"a wrong master name", func(x *stepstest.Fixture) {
			x.Sents[0].Monitors = false
			x.Sents[0].Error = `sentinel 10.0.1.1:26379 does not monitor a master named "mymaster": check --master`
		}, "sentinel-1", steps.Block, "check --master"},
		{"no quorum", func(x *stepstest.Fixture) {
			x.Sents[0].QuorumOK, x.Sents[0].QuorumReply = false, "NOQUORUM 1 usable Sentinels"
		}, "sentinel-1", steps.Block, "cannot authorize a failover"},
		{"old Dragonfly", func(x *stepstest.Fixture) { x.Tgt.Version = "1.30.0" }, "target-kind", steps.Warn, "about a second longer"},
		{"a stand-in target", func(x *stepstest.Fixture) { x.Tgt.Kind, x.Tgt.Version = probe.KindRedis, "7.0.15" }, "target-kind", steps.Warn, "not Dragonfly"},
		{"min-replicas-to-write", func(x *stepstest.Fixture) { x.Pre.Source.MinReplicasToWrite, x.Pre.Source.MinReplicasMaxLag = 1, 1 }, "source-min-replicas", steps.Warn, "once a second"},
		{"other replicas", func(x *stepstest.Fixture) { x.OtherReplica("10.0.0.3", 6379, 100) }, "other-replicas", steps.Warn, "failover-timeout (1m0s)"},
		{"Sentinel would promote another replica", func(x *stepstest.Fixture) { x.OtherReplica("10.0.0.3", 6379, 100) }, "promotion-candidate", steps.Warn, "sentinel-1: 10.0.0.3:6379"},
		{"the REPLICAOF address", func(x *stepstest.Fixture) {}, "replicaof-address", steps.Pass, "REPLICAOF 10.0.0.1 6379"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := stepstest.Healthy()
			tc.mutate(x)
			c := stepstest.Check(t, checks.Preflight(x.Facts(), steps.Options{}), tc.id)
			text := c.Detail + " " + c.Fix
			for _, fc := range c.FixCommands {
				text += " " + fc.String()
			}
			if c.Level != tc.level || !strings.Contains(text, tc.words) {
				t.Fatalf("%s: %s %q, want %s mentioning %q", tc.id, c.Level, text, tc.level, tc.words)
			}
			if tc.level == steps.Block && c.Fix == "" {
				t.Errorf("a block without a fix: %+v", c)
			}
		})
	}
	t.Run("healthy", func(t *testing.T) {
		for _, c := range checks.Preflight(stepstest.Healthy().Facts(), steps.Options{}) {
			if c.Level == steps.Block {
				t.Errorf("%s blocks: %s", c.ID, c.Detail)
			}
		}
	})
	t.Run("a non-empty target allowed", func(t *testing.T) {
		x := stepstest.Healthy()
		x.Pre.Target.DBSize = 7
		c := stepstest.Check(t, checks.Preflight(x.Facts(), steps.Options{AllowNonemptyTarget: true}), "target-empty")
		if c.Level != steps.Warn || !strings.Contains(c.Detail, "7 keys") {
			t.Fatalf("%+v", c)
		}
	})
}

// Another replica Sentinel would promote instead of the target: step 5
// is done (the target is eligible), and step 6 gives the other replica
// priority 0, one confirmation, with the exact command; until then the
// cutover is blocked.
func TestPriorityZeroWhenAnotherReplicaWins(t *testing.T) {
	x := stepstest.Healthy().Attached().Registered().OtherReplica("10.0.0.3", 6379, 50)
	f := stepstest.Steady(x.Facts(), 5)
	c := Plan(f, steps.Options{})
	if st := c.State(steps.StepRegister); st.Status != steps.Done {
		t.Fatalf("register %s: %s", st.Status, st.Reason)
	}
	st := c.State(steps.StepPriority)
	if c.Current != steps.StepPriority || st.Status != steps.Current || len(st.Checks) != 1 || !strings.Contains(st.Checks[0].Detail, "never syncs from Dragonfly") {
		t.Fatalf("plan at %s, priority %s: %s %+v", c.Current, st.Status, st.Reason, st.Checks)
	}
	cmds := priorityCommands(f)
	if len(cmds) != 1 || cmds[0].String() != "replica 10.0.0.3:6379> CONFIG SET replica-priority 0   (priority 50 now; abort restores it)" {
		t.Fatalf("commands %v", cmds)
	}
	conf := priorityStep.Confirmations(f, steps.Options{})
	if len(conf) != 1 || conf[0].ID != "priority-zero" || len(conf[0].Commands) != 1 {
		t.Fatalf("confirmations %+v", conf)
	}
	if b := steps.FirstBlock(cutoverPre(f, steps.Options{})); b == nil || !strings.Contains(b.Title, "10.0.0.3:6379") {
		t.Fatalf("the cutover is not blocked by the other replica: %+v", b)
	}

	// Equal priority: the other replica can still win on run id (the
	// target, Dragonfly, has none); priority 0 covers it too.
	x = stepstest.Healthy().Attached().Registered().OtherReplica("10.0.0.3", 6379, 100)
	if cmds := priorityCommands(stepstest.Steady(x.Facts(), 5)); len(cmds) != 1 {
		t.Fatalf("equal priority: commands %v", cmds)
	}

	// At priority 0 on every Sentinel: done, and the cutover is next.
	x = stepstest.Healthy().Attached().Registered().OtherReplica("10.0.0.3", 6379, 0)
	f = stepstest.Steady(x.Facts(), 5)
	if c := Plan(f, steps.Options{}); c.Current != steps.StepCutover || !strings.Contains(c.State(steps.StepPriority).Reason, "priority 0") {
		t.Fatalf("plan at %s; priority: %s", c.Current, c.State(steps.StepPriority).Reason)
	}
	if len(priorityStep.Confirmations(f, steps.Options{})) != 0 {
		t.Error("asks to set a priority that is already 0")
	}

	// No other replica: nothing to do.
	x = stepstest.Healthy().Attached().Registered()
	if r := Plan(stepstest.Steady(x.Facts(), 5), steps.Options{}).State(steps.StepPriority).Reason; !strings.Contains(r, "no other replica") {
		t.Errorf("no other replica: %s", r)
	}

	// The target with priority 0 is never promoted.
	x = stepstest.Healthy().Attached().Registered()
	for i := range x.Sents {
		x.Sents[i].Replicas[0].Priority = 0
	}
	ch := registrationChecks(stepstest.Steady(x.Facts(), 5))
	if ch[0].Level != steps.Block || len(ch[0].FixCommands) != 1 || ch[0].FixCommands[0].Endpoint != "target" {
		t.Fatalf("priority 0: %+v", ch[0])
	}

	// Not listed yet is a wait, not a block.
	x = stepstest.Healthy().Attached()
	if c := Plan(stepstest.Steady(x.Facts(), 5), steps.Options{}); c.State(steps.StepRegister).Status != steps.Current {
		t.Fatalf("unregistered target: %+v", c.State(steps.StepRegister))
	}
}

// The cutover's confirmation shows the point of no return, every command
// in order, and takes only the exact master name.
func TestCutoverShowsEveryCommandAndTheConfirmationNeedsTheName(t *testing.T) {
	f := stepstest.Steady(stepstest.Healthy().Attached().Registered().Facts(), 5)
	if c := Plan(f, steps.Options{}); c.Current != steps.StepCutover || c.State(steps.StepCutover).Status != steps.Current {
		t.Fatalf("plan at %s: %+v", c.Current, c.State(c.Current))
	}
	var lines []string
	for _, c := range cutoverStep.Commands(f, steps.Options{}) {
		lines = append(lines, c.Endpoint+"> "+strings.Join(c.Args, " "))
	}
	want := []string{
		"source> CLIENT PAUSE 20000 WRITE",
		"source> INFO replication",
		"target> INFO replication",
		"sentinel-1> SENTINEL FAILOVER mymaster",
		"sentinel-*> SENTINEL GET-MASTER-ADDR-BY-NAME mymaster",
		"target> ROLE",
		"source> REPLICAOF 10.0.0.2 6380",
		"source> CLIENT KILL TYPE normal SKIPME yes",
		"source> CLIENT KILL TYPE pubsub SKIPME yes",
		"source> CLIENT UNPAUSE",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("commands:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	conf := cutoverStep.Confirmations(f, steps.Options{})
	if len(conf) != 1 || conf[0].Kind != steps.ConfirmTypeName || !strings.Contains(conf[0].Warning, "point of no return") {
		t.Fatalf("confirmation %+v", conf)
	}
	for answer, ok := range map[string]bool{"mymaster": true, "y": false, "MYMASTER": false, " mymaster": false, "": false} {
		if conf[0].Yes(answer) != ok {
			t.Errorf("answer %q accepted: %t", answer, !ok)
		}
	}
	// An old Dragonfly's own offset is not trusted: judged by the source.
	x := stepstest.Healthy().Attached().Registered()
	x.Tgt.Version, x.Tgt.OffsetTrusted = "1.30.0", false
	if p := steps.PlanCutover(stepstest.Steady(x.Facts(), 5), steps.Options{}); p.JudgeByTarget {
		t.Error("drain judged by an untrusted target offset")
	}
}

func TestYesNoActsOnlyOnYes(t *testing.T) {
	c := steps.Confirmation{Kind: steps.ConfirmYesNo}
	for answer, ok := range map[string]bool{"y": true, "Y": true, "yes": true, " y ": true, "n": false, "": false, "yeah": false, "q": false} {
		if c.Yes(answer) != ok {
			t.Errorf("%q: %t", answer, !ok)
		}
	}
}

func TestRedactArgs(t *testing.T) {
	cases := map[string]string{
		"AUTH s3cret":                                     "AUTH ***",
		"auth alice s3cret":                               "auth alice ***",
		"HELLO 3 AUTH alice s3cret SETNAME x":             "HELLO 3 AUTH alice *** SETNAME x",
		"CONFIG SET masterauth s3cret":                    "CONFIG SET masterauth ***",
		"CONFIG SET maxmemory 1gb requirepass s3cret":     "CONFIG SET maxmemory 1gb requirepass ***",
		"SENTINEL SET mymaster auth-pass s3cret quorum 2": "SENTINEL SET mymaster auth-pass *** quorum 2",
		"SENTINEL CONFIG SET sentinel-pass s3cret":        "SENTINEL CONFIG SET sentinel-pass ***",
		"ACL SETUSER bob on >s3cret #abcd ~* +@all":       "ACL SETUSER bob on >*** #*** ~* +@all",
		"MIGRATE h 1 k 0 10 AUTH s3cret":                  "MIGRATE h 1 k 0 10 AUTH ***",
		"MIGRATE h 1 k 0 10 AUTH2 u s3cret KEYS a":        "MIGRATE h 1 k 0 10 AUTH2 u *** KEYS a",
		"REPLICAOF 10.0.0.1 6379":                         "REPLICAOF 10.0.0.1 6379",
		"CONFIG SET replica-priority 101":                 "CONFIG SET replica-priority 101",
		"SET k v":                                         "SET k v",
	}
	for in, want := range cases {
		if got := strings.Join(steps.RedactArgs(strings.Fields(in)), " "); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	got := steps.RedactReply([]string{"CONFIG", "GET", "masterauth"}, []any{"masterauth", "s3cret"})
	if fmt.Sprint(got) != "[masterauth ***]" {
		t.Errorf("CONFIG GET reply %v", got)
	}
	got = steps.RedactReply([]string{"CONFIG", "GET", "requirepass"}, []any{"requirepass", ""})
	if fmt.Sprint(got) != "[requirepass ]" {
		t.Errorf("an unset password should show as unset: %v", got)
	}
}

func TestIsReadAllowsOnlyReads(t *testing.T) {
	reads := []string{"INFO replication", "ROLE", "PING", "DBSIZE", "CONFIG GET maxmemory", "SENTINEL MASTER m",
		"SENTINEL REPLICAS m", "SENTINEL GET-MASTER-ADDR-BY-NAME m", "SENTINEL CKQUORUM m", "sentinel config get x", "GET k", "client list"}
	writes := []string{"SET k v", "REPLICAOF NO ONE", "CLIENT PAUSE 10 WRITE", "CLIENT UNPAUSE", "CLIENT KILL TYPE normal",
		"CONFIG SET x y", "SENTINEL FAILOVER m", "SENTINEL RESET m", "SENTINEL SET m quorum 2", "SENTINEL CONFIG SET x y",
		"SHUTDOWN", "FLUSHALL", "CONFIG", "SENTINEL", "DEBUG SLEEP 1", "EVAL x 0"}
	for _, c := range reads {
		if !probe.IsRead(strings.Fields(c)) {
			t.Errorf("%s is a read", c)
		}
	}
	for _, c := range writes {
		if probe.IsRead(strings.Fields(c)) {
			t.Errorf("%s is not a read", c)
		}
	}
}

func TestSentinelRefusalsInPlainWords(t *testing.T) {
	cases := map[string]string{
		"NOGOODSLAVE No suitable replica to promote": "has not rated the new replica",
		"INPROG Failover already in progress":        "already running",
		"NOQUORUM 1 usable Sentinels":                "cannot reach a majority",
		"ERR No such master with that name":          "does not monitor that master name",
	}
	for reply, words := range cases {
		err := &steps.CommandError{Endpoint: "sentinel-1", Addr: "a:1", Args: []string{"SENTINEL", "FAILOVER", "m"}, Err: stepstest.FakeReplyError(reply)}
		r := switchover.ExplainFailoverError("sentinel-1", err)
		if !strings.Contains(r.Error(), words) || r.Next == "" || !strings.Contains(r.Error(), reply) {
			t.Errorf("%s: %q (next %q)", reply, r.Error(), r.Next)
		}
	}
	if steps.ReplyCode(errors.New("dial tcp: connection refused")) != "" {
		t.Error("a network error has no reply code")
	}
}

// The audit log never holds a known secret, reads back in order, and
// survives a torn last line.
func TestAuditScrubsSecretsAndReadsBack(t *testing.T) {
	a, path := stepstest.OpenAudit(t, auditlog.DefaultAuditPath(time.Now()))
	a.SetSecrets("hunter2")
	a.Log(auditlog.Entry{Kind: auditlog.KindCommand, Args: []string{"HELLO", "3", "AUTH", "default", "hunter2"}, Write: true}, true)
	a.Log(auditlog.Entry{Kind: auditlog.KindReply, Ref: 2, Reply: []any{"masterauth", "xhunter2x"}, Error: "WRONGPASS hunter2"}, false)
	a.Log(auditlog.Entry{Kind: auditlog.KindNote, Message: "password is hunter2"}, false)
	a.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":99,"kind":"comm`)
	f.Close()

	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "hunter2") {
		t.Fatalf("secret in the log:\n%s", b)
	}
	es, err := auditlog.ReadAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 4 || es[0].Kind != auditlog.KindOpen || es[1].Seq != 2 || es[3].Seq != 4 {
		t.Fatalf("read back %+v", es)
	}
	if _, err := a.Log(auditlog.Entry{Kind: auditlog.KindNote}, false); err == nil {
		t.Error("a closed log accepted an entry")
	}
	if auditlog.ReportPath(path) != strings.Replace(strings.Replace(path, "flyover-audit-", "flyover-report-", 1), ".jsonl", ".md", 1) {
		t.Errorf("report path %s", auditlog.ReportPath(path))
	}
}

// In read-only mode the audited path refuses anything but a read before
// any network I/O, and says so in the log.
func TestReadOnlyRefusesWritesWithoutSending(t *testing.T) {
	a, _ := stepstest.OpenAudit(t, "a.jsonl")
	// Nothing listens on port 1: a command that were sent would fail with
	// a connection error, not a ReadOnlyError.
	e := probe.NewEndpoint("127.0.0.1:1", probe.Auth{}, nil, 100*time.Millisecond)
	defer e.Close()
	r := steps.NewRunner(&probe.Prober{Source: e, Target: e}, a, nil, steps.Options{})
	r.ReadOnly = true
	_, err := r.Send(t.Context(), e, "CLIENT", "PAUSE", "1000", "WRITE")
	var ro *steps.ReadOnlyError
	if !errors.As(err, &ro) || !strings.Contains(err.Error(), "CLIENT PAUSE 1000 WRITE") {
		t.Fatalf("%v", err)
	}
	_, err = r.Send(t.Context(), e, "INFO", "replication")
	if err == nil || errors.As(err, &ro) {
		t.Fatalf("a read in read-only mode: %v", err)
	}
	es, _ := auditlog.ReadAudit(a.Path())
	for _, x := range es {
		if x.Kind == auditlog.KindCommand && x.Args[0] == "CLIENT" {
			t.Errorf("refused command logged as sent: %+v", x)
		}
	}
}

func TestSessionCountsConsecutiveSpacedPollsInSync(t *testing.T) {
	s := steps.NewSession()
	x := stepstest.Healthy().Attached()
	at := x.At
	poll := func(d time.Duration, mutate func(*stepstest.Fixture)) {
		y := stepstest.Healthy().Attached()
		if mutate != nil {
			mutate(y)
		}
		at = at.Add(d)
		y.At, y.Src.PolledAt, y.Tgt.PolledAt = at, at, at
		s.Observe(y.Facts().Snapshot)
	}
	poll(0, nil)
	poll(300*time.Millisecond, nil)
	poll(10*time.Millisecond, nil) // too close: the UI and a step polling together
	f := s.Facts(x.Topo, probe.Snapshot{})
	if f.InSyncPolls != 2 || !f.KeysMatched {
		t.Fatalf("streak %d, keys %t", f.InSyncPolls, f.KeysMatched)
	}
	poll(300*time.Millisecond, func(y *stepstest.Fixture) { y.Tgt.Keyspace = map[int]probe.DBKeys{0: {Keys: 99, Expires: 10}} })
	if f = s.Facts(x.Topo, probe.Snapshot{}); f.InSyncPolls != 3 || f.KeysDiff != "db0: source 90, target 89" {
		t.Fatalf("streak %d, diff %q", f.InSyncPolls, f.KeysDiff)
	}
	poll(300*time.Millisecond, func(y *stepstest.Fixture) { y.Tgt.LinkState, y.Tgt.SyncInProgress = "full_sync", true })
	if f = s.Facts(x.Topo, probe.Snapshot{}); f.InSyncPolls != 0 || f.KeysMatched {
		t.Fatalf("out of sync: streak %d, keys %t", f.InSyncPolls, f.KeysMatched)
	}
}

func TestReportFromTheAuditLog(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	x := stepstest.Healthy().Attached().Registered()
	snap := x.Facts().Snapshot
	res := steps.CutoverResult{PausedAt: t0, UnpausedAt: t0.Add(1100 * time.Millisecond), Stall: 1100 * time.Millisecond,
		Drain: time.Millisecond, Promote: time.Second, FailoverSentinel: "sentinel-1", FailoverAttempts: 2, NoGoodSlaveRetries: 1,
		NewPrimary: stepstest.FxTarget, Offsets: steps.Offsets{Source: 5000, Target: 5000, JudgedBy: "target's slave_repl_offset"}}
	es := []auditlog.Entry{
		{Seq: 1, Time: t0, Kind: auditlog.KindOpen},
		{Seq: 2, Time: t0, Kind: auditlog.KindSnapshot, Step: steps.StepCutover, Snapshot: &snap},
		{Seq: 3, Time: t0, Kind: auditlog.KindConfirm, Step: steps.StepCutover, Event: "yes", Phase: "cutover", Message: `Type the master name (typed "mymaster")`},
		{Seq: 4, Time: t0, Kind: auditlog.KindCommand, Step: steps.StepCutover, Endpoint: "source", Addr: stepstest.FxSource, Args: []string{"CLIENT", "PAUSE", "20000", "WRITE"}, Write: true},
		{Seq: 5, Time: t0, Kind: auditlog.KindReply, Ref: 4, Reply: "OK", Millis: 0.2},
		{Seq: 6, Time: t0, Kind: auditlog.KindCommand, Endpoint: "source", Args: []string{"INFO", "replication"}},
		{Seq: 7, Time: t0.Add(time.Second), Kind: auditlog.KindResult, Step: steps.StepCutover, Data: auditlog.MustJSON(res)},
		{Seq: 8, Time: t0.Add(time.Second), Kind: auditlog.KindStep, Step: steps.StepCutover, Event: "done"},
	}
	md := RenderReport(es, ReportExtras{Topo: x.Topo, Final: &snap})
	for _, want := range []string{"# flyover report: mymaster", "Measured write stall", "**1.1s**", "after 2 attempt(s) (1 -NOGOODSLAVE retries)",
		"| db0 | 100 / 10 | 100 / 10 |", "`CLIENT PAUSE 20000 WRITE` | OK (0.2 ms)", "Plus 1 read commands", `typed \"mymaster\"`} {
		if !strings.Contains(md, strings.ReplaceAll(want, `\"`, `"`)) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	var back steps.CutoverResult
	if err := json.Unmarshal(auditlog.MustJSON(res), &back); err != nil || back.Stall != res.Stall {
		t.Errorf("result does not round-trip: %v", err)
	}
}

// The same finding on several Sentinels is one line naming them, not a
// paragraph each: three NOQUORUM blocks with one fix fill an 80x24 screen.
func TestSameFindingOnSeveralSentinelsIsOneLine(t *testing.T) {
	x := stepstest.Healthy()
	for i := range x.Sents {
		x.Sents[i].QuorumOK, x.Sents[i].QuorumReply = false, "NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the majority"
	}
	var lines []steps.Check
	for _, c := range checks.Preflight(x.Facts(), steps.Options{}) {
		if strings.HasPrefix(c.ID, "sentinel-") {
			lines = append(lines, c)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d Sentinel lines; want one: %+v", len(lines), lines)
	}
	c := lines[0]
	if c.Level != steps.Block || !strings.HasPrefix(c.Title, "3 of 3 Sentinels: ") || !strings.Contains(c.Detail, "NOQUORUM") || c.Fix == "" {
		t.Fatalf("line %+v; want one block titled 3 of 3 Sentinels with the reply and the fix", c)
	}
	for _, s := range x.Sents {
		if !strings.Contains(c.Title, s.Addr) {
			t.Errorf("title %q does not name %s", c.Title, s.Addr)
		}
	}
	// Sentinels that differ stay apart: one healthy, two without quorum.
	x.Sents[0].QuorumOK = true
	n := 0
	for _, c := range checks.Preflight(x.Facts(), steps.Options{}) {
		if strings.HasPrefix(c.ID, "sentinel-") {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d Sentinel lines; want 2 (one passing, one for the two without quorum)", n)
	}
}

// A target that stops answering is not in sync: the cutover refuses,
// naming the target's silence and the lag the source reports for it.
func TestCutoverRefusesASilentTargetWithTheSourcesView(t *testing.T) {
	x := stepstest.Healthy().Attached().Registered()
	x.Src.ReplOffset += 2_000_000 // the source moved on; the target acked the old offset
	x.Tgt = probe.Node{Addr: x.Tgt.Addr, Error: x.Tgt.Addr + ": i/o timeout", LastSeen: x.At.Add(-12 * time.Second)}
	f := stepstest.Steady(x.Facts(), 10)
	if f.Snapshot.Link.InSync {
		t.Fatal("a silent target reads in sync")
	}
	c := findCheck(steps.Lookup(steps.StepCutover).Precondition(f, steps.Options{}), "cutover-target")
	if c == nil || c.Level != steps.Block {
		t.Fatalf("cutover-target %+v; want a block", c)
	}
	for _, want := range []string{"i/o timeout", "lag 1.9 MiB", "the source's view", "not answered for 12s"} {
		if !strings.Contains(c.Detail, want) {
			t.Errorf("detail %q lacks %q", c.Detail, want)
		}
	}
}

// A running step stays the current one until it ends, though what it
// waits for holds before (the decommission's checks pass before its last
// reset), and no later step is ticked before its turn.
func TestTheRunningStepStaysCurrentUntilItEnds(t *testing.T) {
	x := stepstest.Healthy().Promoted(3)
	x.Src = probe.Node{Addr: stepstest.FxSource, Error: "connection refused"}
	f := x.Facts()
	f.VerifiedWrite = time.Now()
	if c := Plan(f, steps.Options{}); c.Current != steps.StepReport {
		t.Fatalf("the fixture: current %s, want the report (the decommission's checks hold)", c.Current)
	}
	f.Running = steps.StepDecommission
	c := Plan(f, steps.Options{})
	if c.Current != steps.StepDecommission {
		t.Fatalf("while the decommission runs, current %s", c.Current)
	}
	for _, id := range []steps.StepID{steps.StepRestoreHA, steps.StepReport} {
		if s := c.State(id); s.Status != steps.Pending {
			t.Errorf("%s is %s (%s) while the decommission still runs", id, s.Status, s.Reason)
		}
	}
	if s := c.State(steps.StepDecommission); s.Status != steps.Current || len(s.Checks) == 0 {
		t.Errorf("the running decommission: %s, %d checks", s.Status, len(s.Checks))
	}
	f.Running = ""
	if s := Plan(f, steps.Options{}).State(steps.StepRestoreHA); s.Status != steps.Done || !strings.Contains(s.Reason, "nothing to attach") {
		t.Errorf("restore HA in its turn with nothing to do: %s %q", s.Status, s.Reason)
	}
}

// A Sentinel's s_down flag on the target (right after a partition heals)
// and an endpoint that does not answer may clear by themselves; a target
// that holds keys cannot.
func TestBlocksThatClearByThemselvesAreMarked(t *testing.T) {
	x := stepstest.Healthy().Attached().Registered()
	for i := range x.Sents {
		x.Sents[i].Replicas[0].Flags = []string{"s_down", "slave"}
	}
	f := stepstest.Steady(x.Facts(), 5)
	c := stepstest.Check(t, checks.Preflight(f, steps.Options{}), "target-address")
	if c.Level != steps.Block || !c.Clears || len(steps.Lasting([]steps.Check{c})) != 0 {
		t.Errorf("the target flagged s_down: %+v, want a block that clears by itself", c)
	}
	y := stepstest.Healthy()
	y.Tgt = probe.Node{Addr: y.Tgt.Addr, Error: "no answer within the deadline"}
	if c := stepstest.Check(t, checks.Preflight(y.Facts(), steps.Options{}), "target-reachable"); !c.Clears {
		t.Errorf("the target not answering: %+v, want a block that clears by itself", c)
	}
	z := stepstest.Healthy()
	z.Tgt.Keyspace = map[int]probe.DBKeys{0: {Keys: 3}}
	if c := stepstest.Check(t, checks.Preflight(z.Facts(), steps.Options{}), "target-empty"); c.Level != steps.Block || c.Clears || len(steps.Lasting([]steps.Check{c})) != 1 {
		t.Errorf("the target holds keys: %+v, want a block that stays", c)
	}
}
