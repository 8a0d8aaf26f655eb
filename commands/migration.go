package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"flyover/driver"
	"flyover/fleet"
	"flyover/probe"
	"flyover/probe/events"
	"flyover/steps"
)

// migration is one master's unattended run: it feeds the driver polls
// and the flags' answers, and says what happens.
type migration struct {
	out     *migrateOut
	flags   *migrateFlags
	until   steps.StepID // steps.StepAbort: --abort
	p       *probe.Prober
	session *steps.Session
	events  <-chan events.Event
	drv     *driver.Driver
	tick    time.Duration

	observed     func(probe.Snapshot)
	tries        map[steps.StepID]int
	blockedSince time.Time
	blockedSaid  string
	// blockedSaidAt: when the wait for a block last said its time left.
	blockedSaidAt time.Time
	lastLag       time.Time
	phases        int // of the running step's, said so far
	aborted       bool
}

// maxTries bounds how often one step runs in one run: a step that
// succeeds and still is not done by the topology stops the run.
const maxTries = 3

// run feeds the driver until the plan is past --until, something stops
// it, or ctx ends; it returns the exit status.
func (m *migration) run(ctx, work context.Context) int {
	stop := ctx.Done()
	interrupted := false
	var polled time.Time
	for {
		// Idle, every round is a poll; while a step runs, its progress is
		// read every few milliseconds (the cutover's phases are short) and
		// the endpoints polled every tick, as the dashboard does.
		if !m.drv.Busy() || time.Since(polled) >= m.tick {
			m.observe(work)
			polled = time.Now()
		}
		switch {
		case m.drv.Busy():
			m.drain()
			if m.drv.Ended() {
				if code, end := m.finish(work, interrupted); end {
					return code
				}
			}
		case interrupted:
			return m.interrupted(work)
		default:
			if code, end := m.next(); end {
				return code
			}
		}
		wait := m.tick
		if m.drv.Busy() {
			wait = progressEvery
		}
		timer := time.NewTimer(wait)
		select {
		case <-stop:
			stop, interrupted = nil, true
			why := m.drv.Stop()
			if why == "" {
				why = "no step is running"
			}
			m.out.emit(MigrateEvent{Event: "interrupted", Message: why}, "signal: "+why)
		case <-timer.C:
		}
		timer.Stop()
	}
}

// progressEvery is how often a running step's progress is read.
const progressEvery = 20 * time.Millisecond

// observe polls every endpoint and hands the facts to the driver, as the
// dashboard's polls do.
func (m *migration) observe(ctx context.Context) {
	snap := m.p.Poll(ctx)
	m.session.Observe(snap)
	for more := true; more; {
		select {
		case e, ok := <-m.events:
			if !ok {
				m.events, more = nil, false
				break
			}
			m.session.ObserveEvent(m.p.Topo, e)
		default:
			more = false
		}
	}
	m.drv.Observe(m.session.Facts(m.p.Topo, snap), true)
	if m.observed != nil {
		m.observed(snap)
	}
	m.lag(snap)
}

// lag says how far behind the target is while it syncs, at most once a
// second.
func (m *migration) lag(snap probe.Snapshot) {
	_, id := m.drv.Running()
	switch id {
	case steps.StepAttach, steps.StepFullSync, steps.StepSteady:
	default:
		return
	}
	if time.Since(m.lastLag) < time.Second {
		return
	}
	m.lastLag = time.Now()
	l := snap.Link
	e := MigrateEvent{Event: "lag", Step: id, Link: string(l.Phase), InSync: &l.InSync}
	text := "lag unknown"
	if l.LagKnown {
		e.LagBytes = &l.LagBytes
		text = "lag " + probe.Bytes(l.LagBytes)
		if l.LagSeconds >= 0 {
			e.LagSeconds = &l.LagSeconds
			text += fmt.Sprintf(" (%.1f s behind)", l.LagSeconds)
		}
	}
	m.out.emit(e, fmt.Sprintf("%s: %s, link %s, in sync %t", id, text, l.Phase, l.InSync))
}

