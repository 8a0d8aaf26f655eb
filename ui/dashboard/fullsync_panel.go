package dashboard

import (
	"fmt"
	"strings"
	"time"

	"flyover/probe"
	"flyover/probe/fullsync"
	"flyover/steps"
	"flyover/ui/common"
)

// The full sync as the source and the target show it (probe/fullsync's
// Watch): the source's output buffer for the target as a gauge
// against its limit, the load's progress and ETA, the forks since the
// attach and why the last sync was dropped. Shown while the target syncs,
// and after a stopped loop until the next attach; not from the promotion
// on. A function of the snapshot and the stage, so a cached panel
// redraws only when they change.

// showFullSync reports whether the full-sync lines belong on screen.
func showFullSync(s *probe.Snapshot) bool {
	w := &s.FullSync
	return (w.Attached && s.Link.Phase != probe.PhaseOnline && s.Link.Phase != probe.PhaseUnknown) || w.Restarts() > 0
}

// cutOver: the cutover has promoted the target, or is promoting it and
// the target no longer follows the source: the source's link to it is
// over, and what the source counts from then on is not the target's
// sync. A target that still says it syncs from the source (a Sentinel
// that names it master too early, or wrongly) keeps its sync's lines:
// they are what it says.
func (d *Dashboard) cutOver() bool {
	switch d.stage {
	case steps.StagePromoting, steps.StagePromoted, steps.StagePromotedUnannounced:
		return !d.snap.Link.FollowsSource
	}
	return d.switched()
}

// fullSyncLines are the lines under REPLICATION, each label in labelW
// cells and its value in w-labelW; none from the promotion on, when the
// link from the old primary is over.
func (d *Dashboard) fullSyncLines(w, labelW int) []string {
	s := &d.snap
	if !showFullSync(s) || d.cutOver() {
		return nil
	}
	st := d.styles
	fw := &s.FullSync
	vw := w - labelW
	line := func(label, value string) string {
		return st.Paint(common.ToneMuted, common.Fit(label, labelW)) + common.Fit(value, vw)
	}
	var out []string
	// The buffer: the gauge against the limit that closes first (only
	// once the source's poll has read it).
	buf := ""
	if fw.Client == nil && fw.Limit != nil {
		// The limit is the point: the words around it give way first.
		lim := fullsync.LimitWords(*fw.Limit)
		buf = st.Paint(common.ToneMuted, common.FirstFit(vw, "not listed by the source · limit "+lim, "not listed · limit "+lim,
			"not listed · limit "+hardWords(*fw.Limit), "limit "+hardWords(*fw.Limit)))
	}
	if c := fw.Client; c != nil {
		tone := common.ToneOK
		text := probe.Bytes(c.Omem)
		short := "" // the same without the soft limit, where it does not fit
		switch {
		case fw.Limit == nil:
			text += " · limit unknown"
		case fw.Limit.Unlimited():
			text += " · no limit"
		default:
			if fw.Fill >= 0.8 {
				tone = common.ToneBad
			} else if fw.OverSoft > 0 || fw.Fill >= 0.5 {
				tone = common.ToneWarn
			}
			short = text + " of " + hardWords(*fw.Limit)
			text += " of " + fullsync.LimitWords(*fw.Limit)
			if fw.OverSoft > 0 {
				over := fmt.Sprintf(" · over soft %s of %d s", fw.OverSoft.Round(time.Second), fw.Limit.SoftSeconds)
				text, short = text+over, short+over
			}
		}
		if short == "" {
			short = text
		}
		buf = st.Paint(tone, common.FirstFit(vw, text, short))
		// The gauge beside the figures where both fit whole: the
		// figures are the point, the bar gives way.
		if barW := min(20, vw/4); fw.Fill >= 0 && vw > 30 && common.Width(short) <= vw-barW-1 {
			buf = d.progressBar(fw.Fill, barW) + " " + st.Paint(tone, common.FirstFit(vw-barW-1, text, short))
		}
	}
	if buf != "" {
		out = append(out, line("buffer", buf))
	}
	// The load: the target's keys against the source's.
	if fw.SourceKeys > 0 && s.Link.Phase != probe.PhaseOnline && fw.Attached {
		load := fmt.Sprintf("%s of %s keys", probe.Thousands(fw.TargetKeys), probe.Thousands(fw.SourceKeys))
		if fw.Loading {
			load += " · loading"
		}
		if fw.ETAKnown {
			load += " · ETA " + fw.ETA.Round(time.Second).String()
		}
		out = append(out, line("load", load))
	}
	// The forks: each one stalls the source and copies its written pages.
	forks := fmt.Sprintf("%d since the attach", fw.FullSyncs)
	if fw.ForkUsec > 0 {
		forks += " · last fork " + (time.Duration(fw.ForkUsec) * time.Microsecond).Round(100*time.Microsecond).String()
	}
	tone := common.ToneMuted
	if n := fw.Restarts(); n > 0 {
		forks += fmt.Sprintf(" · restarted %d×", n)
		tone = common.ToneBad
	}
	if fw.FullSyncs > 0 || fw.Restarts() > 0 {
		out = append(out, line("full syncs", st.Paint(tone, forks)))
	}
	if dr := fw.LastDrop(); dr != nil {
		// Why the source closed the link, whole: it says what to raise.
		for i, l := range common.WrapWords(dr.Reason, vw) {
			label := ""
			if i == 0 {
				label = "dropped"
			}
			out = append(out, line(label, st.Paint(common.ToneBad, l)))
		}
	}
	return out
}

