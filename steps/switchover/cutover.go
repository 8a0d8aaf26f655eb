package switchover

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"flyover/probe"
	"flyover/steps"
)

// Cutover runs the guarded cutover (SPEC): pause writes with a hard expiry,
// drain until the target has everything, SENTINEL FAILOVER, wait until a
// majority of Sentinels name the target and it reports master, fence the
// old primary, unpause. Every failure before Sentinel accepts the failover
// unpauses and leaves the topology as it was. Cancelling ctx stops it
// before that point (and undoes); after it, cancelling is ignored.
func Cutover(ctx context.Context, r *steps.Runner, p steps.CutoverPlan, progress func(steps.Progress)) (steps.CutoverResult, error) {
	c := &cutover{r: r, p: p, o: r.Options().Cutover, progress: progress,
		safe: context.WithoutCancel(ctx)}
	if p.FenceOnly {
		return c.fenceOnly()
	}
	if p.PauseAllClients {
		return c.runPauseAll(ctx) // cutover_pause_all.go
	}
	return c.run(ctx)
}

type cutover struct {
	r        *steps.Runner
	p        steps.CutoverPlan
	o        steps.CutoverOptions
	progress func(steps.Progress)
	// safe is for what must finish whatever the caller does: undoing,
	// and everything after the point of no return.
	safe       context.Context
	res        steps.CutoverResult
	pauseUntil time.Time
	// targetSilent: the target did not answer during the drain;
	// sourceSilent: the source's last read of the drain failed.
	targetSilent, sourceSilent bool
	// frozenSource: the source's offset was read as the pause began
	// (sourceOffset) and the source is not asked again during the drain:
	// a pause of every client would hold the question (Redis 6.0).
	frozenSource bool
	sourceOffset int64
	// failoverBy, when set, ends the SENTINEL FAILOVER budget early: a
	// pause that cannot be renewed must outlast Sentinel's promotion.
	failoverBy time.Time
}

func (c *cutover) say(phase, msg string, deadline time.Time, off *steps.Offsets) {
	c.progress(steps.Progress{Phase: phase, Message: msg, Fraction: -1, Deadline: deadline, Offsets: off})
}

func (c *cutover) run(ctx context.Context) (steps.CutoverResult, error) {
	src := c.r.Prober.Source
	ms := strconv.FormatInt(c.p.Pause.Milliseconds(), 10)

	// 1. Pause writes, with a hard expiry.
	c.say(steps.PhasePausing, fmt.Sprintf("CLIENT PAUSE %s WRITE on the source: writes wait; the pause lifts by itself after %s", ms, c.p.Pause), time.Time{}, nil)
	c.res.PausedAt = time.Now()
	c.pauseUntil = c.res.PausedAt.Add(c.p.Pause)
	if _, err := c.r.Send(ctx, src, "CLIENT", "PAUSE", ms, "WRITE"); err != nil {
		// The reply may have been lost after the pause took effect.
		return c.res, c.undo(steps.PhasePausing, err, "check the source and that the user may run CLIENT PAUSE, then run the cutover again")
	}

	// 2. Drain.
	if err := c.drain(ctx); err != nil {
		next := "the target is not keeping up or not answering: check it and the link, wait for a steady state, and run the cutover again"
		if c.sourceSilent {
			next = "flyover cannot reach the source at " + src.Addr + ": check the network between them; once the source answers, check on the dashboard that it is unpaused and still the primary, then run the cutover again"
		}
		return c.res, c.undo(steps.PhaseDraining, err, next)
	}

	// 3. SENTINEL FAILOVER: the point of no return once accepted.
	if err := c.failover(ctx); err != nil {
		return c.res, c.undo(steps.PhaseFailover, err, failoverNext(err))
	}

	// 4. Wait for a majority to name the target, and the target to say master.
	primary, err := c.awaitPromotion(c.res.FailoverAt, true)
	if err != nil {
		return c.res, c.undo(steps.PhasePromoting, err, fmt.Sprintf(
			"check that every Sentinel reaches the target at %s (SENTINEL REPLICAS %s on each lists it without s_down or disconnected) and read the Sentinels' logs for -failover-abort-*; "+
				"then run the cutover again, no sooner than %s after this one (twice failover-timeout: Sentinel starts no new failover of this master before)",
			c.p.TargetListedAs, c.p.MasterName, 2*c.p.FailoverTimeout))
	}

	// 5. Fence the old primary, 6. unpause.
	return c.res, c.fence(primary)
}