// next starts what the plan says comes next, or stops the run.
func (m *migration) next() (int, bool) {
	d := m.drv
	if m.until == steps.StepAbort {
		return m.abort()
	}
	if d.Reached(m.until) {
		m.out.emit(MigrateEvent{Event: "done", Step: m.until, Stage: string(d.Plan().Stage)},
			fmt.Sprintf("done up to %s (stage %s)", m.until, d.Plan().Stage))
		return migrateDone, true
	}
	if id, ok := d.Auto(); ok {
		return m.start(id, *d.Facts(), nil)
	}
	n := d.Next()
	switch n.Kind {
	case driver.NotReady, driver.Settling, driver.Busy:
		return 0, false
	case driver.Finished:
		m.out.emit(MigrateEvent{Event: "done", Stage: string(d.Plan().Stage)}, "every step is done")
		return migrateDone, true
	}
	blocks := d.Blocks()
	if n.Kind == driver.Blocked || n.Kind == driver.ReadOnly || (n.Step.Survey && len(blocks) > 0) {
		return m.blocked(n, blocks)
	}
	m.blockedSince, m.blockedSaid = time.Time{}, ""
	return m.start(n.Step.ID, n.Facts, driver.Answer(n.Confirmations, m.flags.answer))
}

// blocked waits --blocked-for for blocks that may clear by themselves
// (a Sentinel's flag, a lag that catches up), saying so with the time
// left, then stops the run with one line per reason; a block that cannot
// clear by itself stops it at once.
func (m *migration) blocked(n driver.Next, blocks []steps.Check) (int, bool) {
	id := m.drv.Plan().Current
	now := time.Now()
	if m.blockedSince.IsZero() {
		m.blockedSince = now
	}
	if len(blocks) == 0 {
		blocks = []steps.Check{{ID: string(id), Title: driver.Title(id), Level: steps.Block, Detail: n.Why, Clears: n.Kind != driver.ReadOnly}}
	}
	left := m.flags.blockedFor - now.Sub(m.blockedSince)
	if len(steps.Lasting(blocks)) == 0 && left > 0 {
		// A survey's blocks come partly from what it read (readiness):
		// those clear only when it reads again, which is not a try.
		if r, ran := m.drv.Result(id); n.Step != nil && n.Step.Survey && ran && now.Sub(r.At) >= surveyAgainEvery {
			m.tries[id]--
			return m.start(id, n.Facts, driver.Answer(n.Confirmations, m.flags.answer))
		}
		if say := blocks[0].Title; say != m.blockedSaid || now.Sub(m.blockedSaidAt) >= waitingEvery {
			m.blockedSaid, m.blockedSaidAt = say, now
			m.out.emit(MigrateEvent{Event: "waiting", Step: id, Check: blocks[0].ID, RemainingMS: left.Milliseconds(),
				Message: "waiting for it to clear by itself: " + checkLine(blocks[0])},
				fmt.Sprintf("%s waits for it to clear by itself (%s left of --blocked-for %s): %s", id, left.Round(100*time.Millisecond), m.flags.blockedFor, checkLine(blocks[0])))
		}
		return 0, false
	}
	for _, c := range blocks {
		m.out.emit(MigrateEvent{Event: "blocked", Step: id, Check: c.ID, Title: c.Title, Detail: c.Detail, Fix: c.Fix, Clears: c.Clears},
			fmt.Sprintf("blocked at %s: %s", id, checkLine(c)))
	}
	return migrateStopped, true
}

// surveyAgainEvery is how often a survey (preflight) blocked by what may
// clear by itself reads again while the run waits.
const surveyAgainEvery = 3 * time.Second

// waitingEvery is how often a wait for a block to clear says again how
// long it has left.
const waitingEvery = 2 * time.Second

// checkLine is a check as one line: title, what was found, the fix.
func checkLine(c steps.Check) string {
	s := c.Title
	if c.Detail != "" {
		s += ": " + c.Detail
	}
	if c.Fix != "" {
		s += " (fix: " + c.Fix + ")"
	}
	return s
}

// abort runs the way back once, with the flags' answers.
func (m *migration) abort() (int, bool) {
	if m.aborted {
		m.out.emit(MigrateEvent{Event: "done", Step: steps.StepAbort, Stage: string(m.drv.Plan().Stage)}, "aborted")
		return migrateDone, true
	}
	if !m.drv.Ready() {
		return 0, false
	}
	n := m.drv.Abort()
	if n.Kind != driver.Ask {
		c := steps.Check{ID: "abort", Title: "the abort", Level: steps.Block, Detail: n.Why}
		m.out.emit(MigrateEvent{Event: "blocked", Step: steps.StepAbort, Check: c.ID, Title: c.Title, Detail: c.Detail},
			"blocked at abort: "+n.Why)
		return migrateStopped, true
	}
	m.aborted = true
	return m.start(steps.StepAbort, n.Facts, driver.Answer(n.Confirmations, m.flags.answer))
}

