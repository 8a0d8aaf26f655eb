package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"flyover/probe"
	"flyover/probe/canary"
	"flyover/steps/auditlog"
)

// Runner is the one path every command a step sends goes through: it
// writes the redacted command to the audit log before the command is sent
// (and fsyncs it, for anything that is not a read), sends it with a
// deadline, and logs the reply. In read-only mode it refuses anything that
// is not a read. Prober, Audit and Session are required.
type Runner struct {
	Prober  *probe.Prober
	Audit   *auditlog.Audit
	Session *Session
	Opts    Options
	// ReadOnly refuses every command that is not a read (--read-only).
	ReadOnly bool
	// Canary, when set, is read back after the cutover (verify), and its
	// figures go into the report.
	Canary *canary.Canary
	// DialReplica opens an endpoint to another replica of the source (with
	// the source's credentials), for their priority (step 6), their
	// decommission and the new replicas of restore HA. Nil: the
	// fix is shown but cannot be run.
	DialReplica func(addr string) *probe.Endpoint

	mu          sync.Mutex
	job         *Job
	lastObserve string
}

// Options are the runner's options with the defaults filled in. Opts is read,
// never written, once the runner is in use.
func (r *Runner) Options() Options { return r.Opts.WithDefaults() }

// NewRunner returns a runner over the prober's endpoints.
func NewRunner(p *probe.Prober, a *auditlog.Audit, s *Session, o Options) *Runner {
	if s == nil {
		s = NewSession()
	}
	return &Runner{Prober: p, Audit: a, Session: s, Opts: o.WithDefaults()}
}

// CommandError is a command that failed: where it went, what was sent
// (redacted), what came back.
type CommandError struct {
	Endpoint string
	Addr     string
	Args     []string
	Err      error
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Endpoint, strings.Join(e.Args, " "), probe.Describe(e.Addr, e.Err))
}

func (e *CommandError) Unwrap() error { return e.Err }

// ReplyCode is the first word of a server's error reply (NOGOODSLAVE,
// INPROG, READONLY, ...), or "".
func ReplyCode(err error) string {
	var re redis.Error
	if !errors.As(err, &re) {
		return ""
	}
	code, _, _ := strings.Cut(re.Error(), " ")
	return code
}

type stepKey struct{}

func WithStep(ctx context.Context, id StepID) context.Context {
	return context.WithValue(ctx, stepKey{}, id)
}

func StepOf(ctx context.Context) StepID {
	id, _ := ctx.Value(stepKey{}).(StepID)
	return id
}

// Send sends one command to one endpoint through the audited path, bounded
// by the endpoint's timeout (or ctx's deadline, if sooner).
func (r *Runner) Send(ctx context.Context, e *probe.Endpoint, args ...any) (any, error) {
	return r.SendWithin(ctx, e, 0, false, args...)
}

// SendMust is for the commands that undo or finish a pause (CLIENT UNPAUSE,
// the fence): they are sent even when the audit log has failed, since not
// sending them is worse than not recording them.
func (r *Runner) SendMust(ctx context.Context, e *probe.Endpoint, args ...any) (any, error) {
	return r.SendWithin(ctx, e, 0, true, args...)
}

// SendWithin sends one command through the audited path with its own
// timeout (0: the endpoint's); must sends it even when the audit log has
// failed, as SendMust.
func (r *Runner) SendWithin(ctx context.Context, e *probe.Endpoint, timeout time.Duration, must bool, args ...any) (any, error) {
	sargs := stringArgs(args)
	red := RedactArgs(sargs)
	name := r.EndpointName(e)
	write := !probe.IsRead(sargs)
	if r.ReadOnly && write {
		err := &ReadOnlyError{Endpoint: name + " " + e.Addr, Args: red}
		r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: StepOf(ctx), Endpoint: name, Addr: e.Addr, Args: red, Message: err.Error()}, false)
		return nil, err
	}
	seq, aerr := r.Audit.Log(auditlog.Entry{Kind: auditlog.KindCommand, Step: StepOf(ctx), Endpoint: name, Addr: e.Addr, Args: red, Write: write}, write)
	if aerr != nil && !must {
		return nil, fmt.Errorf("not sent to %s (%s): the audit log cannot be written: %w", name, strings.Join(red, " "), aerr)
	}
	if timeout <= 0 {
		timeout = e.Timeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	start := time.Now()
	reply, err := e.Do(cctx, args...)
	cancel()
	elapsed := time.Since(start)
	if errors.Is(err, redis.Nil) {
		reply, err = nil, nil
	}
	entry := auditlog.Entry{Kind: auditlog.KindReply, Step: StepOf(ctx), Endpoint: name, Addr: e.Addr, Ref: seq,
		Millis: float64(elapsed.Microseconds()) / 1000}
	if err != nil {
		entry.Error = err.Error()
	} else {
		entry.Reply = RedactReply(sargs, reply)
	}
	r.Audit.Log(entry, false)
	if err != nil {
		return nil, &CommandError{Endpoint: name, Addr: e.Addr, Args: red, Err: err}
	}
	return reply, nil
}

