package commands

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/probe/canary"
	"flyover/steps"
	"flyover/steps/auditlog"
)

func TestMigrateBadUsageExits2AndSendsNothing(t *testing.T) {
	base := []string{"--source", "127.0.0.1:1", "--target", "127.0.0.1:2", "--sentinel", "127.0.0.1:3", "--master", "orders"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--until", "cutover"}, "add --confirm-master"},
		{[]string{"--until", "report", "--confirm-master", "Orders"}, "is not the master name"},
		{[]string{"--confirm-master", "orders"}, "stops before it"},
		{[]string{"--until", "nope"}, "is not a step"},
		{[]string{"--detach-on-abort"}, "add --abort"},
		{[]string{"--until", "cutover", "--confirm-master", "orders", "--shutdown-old-redis"}, "--until decommission"},
		{[]string{"--abort", "--confirm-master", "orders"}, "--abort goes back"},
	} {
		var out, errOut bytes.Buffer
		code := runMigrate(context.Background(), append(append([]string{}, base...), tc.args...), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tc.want) || out.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}

// Each optional question is answered y only by its own flag, n without it;
// the cutover and its fence only by --confirm-master.
func TestMigrateAnswersEachOptionalQuestionOnlyByItsFlag(t *testing.T) {
	shut := steps.Confirmation{ID: "shutdown", Kind: steps.ConfirmYesNo, Optional: true}
	shutReplica := steps.Confirmation{ID: "shutdown 127.0.0.1:7000", Kind: steps.ConfirmYesNo, Optional: true}
	detach := steps.Confirmation{ID: "detach", Kind: steps.ConfirmYesNo, Optional: true}
	other := steps.Confirmation{ID: "something-new", Kind: steps.ConfirmYesNo, Optional: true}
	name := steps.Confirmation{ID: "cutover", Kind: steps.ConfirmTypeName, Expect: "orders"}
	var none migrateFlags
	for _, c := range []steps.Confirmation{shut, shutReplica, detach, other} {
		if a := none.answer(c); a != "n" {
			t.Errorf("%s without its flag: %q, want n", c.ID, a)
		}
	}
	if none.answer(name) != "" || none.answer(steps.Confirmation{ID: "fence"}) != "n" {
		t.Error("the cutover or its fence answered without --confirm-master")
	}
	raise, restore := steps.Confirmation{ID: "raise-buffer", Optional: true}, steps.Confirmation{ID: "restore-buffer", Optional: true}
	if none.answer(raise) != "n" || none.answer(restore) != "n" {
		t.Error("the buffer limit raised or put back without --raise-output-buffer")
	}
	if r := (migrateFlags{raiseBuffer: true}); r.answer(raise) != "y" || r.answer(restore) != "y" || r.answer(shut) != "n" {
		t.Error("--raise-output-buffer does not answer the raise and the put-back (only them)")
	}
	all := migrateFlags{shutdownOld: true, detachOnAbort: true, confirmMaster: "orders"}
	if all.answer(shut) != "y" || all.answer(shutReplica) != "y" || all.answer(detach) != "y" || all.answer(other) != "n" || all.answer(name) != "orders" {
		t.Error("a flag does not answer its question, or answers another")
	}
}

// migrateRun is one flyover migrate run in-process: its exit status, its
// JSON events and its stderr lines.
type migrateRun struct {
	code   int
	events []MigrateEvent
	stderr string
}

func (r migrateRun) event(kind string) *MigrateEvent {
	for i := range r.events {
		if r.events[i].Event == kind {
			return &r.events[i]
		}
	}
	return nil
}

// lineWriter hands each complete line written to it to see.
type lineWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	all  bytes.Buffer
	see  func(line string)
	part []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all.Write(p)
	w.part = append(w.part, p...)
	for {
		i := bytes.IndexByte(w.part, '\n')
		if i < 0 {
			break
		}
		line := string(w.part[:i])
		w.part = w.part[i+1:]
		if w.see != nil {
			w.see(line)
		}
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all.String()
}

// runMigrateOn runs flyover migrate --json against l with args, the audit
// log at audit; see, when set, is handed each JSON event as it comes, with
// the run's cancel (SIGTERM).
func runMigrateOn(t *testing.T, l *lab.Lab, audit string, see func(e MigrateEvent, cancel func()), args ...string) migrateRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := filepath.Dir(audit)
	all := append(append([]string{}, l.FlyoverArgs()...), "--json", "--tick", "250ms", "--audit-log", audit, "--log", filepath.Join(dir, "flyover.log"))
	if l.Opts.Password != "" {
		pw := filepath.Join(dir, "pw")
		os.WriteFile(pw, []byte(l.Opts.Password+"\n"), 0o600)
		all = append(all, "--source-password-file", pw, "--target-password-file", pw)
	}
	var mu sync.Mutex
	var events []MigrateEvent
	stdout := &lineWriter{see: func(line string) {
		var e MigrateEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Errorf("not a JSON event: %q: %v", line, err)
			return
		}
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
		if see != nil {
			see(e, cancel)
		}
	}}
	stderr := &lineWriter{}
	code := runMigrate(ctx, append(all, args...), stdout, stderr)
	t.Logf("flyover migrate %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	mu.Lock()
	defer mu.Unlock()
	return migrateRun{code: code, events: events, stderr: stderr.String()}
}