// fenceOnly finishes a cutover whose failover happened before this run.
func (c *cutover) fenceOnly() (steps.CutoverResult, error) {
	c.res.Notes = append(c.res.Notes, "the failover had already happened: fenced only")
	primary, err := c.awaitPromotion(time.Now(), false)
	if err != nil {
		return c.res, &steps.CutoverError{Phase: steps.PhasePromoting, Err: err, PastPointOfNoReturn: true,
			Undone: "nothing was sent to the old primary",
			Next:   "look at the Sentinels: they do not agree that the target is the primary"}
	}
	return c.res, c.fence(primary)
}

// undo lifts the pause (nothing else has changed before the point of no
// return) and describes the result.
func (c *cutover) undo(phase string, cause error, next string) error {
	c.say(steps.PhaseUndoing, "CLIENT UNPAUSE on the source", time.Time{}, nil)
	undone := "CLIENT UNPAUSE sent: writes flow to the source again; nothing else changed"
	if err := c.unpause(); err != nil {
		undone = fmt.Sprintf("CLIENT UNPAUSE failed (%v), tried until the pause's hard expiry at %s, when the source lifts it by itself; nothing else changed",
			err, c.pauseUntil.Format("15:04:05.000"))
	} else if !c.res.PausedAt.IsZero() {
		c.res.Stall = c.res.UnpausedAt.Sub(c.res.PausedAt)
	}
	c.say(steps.PhaseAborted, undone, time.Time{}, nil)
	return &steps.CutoverError{Phase: phase, Err: cause, Undone: undone, Next: next, Result: c.res}
}

// unpause sends CLIENT UNPAUSE until it is answered or the pause has run
// out anyway: the connection it goes on may just have been killed.
//
// While the pause holds, it keeps trying until the pause's expiry (so
// that when it gives up, the pause has lifted by itself): a source cut
// from flyover fails each try fast or after a timeout, and neither may
// end the tries early.
func (c *cutover) unpause() error {
	if c.p.PauseAllClients {
		// No CLIENT UNPAUSE on this version: the pause has lifted by
		// itself (awaitPauseEnd), and the fence's commands, the first
		// answered after it, mark when clients ran again.
		if c.res.UnpausedAt.IsZero() {
			c.res.UnpausedAt = time.Now()
		}
		return nil
	}
	var err error
	for attempt := 0; ; attempt++ {
		if _, err = c.r.SendMust(c.safe, c.r.Prober.Source, "CLIENT", "UNPAUSE"); err == nil {
			c.res.UnpausedAt = time.Now()
			return nil
		}
		if c.pauseUntil.IsZero() && attempt >= 2 || attempt >= 2 && time.Now().After(c.pauseUntil) {
			return err
		}
		pause := 50 * time.Millisecond
		if attempt >= 2 {
			pause = 250 * time.Millisecond
		}
		time.Sleep(pause)
	}
}