// SendTx sends cmds to one endpoint as one MULTI ... EXEC through the
// audited path: every command is logged (fsync'd when it writes) before
// the transaction is sent, and each reply after. It is sent even when
// the audit log has failed only when must is set, as SendMust.
func (r *Runner) SendTx(ctx context.Context, e *probe.Endpoint, must bool, cmds ...[]any) ([]any, error) {
	name := r.EndpointName(e)
	seqs := make([]int64, len(cmds))
	reds := make([][]string, len(cmds))
	for i, c := range cmds {
		sargs := stringArgs(c)
		reds[i] = RedactArgs(sargs)
		write := !probe.IsRead(sargs)
		if r.ReadOnly && write {
			err := &ReadOnlyError{Endpoint: name + " " + e.Addr, Args: reds[i]}
			r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: StepOf(ctx), Endpoint: name, Addr: e.Addr, Args: reds[i], Message: err.Error()}, false)
			return nil, err
		}
		seq, aerr := r.Audit.Log(auditlog.Entry{Kind: auditlog.KindCommand, Step: StepOf(ctx), Endpoint: name, Addr: e.Addr, Args: reds[i], Write: write,
			Message: fmt.Sprintf("in one MULTI/EXEC, %d of %d", i+1, len(cmds))}, write)
		if aerr != nil && !must {
			return nil, fmt.Errorf("not sent to %s (%s): the audit log cannot be written: %w", name, strings.Join(reds[i], " "), aerr)
		}
		seqs[i] = seq
	}
	cctx, cancel := context.WithTimeout(ctx, e.Timeout)
	start := time.Now()
	replies, err := e.DoTx(cctx, cmds...)
	cancel()
	elapsed := float64(time.Since(start).Microseconds()) / 1000
	for i := range cmds {
		entry := auditlog.Entry{Kind: auditlog.KindReply, Step: StepOf(ctx), Endpoint: name, Addr: e.Addr, Ref: seqs[i], Millis: elapsed}
		if i < len(replies) && err == nil {
			entry.Reply = RedactReply(stringArgs(cmds[i]), replies[i])
		} else if err != nil {
			entry.Error = err.Error()
		}
		r.Audit.Log(entry, false)
	}
	if err != nil {
		var all []string
		for _, red := range reds {
			all = append(all, strings.Join(red, " "))
		}
		return nil, &CommandError{Endpoint: name, Addr: e.Addr, Args: append([]string{"MULTI;"}, append(all, "; EXEC")...), Err: err}
	}
	return replies, nil
}

// EndpointName is how the audit log and errors name e (source, target, a
// sentinel, a replica).
func (r *Runner) EndpointName(e *probe.Endpoint) string {
	switch e {
	case r.Prober.Source:
		return "source"
	case r.Prober.Target:
		return "target"
	}
	for i, s := range r.Prober.Sentinels {
		if e == s {
			return EndpointLabel(i)
		}
	}
	if e.Label != "" {
		return e.Label
	}
	return "replica"
}

// Doer is the audited path in the shape probe's gatherers take.
func (r *Runner) Doer() probe.Doer {
	return func(ctx context.Context, e *probe.Endpoint, args ...any) (any, error) {
		return r.Send(ctx, e, args...)
	}
}

// Poll reads the topology (through probe: reads only), records it in the
// session, and notes it in the audit log when its summary changed.
func (r *Runner) Poll(ctx context.Context) probe.Snapshot {
	snap := r.Prober.Poll(ctx)
	r.Session.Observe(snap)
	sum := summarize(r.Prober.Topo, snap)
	r.mu.Lock()
	changed := sum != r.lastObserve
	r.lastObserve = sum
	r.mu.Unlock()
	if changed {
		r.Audit.Log(auditlog.Entry{Kind: auditlog.KindObserve, Step: StepOf(ctx), Message: sum}, false)
	}
	return snap
}

// Facts polls and bundles the snapshot with what the session knows.
func (r *Runner) Facts(ctx context.Context) Facts {
	return r.Session.Facts(r.Prober.Topo, r.Poll(ctx))
}

