package steps

import (
	"context"
	"fmt"
	"slices"
	"time"

	"flyover/probe"
	"flyover/probe/access"
	"flyover/probe/fullsync"
	"flyover/steps/auditlog"
)

// The full sync's guard: predict whether the source's replica output
// buffer limit lets the sync finish (preflight), stop a sync the source
// keeps dropping before it forks again (the full-sync step, so the
// checklist, autoplay, the fleet and `flyover migrate` all stop it), and
// offer the fix (the attach step's first question; the report's restore).

// MaxSyncRestarts is how many times the source may drop the target's sync
// before flyover stops it: each restart is a fork of the production
// primary (its stall, its copy-on-write memory) and a whole new transfer.
const MaxSyncRestarts = 2

// SyncFacts are what this session did about the full sync.
type SyncFacts struct {
	// Stopped is the loop flyover stopped whose fix is not applied yet,
	// nil when none; Stops every loop it stopped, oldest first (the
	// report's history).
	Stopped *SyncStop  `json:"stopped,omitempty"`
	Stops   []SyncStop `json:"stops,omitempty"`
	// Raised is the source's limit flyover raised (the old value is what
	// to restore), nil when it did not; Restored once it put it back.
	Raised   *BufferRaise `json:"raised,omitempty"`
	Restored bool         `json:"restored,omitempty"`
	// Synced is when the target first streamed after the raise (zero:
	// not yet, or no raise).
	Synced time.Time `json:"synced,omitempty"`
}

// SyncStop is a sync flyover stopped after MaxSyncRestarts restarts.
type SyncStop struct {
	At       time.Time           `json:"at"`
	Restarts int                 `json:"restarts"`
	Drops    []fullsync.SyncDrop `json:"drops"`
	// Fix is the raised limit that would let it finish, when the buffer
	// was the cause and the limit is known.
	Fix *BufferRaise `json:"fix,omitempty"`
	// Forgot is how many SENTINEL RESETs made the Sentinels that listed
	// the target forget it; ForgetErr why they could not; SentBack how
	// many times a Sentinel sent the target back to the source all the
	// same (+convert-to-slave) and flyover stopped it again.
	Forgot    int    `json:"forgot,omitempty"`
	ForgetErr string `json:"forget_error,omitempty"`
	SentBack  int    `json:"sent_back,omitempty"`
}

// BufferRaise is a change of the source's replica output buffer limit.
type BufferRaise struct {
	Old  fullsync.Limit `json:"old"`
	New  fullsync.Limit `json:"new"`
	Word string         `json:"class"` // replica, or slave on Redis < 5
	// Why are the figures it was computed from.
	Why string `json:"why"`
	// At is when flyover sent it (zero: a fix not sent).
	At time.Time `json:"at,omitempty"`
}

// SetArgs is the CONFIG SET that raises the limit.
func (b BufferRaise) SetArgs() []string {
	return []string{"CONFIG", "SET", "client-output-buffer-limit", b.New.Value(b.Word)}
}

// RestoreArgs is the CONFIG SET that puts the old limit back.
func (b BufferRaise) RestoreArgs() []string {
	return []string{"CONFIG", "SET", "client-output-buffer-limit", b.Old.Value(b.Word)}
}

// SetSyncStopped records the loop flyover stopped (nil: none, or its fix
// applied since).
func (s *Session) SetSyncStopped(st *SyncStop) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync.Stopped = st
	if st != nil {
		s.sync.Stops = append(slices.Clip(s.sync.Stops), *st) // Facts handed out keep theirs
	}
}

func (s *Session) setBufferRaised(b *BufferRaise) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync.Raised, s.sync.Restored, s.sync.Synced = b, false, time.Time{}
}