// drain waits until the target has everything the source wrote.
func (c *cutover) drain(ctx context.Context) error {
	src, tgt := c.r.Prober.Source, c.r.Prober.Target
	start := time.Now()
	deadline := start.Add(c.o.DrainTimeout)
	var last steps.Offsets
	lastErr, read := "", false
	for {
		off, ok, err := c.readOffsets(ctx, src, tgt)
		if err != nil {
			lastErr = err.Error()
		}
		var ce *steps.CommandError
		c.sourceSilent = err != nil && errors.As(err, &ce) && ce.Endpoint == "source"
		if ok {
			last, read = off, true
		} else if c.frozenSource {
			last.Source, last.JudgedBy = off.Source, off.JudgedBy
		}
		c.say(steps.PhaseDraining, fmt.Sprintf("source at %d, target at %d (%s)", last.Source, last.Target, last.JudgedBy), deadline, &last)
		if ok && off.Target >= off.Source {
			c.res.DrainedAt = time.Now()
			c.res.Drain = c.res.DrainedAt.Sub(start)
			c.res.Offsets = off
			return nil
		}
		if time.Now().After(deadline) {
			msg := fmt.Sprintf("the target did not catch up within %s: source at %d, target at %d (%s)",
				c.o.DrainTimeout, last.Source, last.Target, last.JudgedBy)
			if !read {
				// Never judged on a reading that is not there.
				msg = fmt.Sprintf("no reading of both offsets within %s since the pause: the drain cannot be judged", c.o.DrainTimeout)
			}
			if lastErr != "" {
				msg += "; last error: " + lastErr
			}
			return errors.New(msg)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cancelled by the operator: %w", ctx.Err())
		case <-time.After(c.o.PollEvery):
		}
	}
}

// readOffsets reads the source's master_repl_offset and the offset the
// drain is judged by. ok is false when there is no usable target offset.
func (c *cutover) readOffsets(ctx context.Context, src, tgt *probe.Endpoint) (steps.Offsets, bool, error) {
	if c.frozenSource {
		return c.readTargetOffset(ctx, tgt)
	}
	v, err := c.r.Send(ctx, src, "INFO", "replication")
	if err != nil {
		return steps.Offsets{}, false, err
	}
	info := probe.ParseInfo(probe.AsString(v))
	off := steps.Offsets{Source: info.Int("master_repl_offset")}
	var line *probe.ReplicaLine
	for _, l := range info.ReplicaLines() {
		if c.r.Prober.Topo.IsTarget(l.Addr()) {
			l := l
			line = &l
			break
		}
	}
	if c.p.JudgeByTarget && !c.targetSilent {
		if tv, terr := c.r.Send(ctx, tgt, "INFO", "replication"); terr == nil {
			ti := probe.ParseInfo(probe.AsString(tv))
			if ti.Has("slave_repl_offset") {
				off.Target, off.JudgedBy = ti.Int("slave_repl_offset"), "target's slave_repl_offset"
				return off, true, nil
			}
		} else {
			// Each try would cost a whole timeout of the pause: judge by
			// the source's side from now on.
			err, c.targetSilent = terr, true
		}
	}
	if line != nil && line.HasOffset {
		off.Target, off.JudgedBy = line.Offset, "source's slaveN offset"
		return off, true, err
	}
	off.JudgedBy = "no offset for the target"
	if err == nil {
		err = errors.New("the source does not list the target")
	}
	return off, false, err
}

var errNotPromoted = errors.New("Sentinel did not promote the target")

