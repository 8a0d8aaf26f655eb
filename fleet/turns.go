package fleet

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"flyover/steps"
)

// Turns keeps the fleet's heavy steps in line. A full sync loads its
// source (a fork, an RDB on the wire), so at most MaxSyncs attaches and
// full syncs run at once; a further attach waits its turn. Cutovers run
// one at a time: each pauses writes on its source and the operator
// watches one at a time. Safe for concurrent use.
type Turns struct {
	MaxSyncs int

	mu       sync.Mutex
	holding  map[string]bool // attach started here, sync not yet seen finished
	attachOn map[string]bool // an attach job is running
	syncing  map[string]bool // the latest poll shows the master syncing
	cutover  string          // the master whose cutover runs, "" for none
}

// NewTurns allows maxSyncs syncs at once (at least one).
func NewTurns(maxSyncs int) *Turns {
	return &Turns{MaxSyncs: max(1, maxSyncs), holding: map[string]bool{}, attachOn: map[string]bool{}, syncing: map[string]bool{}}
}

// WaitingError refuses a step that must wait its turn.
type WaitingError struct{ Why string }

func (e *WaitingError) Error() string { return "waiting its turn: " + e.Why }

// Syncs lists the masters that hold a sync turn: attached here and not
// yet in sync, or seen syncing by the latest poll.
func (t *Turns) Syncs() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.syncs("")
}

func (t *Turns) syncs(except string) []string {
	set := map[string]bool{}
	for m := range t.holding {
		set[m] = true
	}
	for m := range t.syncing {
		set[m] = true
	}
	delete(set, except)
	out := make([]string, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// Acquire asks for master's turn to run step id. For an attach it takes a
// sync turn, held until a poll shows the master in sync (Observe) or the
// attach fails; for a cutover, the cutover turn, held until the step
// ends. release must be called with how the step ended (or with the error
// that kept it from starting).
func (t *Turns) Acquire(master string, id steps.StepID) (release func(error), err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch id {
	case steps.StepAttach:
		if running := t.syncs(master); len(running) >= t.MaxSyncs {
			return nil, &WaitingError{Why: fmt.Sprintf("%d syncs running (--max-syncs %d): %s", len(running), t.MaxSyncs, joinMax(running, 3))}
		}
		t.holding[master], t.attachOn[master] = true, true
		return func(err error) {
			t.mu.Lock()
			defer t.mu.Unlock()
			delete(t.attachOn, master)
			if err != nil {
				delete(t.holding, master)
			}
		}, nil
	case steps.StepCutover:
		if t.cutover != "" && t.cutover != master {
			return nil, &WaitingError{Why: fmt.Sprintf("the cutover of %s is running (cutovers run one at a time)", t.cutover)}
		}
		t.cutover = master
		return func(error) {
			t.mu.Lock()
			defer t.mu.Unlock()
			if t.cutover == master {
				t.cutover = ""
			}
		}, nil
	}
	return func(error) {}, nil
}

// Observe takes a master's phase from a poll: syncing holds a turn; in
// sync or beyond gives it back; not attached gives it back once no attach
// of it is running (an attach aborted, or undone).
func (t *Turns) Observe(master string, p Phase) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case p == PhaseSyncing:
		t.syncing[master] = true
	case p == PhaseDetached && t.attachOn[master]:
		// REPLICAOF not sent yet, or not yet seen: keep the turn.
	case p == PhaseUnknown:
		// Cannot tell: keep what is known.
	default:
		delete(t.syncing, master)
		delete(t.holding, master)
	}
}

func joinMax(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(s[:n], ", "), len(s)-n)
}
