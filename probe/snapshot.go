package probe

import (
	"time"

	"flyover/probe/fullsync"
)

// Phase is where the target is on its way to being a streaming replica of
// the source.
type Phase string

const (
	PhaseUnknown   Phase = "unknown"      // source or target unreachable
	PhaseDetached  Phase = "not attached" // target does not follow the source
	PhaseHandshake Phase = "handshake"    // link coming up, or the source preparing its snapshot
	PhaseTransfer  Phase = "transfer"     // the snapshot is on the wire
	PhaseLoading   Phase = "loading"      // the target is loading the snapshot
	PhaseOnline    Phase = "online"       // streaming
)

// InSyncMaxLag is how far behind, in time, a streaming target may read and
// still count as in sync: replicas acknowledge about once a second, so a
// target that has everything can read up to a second behind.
const InSyncMaxLag = 1500 * time.Millisecond

// Link is the replication link from the source to the target, derived from
// both sides.
type Link struct {
	// ListedBySource: the source's INFO has a slaveN line for the target.
	ListedBySource bool `json:"listed_by_source"`
	// FollowsSource: the target says it replicates from the source.
	FollowsSource bool         `json:"follows_source"`
	Line          *ReplicaLine `json:"line,omitempty"`
	// State is the source's word for the link (online, wait_bgsave, ...),
	// or the phase when the source does not list the target.
	State          string `json:"state"`
	Phase          Phase  `json:"phase"`
	AckedOffset    int64  `json:"acked_offset"`
	HasAckedOffset bool   `json:"has_acked_offset"`
	// LagKnown says whether LagBytes is a figure: without it LagBytes
	// means nothing (not zero) and is shown as unknown.
	LagKnown bool  `json:"lag_known"`
	LagBytes int64 `json:"lag_bytes"`
	// LagSeconds is how long ago the source was where the target is; -1
	// when unknown.
	LagSeconds float64 `json:"lag_seconds"`
	// SourceView: the target does not answer, so the lag is what the
	// source's slaveN line says the target last acknowledged.
	SourceView bool `json:"source_view,omitempty"`
	// AckAge is how long ago the target last acknowledged, from the
	// source's slaveN lag= field (a Redis source); -1 when unknown.
	AckAge time.Duration `json:"ack_age_ns"`
	// TargetSilent is how long the target has not answered: zero while it
	// answers, -1 when it has never answered.
	TargetSilent time.Duration `json:"target_silent_ns"`
	// RateBytes is how fast the source's replication offset grows (B/s).
	RateBytes float64 `json:"rate_bytes_per_sec"`
	// Progress is the full-sync transfer fraction 0..1, or -1 when the
	// server does not report it (diskless, Dragonfly).
	Progress float64 `json:"progress"`
	InSync   bool    `json:"in_sync"`
}

// Snapshot is the whole topology as of one round of polls.
type Snapshot struct {
	At         time.Time      `json:"at"`
	MasterName string         `json:"master_name"`
	Source     Node           `json:"source"`
	Target     Node           `json:"target"`
	Sentinels  []SentinelView `json:"sentinels"`
	Link       Link           `json:"link"`
	// SentinelsAgree: every reachable Sentinel names the same master
	// address, and at least one does.
	SentinelsAgree bool `json:"sentinels_agree"`
	// AgreedMaster is that address when they agree.
	AgreedMaster string `json:"agreed_master,omitempty"`
	// FullSync is the full sync as both sides show it (fullsync.Next).
	FullSync fullsync.Watch `json:"full_sync"`

	// history is the source's recent replication offsets, oldest first,
	// for telling how long ago the source was where the target is.
	history []offsetSample
}

type offsetSample struct {
	at     time.Time
	offset int64
}

// historyLen bounds the offset history: two minutes at the default tick.
const historyLen = 240

// secondsBehind is how long the source has been past off: the age of the
// last reading at which the source was still at or before off, from the
// history, and whether the history could tell. An idle source sits at one
// offset for many readings; the target is behind only since the source
// moved on, not since the source first reached that offset.
func (s *Snapshot) secondsBehind(off int64) (float64, bool) {
	h := s.history
	if len(h) == 0 || off > h[len(h)-1].offset {
		return 0, false
	}
	now := h[len(h)-1].at
	if h[0].offset > off {
		if len(h) == 1 {
			return 0, false // the source was already past it at the only reading
		}
		return now.Sub(h[0].at).Seconds(), true // at least this long
	}
	// The source passed off between the last reading at or before it and
	// the next one. Readings can be far apart (a caller that polls rarely),
	// so place the moment by the offsets rather than take either end: on
	// an idle plateau that is the plateau's end, under steady writes it is
	// where the bytes say.
	i := 0
	for k, x := range h {
		if x.offset > off {
			break
		}
		i = k
	}
	if i == len(h)-1 {
		return 0, true
	}
	a, b := h[i], h[i+1]
	frac := float64(off-a.offset) / float64(b.offset-a.offset)
	reached := a.at.Add(time.Duration(frac * float64(b.at.Sub(a.at))))
	return now.Sub(reached).Seconds(), true
}

// AllReachable reports whether every endpoint answered and every Sentinel
// monitors the master name.
func (s *Snapshot) AllReachable() bool {
	if !s.Source.Reachable || !s.Target.Reachable {
		return false
	}
	for _, v := range s.Sentinels {
		if !v.Reachable || !v.Monitors {
			return false
		}
	}
	return true
}

// SentinelsNaming counts the reachable Sentinels whose master address is addr.
func (s *Snapshot) SentinelsNaming(addr string) int {
	n := 0
	for _, v := range s.Sentinels {
		if v.Reachable && v.Monitors && SameAddr(v.MasterAddr, addr) {
			n++
		}
	}
	return n
}

// Majority is how many Sentinels make a majority of those given.
func (s *Snapshot) Majority() int { return len(s.Sentinels)/2 + 1 }

// MostNamedMaster is the master address named by the most reachable
// Sentinels (addresses compared with SameAddr; ties to the smaller), and
// how many name it. "" when none names one.
func (s *Snapshot) MostNamedMaster() (addr string, n int) {
	for _, v := range s.Sentinels {
		if !v.Reachable || !v.Monitors || v.MasterAddr == "" {
			continue
		}
		c := s.SentinelsNaming(v.MasterAddr)
		if c > n || (c == n && v.MasterAddr < addr) {
			addr, n = v.MasterAddr, c
		}
	}
	return addr, n
}