// awaitPromotion waits until a majority of Sentinels name the target and
// the target reports role master (a single +switch-master is not trusted:
// a rejoining Sentinel can replay a stale one). It returns the address the
// Sentinels name. Past PromoteTimeout it keeps waiting while a Sentinel
// reports the failover in progress, or while Sentinels do not answer
// (silence is no answer), up to failover-timeout; then it fences when the
// target itself reports master or a majority names it, and otherwise
// returns errNotPromoted: never a fence on a minority's word alone.
func (c *cutover) awaitPromotion(start time.Time, paused bool) (string, error) {
	deadline := start.Add(c.o.PromoteTimeout)
	hard := start.Add(max(c.o.PromoteTimeout, c.p.FailoverTimeout+5*time.Second))
	lastFlags := time.Time{}
	inProgress, sawInProgress := false, false
	silentFlags := 0
	for {
		v := c.readPromotionView()
		c.res.SentinelsNaming = v.naming
		role := "replica"
		switch {
		case v.targetMaster:
			role = "master"
		case v.targetErr != "":
			role = "nothing (" + v.targetErr + ")"
		}
		shown := deadline
		if time.Now().After(deadline) {
			shown = hard
		}
		msg := fmt.Sprintf("%d of %d Sentinels name the target (need %d); the target reports %s",
			v.naming, len(c.r.Prober.Sentinels), c.p.Majority, role)
		if len(v.silent) > 0 {
			msg += "; no answer from " + strings.Join(v.silent, ", ")
		}
		if paused && shown.Equal(hard) {
			// The worst case the confirmation named, counted down.
			msg += fmt.Sprintf("; writes stay paused while Sentinel's failover is in flight, up to its failover-timeout (%s): %s",
				steps.Secs(c.p.FailoverTimeout), countdown(hard, time.Now()))
		}
		c.say(steps.PhasePromoting, msg, shown, nil)
		if v.naming >= c.p.Majority && v.targetMaster {
			c.res.PromotedAt = time.Now()
			c.res.Promote = c.res.PromotedAt.Sub(start)
			c.res.NewPrimary = v.addr
			c.res.Notes = append(c.res.Notes, v.laggards(c.p.MasterName)...)
			return v.addr, nil
		}
		if paused && time.Until(c.pauseUntil) < 2*time.Second {
			ms := strconv.FormatInt(c.p.Pause.Milliseconds(), 10)
			if _, err := c.r.SendMust(c.safe, c.r.Prober.Source, "CLIENT", "PAUSE", ms, "WRITE"); err == nil {
				c.pauseUntil = time.Now().Add(c.p.Pause)
				c.res.PauseRenewals++
			}
		}
		now := time.Now()
		if now.After(deadline) {
			if v.targetMaster {
				// The target's own word: it was promoted. Not fencing now
				// would leave two primaries once the pause ends.
				return c.fenceAnyway(v), nil
			}
			if now.Sub(lastFlags) > 500*time.Millisecond {
				inProgress, silentFlags = c.anyInProgress()
				sawInProgress = sawInProgress || inProgress
				lastFlags = now
			}
			if (inProgress || silentFlags > 0 || len(v.silent) > 0 || v.targetErr != "") && !now.After(hard) {
				time.Sleep(c.o.PollEvery)
				continue
			}
			if v.naming >= c.p.Majority {
				return c.fenceAnyway(v), nil
			}
			return "", c.notPromoted(v, now.Sub(start), sawInProgress)
		}
		time.Sleep(c.o.PollEvery)
	}
}

// fenceAnyway notes why the fence goes ahead without the full sign of
// promotion, and returns the address to fence to.
func (c *cutover) fenceAnyway(v promotionView) string {
	addr := v.addr
	if addr == "" {
		addr = c.p.TargetListedAs
	}
	c.res.NewPrimary = addr
	why := "the target reports master"
	if !v.targetMaster {
		why = "a majority names it"
	}
	note := fmt.Sprintf("only %d of %d Sentinels named the target (need %d) when the wait ended; fenced because %s",
		v.naming, len(c.r.Prober.Sentinels), c.p.Majority, why)
	c.res.Notes = append(c.res.Notes, note)
	c.res.Notes = append(c.res.Notes, v.laggards(c.p.MasterName)...)
	return addr
}

// notPromoted explains a promotion wait that ended with no promotion:
// what the Sentinels said, and what to do.
func (c *cutover) notPromoted(v promotionView, waited time.Duration, sawInProgress bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, " within %s (", waited.Round(time.Millisecond))
	state := "it is still a replica"
	if v.targetErr != "" {
		state = "the target does not answer flyover (" + v.targetErr + ")"
	}
	switch {
	case v.naming > 0:
		fmt.Fprintf(&b, "only %d of %d Sentinels name it, a minority, and %s: the old primary is not fenced on a minority's word", v.naming, len(c.r.Prober.Sentinels), state)
	default:
		b.WriteString("no Sentinel names it, " + state)
	}
	if len(v.silent) > 0 {
		b.WriteString("; no answer from " + strings.Join(v.silent, ", "))
	}
	if sawInProgress {
		fmt.Fprintf(&b, "; the failover ran until Sentinel's failover-timeout (%s) and ended without promoting it", c.p.FailoverTimeout)
	} else {
		b.WriteString(", and no failover is in progress")
	}
	b.WriteString(")")
	if down := c.targetAsSentinelsSeeIt(); down != "" {
		b.WriteString("; " + down)
	}
	return fmt.Errorf("%w%s", errNotPromoted, b.String())
}

