package status

import "flyover/probe"

// FullSyncDoc is the full sync in StatusDoc: what the dashboard shows
// under REPLICATION. A figure flyover does not know is null, never 0.
type FullSyncDoc struct {
	Attached bool `json:"attached"`
	// BufferBytes is the source's output buffer for the target (CLIENT
	// LIST omem); null when the source does not list the target.
	BufferBytes *int64 `json:"buffer_bytes"`
	// The source's client-output-buffer-limit replica; null when unknown
	// (LimitError says why). 0 disables a half.
	LimitHard        *int64   `json:"limit_hard_bytes"`
	LimitSoft        *int64   `json:"limit_soft_bytes"`
	LimitSoftSeconds *int64   `json:"limit_soft_seconds"`
	LimitError       string   `json:"limit_error,omitempty"`
	OverSoftSeconds  *float64 `json:"over_soft_seconds"`
	PeakBytes        int64    `json:"peak_bytes"`
	// The load: the target's keys against the source's.
	SourceKeys int64    `json:"source_keys"`
	TargetKeys int64    `json:"target_keys"`
	Loading    bool     `json:"loading"`
	ETASeconds *float64 `json:"eta_seconds"`
	// FullSyncs are the source's full syncs since the attach; Restarts
	// the times it dropped and restarted the target's.
	FullSyncs   int64   `json:"full_syncs_since_attach"`
	Restarts    int     `json:"restarts"`
	ForkSeconds float64 `json:"source_fork_seconds"`
	// LastDropCause is buffer-hard, buffer-soft, target, repl-timeout or
	// unknown; LastDrop the words.
	LastDropCause string `json:"last_drop_cause,omitempty"`
	LastDrop      string `json:"last_drop,omitempty"`
}

func fullSyncDoc(s probe.Snapshot) FullSyncDoc {
	w := &s.FullSync
	d := FullSyncDoc{Attached: w.Attached, LimitError: w.LimitsError, PeakBytes: w.Peak,
		SourceKeys: w.SourceKeys, TargetKeys: w.TargetKeys, Loading: w.Loading,
		FullSyncs: w.FullSyncs, Restarts: w.Restarts(), ForkSeconds: float64(w.ForkUsec) / 1e6}
	if w.Client != nil {
		d.BufferBytes = ptr(w.Client.Omem)
	}
	if l := w.Limit; l != nil {
		d.LimitHard, d.LimitSoft, d.LimitSoftSeconds = ptr(l.Hard), ptr(l.Soft), ptr(l.SoftSeconds)
		d.OverSoftSeconds = ptr(w.OverSoft.Seconds())
	}
	if w.ETAKnown {
		d.ETASeconds = ptr(w.ETA.Seconds())
	}
	if dr := w.LastDrop(); dr != nil {
		d.LastDropCause, d.LastDrop = string(dr.Cause), dr.Reason
	}
	return d
}
