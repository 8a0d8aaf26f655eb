package fullsync

import (
	"fmt"
	"time"
)

// DropCause is why the source dropped the target's sync, as judged from
// what the poll just before saw.
type DropCause string

const (
	DropBufferHard DropCause = "buffer-hard" // the output buffer reached the hard limit
	DropBufferSoft DropCause = "buffer-soft" // it stayed over the soft limit too long
	DropTarget     DropCause = "target"      // the target restarted or stopped answering
	DropTimeout    DropCause = "repl-timeout"
	DropUnknown    DropCause = "unknown"
)

// Buffer reports whether the cause is the output buffer limit: the one
// the fix (a larger limit) cures.
func (c DropCause) Buffer() bool { return c == DropBufferHard || c == DropBufferSoft }

// SyncDrop is one time the source dropped the target's link during or
// after its full sync: with Dragonfly, every one is a new fork and a new
// full sync.
type SyncDrop struct {
	At    time.Time `json:"at"`
	Cause DropCause `json:"cause"`
	// Brief is the cause in a few words with its figure ("the buffer
	// passed its 1.0 MiB hard limit"): what a short message says. Reason
	// is the whole of it (what was seen, where to look next).
	Brief  string `json:"brief,omitempty"`
	Reason string `json:"reason"`
	// Omem is the target's buffer at the last poll before the drop.
	Omem int64 `json:"omem"`
}

// maxDrops bounds the drops a watch keeps.
const maxDrops = 16

// Watch is the full sync as the source and the target show it, derived
// on every poll from the previous one (Next): the source's buffer for the
// target against its limit, the load's progress, the forks since the
// attach and every dropped link with its judged cause.
type Watch struct {
	// Attached: the target follows the source (or the source lists it).
	Attached bool `json:"attached"`
	// Baseline is the source's sync_full before the attach, -1 unknown;
	// FullSyncs are the source's full syncs since (any replica's).
	Baseline  int64 `json:"baseline"`
	FullSyncs int64 `json:"full_syncs"`
	// Client is the source's connection to the target (nil: none seen).
	Client *ReplicaClient `json:"client,omitempty"`
	// Limit is the source's replica buffer limit (nil: unknown; see
	// LimitsError).
	Limit       *Limit `json:"limit,omitempty"`
	LimitsError string `json:"limits_error,omitempty"`
	ReplTimeout int64  `json:"repl_timeout,omitempty"`
	// Fill is Client.Omem against the limit that closes first (-1: none).
	Fill float64 `json:"fill"`
	// OverSoftSince is when the buffer went over the soft limit (zero: it
	// is not); OverSoft is for how long.
	OverSoftSince time.Time     `json:"over_soft_since,omitempty"`
	OverSoft      time.Duration `json:"over_soft_ns,omitempty"`
	// Peak is the largest buffer seen on the current connection.
	Peak int64 `json:"peak"`
	// ForkUsec is the source's last fork's stall.
	ForkUsec int64 `json:"fork_usec"`
	// The load: the target's keys against the source's, at KeysPerSec.
	SourceKeys int64         `json:"source_keys"`
	TargetKeys int64         `json:"target_keys"`
	Loading    bool          `json:"loading"`
	KeysPerSec float64       `json:"keys_per_sec"`
	ETA        time.Duration `json:"eta_ns"`
	ETAKnown   bool          `json:"eta_known"`
	// Drops are the dropped links since the attach, oldest first.
	Drops []SyncDrop `json:"drops,omitempty"`
}

// Restarts is how many times the sync started over since the attach: the
// drops seen, or the source's full syncs past the attach's when more (a
// sync dropped and restarted between two polls leaves no connection to
// see, but its fork is counted).
func (w *Watch) Restarts() int { return max(len(w.Drops), int(w.FullSyncs-1)) }

// Short is the drop in a few words: Brief, or Reason for a drop recorded
// before there was one.
func (d SyncDrop) Short() string {
	if d.Brief != "" {
		return d.Brief
	}
	return d.Reason
}

// LastDrop is the latest drop, nil when none.
func (w *Watch) LastDrop() *SyncDrop {
	if len(w.Drops) == 0 {
		return nil
	}
	return &w.Drops[len(w.Drops)-1]
}