// targetAsSentinelsSeeIt is what the Sentinels' SENTINEL REPLICAS say of
// the target when some see it down or disconnected, else "".
func (c *cutover) targetAsSentinelsSeeIt() string {
	var seen []string
	for i, e := range c.r.Prober.Sentinels {
		v, err := c.r.Send(c.safe, e, "SENTINEL", "REPLICAS", c.p.MasterName)
		if err != nil {
			continue
		}
		rs, err := probe.ParseSentinelReplicas(v)
		if err != nil {
			continue
		}
		for _, r := range rs {
			if c.r.Prober.Topo.IsTarget(r.Addr()) && r.Down() {
				seen = append(seen, fmt.Sprintf("%s sees it %s", steps.EndpointLabel(i), strings.Join(r.Flags, ",")))
			}
		}
	}
	if len(seen) == 0 {
		return ""
	}
	return "the Sentinels cannot reach the target: " + strings.Join(seen, "; ")
}

// promotionView is one reading of the promotion: how many Sentinels name
// the target, what the others name, which did not answer, and what the
// target says of itself.
type promotionView struct {
	naming       int
	addr         string // the target as the Sentinels name it
	targetMaster bool
	targetErr    string
	// elsewhere are the Sentinels that answered with another address,
	// silent those that did not answer ("sentinel-2 ADDR (error)").
	elsewhere []string
	silent    []string
	// down are those that refused the connection: not running.
	down []string
}

// laggards are notes on the Sentinels that do not name the target yet:
// after a switch they take the new configuration from the others once
// they reach them.
func (v promotionView) laggards(master string) []string {
	var out []string
	for _, s := range v.down {
		out = append(out, s+" is not running: once it is back it takes the new primary from the other Sentinels")
	}
	for _, s := range v.elsewhere {
		out = append(out, s+": it takes the new primary from the other Sentinels once it reaches them; if it still does a minute after it can, check its links (SENTINEL SENTINELS "+master+" on it)")
	}
	for _, s := range v.silent {
		out = append(out, s+" did not answer: what it names is unknown; check that it names the target once flyover reaches it")
	}
	return out
}

func (c *cutover) readPromotion() (naming int, addr string, targetMaster bool) {
	v := c.readPromotionView()
	return v.naming, v.addr, v.targetMaster
}

// readPromotionView asks every Sentinel, in parallel, whom it names, and
// the target its role.
func (c *cutover) readPromotionView() promotionView {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var v promotionView
	for i, e := range c.r.Prober.Sentinels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Label := steps.EndpointLabel(i) + " " + e.Addr
			r, err := c.r.Send(c.safe, e, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", c.p.MasterName)
			a, perr := probe.ParseMasterAddr(r)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && notDelivered(err):
				// Refused: no Sentinel runs there, so none runs a
				// failover there either. An answer, not silence.
				v.down = append(v.down, Label+" ("+probe.Describe(e.Addr, errors.Unwrap(err))+")")
			case err != nil:
				v.silent = append(v.silent, steps.EndpointLabel(i)+" ("+probe.Describe(e.Addr, errors.Unwrap(err))+")")
			case perr != nil:
				v.elsewhere = append(v.elsewhere, Label+" names no primary ("+perr.Error()+")")
			case c.r.Prober.Topo.IsTarget(a):
				v.naming++
				v.addr = a
			default:
				v.elsewhere = append(v.elsewhere, Label+" still names "+a)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		r, err := c.r.Send(c.safe, c.r.Prober.Target, "ROLE")
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			v.targetErr = probe.Describe(c.r.Prober.Target.Addr, errors.Unwrap(err))
			return
		}
		if role, err := probe.ParseRole(r); err == nil && role.Role == probe.RolePrimary {
			v.targetMaster = true
		}
	}()
	wg.Wait()
	sort.Strings(v.elsewhere)
	sort.Strings(v.silent)
	sort.Strings(v.down)
	return v
}