// observeSync notes when the target first streams after the raise (the
// sync the raise let finish). Called by Observe, locked.
func (s *Session) observeSync(snap probe.Snapshot) {
	if s.sync.Raised != nil && s.sync.Synced.IsZero() && snap.Link.Phase == probe.PhaseOnline && snap.At.After(s.sync.Raised.At) {
		s.sync.Synced = snap.At
	}
}

func (s *Session) setBufferRestored() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync.Restored = true
}

// SyncFigures are the snapshot's figures for the prediction.
func SyncFigures(f Facts) fullsync.Figures {
	src := &f.Snapshot.Source
	w := &f.Snapshot.FullSync
	rate := f.Snapshot.Link.RateBytes
	if rate <= 0 {
		rate = src.Sync.InputKbps * 1024
	}
	return fullsync.Figures{UsedMemory: src.UsedMemory, Keys: src.Keys(), ForkUsec: src.Sync.ForkUsec,
		WriteBytesPerSec: rate, ReplTimeout: w.ReplTimeout}
}

// PredictSync is the prediction from f, and whether the source's limit is
// known (without it there is nothing to predict against).
func PredictSync(f Facts) (fullsync.Estimate, bool) {
	w := &f.Snapshot.FullSync
	if w.Limit == nil {
		return fullsync.Estimate{}, false
	}
	return fullsync.Predict(SyncFigures(f), *w.Limit), true
}

// BufferFix is the raise that would let the sync finish. After a stop it
// is the stop's (one figure: the stop's message, the attach's offer and
// preflight's fix say the same), unless the limit is no longer the one
// the stop saw or a drop since the stop demands more; then the figure of
// now, its Why saying why it differs from the stop's.
func BufferFix(f Facts) *BufferRaise {
	fix := predictedFix(f)
	st, lim := f.Sync.Stopped, f.Snapshot.FullSync.Limit
	if st == nil || st.Fix == nil || lim == nil {
		return fix
	}
	was := st.Fix.Old.Value(st.Fix.Word)
	if *lim != st.Fix.Old {
		if fix != nil {
			fix.Why = fmt.Sprintf("not the stop's %q: the limit changed since the stop (it was %q); %s", st.Fix.New.Value(st.Fix.Word), was, fix.Why)
		}
		return fix
	}
	var since *fullsync.SyncDrop
	for i, d := range f.Snapshot.FullSync.Drops {
		if d.Cause.Buffer() && d.At.After(st.At) {
			since = &f.Snapshot.FullSync.Drops[i]
		}
	}
	if fix != nil && since != nil && (fix.New.Hard > st.Fix.New.Hard || fix.New.Soft > st.Fix.New.Soft || fix.New.SoftSeconds > st.Fix.New.SoftSeconds) {
		fix.Why = fmt.Sprintf("more than the stop's %q: the source dropped the sync again since (%s); %s", st.Fix.New.Value(st.Fix.Word), since.Reason, fix.Why)
		return fix
	}
	return st.Fix
}

// predictedFix is the raise from the facts of now: from the prediction,
// and, once the source has dropped the sync for its buffer, at least the
// limit it hit with headroom. Nil when the limit is unknown or nothing
// needs raising.
func predictedFix(f Facts) *BufferRaise {
	w := &f.Snapshot.FullSync
	e, ok := PredictSync(f)
	if !ok {
		return nil
	}
	lim := *w.Limit
	peak, why := e.BufferPeak, fmt.Sprintf("predicted peak %s (writes at %s/s over a %s sync)",
		probe.Bytes(e.BufferPeak), probe.Bytes(int64(SyncFigures(f).WriteBytesPerSec)), e.Total.Round(time.Second))
	if len(bufferDrops(f)) > 0 {
		peak = max(peak, lim.Hard, lim.Soft)
		why = fmt.Sprintf("the source dropped the sync for its buffer limit; %s", why)
	} else if e.Fits {
		return nil
	}
	r := fullsync.Recommend(lim, peak, e.Total)
	if r == lim {
		return nil
	}
	word := "replica"
	if f.Snapshot.Source.Sync.Limits != nil && f.Snapshot.Source.Sync.Limits.ReplicaWord == "slave" && !probe.VersionAtLeast(f.Snapshot.Source.Version, 5, 0) {
		word = "slave"
	}
	return &BufferRaise{Old: lim, New: r, Word: word, Why: why}
}

