package switchover

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/steps"
)

// The guarded cutover on a source without CLIENT PAUSE WRITE and CLIENT
// UNPAUSE (Redis 6.0), as seen on a real 6.0.20:
//
//   - CLIENT PAUSE <ms> holds every normal client's commands, reads and
//     flyover's own included, until it expires; replicas keep streaming.
//     So the source's offset is read in the same MULTI as the pause, and
//     the drain reads only the target's own offset.
//   - The pause cannot be lifted early: its length is the stall, and a
//     cutover that stops before SENTINEL FAILOVER waits for it to end.
//   - When the pause ends, the held commands run in an order flyover
//     cannot choose: a held write could run on the old primary before the
//     fence's REPLICAOF and be acknowledged there, then lost. So the same
//     MULTI arms a fence of its own: min-replicas-to-write set to the
//     replicas the source counts as good now. Once Sentinel promotes the
//     target, the target leaves the source, the count drops, and the old
//     primary answers -NOREPLICAS to every write: failed, never
//     acknowledged, never lost. It is put back after the fence, or after
//     the pause on a stop.

// pauseAllArm is the min-replicas setting the pause arms, and what it was.
type pauseAllArm struct {
	Replicas   int   // replicas online on the source now: the armed min-replicas-to-write
	WasToWrite int64 // min-replicas-to-write before
	WasMaxLag  int64 // min-replicas-max-lag before
	SetMaxLag  bool  // max-lag was 0 (off) and is set to 10 for the pause
}

func (a pauseAllArm) setCommands() [][]any {
	cs := [][]any{{"CONFIG", "SET", "min-replicas-to-write", strconv.Itoa(a.Replicas)}}
	if a.SetMaxLag {
		cs = append(cs, []any{"CONFIG", "SET", "min-replicas-max-lag", "10"})
	}
	return cs
}

func (a pauseAllArm) restoreCommands() [][]any {
	cs := [][]any{{"CONFIG", "SET", "min-replicas-to-write", strconv.FormatInt(a.WasToWrite, 10)}}
	if a.SetMaxLag {
		cs = append(cs, []any{"CONFIG", "SET", "min-replicas-max-lag", strconv.FormatInt(a.WasMaxLag, 10)})
	}
	return cs
}

func (c *cutover) runPauseAll(ctx context.Context) (steps.CutoverResult, error) {
	src := c.r.Prober.Source
	if !c.p.JudgeByTarget { // preflight's source-version check blocks it first (versions.go)
		return c.res, &steps.CutoverError{Phase: steps.PhasePausing, Result: c.res,
			Err:    errors.New(c.p.Source + " pauses flyover's reads of it too, so the drain must read the target's own offset, which this target does not report as the source's byte offset"),
			Undone: "nothing was sent",
			Next:   "upgrade the target to Dragonfly v1.39 or later, or the source to Redis 6.2 or later"}
	}
	arm, err := c.readArm(ctx)
	if err != nil {
		return c.res, &steps.CutoverError{Phase: steps.PhasePausing, Err: err, Result: c.res, Undone: "nothing was changed",
			Next: "check the source and that flyover's user may run CONFIG GET and INFO there, then run the cutover again"}
	}

	// 1. One transaction: arm the fence, pause every client, read the
	// offset at that instant.
	ms := strconv.FormatInt(c.p.Pause.Milliseconds(), 10)
	c.say(steps.PhasePausing, fmt.Sprintf("MULTI: min-replicas-to-write %d, CLIENT PAUSE %s (every client, reads too: it cannot be lifted early), INFO replication; EXEC",
		arm.Replicas, ms), time.Time{}, nil)
	cmds := append(arm.setCommands(), []any{"CLIENT", "PAUSE", ms}, []any{"INFO", "replication"})
	c.res.PausedAt, c.res.PausedAllClients = time.Now(), true
	c.pauseUntil = c.res.PausedAt.Add(c.p.Pause)
	replies, err := c.r.SendTx(ctx, src, false, cmds...)
	if err != nil {
		// The transaction may have run, pause and all.
		return c.res, c.stopPauseAll(steps.PhasePausing, arm, err, "check the source and that the user may run MULTI, CONFIG SET and CLIENT PAUSE, then run the cutover again")
	}
	c.frozenSource = true
	c.sourceOffset = probe.ParseInfo(probe.AsString(replies[len(replies)-1])).Int("master_repl_offset")

	// 2. Drain, within the pause less what Sentinel needs.
	saved := c.o.DrainTimeout
	c.o.DrainTimeout = min(saved, time.Until(c.pauseUntil.Add(-c.o.PromoteReserve)).Round(time.Millisecond))
	err = c.drain(ctx)
	c.o.DrainTimeout = saved
	if err != nil {
		return c.res, c.stopPauseAll(steps.PhaseDraining, arm, err, "the target is not keeping up or not answering: check it and the link, wait for a steady state, and run the cutover again")
	}

	// 3. SENTINEL FAILOVER, only while the pause outlasts the promotion.
	c.failoverBy = c.pauseUntil.Add(-c.o.PromoteReserve)
	if left := time.Until(c.pauseUntil); left < c.o.PromoteReserve {
		return c.res, c.stopPauseAll(steps.PhaseFailover, arm,
			fmt.Errorf("only %s of the pause was left, less than the %s Sentinel's promotion needs: SENTINEL FAILOVER was not sent", left.Round(time.Millisecond), c.o.PromoteReserve),
			"run the cutover again; if it keeps happening, lengthen the pause (CutoverOptions.PauseAll)")
	}
	if err := c.failover(ctx); err != nil {
		return c.res, c.stopPauseAll(steps.PhaseFailover, arm, err, failoverNext(err))
	}

	// 4. The promotion. The pause is never renewed: on this version that
	// would hold flyover too.
	primary, err := c.awaitPromotion(c.res.FailoverAt, false)
	if errors.Is(err, errNotPromoted) {
		return c.res, c.stopPauseAll(steps.PhasePromoting, arm, err, "read the Sentinels' logs for -failover-abort-*; when the cause is fixed, run the cutover again")
	}
	if c.res.PromotedAt.After(c.pauseUntil) {
		c.res.Notes = append(c.res.Notes, fmt.Sprintf("the pause ended %s before Sentinel promoted the target: writes in between were refused by the armed min-replicas-to-write once the target left the source",
			c.res.PromotedAt.Sub(c.pauseUntil).Round(time.Millisecond)))
	}

	// 5. Fence once the pause has ended, then put min-replicas back.
	c.awaitPauseEnd(steps.PhaseFencing, "REPLICAOF and CLIENT KILL on the old primary")
	err = c.fence(primary)
	c.restoreArm(arm)
	return c.res, err
}