// anyInProgress asks every Sentinel whether it is running a failover, and
// counts those that did not answer.
func (c *cutover) anyInProgress() (inProgress bool, silent int) {
	for _, e := range c.r.Prober.Sentinels {
		v, err := c.r.Send(c.safe, e, "SENTINEL", "MASTER", c.p.MasterName)
		if err != nil {
			if !notDelivered(err) {
				silent++
			}
			continue
		}
		var view probe.SentinelView
		if probe.ParseSentinelMaster(v, &view) == nil && view.FailoverInProgress() {
			inProgress = true
		}
	}
	return inProgress, silent
}

// fence turns the old primary into a read-only replica of the new one,
// disconnects its clients so they ask Sentinel again, and unpauses: the
// paused writes then fail with READONLY (or a closed connection) and
// go-redis retries them on the new primary.
func (c *cutover) fence(primary string) error {
	src := c.r.Prober.Source
	h, p, err := net.SplitHostPort(primary)
	if err != nil {
		h, p, _ = net.SplitHostPort(c.p.TargetListedAs)
	}
	c.say(steps.PhaseFencing, fmt.Sprintf("REPLICAOF %s %s on the old primary, then disconnect its clients", h, p), time.Time{}, nil)
	var failed []string
	unreachable := false
	for _, args := range [][]any{
		{"REPLICAOF", h, p},
		{"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"},
		{"CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "yes"},
	} {
		if _, err := c.sendRetryingClosed(src, args...); err != nil {
			if args[0] == "REPLICAOF" {
				unreachable = steps.ReplyCode(err) == "" && !steps.ConnectionClosed(err)
				err = explainReplicaOf(c.safe, c.r, src, h, p, "target", c.r.Prober.Target, err)
			}
			failed = append(failed, err.Error())
		}
	}
	c.res.FencedAt = time.Now()
	uerr := c.unpause()
	if uerr == nil {
		c.res.Stall = c.res.UnpausedAt.Sub(c.res.PausedAt)
		if c.res.PausedAt.IsZero() {
			c.res.Stall = 0
		}
		c.say(steps.PhaseUnpaused, fmt.Sprintf("unpaused: writes go to the target at %s", primary), time.Time{}, nil)
	} else {
		failed = append(failed, "CLIENT UNPAUSE: "+uerr.Error())
	}
	if len(failed) > 0 {
		next := "stop the old Redis at " + c.r.Prober.Topo.Source + " now: clients that never ask Sentinel may still write to it, and those writes are lost"
		if unreachable {
			// Split brain: the old primary is cut off with its pause.
			next = fmt.Sprintf("the old primary at %s does not answer flyover: its pause holds writes there until %s (its hard expiry), and the Sentinels make it a replica of the target when they reach it. "+
				"The moment it is reachable, run on it: REPLICAOF %s %s, then CLIENT KILL TYPE normal SKIPME yes and CLIENT KILL TYPE pubsub SKIPME yes (or stop it): "+
				"clients that never ask Sentinel may write to it after the pause, and those writes are lost",
				c.r.Prober.Topo.Source, c.pauseUntil.Format("15:04:05"), h, p)
		}
		return &steps.CutoverError{Phase: steps.PhaseFencing, Err: errors.New(strings.Join(failed, "; ")), PastPointOfNoReturn: true,
			Undone: "the target is the primary; the old primary is not fully fenced",
			Next:   next,
			Result: c.res}
	}
	return nil
}

// sendRetryingClosed sends an idempotent command, once more if the
// connection turned out to be closed (Sentinel and the fence itself kill
// client connections on the old primary).
func (c *cutover) sendRetryingClosed(e *probe.Endpoint, args ...any) (any, error) {
	v, err := c.r.SendMust(c.safe, e, args...)
	if err != nil && steps.ConnectionClosed(err) {
		return c.r.SendMust(c.safe, e, args...)
	}
	return v, err
}