// bufferDrops are the drops since the attach (or of the stopped loop)
// that the buffer limit caused.
func bufferDrops(f Facts) []fullsync.SyncDrop {
	drops := f.Snapshot.FullSync.Drops
	if st := f.Sync.Stopped; st != nil && len(drops) == 0 {
		drops = st.Drops
	}
	var out []fullsync.SyncDrop
	for _, d := range drops {
		if d.Cause.Buffer() {
			out = append(out, d)
		}
	}
	return out
}

// StopLoop is the full-sync step's guard: after MaxSyncRestarts restarts
// it stops the sync with REPLICAOF NO ONE on the target, the undo of
// flyover's own attach on a target that serves no one yet (as the cutover
// lifts its own pause): no question, but written to the audit log before
// it is sent, with the whole of why (every figure, the last drop's
// reason). It returns the stop and REPLICAOF NO ONE's error; the caller
// (steps/plan) makes the Sentinels forget the target, records the stop
// (SetSyncStopped) and fails the step with StopMessage: short enough to
// read beside the checklist at 80x24. The count is read again from the
// source's own counter (sync_full since the attach) once the target was
// told to stop, so that a stop that came after one more restart says so.
func StopLoop(ctx context.Context, r *Runner, f Facts) (*SyncStop, error) {
	w := &f.Snapshot.FullSync
	drops := append([]fullsync.SyncDrop(nil), w.Drops...)
	restarts, fulls := w.Restarts(), w.FullSyncs
	why := fmt.Sprintf("the source dropped the target's full sync %d times (%d full syncs since the attach)", restarts, fulls)
	if last := w.LastDrop(); last != nil {
		why += "; last: " + last.Reason
	}
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: StepFullSync, Endpoint: "target", Addr: r.Prober.Target.Addr,
		Message: "stopping the full sync before the source forks again: " + why}, true)
	_, err := r.Send(ctx, r.Prober.Target, "REPLICAOF", "NO", "ONE")
	if n := r.Prober.Source.PollNode(ctx); n.Reachable && w.Baseline >= 0 && n.Sync.SyncFull-w.Baseline > fulls {
		fulls = n.Sync.SyncFull - w.Baseline
		restarts = max(restarts, int(fulls-1))
	}
	return &SyncStop{At: time.Now(), Restarts: restarts, Drops: drops, Fix: BufferFix(f)}, err
}

// StopMessage is the stop in three short sentences: what happened, with
// its figures (the drops, the last one's cause and its limit); what
// flyover did (REPLICAOF NO ONE on the target, SENTINEL RESET where a
// Sentinel listed it), or what it could not; and the next action, the
// exact CONFIG SET first. The whole of why is in the audit log; the
// stop's history in the report.
func StopMessage(st *SyncStop, sendErr error) string {
	what := fmt.Sprintf("the source dropped it %d times", st.Restarts)
	if st.Restarts > MaxSyncRestarts {
		what += fmt.Sprintf(" (%d more than flyover lets through)", st.Restarts-MaxSyncRestarts)
	}
	if n := len(st.Drops); n > 0 {
		what += "; last: " + st.Drops[n-1].Short()
	}
	done := "flyover sent REPLICAOF NO ONE to the target"
	switch {
	case sendErr != nil:
		done = fmt.Sprintf("flyover could not stop it (REPLICAOF NO ONE on the target: %v): send it yourself before the source forks again", sendErr)
	case st.ForgetErr != "":
		done += fmt.Sprintf(", but Sentinel may send it back (%s): SENTINEL RESET them yourself", st.ForgetErr)
	case st.Forgot > 0:
		done += " and made the Sentinels forget it"
	}
	if st.SentBack > 0 && sendErr == nil {
		done += fmt.Sprintf(" (again after Sentinel sent it back %d×)", st.SentBack)
	}
	next := "read the source's log and the target's, fix the cause, then attach again"
	if st.Fix != nil {
		next = fmt.Sprintf("raise the source's limit: CONFIG SET client-output-buffer-limit %q (now %q), then attach again",
			st.Fix.New.Value(st.Fix.Word), st.Fix.Old.Value(st.Fix.Word))
	}
	return fmt.Sprintf("full sync stopped: %s. %s. Next: %s.", what, done, next)
}

