package probe

import (
	"context"
	"net"
	"sync"
	"time"
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
	State          string  `json:"state"`
	Phase          Phase   `json:"phase"`
	AckedOffset    int64   `json:"acked_offset"`
	HasAckedOffset bool    `json:"has_acked_offset"`
	LagBytes       int64   `json:"lag_bytes"`
	LagSeconds     float64 `json:"lag_seconds"`
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

// Topology names the endpoints a Snapshot is about.
type Topology struct {
	MasterName string
	Source     string
	Target     string
	// TargetIPs are the addresses the target's host resolves to, so that
	// a target given by name can be found in the source's replica list.
	TargetIPs []string
}

// ResolveTarget fills TargetIPs, bounded by timeout.
func (t *Topology) ResolveTarget(timeout time.Duration) {
	host, _, err := net.SplitHostPort(t.Target)
	if err != nil {
		return
	}
	if ip := net.ParseIP(host); ip != nil {
		t.TargetIPs = []string{ip.String()}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err == nil {
		t.TargetIPs = addrs
	}
}

// IsTarget reports whether addr (as a server or Sentinel lists it) is the target.
func (t *Topology) IsTarget(addr string) bool {
	if SameAddr(addr, t.Target) {
		return true
	}
	host, port, err := net.SplitHostPort(addr)
	_, tport, err2 := net.SplitHostPort(t.Target)
	if err != nil || err2 != nil || port != tport {
		return false
	}
	for _, ip := range t.TargetIPs {
		if canonicalHost(ip) == canonicalHost(host) {
			return true
		}
	}
	return false
}

// Derive computes a Snapshot's derived fields from fresh polls. prev (may be
// nil) is the previous snapshot, used for rates. It is a pure function.
func Derive(topo Topology, prev *Snapshot, at time.Time, source, target Node, sentinels []SentinelView) Snapshot {
	sentinels = append([]SentinelView(nil), sentinels...)
	for i := range sentinels {
		v := &sentinels[i]
		for _, r := range v.Replicas {
			if topo.IsTarget(r.Addr()) {
				v.KnowsTarget = true
			}
		}
		if pick, _ := v.PromotionCandidate(); pick != nil {
			v.WouldPromote = pick.Addr()
			v.WouldPromoteTarget = topo.IsTarget(pick.Addr())
		}
	}
	s := Snapshot{At: at, MasterName: topo.MasterName, Source: source, Target: target, Sentinels: sentinels}
	l := &s.Link
	l.Progress = -1
	l.Phase = PhaseUnknown

	if prev != nil && prev.Source.Reachable && source.Reachable && source.Role == RolePrimary && prev.Source.Role == RolePrimary {
		dt := source.PolledAt.Sub(prev.Source.PolledAt).Seconds()
		if dt > 0 && source.ReplOffset >= prev.Source.ReplOffset {
			l.RateBytes = float64(source.ReplOffset-prev.Source.ReplOffset) / dt
		}
	}

	if prev != nil {
		s.history = prev.history
	}
	if source.Reachable && source.Role == RolePrimary {
		if n := len(s.history); n > 0 && source.ReplOffset < s.history[n-1].offset {
			s.history = nil // a new replication history (restart, failover)
		}
		h := make([]offsetSample, 0, min(len(s.history)+1, historyLen))
		if len(s.history) >= historyLen {
			h = append(h, s.history[len(s.history)-historyLen+1:]...)
		} else {
			h = append(h, s.history...)
		}
		s.history = append(h, offsetSample{source.PolledAt, source.ReplOffset})
	}

	if source.Reachable {
		for i := range source.Replicas {
			r := source.Replicas[i]
			if topo.IsTarget(r.Addr()) {
				l.ListedBySource, l.Line = true, &r
				break
			}
		}
	}
	l.FollowsSource = target.Reachable && target.Follows(topo.Source)
	if !l.FollowsSource && target.Reachable && target.Role == RoleReplica && l.ListedBySource {
		// The target follows the source by another name (a hostname, or
		// the IP Sentinel uses): the source listing it settles it.
		l.FollowsSource = true
	}
	if l.Line != nil {
		l.State = l.Line.State
		if l.Line.HasOffset {
			l.AckedOffset, l.HasAckedOffset = l.Line.Offset, true
		}
	}

	switch {
	case !target.Reachable:
	case !l.FollowsSource:
		l.Phase = PhaseDetached
	default:
		l.Phase = syncPhase(target, l.Line)
	}
	if l.State == "" {
		l.State = string(l.Phase)
	}
	if target.SyncTotalBytes > 0 {
		l.Progress = float64(target.SyncReadBytes) / float64(target.SyncTotalBytes)
	}

	if source.Reachable && l.FollowsSource && l.Phase == PhaseOnline {
		lag := int64(-1)
		behind := int64(-1) // the offset the target is known to have
		// Source side: one consistent reading from one INFO.
		if l.HasAckedOffset {
			lag = max(0, source.ReplOffset-l.AckedOffset)
			behind = l.AckedOffset
		}
		// The target's own offset is fresher than its last ACK when it
		// is the real byte offset; the two INFOs are read moments apart,
		// so it can run ahead of the source's reading: clamp at zero.
		if target.OffsetTrusted {
			own := max(0, source.ReplOffset-target.Offset)
			if lag < 0 || own < lag {
				lag, behind = own, min(target.Offset, source.ReplOffset)
			}
		}
		if lag >= 0 {
			l.LagBytes = lag
			secs, known := s.secondsBehind(behind)
			switch {
			case lag == 0:
				l.LagSeconds = 0
			case known:
				l.LagSeconds = secs
			case l.Line != nil && source.Kind != KindDragonfly:
				// Seconds since the last ACK: an upper bound when the
				// history cannot tell (first poll).
				l.LagSeconds = float64(l.Line.Lag)
			default:
				l.LagSeconds = -1
			}
			l.InSync = target.Synced() && l.LagSeconds >= 0 &&
				time.Duration(l.LagSeconds*float64(time.Second)) <= InSyncMaxLag
		}
	}

	agreed := ""
	s.SentinelsAgree = true
	seen := 0
	for _, v := range sentinels {
		if !v.Reachable || !v.Monitors {
			continue
		}
		seen++
		if agreed == "" {
			agreed = v.MasterAddr
		} else if !SameAddr(agreed, v.MasterAddr) {
			s.SentinelsAgree = false
		}
	}
	if seen == 0 {
		s.SentinelsAgree = false
	}
	if s.SentinelsAgree {
		s.AgreedMaster = agreed
	}
	return s
}

// syncPhase reads the full-sync phase off the target and, when listed, the
// source's line for it.
func syncPhase(target Node, line *ReplicaLine) Phase {
	if target.Loading {
		return PhaseLoading
	}
	if target.Synced() {
		if line != nil && (line.State == "wait_bgsave" || line.State == "send_bulk") {
			// Redis marks its side online only after the transfer.
			return PhaseTransfer
		}
		return PhaseOnline
	}
	switch target.LinkState {
	case "full_sync":
		return PhaseTransfer
	case "preparation", "connect", "connecting", "handshake":
		return PhaseHandshake
	}
	if target.SyncInProgress {
		if target.SyncReadBytes > 0 || (line != nil && line.State == "send_bulk") {
			return PhaseTransfer
		}
		return PhaseHandshake
	}
	return PhaseHandshake
}

// Prober polls a whole topology. The UI polls endpoints one by one on its
// own schedule; Poll is for one-shot uses such as `flyover status` and
// tests.
type Prober struct {
	Topo      Topology
	Source    *Endpoint
	Target    *Endpoint
	Sentinels []*Endpoint

	mu   sync.Mutex
	prev *Snapshot
}

// Poll polls every endpoint concurrently (each bounded by its own timeout)
// and derives a snapshot.
func (p *Prober) Poll(ctx context.Context) Snapshot {
	var wg sync.WaitGroup
	var src, tgt Node
	sents := make([]SentinelView, len(p.Sentinels))
	wg.Add(2 + len(p.Sentinels))
	go func() { defer wg.Done(); src = p.Source.PollNode(ctx) }()
	go func() { defer wg.Done(); tgt = p.Target.PollNode(ctx) }()
	for i, e := range p.Sentinels {
		go func() { defer wg.Done(); sents[i] = e.PollSentinel(ctx, p.Topo.MasterName) }()
	}
	wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Derive(p.Topo, p.prev, time.Now(), src, tgt, sents)
	p.prev = &s
	return s
}

// Close closes every endpoint.
func (p *Prober) Close() {
	p.Source.Close()
	p.Target.Close()
	for _, e := range p.Sentinels {
		e.Close()
	}
}
