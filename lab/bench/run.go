package bench

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"flyover/lab"
	"flyover/probe"
	"flyover/probe/canary"
	"flyover/steps"
	"flyover/steps/auditlog"
	_ "flyover/steps/plan" // the steps steps.Lookup finds
)

// RunResult is one run of one method on one fresh lab. Durations are in
// milliseconds. A failed run keeps what it measured before it failed.
type RunResult struct {
	Method Method `json:"method"`
	Run    int    `json:"run"`
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
	// Target is the target server as it reported itself.
	Target string `json:"target,omitempty"`

	// LongestStall is the canary's longest wait from a write being issued
	// to the next acknowledgement, over the whole run.
	LongestStall float64 `json:"longest_stall_ms"`
	// FailedWrites returned an error after go-redis's retries.
	FailedWrites int64 `json:"failed_writes"`
	// Acked writes are in the canary's ledger; Checked of them were read
	// back from the new primary, and Lost were missing or changed there.
	// Checked and Lost are null when nothing was read back (a run that
	// failed before): a figure never measured is not zero.
	Acked      int64    `json:"acked"`
	Checked    *int64   `json:"checked"`
	Lost       *int64   `json:"lost"`
	LostSample []string `json:"lost_sample,omitempty"`
	// Promotion is Sentinel's own promotion time: from the trigger
	// (SENTINEL FAILOVER answered OK; SIGTERM sent to the primary) until
	// a majority of Sentinels answer GET-MASTER-ADDR-BY-NAME with the
	// target. Nil when it was not seen.
	Promotion *float64 `json:"promotion_ms,omitempty"`
	// Guarded is the guarded cutover's own timing, for that method.
	Guarded *GuardedTimings `json:"guarded,omitempty"`
	// WritesPerSec is the rate the writer achieved (acknowledged writes)
	// in the window before the cutover, next to Settings.Rate asked.
	WritesPerSec float64 `json:"writes_per_sec"`
	// Sync is the full sync's figures, with --measure-sync.
	Sync    *SyncFigures `json:"sync,omitempty"`
	Elapsed float64      `json:"elapsed_s"`
}

// GuardedTimings break the guarded cutover's stall down, from its
// CutoverResult and the bench's own observations. Milliseconds.
type GuardedTimings struct {
	// Pause is flyover's own measure of the pause: CLIENT PAUSE sent to
	// CLIENT UNPAUSE answered.
	Pause float64 `json:"pause_ms"`
	// PauseToFailover: CLIENT PAUSE sent to SENTINEL FAILOVER answered
	// (the pause itself, the drain, -NOGOODSLAVE retries).
	PauseToFailover float64 `json:"pause_to_failover_ms"`
	Drain           float64 `json:"drain_ms"`
	// Promote is flyover's wait: SENTINEL FAILOVER answered to a
	// majority naming the target and the target reporting master.
	Promote float64 `json:"promote_ms"`
	// SeenAfterMajority: from the bench's watcher seeing a majority name
	// the target to flyover concluding the promotion (it also waits for
	// the target's ROLE). Negative when flyover saw it first.
	SeenAfterMajority *float64 `json:"seen_after_majority_ms,omitempty"`
	// Fence: promotion concluded to CLIENT UNPAUSE answered (REPLICAOF on
	// the old primary, two CLIENT KILLs, the unpause, audited).
	Fence float64 `json:"fence_ms"`
	// ClientsBack: CLIENT UNPAUSE answered to the acknowledgement that
	// ended the canary's longest stall (go-redis retrying on the new
	// primary). Nil when the longest stall ended before the unpause.
	ClientsBack *float64 `json:"clients_back_ms,omitempty"`

	JudgedBy           string   `json:"judged_by,omitempty"`
	FailoverAttempts   int      `json:"failover_attempts"`
	NoGoodSlaveRetries int      `json:"nogoodslave_retries,omitempty"`
	PauseRenewals      int      `json:"pause_renewals,omitempty"`
	Notes              []string `json:"notes,omitempty"`
}

// line is one run in a few words, for progress and the per-run list.
func (r RunResult) line() string {
	lost := "acknowledged writes not read back"
	if r.Lost != nil && r.Checked != nil {
		lost = fmt.Sprintf("%d of %d acknowledged writes lost", *r.Lost, *r.Checked)
	}
	s := fmt.Sprintf("longest stall %s, %d failed writes, %s", fmtMS(r.LongestStall), r.FailedWrites, lost)
	if r.WritesPerSec > 0 {
		s += fmt.Sprintf(", %.0f writes/s achieved", r.WritesPerSec)
	}
	if r.Promotion != nil {
		s += ", Sentinel promoted in " + fmtMS(*r.Promotion)
	}
	if g := r.Guarded; g != nil {
		s += fmt.Sprintf(" (pause %s: to failover %s, promote %s, fence %s",
			fmtMS(g.Pause), fmtMS(g.PauseToFailover), fmtMS(g.Promote), fmtMS(g.Fence))
		if g.ClientsBack != nil {
			s += ", clients back " + fmtMS(*g.ClientsBack)
		}
		s += ")"
	}
	return s
}