// SyncInTrouble: the full sync in f may be dropped before flyover's next
// poll: the source dropped it already, its buffer for the target is past
// half its limit, or the prediction says it overflows (the operator kept
// the limit). The full-sync step then watches it closely.
func SyncInTrouble(f Facts) bool {
	w := &f.Snapshot.FullSync
	if w.Restarts() > 0 || w.Fill >= 0.5 {
		return true
	}
	e, ok := PredictSync(f)
	return ok && !e.Fits
}

// BufferRaiseConfirmations are the attach step's offer of the fix, asked
// before the attach: when the prediction says the buffer overflows, or
// the source dropped the last sync for it. Optional: no attaches anyway
// (and the guard stops a loop again).
func BufferRaiseConfirmations(f Facts) []Confirmation {
	fix := BufferFix(f)
	if fix == nil {
		return nil
	}
	return []Confirmation{{
		ID: "raise-buffer", Kind: ConfirmYesNo, Optional: true,
		Prompt: fmt.Sprintf("Raise the source's replica output buffer limit to %q first (now %q: the audit log keeps it, the decommission offers to put it back)? %s",
			fix.New.Value(fix.Word), fix.Old.Value(fix.Word), fix.Why),
		Commands: []Command{{Endpoint: "source", Addr: f.Topo.Source, Args: fix.SetArgs()}},
	}}
}

// RunBufferRaise sends the fix when it was confirmed (on the fix computed
// from the facts the operator saw), after writing the old value to the
// audit log, and makes the source's next poll read the limit again.
func RunBufferRaise(ctx context.Context, r *Runner, f Facts, a Answers, progress func(Progress)) error {
	if !IsYes(a["raise-buffer"]) {
		return nil
	}
	fix := BufferFix(f)
	if fix == nil {
		return nil
	}
	progress(Progress{Phase: "raise-buffer", Message: "CONFIG SET client-output-buffer-limit " + fix.New.Value(fix.Word), Fraction: -1})
	if _, err := r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: StepAttach, Endpoint: "source", Addr: r.Prober.Source.Addr,
		Message: fmt.Sprintf("the source's client-output-buffer-limit before flyover raised it: %q (restore: CONFIG SET client-output-buffer-limit %q)",
			fix.Old.Value(fix.Word), fix.Old.Value(fix.Word))}, true); err != nil {
		return fmt.Errorf("not raised, nothing sent: the audit log cannot keep the old value: %w", err)
	}
	if _, err := r.Send(ctx, r.Prober.Source, access.AnyArgs(nil, fix.SetArgs())...); err != nil {
		return fmt.Errorf("the source refused the raised limit (%w): raise it yourself or answer no; nothing else was sent", err)
	}
	raised := *fix // the stop's own fix stays as the stop saw it
	raised.At = time.Now()
	r.Session.setBufferRaised(&raised)
	r.Session.SetSyncStopped(nil) // fixed: Stops keep it for the report
	r.Prober.Source.RefreshLimits()
	return nil
}