// start runs step id with answers a; it stops the run when the step does
// not start, or has run too often.
func (m *migration) start(id steps.StepID, f steps.Facts, a steps.Answers) (int, bool) {
	if m.tries[id] >= maxTries {
		st := m.drv.Plan().State(id)
		m.out.emit(MigrateEvent{Event: "failed", Step: id, Error: "ran " + fmt.Sprint(maxTries) + " times: " + st.Reason},
			fmt.Sprintf("%s ran %d times and the topology still does not show it done: %s", id, maxTries, st.Reason))
		return migrateStopped, true
	}
	m.tries[id]++
	m.phases = 0
	var answered []string
	for k, v := range a {
		answered = append(answered, k+"="+v)
	}
	msg := driver.Title(id)
	if len(answered) > 0 {
		msg += " (answers: " + strings.Join(sortedStrings(answered), ", ") + ")"
	}
	if s := steps.Lookup(id); s != nil && s.PointOfNoReturn {
		if worst := steps.CutoverWorstCase(f, m.drv.Options()); worst != "" {
			m.out.emit(MigrateEvent{Event: "note", Step: id, Message: worst}, string(id)+": "+worst)
		}
	}
	ok, err := m.drv.RunNow(id, f, a)
	if ok {
		m.blockedSaid = ""
		m.out.emit(MigrateEvent{Event: "step-start", Step: id, Title: driver.Title(id), Answers: a}, "start "+string(id)+": "+msg)
		return 0, false
	}
	var turn *fleet.WaitingError
	if errors.As(err, &turn) {
		// A fleet's turn: asked again on the next round.
		m.tries[id]--
		if say := turn.Why; say != m.blockedSaid {
			m.blockedSaid = say
			m.out.emit(MigrateEvent{Event: "waiting", Step: id, Message: turn.Error()}, fmt.Sprintf("%s %s", id, turn.Error()))
		}
		return 0, false
	}
	m.out.emit(MigrateEvent{Event: "step-end", Step: id, Error: errString(err)}, fmt.Sprintf("%s not started: %v", id, err))
	return migrateStopped, true
}

// drain says each new phase of the running step (a short one, read
// after the next has begun, by its name alone).
func (m *migration) drain() {
	m.drv.Drain()
	p, ok := m.drv.Progress()
	_, id := m.drv.Running()
	phases := m.drv.Phases()
	if !ok || len(phases) <= m.phases {
		return
	}
	for _, ph := range phases[m.phases:] {
		msg := ""
		if ph.Phase == p.Phase {
			msg = p.Message
		}
		m.out.emit(MigrateEvent{At: ph.At, Event: "phase", Step: id, Phase: ph.Phase, Message: msg},
			strings.TrimSuffix(fmt.Sprintf("%s: %s: %s", id, ph.Phase, msg), ": "))
	}
	m.phases = len(phases)
}