// Observation is what one poll saw of the source, the target and the link
// between them: the figures the watch is derived from, filled by probe.
type Observation struct {
	At time.Time
	// TargetAt is when the target side was read (zero: At): a light
	// reading of the source alone between two polls keeps the last one's.
	TargetAt time.Time
	// Attached: the target follows the source, or the source lists it.
	Attached bool
	// Online: the link streams (the full sync is over).
	Online bool
	// RateBytes is the source's replication stream's rate (B/s).
	RateBytes float64
	Source    SourceSide
	Target    TargetSide
}

// SourceSide is what the poll read of the source.
type SourceSide struct {
	Reachable bool
	Keys      int64
	Sync      SourceSync
	// Client is the source's connection to the target among Sync.Clients
	// (nil: none, or not read).
	Client *ReplicaClient
}

// TargetSide is what the poll read of the target.
type TargetSide struct {
	Reachable bool
	// Follows: the target says it replicates from the source (its own
	// INFO; or it is a replica the source lists).
	Follows       bool
	Keys          int64
	Loading       bool
	UptimeSeconds int64
}

func (o *Observation) targetAt() time.Time {
	if o.TargetAt.IsZero() {
		return o.At
	}
	return o.TargetAt
}

// Next is the watch at o, from the previous poll's observation and watch
// (both nil on the first poll).
func Next(prev *Observation, pw *Watch, o Observation) Watch {
	src, tgt := &o.Source, &o.Target
	w := Watch{Baseline: -1, Fill: -1}
	if prev != nil {
		// What outlives a stop: the count and the causes, until the next
		// attach.
		w.Baseline, w.FullSyncs, w.Drops, w.Limit, w.LimitsError = pw.Baseline, pw.FullSyncs, pw.Drops, pw.Limit, pw.LimitsError
	} else {
		pw = nil // no previous poll: nothing to carry
	}
	w.Attached = o.Attached
	if src.Reachable {
		w.ForkUsec = src.Sync.ForkUsec
		w.SourceKeys = src.Keys
		if l := src.Sync.Limits; l != nil {
			lim := l.Replica
			w.Limit, w.ReplTimeout, w.LimitsError = &lim, l.ReplTimeout, ""
		} else if src.Sync.LimitsError != "" {
			w.Limit, w.LimitsError = nil, src.Sync.LimitsError
		}
	}
	if tgt.Reachable {
		w.TargetKeys, w.Loading = tgt.Keys, tgt.Loading
	}
	if !w.Attached {
		return w
	}
	newAttach := pw == nil || !pw.Attached
	if newAttach {
		w.Drops = nil
		switch {
		case prev != nil && prev.Source.Reachable && src.Reachable && prev.Source.Sync.SyncFull <= src.Sync.SyncFull:
			w.Baseline = prev.Source.Sync.SyncFull
		case src.Reachable && o.Online:
			w.Baseline = src.Sync.SyncFull
		case src.Reachable:
			w.Baseline = max(src.Sync.SyncFull-1, 0) // attached before flyover looked: this sync is the attach's
		}
	}
	if src.Reachable && w.Baseline >= 0 {
		if src.Sync.SyncFull < w.Baseline {
			w.Baseline = 0 // the source restarted: its counter did too
		}
		w.FullSyncs = src.Sync.SyncFull - w.Baseline
	}
	if src.Reachable && src.Sync.ClientsRead {
		w.Client = src.Client
	} else if pw != nil && !src.Sync.ClientsSkipped {
		w.Client = pw.Client // not read this time: the last one seen
	}
	if w.Client != nil {
		if w.Limit != nil {
			w.Fill = BufferFill(w.Client.Omem, *w.Limit)
		}
		w.Peak = w.Client.Omem
		if pw != nil && pw.Client != nil && pw.Client.ID == w.Client.ID {
			w.Peak = max(pw.Peak, w.Client.Omem)
		}
		if w.Limit != nil && w.Limit.Soft > 0 && w.Client.Omem > w.Limit.Soft {
			w.OverSoftSince = o.At
			if pw != nil && !pw.OverSoftSince.IsZero() && pw.Client != nil && pw.Client.ID == w.Client.ID {
				w.OverSoftSince = pw.OverSoftSince
			}
			w.OverSoft = o.At.Sub(w.OverSoftSince)
		}
	}
	if pw != nil && !newAttach {
		dt := o.At.Sub(prev.At)
		if tdt := o.targetAt().Sub(prev.targetAt()); tdt > 0 && w.TargetKeys >= pw.TargetKeys && tgt.Reachable && prev.Target.Reachable {
			w.KeysPerSec = float64(w.TargetKeys-pw.TargetKeys) / tdt.Seconds()
		}
		if w.KeysPerSec == 0 && w.TargetKeys < w.SourceKeys {
			w.KeysPerSec = pw.KeysPerSec // between two readings of the same count
		}
		if d := judgeDrop(prev, pw, &o, &w, dt); d != nil {
			w.Drops = append(append([]SyncDrop(nil), w.Drops...), *d)
			if len(w.Drops) > maxDrops {
				w.Drops = w.Drops[len(w.Drops)-maxDrops:]
			}
		}
	}
	if !o.Online {
		w.ETA, w.ETAKnown = LoadETA(w.TargetKeys, w.SourceKeys, w.KeysPerSec)
	}
	return w
}

