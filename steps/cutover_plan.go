package steps

import (
	"fmt"
	"strings"
	"time"
)

// What the guarded cutover is asked to do and what it answers: its
// options, its phases, the plan it follows (PlanCutover), its result and
// its error. The engine that runs it is cutover.go.

// CutoverOptions bound each phase of the guarded cutover. The pause's hard
// expiry is their sum plus Margin: long enough that it never lifts while
// flyover is still working, short enough that it lifts soon if flyover dies.
type CutoverOptions struct {
	// DrainTimeout: past it, the drain gives up, unpauses, and nothing has
	// changed (default 5 s; Dragonfly before v1.39 needs about 1 s).
	DrainTimeout time.Duration
	// FailoverBudget is how long -NOGOODSLAVE is retried (default 5 s).
	FailoverBudget time.Duration
	// PromoteTimeout bounds the wait for a majority of Sentinels to name
	// the target and the target to report master (default 8 s). While a
	// Sentinel still reports the failover in progress, the wait goes on
	// up to failover-timeout, and the pause is renewed.
	PromoteTimeout time.Duration
	// Margin is added to the pause's expiry for the fence (default 2 s).
	Margin time.Duration
	// PollEvery is how often the drain and the promotion wait read the
	// offsets and the Sentinels (default 10 ms).
	PollEvery time.Duration
	// PauseAll is the pause of every client on a source without CLIENT
	// PAUSE WRITE and CLIENT UNPAUSE (Redis 6.0): it cannot be lifted
	// early, so it is the stall whatever happens (default 3 s).
	PauseAll time.Duration
	// PromoteReserve: on such a source, SENTINEL FAILOVER is sent only
	// while at least this much of the pause is left, for Sentinel's
	// promotion (about 1.1 s: it reads INFO once a second during a
	// failover); default 1.8 s.
	PromoteReserve time.Duration
}

func (o CutoverOptions) WithDefaults() CutoverOptions {
	orDefault(&o.DrainTimeout, 5*time.Second)
	orDefault(&o.FailoverBudget, 5*time.Second)
	orDefault(&o.PromoteTimeout, 8*time.Second)
	orDefault(&o.Margin, 2*time.Second)
	orDefault(&o.PollEvery, 10*time.Millisecond)
	orDefault(&o.PauseAll, 3*time.Second)
	orDefault(&o.PromoteReserve, 1800*time.Millisecond)
	return o
}

// Pause is the CLIENT PAUSE expiry.
func (o CutoverOptions) Pause() time.Duration {
	o = o.WithDefaults()
	return o.DrainTimeout + o.FailoverBudget + o.PromoteTimeout + o.Margin
}

// The cutover's phases, in order, as Progress.Phase.
const (
	// PhaseChecking: before the pause, readiness is read again and, when
	// this session has not sampled keys since the last full sync, a
	// sample is compared (reads only).
	PhaseChecking  = "checking"
	PhasePausing   = "pausing"
	PhaseDraining  = "draining"
	PhaseFailover  = "failover"
	PhasePromoting = "waiting for majority"
	PhaseFencing   = "fencing"
	PhaseUnpaused  = "unpaused"
	PhaseUndoing   = "undoing"
	PhaseAborted   = "aborted"
)

// CutoverPlan is what the cutover will do, fixed from the facts the
// operator confirmed on.
type CutoverPlan struct {
	MasterName string `json:"master_name"`
	// TargetListedAs is the target's address as the source and the
	// Sentinels list it: what Sentinel will name, and the fence's address.
	TargetListedAs string `json:"target_listed_as"`
	// JudgeByTarget: the drain compares the source's offset with the
	// target's own slave_repl_offset (a Redis replica, Dragonfly v1.39+),
	// else with what the source's slaveN line says the target acked.
	JudgeByTarget bool `json:"judge_by_target"`
	// Sentinels is the order to try SENTINEL FAILOVER in (indexes into the
	// prober's Sentinels): those that would promote the target first.
	Sentinels       []int         `json:"sentinels"`
	Majority        int           `json:"majority"`
	FailoverTimeout time.Duration `json:"failover_timeout_ns"`
	Pause           time.Duration `json:"pause_ns"`
	// FenceOnly: the failover has already happened (flyover was started,
	// or restarted, after it): only wait for the majority and fence.
	FenceOnly bool `json:"fence_only"`
	// PauseAllClients: the source has no CLIENT PAUSE WRITE and no CLIENT
	// UNPAUSE (Redis 6.0): the cutover pauses every client for Pause,
	// which cannot be lifted early (cutover_pause_all.go).
	PauseAllClients bool `json:"pause_all_clients,omitempty"`
	// Source is the source's name and version ("Redis 6.0.20").
	Source string `json:"source,omitempty"`
}