// finish records how the running step ended and says so; true when the
// run ends here.
func (m *migration) finish(work context.Context, interrupted bool) (int, bool) {
	m.drain()
	last, _ := m.drv.Finish()
	took := last.Took.Round(time.Millisecond)
	f := m.drv.Facts()
	if rb := f.ReadBack; rb != nil && rb.Step == last.ID {
		m.out.emit(MigrateEvent{At: last.Ended, Event: "read-back", Step: last.ID, ReadBack: rb}, fmt.Sprintf("%s: canary read-back: %s", last.ID, rb.Summary()))
	}
	if last.Err != nil {
		m.out.emit(MigrateEvent{At: last.Ended, Event: "step-end", Step: last.ID, TookMS: took.Milliseconds(), Error: last.Err.Error()},
			fmt.Sprintf("%s failed after %s: %v", last.ID, took, last.Err))
		if n := syncStopNote(last.ID, f.Sync.Stopped); n != "" {
			m.out.emit(MigrateEvent{Event: "note", Step: last.ID, Message: n}, string(last.ID)+": "+n)
		}
		if interrupted {
			return m.interrupted(work), true
		}
		// A survey whose blocks may all clear by themselves (a Sentinel's
		// flag right after a partition heals) is given --blocked-for:
		// next waits for them, saying so, and runs it again.
		if b := m.drv.Blocks(); steps.Lookup(last.ID).Survey && len(b) > 0 && len(steps.Lasting(b)) == 0 && m.flags.blockedFor > 0 {
			return 0, false
		}
		// A survey that fails says why in its checks: one line each.
		for _, c := range m.drv.Blocks() {
			m.out.emit(MigrateEvent{Event: "blocked", Step: m.drv.Plan().Current, Check: c.ID, Title: c.Title, Detail: c.Detail, Fix: c.Fix},
				fmt.Sprintf("blocked at %s: %s", m.drv.Plan().Current, checkLine(c)))
		}
		return migrateStopped, true
	}
	m.out.emit(MigrateEvent{At: last.Ended, Event: "step-end", Step: last.ID, TookMS: took.Milliseconds()}, fmt.Sprintf("%s done in %s", last.ID, took))
	switch last.ID {
	case steps.StepPreflight:
		for _, c := range m.drv.Plan().Survey().Checks {
			m.out.check(last.ID, c)
		}
	case steps.StepCutover:
		if r := f.Cutover; r != nil {
			m.out.emit(MigrateEvent{Event: "cutover", Step: last.ID, Cutover: &MigrateCutover{
				StallMS: ms(r.Stall), DrainMS: ms(r.Drain), PromoteMS: ms(r.Promote),
				FailoverAttempts: r.FailoverAttempts, NewPrimary: r.NewPrimary, SentinelsNaming: r.SentinelsNaming,
			}}, fmt.Sprintf("cutover: writes stalled %s (drain %s, promotion %s); new primary %s, named by %d Sentinels",
				r.Stall.Round(time.Millisecond), r.Drain.Round(time.Millisecond), r.Promote.Round(time.Millisecond), r.NewPrimary, r.SentinelsNaming))
		}
	case steps.StepReport:
		if f.Report != "" {
			m.out.emit(MigrateEvent{Event: "report", Report: absPath(f.Report)}, "report "+absPath(f.Report))
		}
	}
	if interrupted {
		return m.interrupted(work), true
	}
	return 0, false
}

// interrupted is the exit status of a run stopped by a signal once no
// step runs: 3 past the point of no return with the fence finished, else 1.
func (m *migration) interrupted(work context.Context) int {
	m.observe(work)
	plan := m.drv.Plan()
	switch plan.Stage {
	case steps.StagePromoting, steps.StagePromoted, steps.StagePromotedUnannounced:
	default:
		m.out.emit(MigrateEvent{Event: "stopped", Stage: string(plan.Stage), Message: "interrupted before the point of no return"},
			fmt.Sprintf("interrupted before the point of no return: nothing promoted, the source unpaused (stage %s, next %s)", plan.Stage, plan.Current))
		return migrateStopped
	}
	if st := plan.State(steps.StepCutover); st.Status != steps.Done {
		m.out.emit(MigrateEvent{Event: "stopped", Stage: string(plan.Stage), Step: steps.StepCutover, Error: st.Reason},
			fmt.Sprintf("interrupted after SENTINEL FAILOVER and the cutover is not finished: %s: run flyover migrate again with --until cutover --confirm-master", st.Reason))
		return migrateStopped
	}
	m.out.emit(MigrateEvent{Event: "stopped", Stage: string(plan.Stage), Step: plan.Current, Message: "interrupted after the point of no return; the fence finished"},
		fmt.Sprintf("interrupted after the point of no return: the target is the primary, the old one fenced; remaining: %s (run flyover migrate again to finish)", plan.Current))
	return migratePastNoReturn
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// syncStopNote is what an unattended run adds to the full sync's stop: the
// run ends there, and the next one starts from the live topology, without
// this stop's figures.
func syncStopNote(id steps.StepID, st *steps.SyncStop) string {
	if id != steps.StepFullSync || st == nil || st.Fix == nil {
		return ""
	}
	return "to go on, send the CONFIG SET above to the source (keep its old value to put back), then run flyover migrate again; " +
		"--raise-output-buffer alone may not do: a new run raises the limit only when its own prediction says the sync overflows"
}