// judgeDrop says whether the target's link was dropped between prev and o
// (the source's connection to it closed, or a new one replaced it) and
// why, from what prev (and pw, its watch) saw.
func judgeDrop(prev *Observation, pw *Watch, o *Observation, w *Watch, dt time.Duration) *SyncDrop {
	if pw.Client == nil || !prev.Source.Sync.ClientsRead || !o.Source.Reachable || !o.Source.Sync.ClientsRead {
		return nil
	}
	now := w.Client
	if now != nil && now.ID == pw.Client.ID {
		return nil
	}
	d := &SyncDrop{At: o.At, Omem: pw.Client.Omem, Cause: DropUnknown}
	tgt, ptgt := &o.Target, &prev.Target
	lim := pw.Limit
	// The buffer grows at the write rate during the sync: where it was
	// likely to be by now, had the link stayed.
	projected := pw.Client.Omem + int64(max(o.RateBytes, prev.RateBytes)*dt.Seconds())
	var more string // after Brief: what was seen, where to look next
	switch {
	case !tgt.Reachable:
		d.Cause = DropTarget
		d.Brief, more = "the target stopped answering", " (crashed? out of memory? killed?): read its log"
	case ptgt.Reachable && tgt.UptimeSeconds < ptgt.UptimeSeconds:
		d.Cause = DropTarget
		d.Brief, more = "the target restarted", " (out of memory? crashed?): read its log"
	case !tgt.Follows:
		// The target left the source itself: promoted by the cutover,
		// detached (REPLICAOF NO ONE: flyover's stop, the abort), or
		// pointed elsewhere. The sync ended; the source restarted
		// nothing.
		return nil
	case lim != nil && lim.Hard > 0 && projected >= lim.Hard:
		d.Cause = DropBufferHard
		d.Brief = fmt.Sprintf("the buffer passed its %s hard limit", Bytes(lim.Hard))
		more = fmt.Sprintf(" (client-output-buffer-limit replica; %s at the last look, growing with the writes): the source closed the link", Bytes(pw.Client.Omem))
	case lim != nil && lim.Soft > 0 && lim.SoftSeconds > 0 && pw.OverSoft+dt >= time.Duration(lim.SoftSeconds)*time.Second:
		d.Cause = DropBufferSoft
		d.Brief = fmt.Sprintf("the buffer stayed over its %s soft limit for %d s", Bytes(lim.Soft), lim.SoftSeconds)
		more = " (client-output-buffer-limit replica): the source closed the link"
	case lim != nil && lim.Soft > 0 && lim.SoftSeconds > 0 && projected >= lim.Soft:
		d.Cause = DropBufferSoft
		d.Brief = fmt.Sprintf("the buffer was over its %s soft limit and growing", Bytes(lim.Soft))
		more = fmt.Sprintf(" (client-output-buffer-limit replica, %d s): the source closed the link", lim.SoftSeconds)
	case lim == nil:
		d.Brief = fmt.Sprintf("the buffer was %s just before; its limit is unknown", Bytes(pw.Client.Omem))
		more = fmt.Sprintf(" (%s): read the source's log for \"output buffer limits\"", orWord(pw.LimitsError, "CONFIG GET not read"))
	case w.ReplTimeout > 0 || pw.ReplTimeout > 0:
		d.Cause = DropTimeout
		d.Brief = fmt.Sprintf("the link timed out (repl-timeout %d s) or the network dropped it", max(w.ReplTimeout, pw.ReplTimeout))
		more = fmt.Sprintf(" (the buffer was under its limits, %s): read both logs", Bytes(pw.Client.Omem))
	default:
		d.Brief = "the target or the network dropped the link"
		more = fmt.Sprintf(" (the buffer was under its limits, %s): read both logs", Bytes(pw.Client.Omem))
	}
	d.Reason = d.Brief + more
	return d
}

func orWord(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