// summarize is one line of what matters in a snapshot, without the
// numbers that change on every poll.
func summarize(topo probe.Topology, s probe.Snapshot) string {
	node := func(n probe.Node) string {
		if !n.Reachable {
			return "unreachable"
		}
		if n.Role == probe.RoleReplica {
			return fmt.Sprintf("replica of %s:%d", n.MasterHost, n.MasterPort)
		}
		return string(n.Role)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "source %s; target %s; link %s in_sync=%t; sentinels:", node(s.Source), node(s.Target), s.Link.Phase, s.Link.InSync)
	for i, v := range s.Sentinels {
		switch {
		case !v.Reachable:
			fmt.Fprintf(&sb, " %s unreachable", EndpointLabel(i))
		default:
			fmt.Fprintf(&sb, " %s->%s knows_target=%t promotes_target=%t", EndpointLabel(i), v.MasterAddr, v.KnowsTarget, v.WouldPromoteTarget)
			if v.FailoverInProgress() {
				sb.WriteString(" failover_in_progress")
			}
		}
		sb.WriteByte(';')
	}
	return sb.String()
}

// Job is one running step. Read Progress until it is closed, then Err.
type Job struct {
	Step StepID
	// Progress carries updates as the step runs; it is closed when the
	// step ends. Updates are dropped, not queued, when the reader lags.
	Progress <-chan Progress

	ch      chan Progress
	done    chan struct{}
	cancel  context.CancelFunc
	started time.Time

	mu   sync.Mutex
	err  error
	last Progress
}

// Done is closed when the step has ended.
func (j *Job) Done() <-chan struct{} { return j.done }

// Err is how the step ended (nil: its postcondition holds). Valid once
// Done is closed.
func (j *Job) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// Wait blocks until the step ends and returns Err. A reader of Progress is
// not required.
func (j *Job) Wait() error {
	<-j.done
	return j.Err()
}

// Started is when the step started, for an elapsed-time display.
func (j *Job) Started() time.Time { return j.started }

// Last is the latest progress update.
func (j *Job) Last() Progress {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.last
}

// Cancel asks the step to stop. Waits stop at once. The cutover stops and
// undoes everything before SENTINEL FAILOVER; after it, cancelling is
// ignored: the fence and the unpause must happen.
func (j *Job) Cancel() { j.cancel() }

func (j *Job) report(p Progress) {
	if p.At.IsZero() {
		p.At = time.Now()
	}
	p.Step = j.Step
	j.mu.Lock()
	j.last = p
	j.mu.Unlock()
	select {
	case j.ch <- p:
	default:
	}
}

// ErrBusy is Start refusing while another step runs.
var ErrBusy = errors.New("another step is running: wait for it or cancel it first")

// NotConfirmedError is Start refusing because a confirmation was not
// answered yes.
type NotConfirmedError struct{ Prompt string }

func (e *NotConfirmedError) Error() string { return "not confirmed: " + e.Prompt }