// readArm reads what the fence arms: how many replicas the source
// counts now (online), and its min-replicas settings.
func (c *cutover) readArm(ctx context.Context) (pauseAllArm, error) {
	src := c.r.Prober.Source
	var a pauseAllArm
	v, err := c.r.Send(ctx, src, "INFO", "replication")
	if err != nil {
		return a, err
	}
	for _, l := range probe.ParseInfo(probe.AsString(v)).ReplicaLines() {
		if l.State == "online" {
			a.Replicas++
		}
	}
	if a.Replicas == 0 {
		return a, errors.New("the source lists no replica online, so the fence cannot be armed")
	}
	for _, p := range []struct {
		name string
		into *int64
	}{{"min-replicas-to-write", &a.WasToWrite}, {"min-replicas-max-lag", &a.WasMaxLag}} {
		v, err := c.r.Send(ctx, src, "CONFIG", "GET", p.name)
		if err != nil {
			return a, err
		}
		got, ok := readiness.ConfigValue(v, p.name)
		if !ok {
			return a, fmt.Errorf("CONFIG GET %s: no value in the reply", p.name)
		}
		if *p.into, err = strconv.ParseInt(got, 10, 64); err != nil {
			return a, fmt.Errorf("CONFIG GET %s: %q", p.name, got)
		}
	}
	a.SetMaxLag = a.WasMaxLag == 0
	a.Replicas = max(a.Replicas, int(a.WasToWrite))
	return a, nil
}

// awaitPauseEnd waits until the pause has lifted by itself: commands sent
// before would only wait in the source's queue.
func (c *cutover) awaitPauseEnd(phase, then string) {
	if d := time.Until(c.pauseUntil); d > 0 {
		c.say(phase, fmt.Sprintf("the pause lifts by itself at %s (it cannot be lifted early on %s); then %s",
			c.pauseUntil.Format("15:04:05.000"), c.p.Source, then), c.pauseUntil, nil)
		time.Sleep(d)
	}
}

// restoreArm puts min-replicas-to-write (and max-lag) back. A failure is
// a note: the old primary refuses writes until it is put back by hand.
func (c *cutover) restoreArm(a pauseAllArm) {
	for _, cmd := range a.restoreCommands() {
		if _, err := c.sendRetryingClosed(c.r.Prober.Source, cmd...); err != nil {
			c.res.Notes = append(c.res.Notes, fmt.Sprintf("could not put %s back (%v): run CONFIG SET %s %s on the source", cmd[2], err, cmd[2], cmd[3]))
		}
	}
}

// stopPauseAll stops a cutover before the point of no return on a source
// whose pause cannot be lifted: it waits for the pause to end, puts
// min-replicas back, and describes the result.
func (c *cutover) stopPauseAll(phase string, a pauseAllArm, cause error, next string) error {
	c.awaitPauseEnd(steps.PhaseUndoing, fmt.Sprintf("min-replicas-to-write back to %d", a.WasToWrite))
	// The first command answered after the pause is when clients ran again.
	c.restoreArm(a)
	c.res.UnpausedAt = time.Now()
	c.res.Stall = c.res.UnpausedAt.Sub(c.res.PausedAt)
	undone := fmt.Sprintf("the pause lifted by itself at %s (%s cannot lift it early); min-replicas-to-write put back to %d; nothing else changed",
		c.pauseUntil.Format("15:04:05.000"), c.p.Source, a.WasToWrite)
	c.say(steps.PhaseAborted, undone, time.Time{}, nil)
	return &steps.CutoverError{Phase: phase, Err: cause, Undone: undone, Next: next, Result: c.res}
}

// readTargetOffset is the drain's reading when the source is paused for
// every client: the offset read with the pause, against the target's own.
func (c *cutover) readTargetOffset(ctx context.Context, tgt *probe.Endpoint) (steps.Offsets, bool, error) {
	off := steps.Offsets{Source: c.sourceOffset, JudgedBy: "target's slave_repl_offset (source's offset read with the pause)"}
	v, err := c.r.Send(ctx, tgt, "INFO", "replication")
	if err != nil {
		return off, false, err
	}
	ti := probe.ParseInfo(probe.AsString(v))
	if !ti.Has("slave_repl_offset") {
		return off, false, errors.New("the target reports no slave_repl_offset")
	}
	off.Target = ti.Int("slave_repl_offset")
	return off, true, nil
}