// writesIn are the commands the audit log at path shows sent that are not
// reads.
func writesIn(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e auditlog.Entry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Kind == auditlog.KindCommand && e.Write {
			out = append(out, e.Endpoint+" "+strings.Join(e.Args, " "))
		}
	}
	return out
}

// sentinelsName reports how many of l's Sentinels name addr as the master.
func sentinelsName(t *testing.T, l *lab.Lab, addr string) int {
	t.Helper()
	n := 0
	for _, s := range l.Sentinels {
		c := s.Client()
		a, err := c.Do(context.Background(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", l.Opts.MasterName).StringSlice()
		c.Close()
		if err == nil && len(a) == 2 && a[0]+":"+a[1] == addr {
			n++
		}
	}
	return n
}

// sourceAcceptsWrites: a write on the source answers at once (no pause
// left behind) and the source is a primary.
func sourceAcceptsWrites(t *testing.T, l *lab.Lab) {
	t.Helper()
	c := l.Source.Client()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.Set(ctx, "flyover:test:unpaused", "1", time.Minute).Err(); err != nil {
		t.Errorf("the source does not take a write at once: %v", err)
	}
}

func startMigrateCanary(t *testing.T, l *lab.Lab) *canary.Canary {
	t.Helper()
	c, err := canary.StartCanary(context.Background(), canary.CanaryOptions{
		MasterName: l.Opts.MasterName, Sentinels: l.SentinelAddrs(),
		Auth: probe.Auth{Password: l.Opts.Password}, Rate: 2000, TTL: 10 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	labtest.Wait(t, 10*time.Second, "the canary writing", func() bool { return c.Stats().Acked > 500 })
	return c
}

func assertCanaryLostNothing(t *testing.T, c *canary.Canary) {
	t.Helper()
	c.Stop()
	v, err := c.Verify(context.Background())
	if err != nil || v.Lost != 0 || v.Checked == 0 {
		t.Fatalf("canary: %+v, %v", v, err)
	}
	st := c.Stats()
	t.Logf("canary: %d acknowledged writes read back from %s, %d lost; %d failed, longest stall %s", v.Checked, v.Primary, v.Lost, st.Failed, st.LongestStall)
}

// A run without --confirm-master stops before the cutover and changes
// nothing past it; the same command again with --confirm-master and
// --until report continues from the live topology and finishes the
// migration under 2,000 writes/s through Sentinel: nothing lost, the
// stall and the report in the events, no password anywhere.
func TestMigrateStopsBeforeTheCutoverThenFinishesUnderWritesLosingNothing(t *testing.T) {
	t.Parallel()
	const pw = "migrate-secret-pw"
	l := labtest.Start(t, lab.Options{PreloadKeys: 5000, Password: pw, FailoverTimeout: 20 * time.Second})
	canary := startMigrateCanary(t, l)
	dir := t.TempDir()

	first := runMigrateOn(t, l, filepath.Join(dir, "first.jsonl"), nil)
	if first.code != 0 || first.event("done") == nil {
		t.Fatalf("without --confirm-master: exit %d", first.code)
	}
	if n := sentinelsName(t, l, l.Source.Addr()); n != len(l.Sentinels) {
		t.Fatalf("after a run that stops before the cutover, %d of %d Sentinels name the source", n, len(l.Sentinels))
	}
	sourceAcceptsWrites(t, l)
	for _, w := range writesIn(t, filepath.Join(dir, "first.jsonl")) {
		if !strings.HasPrefix(w, "target REPLICAOF") {
			t.Errorf("a run that stops before the cutover sent %q", w)
		}
	}

	second := runMigrateOn(t, l, filepath.Join(dir, "second.jsonl"), nil, "--until", "report", "--confirm-master", l.Opts.MasterName, "--shutdown-old-redis", "--canary")
	if second.code != 0 {
		t.Fatalf("the whole migration: exit %d", second.code)
	}
	// Before the point of no return: the worst case, with the lab's
	// failover-timeout.
	if n := second.event("note"); n == nil || n.Step != steps.StepCutover || !strings.Contains(n.Message, "writes stay paused up to failover-timeout (20 s)") {
		t.Errorf("no worst case before the cutover: %+v", n)
	}
	// Read back twice: by verify, then by the report for the writes
	// acknowledged since; the report's numbers are the last one's.
	var readBacks []*steps.ReadBack
	for _, e := range second.events {
		if e.Event == "read-back" && e.ReadBack != nil {
			readBacks = append(readBacks, e.ReadBack)
		}
	}
	if len(readBacks) != 2 || readBacks[0].Step != steps.StepVerify || readBacks[1].Step != steps.StepReport ||
		readBacks[1].Verdict.Acked < readBacks[0].Verdict.Acked || readBacks[1].Verdict.Lost != 0 {
		t.Fatalf("read-back events: %+v", readBacks)
	}
	if s := second.event("step-start"); s == nil || s.Step == steps.StepAttach || s.Step == steps.StepFullSync {
		t.Errorf("the second run did not continue from the live topology: first step %+v", s)
	}
	cut := second.event("cutover")
	if cut == nil || cut.Cutover.StallMS <= 0 {
		t.Fatalf("no measured stall in the events")
	}
	t.Logf("cutover: stall %.1f ms (drain %.1f ms, promote %.1f ms), %d failover attempts",
		cut.Cutover.StallMS, cut.Cutover.DrainMS, cut.Cutover.PromoteMS, cut.Cutover.FailoverAttempts)
	rep := second.event("report")
	if rep == nil || !fileExists(rep.Report) {
		t.Errorf("no report event, or its file is missing: %+v", rep)
	} else if b, _ := os.ReadFile(rep.Report); !strings.Contains(string(b), fmt.Sprintf("of %d writes acknowledged by %s, %d read back", readBacks[1].Verdict.Acked,
		readBacks[1].Verdict.At.Format("15:04:05"), readBacks[1].Verdict.Checked)) {
		t.Errorf("the report's read-back does not say the last read-back's numbers %+v", readBacks[1].Verdict)
	}
	if n := sentinelsName(t, l, l.Target.Addr()); n != len(l.Sentinels) {
		t.Errorf("%d of %d Sentinels name the target after the migration", n, len(l.Sentinels))
	}
	if l.Source.Running() {
		t.Error("--shutdown-old-redis: the old Redis still runs")
	}
	assertCanaryLostNothing(t, canary)
	for _, p := range []string{filepath.Join(dir, "first.jsonl"), filepath.Join(dir, "second.jsonl"), filepath.Join(dir, "flyover.log")} {
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(pw)) {
			t.Errorf("the password is in %s", p)
		}
	}
	if rep != nil {
		if b, _ := os.ReadFile(rep.Report); bytes.Contains(b, []byte(pw)) {
			t.Error("the password is in the report")
		}
	}
	if strings.Contains(first.stderr+second.stderr, pw) {
		t.Error("the password is on stderr or stdout")
	}
}

// A blocking check (a target that holds keys, without
// --allow-nonempty-target) stops the run with exit 1 and the reason on
// stderr, and nothing that writes was sent.
func TestMigrateBlockedCheckExits1HavingSentNothing(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{PreloadKeys: 100})
	c := l.Target.Client()
	if err := c.Set(context.Background(), "already:here", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	r := runMigrateOn(t, l, audit, nil, "--blocked-for", "0s")
	if r.code != 1 || !strings.Contains(r.stderr, "blocked at preflight") || r.event("blocked") == nil {
		t.Fatalf("exit %d, want 1 and a blocked line", r.code)
	}
	if w := writesIn(t, audit); len(w) > 0 {
		t.Errorf("a blocked run sent %q", w)
	}
	if n := sentinelsName(t, l, l.Source.Addr()); n != len(l.Sentinels) {
		t.Errorf("%d of %d Sentinels name the source", n, len(l.Sentinels))
	}

	// The way back: --abort lifts any pause, and without
	// --detach-on-abort sends nothing else.
	abortLog := filepath.Join(t.TempDir(), "abort.jsonl")
	r = runMigrateOn(t, l, abortLog, nil, "--abort")
	if r.code != 0 {
		t.Fatalf("--abort: exit %d", r.code)
	}
	if w := writesIn(t, abortLog); len(w) != 1 || w[0] != "source CLIENT UNPAUSE" {
		t.Errorf("--abort without --detach-on-abort sent %q, want only the unpause", w)
	}
}

// A signal (here: the run's context cancelled) at each stage of the
// cutover, under 2,000 writes/s through Sentinel: before the pause and
// during the drain the cutover undoes itself (exit 1: the source unpaused
// and still the primary for every Sentinel); after SENTINEL FAILOVER the
// fence and the unpause finish (exit 3: one primary, the target). A run
// started again finishes the migration from the live topology; nothing
// acknowledged is lost.
func TestMigrateInterruptedAtEachStageOfTheCutover(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{PreloadKeys: 2000, FailoverTimeout: 20 * time.Second})
	canary := startMigrateCanary(t, l)
	dir := t.TempDir()
	if r := runMigrateOn(t, l, filepath.Join(dir, "prepare.jsonl"), nil); r.code != 0 {
		t.Fatalf("up to the cutover: exit %d", r.code)
	}
	all := []string{"--until", "report", "--confirm-master", l.Opts.MasterName}
	// cancelAt cancels the run on the first event of the cutover that
	// want matches.
	cancelAt := func(want func(e MigrateEvent) bool) func(MigrateEvent, func()) {
		return func(e MigrateEvent, cancel func()) {
			if e.Step == steps.StepCutover && want(e) {
				cancel()
			}
		}
	}
	nothingChanged := func(stage string, r migrateRun) {
		t.Helper()
		if r.code != 1 || r.event("interrupted") == nil || r.event("stopped") == nil {
			t.Errorf("%s: exit %d, want 1 after an interruption", stage, r.code)
		}
		if n := sentinelsName(t, l, l.Source.Addr()); n != len(l.Sentinels) {
			t.Errorf("%s: %d of %d Sentinels name the source", stage, n, len(l.Sentinels))
		}
		sourceAcceptsWrites(t, l)
	}

	r := runMigrateOn(t, l, filepath.Join(dir, "before-pause.jsonl"), cancelAt(func(e MigrateEvent) bool { return e.Event == "step-start" }), all...)
	nothingChanged("before the pause", r)
	for _, w := range writesIn(t, filepath.Join(dir, "before-pause.jsonl")) {
		if !strings.HasPrefix(w, "source CLIENT UNPAUSE") {
			t.Errorf("before the pause: sent %q", w)
		}
	}

	// The drain waits while the target applies no writes (its own CLIENT
	// PAUSE WRITE holds its replication stream, and INFO still answers).
	if r := l.Target.Client(); true {
		defer r.Close()
		if l.TargetStandIn {
			r := runMigrateOn(t, l, filepath.Join(dir, "drain.jsonl"), func(e MigrateEvent, cancel func()) {
				switch {
				case e.Step != steps.StepCutover:
				case e.Event == "step-start":
					if err := r.Do(context.Background(), "CLIENT", "PAUSE", "4000", "WRITE").Err(); err != nil {
						t.Errorf("pausing the target's stream: %v", err)
					}
				case e.Event == "phase" && e.Phase == steps.PhaseDraining:
					cancel()
				}
			}, all...)
			r2 := l.Target.Client()
			r2.Do(context.Background(), "CLIENT", "UNPAUSE")
			r2.Close()
			nothingChanged("during the drain", r)
			if !strings.Contains(r.stderr, "cutover: "+steps.PhaseDraining) {
				t.Error("the run did not reach the drain")
			}
		} else {
			t.Log("a Dragonfly target: the drain cannot be held open here; skipped")
		}
	}

	r = runMigrateOn(t, l, filepath.Join(dir, "after-failover.jsonl"), cancelAt(func(e MigrateEvent) bool {
		return e.Event == "phase" && e.Phase == steps.PhasePromoting
	}), all...)
	if r.code != 3 || r.event("interrupted") == nil {
		t.Fatalf("after SENTINEL FAILOVER: exit %d, want 3", r.code)
	}
	if n := sentinelsName(t, l, l.Target.Addr()); n < len(l.Sentinels)/2+1 {
		t.Errorf("after the failover: only %d Sentinels name the target", n)
	}
	if role := roleOf(t, l.Source); role != "slave" {
		t.Errorf("the old primary is %q after an interrupted cutover, want a fenced replica", role)
	}
	if role := roleOf(t, l.Target); role != "master" {
		t.Errorf("the target is %q", role)
	}

	r = runMigrateOn(t, l, filepath.Join(dir, "finish.jsonl"), nil, all...)
	if r.code != 0 {
		t.Fatalf("finishing: exit %d", r.code)
	}
	if s := r.event("step-start"); s == nil || s.Step != steps.StepVerify {
		t.Errorf("the run after the point of no return did not start at verify: %+v", s)
	}
	assertCanaryLostNothing(t, canary)
}

// roleOf is a server's ROLE.
func roleOf(t *testing.T, s *lab.Server) string {
	t.Helper()
	c := s.Client()
	defer c.Close()
	v, err := c.Do(context.Background(), "ROLE").Slice()
	if err != nil || len(v) == 0 {
		t.Fatalf("%s ROLE: %v", s.Name, err)
	}
	role, _ := v[0].(string)
	return role
}

// The real process receiving SIGTERM (Kubernetes ending the pod) while a
// wait runs: it stops the wait, says so, and exits 1 with nothing past
// the attach changed.
func TestMigrateProcessStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{PreloadKeys: 100})
	dir := t.TempDir()
	args := append([]string{"migrate"}, l.FlyoverArgs()...)
	cmd := exec.Command(os.Args[0], append(args, "--json", "--audit-log", filepath.Join(dir, "audit.jsonl"), "--log", filepath.Join(dir, "log"))...)
	cmd.Env = append(os.Environ(), "FLYOVER_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	sc := bufio.NewScanner(out)
	signalled := false
	for sc.Scan() {
		var e MigrateEvent
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Event == "step-start" && e.Step == steps.StepRegister && !signalled {
			cmd.Process.Signal(syscall.SIGTERM)
			signalled = true
		}
	}
	err = cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	t.Logf("exit %d (%v)\n%s", code, err, stderr.String())
	if !signalled || code != 1 || !strings.Contains(stderr.String(), "interrupted before the point of no return") {
		t.Fatalf("SIGTERM during the registration wait: exit %d, want 1", code)
	}
	if n := sentinelsName(t, l, l.Source.Addr()); n != len(l.Sentinels) {
		t.Errorf("%d of %d Sentinels name the source", n, len(l.Sentinels))
	}
}

// Hostnames instead of IPs, end to end: the Sentinels monitor and announce
// every node as localhost (resolve-hostnames, announce-hostnames), the
// target announces itself as localhost, flyover is given the names; the
// whole migration runs under writes through Sentinel, and the Sentinels
// name the target by its name at the end.
func TestMigrateThroughHostnames(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{PreloadKeys: 1000, Hostnames: true, FailoverTimeout: 20 * time.Second})
	if l.Opts.TargetAnnounceIP != lab.Hostname {
		t.Fatalf("the target announces %q", l.Opts.TargetAnnounceIP)
	}
	if n := sentinelsName(t, l, l.Named(l.Source)); n != len(l.Sentinels) {
		t.Fatalf("%d of %d Sentinels name the source as %s", n, len(l.Sentinels), l.Named(l.Source))
	}
	canary := startMigrateCanary(t, l)
	r := runMigrateOn(t, l, filepath.Join(t.TempDir(), "audit.jsonl"), nil, "--until", "report", "--confirm-master", l.Opts.MasterName)
	if r.code != 0 {
		t.Fatalf("exit %d through hostnames", r.code)
	}
	if n := sentinelsName(t, l, l.Named(l.Target)); n != len(l.Sentinels) {
		t.Errorf("%d of %d Sentinels name the target as %s", n, len(l.Sentinels), l.Named(l.Target))
	}
	if cut := r.event("cutover"); cut != nil {
		t.Logf("cutover through hostnames: stall %.1f ms, new primary %s", cut.Cutover.StallMS, cut.Cutover.NewPrimary)
	}
	assertCanaryLostNothing(t, canary)
}