// Start runs step id in the background. f are the facts the operator saw
// and confirmed on: the commands are computed from them, and the step
// checks its precondition again on a fresh poll before it sends anything.
// Each of the step's confirmations must be answered in a (by its ID); a
// required one not answered yes, or a typed master name that does not
// match, refuses the step. Every answer is audited.
func (r *Runner) Start(ctx context.Context, id StepID, f Facts, a Answers) (*Job, error) {
	step := Lookup(id)
	if step == nil {
		return nil, fmt.Errorf("no step %q", id)
	}
	o := r.Options()
	for _, c := range step.Confirmations(f, o) {
		ans := a[c.ID]
		yes := c.Yes(ans)
		event := "no"
		if yes {
			event = "yes"
		}
		msg := c.Prompt
		if c.Kind == ConfirmTypeName {
			msg += fmt.Sprintf(" (typed %q)", ans)
		}
		if _, err := r.Audit.Log(auditlog.Entry{Kind: auditlog.KindConfirm, Step: id, Event: event, Phase: c.ID, Message: msg}, true); err != nil {
			return nil, fmt.Errorf("not started: %w", err)
		}
		if !yes && !c.Optional {
			return nil, &NotConfirmedError{Prompt: c.Prompt}
		}
	}
	if r.ReadOnly {
		// What the step would send: the commands of each confirmation
		// answered yes, or all of them for a step that asks nothing.
		cmds := step.Commands(f, o)
		if conf := step.Confirmations(f, o); len(conf) > 0 {
			cmds = nil
			for _, c := range conf {
				if c.Yes(a[c.ID]) {
					cmds = append(cmds, c.Commands...)
				}
			}
		}
		for _, c := range cmds {
			if !probe.IsRead(c.Args) {
				return nil, &ReadOnlyError{Endpoint: c.Endpoint + " " + c.Addr, Args: c.Args}
			}
		}
	}
	jctx, cancel := context.WithCancel(WithStep(ctx, id))
	ch := make(chan Progress, 256)
	j := &Job{Step: id, Progress: ch, ch: ch, done: make(chan struct{}), cancel: cancel, started: time.Now()}
	r.mu.Lock()
	if r.job != nil {
		select {
		case <-r.job.done:
		default:
			r.mu.Unlock()
			cancel()
			return nil, ErrBusy
		}
	}
	r.job = j
	r.mu.Unlock()

	snap := f.Snapshot
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindStep, Step: id, Event: "start", Message: step.Title}, true)
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindSnapshot, Step: id, Event: "before", Snapshot: &snap}, false)
	go func() {
		defer cancel()
		lastPhase := ""
		// A step that asks before it sends checks its precondition again
		// on facts polled now: the operator confirmed on facts that may
		// have moved since, and nothing is sent if it no longer holds.
		fresh, err := f, error(nil)
		if step.ConfirmFn != nil && step.PreFn != nil {
			fresh, err = r.Recheck(jctx, step.PreFn)
			if err != nil && jctx.Err() != nil {
				// Stopped while the fresh poll ran: the endpoints did not
				// fail, the poll was cut short.
				err = errors.New("not started, nothing sent: stopped before the recheck finished")
			}
		}
		if err == nil {
			err = step.RunFn(jctx, r, f, fresh, a, func(p Progress) {
				if p.Phase != lastPhase {
					lastPhase = p.Phase
					r.Audit.Log(auditlog.Entry{Kind: auditlog.KindPhase, Step: id, Phase: p.Phase, Message: p.Message}, false)
				}
				j.report(p)
			})
		}
		pctx, pcancel := context.WithTimeout(context.WithoutCancel(jctx), 5*time.Second)
		after := r.Poll(pctx)
		pcancel()
		r.Audit.Log(auditlog.Entry{Kind: auditlog.KindSnapshot, Step: id, Event: "after", Snapshot: &after}, false)
		e := auditlog.Entry{Kind: auditlog.KindStep, Step: id, Event: "done", Message: step.Title}
		if err != nil {
			e.Event, e.Error = "failed", err.Error()
			e.Message = step.OnFailure
		}
		r.Audit.Log(e, true)
		j.mu.Lock()
		j.err = err
		j.mu.Unlock()
		// Done first: whoever reads Progress to its end may start the
		// next step at once, and must not find this one still running.
		close(j.done)
		close(j.ch)
	}()
	return j, nil
}

// Declined records, in the audit log, that the operator answered no to
// confirmation q of step id (or closed its question), so nothing was
// sent; why is what the operator was told ("cancelled, nothing sent").
// Start records the answers of a step it is given; this is for the
// answers that never reach Start. The entry is synced: it is the record
// of who declined what.
func (r *Runner) Declined(id StepID, q Confirmation, why string) error {
	_, err := r.Audit.Log(auditlog.Entry{Kind: auditlog.KindConfirm, Step: id, Event: "no", Phase: q.ID, Message: q.Prompt + " (" + why + ")"}, true)
	return err
}

// Run is Start and Wait in one, for scripts and tests.
func (r *Runner) Run(ctx context.Context, id StepID, f Facts, a Answers) error {
	j, err := r.Start(ctx, id, f, a)
	if err != nil {
		return err
	}
	return j.Wait()
}

// WaitUntil polls the topology every interval until cond says done, the
// deadline passes (zero: none), or ctx ends. cond also reports progress
// and may fail the wait early.
func (r *Runner) WaitUntil(ctx context.Context, interval time.Duration, deadline time.Time,
	cond func(f Facts) (done bool, err error)) (Facts, error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		f := r.Facts(ctx)
		done, err := cond(f)
		if err != nil || done {
			return f, err
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return f, ErrDeadline
		}
		select {
		case <-ctx.Done():
			return f, fmt.Errorf("stopped: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// ErrDeadline is WaitUntil's error when its deadline passes.
var ErrDeadline = errors.New("deadline passed")

// Recheck polls afresh and checks pre again before anything is sent: the
// operator confirmed on facts that may have moved since.
func (r *Runner) Recheck(ctx context.Context, pre func(Facts, Options) []Check) (Facts, error) {
	fresh := r.Facts(ctx)
	return fresh, notStarted(pre(fresh, r.Options()))
}

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

// ConnectionClosed: the server closed the connection (SHUTDOWN, or CLIENT
// KILL on the old primary), so the command may well have done its work.
func ConnectionClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}