// Bounds on each wait of a run.
const (
	readyLimit   = 90 * time.Second // full sync, and Sentinel reading the source's INFO every 10 s
	settleLimit  = 30 * time.Second // after the trigger (plus down-after when the primary is stopped)
	writingLimit = 20 * time.Second // the canary writing again after the topology settled
	verifyLimit  = 10 * time.Minute // millions of keys at size
)

// sizeAllowance is the extra time a run at size may take: the preload,
// and the full sync (in waitReady, or measured by flyover migrate).
func sizeAllowance(s Settings) time.Duration {
	if s.ValueSize == 0 && !s.MeasureSync {
		return 0
	}
	return syncLimit
}

// runOnce runs method m once on a fresh lab, and stops the lab, whatever
// happens.
func runOnce(ctx context.Context, s Settings, m Method, n int, logf func(string, ...any)) (r RunResult) {
	start := time.Now()
	r = RunResult{Method: m, Run: n}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute+s.DownAfter+s.FailoverTimeout+2*s.Window+2*sizeAllowance(s))
	defer cancel()
	t := &trial{s: s, m: m, logf: logf}
	defer t.close()
	if err := t.run(ctx, n, &r); err != nil {
		r.Error = err.Error()
		t.recordStats(&r) // what the canary saw up to the failure
	}
	r.OK = r.Error == ""
	r.Elapsed = seconds(time.Since(start))
	return r
}

// trial is what one run holds: its lab, a flyover session over it, the
// canary.
type trial struct {
	s    Settings
	m    Method
	logf func(string, ...any)

	lab    *lab.Lab
	prober *probe.Prober
	audit  *auditlog.Audit
	runner *steps.Runner
	opts   steps.Options
	canary *canary.Canary
}

func (t *trial) close() {
	if t.canary != nil {
		t.canary.Close()
	}
	if t.prober != nil {
		t.prober.Close()
	}
	if t.audit != nil {
		t.audit.Close()
	}
	if t.lab != nil {
		t.lab.Stop()
	}
}