// PlanCutover fixes the cutover's parameters from f.
func PlanCutover(f Facts, o Options) CutoverPlan {
	o = o.WithDefaults()
	p := CutoverPlan{
		MasterName:      f.Topo.MasterName,
		TargetListedAs:  TargetListedAs(f),
		JudgeByTarget:   f.Snapshot.Target.OffsetTrusted,
		Majority:        f.Snapshot.Majority(),
		FailoverTimeout: FailoverTimeout(f),
		Pause:           o.Cutover.Pause(),
		FenceOnly:       AfterCutover(f),
	}
	if p.TargetListedAs == "" {
		p.TargetListedAs = f.Topo.Target
	}
	if caps := f.Snapshot.Source.Capabilities(); f.Snapshot.Source.Reachable {
		p.Source = caps.Name()
		if !caps.PauseWrites {
			p.PauseAllClients, p.Pause = true, o.Cutover.PauseAll
		}
	}
	var later []int
	for i, v := range f.Snapshot.Sentinels {
		switch {
		case v.WouldPromoteTarget:
			p.Sentinels = append(p.Sentinels, i)
		default:
			later = append(later, i)
		}
	}
	p.Sentinels = append(p.Sentinels, later...)
	return p
}

// CutoverResult is what the cutover measured.
type CutoverResult struct {
	PausedAt   time.Time `json:"paused_at"`
	DrainedAt  time.Time `json:"drained_at"`
	FailoverAt time.Time `json:"failover_at"` // SENTINEL FAILOVER accepted
	PromotedAt time.Time `json:"promoted_at"` // a majority names the target, and it reports master
	FencedAt   time.Time `json:"fenced_at"`
	UnpausedAt time.Time `json:"unpaused_at"`
	// Stall is the write pause as flyover measured it: from sending CLIENT
	// PAUSE to the reply to CLIENT UNPAUSE.
	Stall   time.Duration `json:"stall_ns"`
	Drain   time.Duration `json:"drain_ns"`
	Promote time.Duration `json:"promote_ns"`
	// Offsets are the readings that ended the drain.
	Offsets            Offsets `json:"offsets"`
	FailoverSentinel   string  `json:"failover_sentinel,omitempty"`
	FailoverAttempts   int     `json:"failover_attempts"`
	NoGoodSlaveRetries int     `json:"nogoodslave_retries"`
	NewPrimary         string  `json:"new_primary,omitempty"`
	SentinelsNaming    int     `json:"sentinels_naming"`
	PauseRenewals      int     `json:"pause_renewals,omitempty"`
	// PausedAllClients: the pause held every client and lifted by itself
	// (a source without CLIENT PAUSE WRITE and UNPAUSE: Redis 6.0).
	PausedAllClients bool     `json:"paused_all_clients,omitempty"`
	Notes            []string `json:"notes,omitempty"`
}

// CutoverError says what failed, what flyover undid, and what to do next.
type CutoverError struct {
	Phase string
	Err   error
	// Undone is what flyover did to put things back, or, past the point
	// of no return, the state things are in.
	Undone string
	Next   string
	// PastPointOfNoReturn: Sentinel accepted SENTINEL FAILOVER.
	PastPointOfNoReturn bool
	Result              CutoverResult
}

func (e *CutoverError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cutover stopped while %s: %v", e.Phase, e.Err)
	if e.Undone != "" {
		b.WriteString(". " + e.Undone)
	}
	if e.Next != "" {
		b.WriteString(". Next: " + e.Next)
	}
	return b.String()
}

func (e *CutoverError) Unwrap() error { return e.Err }
