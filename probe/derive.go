package probe

import "time"

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
		v.SwitchedToTarget = v.SwitchedTo(&topo)
		if pick, _ := v.PromotionCandidate(); pick != nil {
			v.WouldPromote = pick.Addr()
			v.WouldPromoteTarget = topo.IsTarget(pick.Addr())
		}
	}
	s := Snapshot{At: at, MasterName: topo.MasterName, Source: source, Target: target, Sentinels: sentinels}
	l := &s.Link
	l.Progress = -1
	l.Phase = PhaseUnknown
	l.LagSeconds, l.AckAge = -1, -1
	if !target.Reachable {
		l.TargetSilent = -1
		if !target.LastSeen.IsZero() {
			l.TargetSilent = at.Sub(target.LastSeen)
		}
	}

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
		if source.Kind != KindDragonfly {
			// Redis's lag= is seconds since the replica's last ACK;
			// Dragonfly's counts journal records.
			l.AckAge = time.Duration(l.Line.Lag) * time.Second
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
			s.setLag(lag, behind)
			l.InSync = target.Synced() && l.LagSeconds >= 0 &&
				time.Duration(l.LagSeconds*float64(time.Second)) <= InSyncMaxLag
		}
	}
	if source.Reachable && source.Role == RolePrimary && !target.Reachable && l.HasAckedOffset {
		// The target does not answer, but the source knows what it last
		// acknowledged: the moment the truth matters most. Never in sync.
		s.setLag(max(0, source.ReplOffset-l.AckedOffset), l.AckedOffset)
		l.SourceView = true
	}

	deriveFullSync(topo, prev, &s)

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

// setLag records a lag of lag bytes, the target holding the source's
// stream up to offset behind, with the seconds the history tells.
func (s *Snapshot) setLag(lag, behind int64) {
	l := &s.Link
	l.LagKnown, l.LagBytes = true, lag
	secs, known := s.secondsBehind(behind)
	switch {
	case lag == 0:
		l.LagSeconds = 0
	case known:
		l.LagSeconds = secs
	default:
		// The history cannot tell (a first reading). The age of the last
		// ACK is no bound worth showing: the source was at that offset at
		// least that long ago, maybe much longer, so it could read in
		// sync with megabytes to go. Unknown until the next reading.
		l.LagSeconds = -1
	}
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
