package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"flyover/probe"
)

// notStarted wraps a failed fresh precondition: nothing was sent.
func notStarted(cs []Check) error {
	b := FirstBlock(cs)
	if b == nil {
		return nil
	}
	msg := "not started, nothing sent: " + b.Title + ": " + b.Detail
	if b.Fix != "" {
		msg += " (fix: " + b.Fix + ")"
	}
	return errors.New(msg)
}

func sameCommands(a, b []Command) bool {
	return slices.EqualFunc(a, b, func(x, y Command) bool { return x.String() == y.String() })
}

// ---- preflight ----

func runPreflight(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error {
	progress(Progress{Phase: "reading", Message: "CONFIG GET on the source and the target, DBSIZE on the target", Fraction: -1})
	pf := probe.GatherPreflight(ctx, r.Doer(), r.Prober.Topo, r.Prober.Source, r.Prober.Target)
	progress(Progress{Phase: "reading access", Message: "whether the target can authenticate to the source, and what flyover's users may run (ACL DRYRUN)", Fraction: -1})
	ra := probe.GatherReplicationAuth(ctx, r.Doer(), r.Prober.Source, r.Prober.Target)
	pf.Replication = &ra
	pf.ACL = probe.GatherACLs(ctx, r.Doer(), r.Prober.Topo.MasterName, r.Prober.Source, r.Prober.Target, r.Prober.Sentinels)
	r.Session.SetPreflight(pf)
	r.Audit.Log(Entry{Kind: KindResult, Step: StepPreflight, Message: "preflight facts", Data: mustJSON(pf)}, false)
	fresh := r.Facts(ctx)
	checks := Preflight(fresh, r.opts())
	r.Audit.Log(Entry{Kind: KindResult, Step: StepPreflight, Message: "preflight checks", Data: mustJSON(checks)}, false)
	var blocks []string
	for _, c := range checks {
		if c.Level == Block {
			blocks = append(blocks, c.Title+": "+c.Detail+" (fix: "+c.Fix+")")
		}
	}
	if len(blocks) > 0 {
		return fmt.Errorf("preflight blocks: %s", strings.Join(blocks, "; "))
	}
	progress(Progress{Phase: "done", Message: "no check blocks", Fraction: 1})
	return nil
}

// ---- attach ----

func runAttach(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error {
	fresh := r.Facts(ctx)
	if err := notStarted(attachPre(fresh, r.opts())); err != nil {
		return err
	}
	cmds := attachCommands(f)
	if len(cmds) == 0 || !sameCommands(cmds, attachCommands(fresh)) {
		return errors.New("not started, nothing sent: the source's address as the Sentinels know it changed since you confirmed: review the step again")
	}
	host, port := cmds[0].Args[1], cmds[0].Args[2]
	progress(Progress{Phase: "attaching", Message: cmds[0].String(), Fraction: -1})
	if err := r.sendReplicaOf(ctx, r.Prober.Target, host, port, "source", r.Prober.Source); err != nil {
		return err
	}
	deadline := time.Now().Add(r.opts().AttachTimeout)
	last, err := r.waitUntil(ctx, 200*time.Millisecond, deadline, func(f Facts) (bool, error) {
		progress(Progress{Phase: "waiting", Message: "the target follows the source: " + string(f.Snapshot.Link.Phase), Fraction: -1, Deadline: deadline})
		return attached(f) && handshakeDone(f), nil
	})
	if errors.Is(err, errDeadline) {
		return r.attachStuck(ctx, last, host, port, r.opts().AttachTimeout)
	}
	return err
}

// ---- full sync ----

func runFullSync(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error {
	// Progress is judged on the target's side only: the source's offset
	// moves with every application write, and counting it would keep a
	// sync that can never finish (no masterauth, no route back) waiting
	// forever. Dragonfly reports no transfer bytes, but its keys arrive as
	// it streams; Redis reports bytes read, then bytes loaded.
	type mark struct {
		phase   probe.Phase
		read    int64
		loading bool
		loaded  int64
		keys    int64
	}
	var last mark
	moved := time.Now()
	_, err := r.waitUntil(ctx, r.opts().PollInterval, time.Time{}, func(f Facts) (bool, error) {
		st := StageOf(f)
		if st == StageStreaming || afterCutover(f) {
			progress(Progress{Phase: string(probe.PhaseOnline), Message: "the target streams from the source", Fraction: 1})
			return true, nil
		}
		if !attached(f) {
			if !f.Snapshot.Target.Reachable {
				return false, fmt.Errorf("the target stopped answering during the full sync (%s): bring it back, then run the attach step again "+
					"(a restarted target starts a new full sync), or abort; nothing else changed", f.Snapshot.Target.Error)
			}
			return false, fmt.Errorf("the target no longer follows the source (it is %s, %s): read its log, then attach again or abort; nothing else changed",
				st, f.Snapshot.Target.Role)
		}
		l := &f.Snapshot.Link
		tg := &f.Snapshot.Target
		m := mark{l.Phase, tg.SyncReadBytes, tg.Loading, tg.Info.Int("loading_loaded_bytes"), tg.Keys()}
		if m != last {
			last, moved = m, time.Now()
		} else if time.Since(moved) > r.opts().SyncStallTimeout {
			why := "read the source's and the target's logs"
			if l.Phase == probe.PhaseHandshake {
				why = "a target that cannot authenticate to the source (masterauth/masteruser) or cannot reach it stays here: " +
					"read the target's log, then abort (detach) or fix it and attach again"
			}
			return false, fmt.Errorf("the full sync has not moved for %s (%s): %s", r.opts().SyncStallTimeout, l.Phase, why)
		}
		msg := "full sync: " + string(l.Phase)
		if f.Snapshot.Target.SyncTotalBytes > 0 {
			msg += fmt.Sprintf(", %s of %s", probe.Bytes(f.Snapshot.Target.SyncReadBytes), probe.Bytes(f.Snapshot.Target.SyncTotalBytes))
		}
		progress(Progress{Phase: string(l.Phase), Message: msg, Fraction: l.Progress, Deadline: moved.Add(r.opts().SyncStallTimeout)})
		return false, nil
	})
	return err
}

// ---- steady state ----

func runSteady(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error {
	o := r.opts()
	deadline := time.Now().Add(o.SteadyTimeout)
	last, err := r.waitUntil(ctx, max(o.PollInterval, minPollSpacing), deadline, func(f Facts) (bool, error) {
		if st := StageOf(f); st != StageStreaming {
			if afterCutover(f) {
				return true, nil
			}
			return false, fmt.Errorf("the target is %s, not streaming", st)
		}
		cs := steadyChecks(f, o)
		progress(Progress{Phase: "settling", Message: cs[0].Detail + "; " + cs[1].Detail,
			Fraction: min(1, float64(f.InSyncPolls)/float64(o.SteadyPolls)), Deadline: deadline})
		return !anyNotPass(cs), nil
	})
	if errors.Is(err, errDeadline) {
		return fmt.Errorf("no steady state within %s: lag %d bytes, %s", o.SteadyTimeout, last.Snapshot.Link.LagBytes, last.KeysDiff)
	}
	return err
}

// ---- Sentinel registers the target ----

func runRegister(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error {
	if fix := priorityFix(f); len(fix) > 0 && isYes(a["fix-priorities"]) {
		if r.DialReplica == nil {
			return fmt.Errorf("flyover cannot reach the other replicas: run these yourself: %s", commandList(fix))
		}
		for _, c := range fix {
			e := r.DialReplica(c.Addr)
			progress(Progress{Phase: "fixing priorities", Message: c.String(), Fraction: -1})
			_, err := r.Send(ctx, e, "CONFIG", "SET", "replica-priority", c.Args[3])
			e.Close()
			if err != nil {
				return err
			}
		}
	}
	deadline := time.Now().Add(r.opts().RegisterTimeout)
	last, err := r.waitUntil(ctx, r.opts().PollInterval, deadline, func(f Facts) (bool, error) {
		if afterCutover(f) {
			return true, nil
		}
		cs := registrationChecks(f)
		ready := 0
		var waiting []string
		for _, c := range cs {
			if c.Level == Pass {
				ready++
			} else {
				waiting = append(waiting, c.Title+": "+c.Detail)
			}
		}
		msg := fmt.Sprintf("%d of %d Sentinels list the target and would promote it", ready, len(cs))
		if len(waiting) > 0 {
			msg += "; " + waiting[0]
		}
		progress(Progress{Phase: "waiting for Sentinel", Message: msg, Fraction: float64(ready) / float64(max(1, len(cs))), Deadline: deadline})
		return ready == len(cs), nil
	})
	if errors.Is(err, errDeadline) {
		cs := registrationChecks(last)
		var not []string
		for _, c := range cs {
			if c.Level != Pass {
				s := c.Title + ": " + c.Detail
				if c.Fix != "" {
					s += " (fix: " + c.Fix
					if len(c.FixCommands) > 0 {
						s += ": " + commandList(c.FixCommands)
					}
					s += ")"
				}
				not = append(not, s)
			}
		}
		return fmt.Errorf("after %s: %s", r.opts().RegisterTimeout, strings.Join(not, "; "))
	}
	return err
}

func commandList(cs []Command) string {
	var out []string
	for _, c := range cs {
		c.Note = ""
		out = append(out, c.String())
	}
	return strings.Join(out, "; ")
}

// ---- verify ----

func runVerify(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error {
	fresh := r.Facts(ctx)
	if err := notStarted(verifyPre(fresh, r.opts())); err != nil {
		return err
	}
	// A write through Sentinel: ask a Sentinel where the primary is, as a
	// client would, and write there.
	progress(Progress{Phase: "writing", Message: "asking a Sentinel for the primary, then writing a test key", Fraction: -1})
	addr := ""
	var lastErr error
	for _, e := range r.Prober.Sentinels {
		v, err := r.Send(ctx, e, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", f.Topo.MasterName)
		if err != nil {
			lastErr = err
			continue
		}
		if addr, err = probe.ParseMasterAddr(v); err == nil {
			break
		}
		lastErr = err
	}
	if addr == "" {
		return fmt.Errorf("no Sentinel named the primary: %v", lastErr)
	}
	if !r.Prober.Topo.IsTarget(addr) {
		return fmt.Errorf("a Sentinel sends clients to %s, not to the target %s", addr, r.Prober.Topo.Target)
	}
	key := verifyKey(f)
	if _, err := r.Send(ctx, r.Prober.Target, "SET", key, key, "PX", "60000"); err != nil {
		return fmt.Errorf("the target refused a write: %w", err)
	}
	v, err := r.Send(ctx, r.Prober.Target, "GET", key)
	if err != nil {
		return err
	}
	if probe.AsString(v) != key {
		return fmt.Errorf("the test key read back as %q, not %q", probe.AsString(v), key)
	}
	r.Session.setVerified(time.Now())

	// The canary's ledger, read back from the new primary.
	if r.Canary != nil {
		progress(Progress{Phase: "canary", Message: "reading every acknowledged canary write back from the new primary", Fraction: -1})
		stats := r.Canary.Stats()
		verdict, err := r.Canary.Verify(ctx)
		r.Audit.Log(Entry{Kind: KindResult, Step: StepVerify, Message: "canary",
			Data: mustJSON(map[string]any{"stats": stats, "verdict": verdict, "error": errString(err)})}, true)
		if err != nil {
			return err
		}
		if verdict.Lost > 0 {
			return fmt.Errorf("%d of %d acknowledged canary writes are missing on the new primary %s (e.g. %s)",
				verdict.Lost, verdict.Checked, verdict.Primary, strings.Join(verdict.LostSample, ", "))
		}
	}

	// Sentinel finishing the failover (+switch-master).
	ft := failoverTimeout(fresh)
	start := time.Now()
	if f.Cutover != nil && !f.Cutover.FailoverAt.IsZero() {
		start = f.Cutover.FailoverAt
	}
	deadline := start.Add(ft + 10*time.Second)
	last, err := r.waitUntil(ctx, r.opts().PollInterval, deadline, func(f Facts) (bool, error) {
		cs := verifyChecks(f, r.opts())
		var waiting []string
		for _, c := range cs {
			if c.Level != Pass {
				waiting = append(waiting, c.Title+": "+c.Detail)
			}
		}
		if len(waiting) == 0 {
			progress(Progress{Phase: "verified", Message: "every Sentinel names the target; the write landed", Fraction: 1})
			return true, nil
		}
		progress(Progress{Phase: "waiting for +switch-master", Message: strings.Join(waiting, "; "), Fraction: -1, Deadline: deadline})
		return false, nil
	})
	if errors.Is(err, errDeadline) {
		var not []string
		for _, c := range verifyChecks(last, r.opts()) {
			if c.Level != Pass {
				not = append(not, c.Title+": "+c.Detail)
			}
		}
		return fmt.Errorf("past failover-timeout: %s", strings.Join(not, "; "))
	}
	return err
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// ---- decommission ----

func runDecommission(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error {
	fresh := r.Facts(ctx)
	if err := notStarted(decommissionPre(fresh, r.opts())); err != nil {
		return err
	}
	shutdown := f.Snapshot.Source.Reachable && isYes(a["shutdown"])
	if shutdown {
		progress(Progress{Phase: "shutting down", Message: "SHUTDOWN on the old Redis", Fraction: -1})
		if _, err := r.send(ctx, r.Prober.Source, 30*time.Second, false, "SHUTDOWN"); err != nil && !connectionClosed(err) {
			return fmt.Errorf("the old Redis refused to shut down: %w (stop it yourself, then run this step again and answer n)", err)
		}
		deadline := time.Now().Add(15 * time.Second)
		if _, err := r.waitUntil(ctx, 200*time.Millisecond, deadline, func(f Facts) (bool, error) {
			return !f.Snapshot.Source.Reachable, nil
		}); err != nil {
			return fmt.Errorf("the old Redis still answers after SHUTDOWN: stop it yourself: %w", err)
		}
	}
	oldAddr := f.Topo.Source
	err := r.resetSentinels(ctx, progress, func(f Facts, i int) (bool, string) {
		v := f.Snapshot.Sentinels[i]
		if !v.Reachable || !v.Monitors {
			return false, "not answering"
		}
		if !f.Topo.IsTarget(v.MasterAddr) {
			return false, "names " + v.MasterAddr
		}
		if v.NumOtherSentinels < len(f.Snapshot.Sentinels)-1 {
			return false, fmt.Sprintf("knows %d of the %d other Sentinels", v.NumOtherSentinels, len(f.Snapshot.Sentinels)-1)
		}
		if shutdown {
			for _, rep := range v.Replicas {
				if isSource(f, rep.Addr()) {
					return false, "still lists the old Redis " + oldAddr
				}
			}
		}
		return true, ""
	})
	if err != nil {
		return err
	}
	r.Session.setDecommissioned(!shutdown)
	return nil
}

func connectionClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// resetSentinels sends SENTINEL RESET to each Sentinel in turn and waits,
// before the next, until ready says it has settled: resetting them all at
// once would leave no Sentinel able to fail over for a while.
func (r *Runner) resetSentinels(ctx context.Context, progress func(Progress), ready func(f Facts, i int) (bool, string)) error {
	master := r.Prober.Topo.MasterName
	for i, e := range r.Prober.Sentinels {
		name := endpointLabel(i)
		progress(Progress{Phase: "resetting " + name, Message: "SENTINEL RESET " + master + " on " + name,
			Fraction: float64(i) / float64(len(r.Prober.Sentinels))})
		if _, err := r.Send(ctx, e, "SENTINEL", "RESET", master); err != nil {
			return err
		}
		deadline := time.Now().Add(r.opts().ResetTimeout)
		why := ""
		_, err := r.waitUntil(ctx, r.opts().PollInterval, deadline, func(f Facts) (bool, error) {
			ok, w := ready(f, i)
			why = w
			progress(Progress{Phase: "resetting " + name, Message: name + ": " + orDone(w), Deadline: deadline,
				Fraction: float64(i) / float64(len(r.Prober.Sentinels))})
			return ok, nil
		})
		if errors.Is(err, errDeadline) {
			return fmt.Errorf("%s has not settled %s after SENTINEL RESET: %s; check it before resetting the others", name, r.opts().ResetTimeout, why)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func orDone(s string) string {
	if s == "" {
		return "settled"
	}
	return s
}

// ---- report ----

func runReport(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error {
	path := r.Audit.ReportPath()
	progress(Progress{Phase: "writing", Message: "report to " + path, Fraction: -1})
	entries, err := ReadAudit(r.Audit.Path())
	if err != nil {
		return fmt.Errorf("reading the audit log back: %w", err)
	}
	entries = r.Audit.Mine(entries)
	var canary *probe.CanaryStats
	if r.Canary != nil {
		s := r.Canary.Stats()
		canary = &s
	}
	md := RenderReport(entries, ReportExtras{Topo: r.Prober.Topo, Final: &f.Snapshot, Canary: canary})
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	r.Session.setReport(path)
	r.Audit.Log(Entry{Kind: KindNote, Step: StepReport, Message: "report written to " + path}, true)
	return nil
}

// ---- abort ----

func runAbort(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error {
	fresh := r.Facts(ctx)
	if err := notStarted(abortPre(fresh, r.opts())); err != nil {
		return err
	}
	progress(Progress{Phase: "unpausing", Message: "CLIENT UNPAUSE on the source", Fraction: -1})
	if _, err := r.sendMust(ctx, r.Prober.Source, "CLIENT", "UNPAUSE"); err != nil {
		return fmt.Errorf("could not unpause the source: %w", err)
	}
	if !attached(fresh) || !isYes(a["detach"]) {
		return nil
	}
	progress(Progress{Phase: "detaching", Message: "REPLICAOF NO ONE on the target", Fraction: -1})
	if err := r.sendReplicaOf(ctx, r.Prober.Target, "NO", "ONE", "", nil); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	if _, err := r.waitUntil(ctx, 200*time.Millisecond, deadline, func(f Facts) (bool, error) {
		return !f.Snapshot.Link.FollowsSource && !f.Snapshot.Link.ListedBySource, nil
	}); err != nil {
		return fmt.Errorf("the target still follows the source after REPLICAOF NO ONE: %w", err)
	}
	// Sentinel would turn a known replica that reports master back into a
	// replica: make every Sentinel forget the target.
	return r.resetSentinels(ctx, progress, func(f Facts, i int) (bool, string) {
		v := f.Snapshot.Sentinels[i]
		if !v.Reachable || !v.Monitors {
			return false, "not answering"
		}
		if !isSource(f, v.MasterAddr) {
			return false, "names " + v.MasterAddr
		}
		if v.KnowsTarget {
			return false, "still lists the target"
		}
		if v.NumOtherSentinels < len(f.Snapshot.Sentinels)-1 {
			return false, fmt.Sprintf("knows %d of the %d other Sentinels", v.NumOtherSentinels, len(f.Snapshot.Sentinels)-1)
		}
		if len(v.Replicas) < len(OtherReplicas(f)) {
			return false, "has not found the other replicas again"
		}
		return true, ""
	})
}
