package steps

import (
	"maps"
	"sort"
)

// What this session did to the replicas besides the target, kept apart
// from the rest of the session: the old priorities it replaced with 0 (so
// that abort can put them back), how many replicas Sentinel could promote
// before, and what became of each old Redis after the cutover.

// HAFacts is the session's record of the other replicas.
type HAFacts struct {
	// OldPriorities are the replica-priority values flyover replaced
	// with 0, by replica address (also in the audit log: the CONFIG GET
	// before each CONFIG SET). Abort restores them.
	OldPriorities map[string]int
	// PromotableBefore is how many replicas besides the target Sentinel
	// could promote before flyover set their priority to 0; KnownBefore
	// is false when this session did not see it.
	PromotableBefore int
	KnownBefore      bool
	// Others are the other replicas of the source this session saw
	// before the cutover.
	Others []string
	// Fates are what the decommission did to each old Redis server (the
	// old primary included), by address.
	Fates map[string]Fate
}

// Fate is what the decommission did to one old Redis server.
type Fate string

const (
	FateShutDown Fate = "shut down"
	FateLeft     Fate = "left to the operator"
)

type haRecord struct {
	old              map[string]int
	promotableBefore int
	knownBefore      bool
	others           []string
	fates            map[string]Fate
}

func (h *haRecord) facts() HAFacts {
	return HAFacts{OldPriorities: maps.Clone(h.old), PromotableBefore: h.promotableBefore, KnownBefore: h.knownBefore,
		Others: append([]string(nil), h.others...), Fates: maps.Clone(h.fates)}
}

// RecordOldPriority keeps the first value seen for addr: running the step
// twice must not record the 0 it set.
func (s *Session) RecordOldPriority(addr string, old int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ha.old == nil {
		s.ha.old = map[string]int{}
	}
	if _, ok := s.ha.old[addr]; !ok {
		s.ha.old[addr] = old
	}
}

func (s *Session) ForgetOldPriority(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.ha.old, addr)
}

// RecordBefore records, once, the other replicas and how many of them
// Sentinel could promote.
func (s *Session) RecordBefore(others []string, promotable int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ha.knownBefore {
		return
	}
	s.ha.others = append([]string(nil), others...)
	sort.Strings(s.ha.others)
	s.ha.promotableBefore, s.ha.knownBefore = promotable, true
}

func (s *Session) SetFate(addr string, fate Fate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ha.fates == nil {
		s.ha.fates = map[string]Fate{}
	}
	s.ha.fates[addr] = fate
}