func (t *trial) run(ctx context.Context, n int, r *RunResult) error {
	began := time.Now()
	l, err := lab.Start(ctx, labOptions(t.s))
	if err != nil {
		return err
	}
	t.lab = l
	if err := t.openSession(n); err != nil {
		return err
	}
	if t.s.MeasureSync {
		t.logf("lab up in %s (%s); writing, then flyover attaches the target", time.Since(began).Round(100*time.Millisecond), l.Dir)
		if err := t.startCanary(ctx, n); err != nil {
			return err
		}
		r.Sync, err = t.measureSync(ctx, n) // lab/bench/size.go
		if err != nil {
			return err
		}
	} else {
		if err := l.AttachTarget(ctx); err != nil {
			return fmt.Errorf("REPLICAOF on the target %s: %w", l.Target.Addr(), err)
		}
		t.logf("lab up in %s (%s); target attached, waiting until it is in sync and every Sentinel would promote it",
			time.Since(began).Round(100*time.Millisecond), l.Dir)
	}
	f, err := t.waitReady(ctx)
	if err != nil {
		return err
	}
	r.Target = targetName(l, f.Snapshot.Target)

	if t.canary == nil {
		if err := t.startCanary(ctx, n); err != nil {
			return err
		}
	}
	acked, from := t.canary.Stats().Acked, time.Now()
	if err := sleep(ctx, t.s.Window); err != nil {
		return err
	}
	r.WritesPerSec = round2(float64(t.canary.Stats().Acked-acked) / time.Since(from).Seconds())
	if r.WritesPerSec < 0.95*float64(t.s.Rate) {
		t.logf("the writer achieved %.0f writes/s of the %d asked: the figures are at the rate achieved", r.WritesPerSec, t.s.Rate)
	}

	watch := watchPromotion(ctx, l)
	defer watch.stop()
	var trigger time.Time
	switch t.m {
	case MethodFailover:
		trigger, err = t.sentinelFailover(ctx)
	case MethodStopPrimary:
		t.logf("stopping the primary %s (SIGTERM); Sentinel fails over after down-after %s", l.Source.Addr(), t.s.DownAfter)
		trigger = time.Now()
		l.Source.Stop()
	case MethodGuarded:
		trigger, err = t.guarded(ctx, r)
	default:
		err = fmt.Errorf("unknown method %q", t.m)
	}
	if err != nil {
		return err
	}

	limit := settleLimit
	if t.m == MethodStopPrimary {
		limit += t.s.DownAfter
	}
	if err := t.waitSettled(ctx, limit); err != nil {
		return err
	}
	if at := watch.settled(); !at.IsZero() {
		p := ms(at.Sub(trigger))
		r.Promotion = &p
		if g := r.Guarded; g != nil {
			if res := t.cutoverResult(); res != nil && !res.PromotedAt.IsZero() {
				d := ms(res.PromotedAt.Sub(at))
				g.SeenAfterMajority = &d
			}
		}
	}
	if err := t.waitWriting(ctx); err != nil {
		return err
	}
	if err := sleep(ctx, t.s.Window); err != nil {
		return err
	}

	t.canary.Stop()
	t.recordStats(r)
	if g := r.Guarded; g != nil {
		if res := t.cutoverResult(); res != nil {
			st := t.canary.Stats()
			if st.LongestStallAt.After(res.UnpausedAt) && !res.UnpausedAt.IsZero() {
				d := ms(st.LongestStallAt.Sub(res.UnpausedAt))
				g.ClientsBack = &d
			}
		}
	}
	vctx, cancel := context.WithTimeout(ctx, verifyLimit)
	defer cancel()
	v, err := t.canary.Verify(vctx)
	if err != nil {
		return fmt.Errorf("reading the acknowledged writes back: %w", err)
	}
	if !probe.SameAddr(v.Primary, l.Target.Addr()) {
		return fmt.Errorf("read the acknowledged writes back from %s, but the target is %s", v.Primary, l.Target.Addr())
	}
	r.Acked, r.Checked, r.Lost, r.LostSample = v.Acked, &v.Checked, &v.Lost, v.LostSample
	if v.Checked != v.Acked {
		return fmt.Errorf("only %d of %d acknowledged writes were read back (%d skipped as possibly expired)", v.Checked, v.Acked, v.Expired)
	}
	return nil
}

// openSession opens a flyover session over the lab, as main does for an
// operator: a prober, an audit log and a runner with default options.
func (t *trial) openSession(n int) error {
	l := t.lab
	p := l.Prober(probe.DefaultTimeout)
	t.prober = p
	dir := t.s.AuditDir
	if dir == "" {
		dir = l.Dir
	}
	a, err := auditlog.OpenAudit(filepath.Join(dir, fmt.Sprintf("flyover-bench-%s-%d-%s.jsonl", t.m, n, time.Now().Format("20060102-150405"))))
	if err != nil {
		return err
	}
	t.audit = a
	t.runner = steps.NewRunner(p, a, steps.NewSession(), t.opts)
	return nil
}

// waitReady waits until the plan would let an operator run the cutover
// (the cutover step's precondition: in sync, every Sentinel lists the
// target, none is failing over) and every Sentinel would promote the
// target. Every method starts from there.
func (t *trial) waitReady(ctx context.Context) (steps.Facts, error) {
	var f steps.Facts
	why := "no reading yet"
	limit := readyLimit + sizeAllowance(t.s)
	err := lab.WaitFor(ctx, limit, func() bool {
		f = t.runner.Facts(ctx)
		if b := steps.FirstBlock(steps.Lookup(steps.StepCutover).Precondition(f, t.opts)); b != nil {
			why = fmt.Sprintf("%s: %s", b.Title, b.Detail)
			return false
		}
		for i, v := range f.Snapshot.Sentinels {
			if !v.WouldPromoteTarget {
				why = fmt.Sprintf("sentinel-%d would promote %q, not the target", i+1, v.WouldPromote)
				return false
			}
		}
		return true
	})
	if err != nil {
		if ctx.Err() != nil {
			return f, stopped(ctx, "waiting for the target to be ready: "+why)
		}
		return f, fmt.Errorf("the target was not ready for a cutover within %s: %s", limit, why)
	}
	return f, nil
}