// hardWords is a limit by its hard figure alone ("1.0 MiB hard"), or all
// of it when it has none.
func hardWords(l fullsync.Limit) string {
	if l.Hard > 0 {
		return probe.Bytes(l.Hard) + " hard"
	}
	return fullsync.LimitWords(l)
}

// fullSyncCompact is the full sync in one line for a small screen: the
// buffer against its limit, the load, the restarts (and, after a drop, a
// second line with its cause).
func (d *Dashboard) fullSyncCompact(w int) []string {
	s := &d.snap
	if !showFullSync(s) || d.cutOver() {
		return nil
	}
	st := d.styles
	fw := &s.FullSync
	var parts []string
	tone := common.ToneMuted
	if c := fw.Client; c != nil {
		b := "buffer " + probe.Bytes(c.Omem)
		if fw.Limit != nil && !fw.Limit.Unlimited() {
			b += " of " + fullsync.LimitWords(*fw.Limit)
			if fw.Fill >= 0.8 {
				tone = common.ToneBad
			} else if fw.OverSoft > 0 || fw.Fill >= 0.5 {
				tone = common.ToneWarn
			}
		}
		parts = append(parts, b)
	}
	if fw.SourceKeys > 0 && fw.Attached && s.Link.Phase != probe.PhaseOnline {
		k := fmt.Sprintf("keys %s/%s", probe.Thousands(fw.TargetKeys), probe.Thousands(fw.SourceKeys))
		if fw.ETAKnown {
			k += " ETA " + fw.ETA.Round(time.Second).String()
		}
		parts = append(parts, k)
	}
	if n := fw.Restarts(); n > 0 {
		parts = append(parts, fmt.Sprintf("restarted %d×", n))
		tone = common.ToneBad
	}
	if len(parts) == 0 {
		return nil
	}
	out := []string{st.Paint(common.ToneMuted, common.Fit("sync", 8)) + st.Paint(tone, common.Fit(common.ClipWords(strings.Join(parts, " · "), w-8), w-8))}
	if dr := fw.LastDrop(); dr != nil {
		for _, l := range common.WrapWords("dropped: "+dr.Reason, w) {
			out = append(out, st.Paint(common.ToneBad, common.Fit(l, w)))
		}
	}
	return out
}