// SyncReportLines are the report's lines on the full sync, its history:
// each loop flyover stopped, the limit it raised and when, whether the
// sync then finished, and the limit put back or the command that does.
func SyncReportLines(f Facts) []string {
	var out []string
	for _, st := range f.Sync.Stops {
		l := fmt.Sprintf("Full sync stopped by flyover at %s after %d restarts (REPLICAOF NO ONE on the target", st.At.UTC().Format(time.RFC3339), st.Restarts)
		if st.Forgot > 0 {
			l += fmt.Sprintf("; SENTINEL RESET %d× so the Sentinels forgot it", st.Forgot)
		}
		if st.SentBack > 0 {
			l += fmt.Sprintf("; stopped again %d× after a Sentinel sent it back", st.SentBack)
		}
		l += ")"
		if len(st.Drops) > 0 {
			l += "; last cause: " + st.Drops[len(st.Drops)-1].Reason
		}
		out = append(out, l+".")
	}
	b := f.Sync.Raised
	if b == nil {
		return out
	}
	l := fmt.Sprintf("The source's replica output buffer limit was raised from `%s` to `%s`", b.Old.Value(b.Word), b.New.Value(b.Word))
	if !b.At.IsZero() {
		l += " at " + b.At.UTC().Format(time.RFC3339)
	}
	if !f.Sync.Synced.IsZero() {
		l += "; the full sync then finished (the target streamed at " + f.Sync.Synced.UTC().Format(time.RFC3339) + ")"
	}
	out = append(out, l+".")
	if f.Sync.Restored {
		return append(out, fmt.Sprintf("The limit was put back to `%s` (CONFIG SET client-output-buffer-limit, in the audit log).", b.Old.Value(b.Word)))
	}
	return append(out, fmt.Sprintf("**Restore the source's buffer limit**: put it back with `CONFIG SET client-output-buffer-limit %q` on the old Redis servers that keep running.",
		b.Old.Value(b.Word)))
}

// BufferRaiseCommands are the raise the attach step offers, for its list
// of what it sends: only on a yes.
func BufferRaiseCommands(f Facts) []Command {
	var out []Command
	for _, c := range BufferRaiseConfirmations(f) {
		for _, cmd := range c.Commands {
			cmd.Note = "if you answer y to raising the limit"
			out = append(out, cmd)
		}
	}
	return out
}

// BufferRestoreConfirmations offer to put back the limit this session
// raised: the abort's, and the decommission's while the old primary
// answers (the report says the command otherwise).
func BufferRestoreConfirmations(f Facts) []Confirmation {
	b := f.Sync.Raised
	if b == nil || f.Sync.Restored {
		return nil
	}
	who := "the source's"
	if AfterCutover(f) {
		who = "the old primary's"
	}
	return []Confirmation{{ID: "restore-buffer", Kind: ConfirmYesNo, Optional: true,
		Prompt: fmt.Sprintf("Put back %s replica output buffer limit flyover raised for the full sync (%q, now %q)? (n leaves it raised; the report says how to put it back)",
			who, b.Old.Value(b.Word), b.New.Value(b.Word)),
		Commands: []Command{{Endpoint: "source", Addr: f.Topo.Source, Args: b.RestoreArgs()}}}}
}

// RunBufferRestore sends the restore when it was confirmed.
func RunBufferRestore(ctx context.Context, r *Runner, a Answers, progress func(Progress)) error {
	b := r.Session.Facts(r.Prober.Topo, probe.Snapshot{}).Sync.Raised
	if b == nil || !IsYes(a["restore-buffer"]) {
		return nil
	}
	progress(Progress{Phase: "restore-buffer", Message: "CONFIG SET client-output-buffer-limit " + b.Old.Value(b.Word), Fraction: -1})
	if _, err := r.Send(ctx, r.Prober.Source, access.AnyArgs(nil, b.RestoreArgs())...); err != nil {
		return fmt.Errorf("the source refused the old buffer limit back (%w): set it yourself: CONFIG SET client-output-buffer-limit %q", err, b.Old.Value(b.Word))
	}
	r.Session.setBufferRestored()
	r.Prober.Source.RefreshLimits()
	return nil
}