func (t *trial) startCanary(ctx context.Context, n int) error {
	l := t.lab
	c, err := canary.StartCanary(ctx, canary.CanaryOptions{
		MasterName: l.Opts.MasterName, Sentinels: l.SentinelAddrs(),
		Auth: probe.Auth{Password: l.Opts.Password}, SentinelAuth: probe.Auth{Password: l.Opts.SentinelPassword},
		Rate: t.s.Rate, TTL: 30*time.Minute + 2*sizeAllowance(t.s), Namespace: fmt.Sprintf("flyover:bench:%s:%d", t.m, n),
		Conns: t.s.Conns, Pipeline: t.s.Pipeline, ValueSize: t.s.ValueSize,
	})
	if err != nil {
		return err
	}
	t.canary = c
	err = lab.WaitFor(ctx, 10*time.Second, func() bool {
		st := c.Stats()
		return st.Acked > 0 && st.CurrentStall < 100*time.Millisecond
	})
	if err != nil {
		if ctx.Err() != nil {
			return stopped(ctx, "waiting for the canary to write")
		}
		st := c.Stats()
		return fmt.Errorf("the canary did not start writing within 10s: %d acknowledged, last error %q", st.Acked, st.LastError)
	}
	t.logf("writing %d/s through Sentinel (%s); cutting over in %s", t.s.Rate, writerLabel(t.s), t.s.Window)
	return nil
}

// sentinelFailover is the documented trigger: SENTINEL FAILOVER on the
// first Sentinel, retried while it answers -NOGOODSLAVE (as an operator
// would), and nothing else. It returns when Sentinel accepted it.
func (t *trial) sentinelFailover(ctx context.Context) (time.Time, error) {
	s := t.lab.Sentinels[0]
	c := s.Client()
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := c.Do(ctx, "SENTINEL", "FAILOVER", t.lab.Opts.MasterName).Err()
		if err == nil {
			t.logf("SENTINEL FAILOVER %s accepted by %s", t.lab.Opts.MasterName, s.Name)
			return time.Now(), nil
		}
		if !strings.HasPrefix(err.Error(), "NOGOODSLAVE") || time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("SENTINEL FAILOVER on %s (%s): %w", s.Name, s.Addr(), err)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return time.Time{}, err
		}
	}
}

// guarded runs the cutover step the way the UI does: fresh facts, every
// confirmation answered (the master name typed), Runner.Start, which
// checks the precondition again and runs Runner.Cutover with
// PlanCutover. The trigger is SENTINEL FAILOVER answered OK.
func (t *trial) guarded(ctx context.Context, r *RunResult) (time.Time, error) {
	f := t.runner.Facts(ctx)
	answers := steps.Answers{}
	for _, c := range steps.Lookup(steps.StepCutover).Confirmations(f, t.opts) {
		if c.Kind == steps.ConfirmTypeName {
			answers[c.ID] = c.Expect
		} else {
			answers[c.ID] = "y"
		}
	}
	t.logf("guarded cutover: %s", strings.Join(commandLines(f, t.opts), "; "))
	job, err := t.runner.Start(ctx, steps.StepCutover, f, answers)
	if err != nil {
		return time.Time{}, fmt.Errorf("the cutover step did not start: %w", err)
	}
	err = job.Wait()
	res := t.cutoverResult()
	if res != nil {
		r.Guarded = guardedTimings(*res)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("guarded cutover: %w", err)
	}
	if res == nil || res.FailoverAt.IsZero() {
		return time.Time{}, errors.New("guarded cutover: it succeeded but recorded no SENTINEL FAILOVER time")
	}
	return res.FailoverAt, nil
}

func (t *trial) cutoverResult() *steps.CutoverResult {
	return t.runner.Session.Facts(t.prober.Topo, probe.Snapshot{}).Cutover
}

// commandLines are the commands the cutover step shows before it runs.
func commandLines(f steps.Facts, o steps.Options) []string {
	var out []string
	for _, c := range steps.Lookup(steps.StepCutover).Commands(f, o) {
		out = append(out, strings.Join(c.Args, " "))
	}
	return out
}

func guardedTimings(res steps.CutoverResult) *GuardedTimings {
	g := &GuardedTimings{
		Pause: ms(res.Stall), Drain: ms(res.Drain), Promote: ms(res.Promote),
		JudgedBy:         res.Offsets.JudgedBy,
		FailoverAttempts: res.FailoverAttempts, NoGoodSlaveRetries: res.NoGoodSlaveRetries,
		PauseRenewals: res.PauseRenewals, Notes: res.Notes,
	}
	if !res.FailoverAt.IsZero() && !res.PausedAt.IsZero() {
		g.PauseToFailover = ms(res.FailoverAt.Sub(res.PausedAt))
	}
	if !res.UnpausedAt.IsZero() && !res.PromotedAt.IsZero() {
		g.Fence = ms(res.UnpausedAt.Sub(res.PromotedAt))
	}
	return g
}
