// The dashboard's judgements of a snapshot: the header's verdict, the
// catch-up estimate, the trend samples.

package dashboard

import (
	"fmt"
	"strings"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/switchover"
	"flyover/ui/common"
)

// badge is the verdict the header shows: the one thing that matters.
type badge struct {
	text string
	tone common.Tone
}

func (d *Dashboard) pushSample() {
	s := common.Sample{At: d.now, LagBytes: -1, SourceOps: -1, TargetOps: -1}
	if l := &d.snap.Link; l.LagKnown && (l.SourceView || l.Phase == probe.PhaseOnline && d.snap.Source.Reachable) {
		s.LagBytes = l.LagBytes // a silent target's too: the source's view
	}
	if d.snap.Source.Reachable {
		s.SourceOps = d.snap.Source.OpsPerSec
	}
	if d.snap.Target.Reachable {
		s.TargetOps = d.snap.Target.OpsPerSec
	}
	d.History.Push(s)
	d.samples++
}

// catchUpWindow is how far back the lag trend is read for the estimate.
const catchUpWindow = 10 * time.Second

// estimateCatchUp says how long until the target has caught up: from the
// transfer's progress during a full sync, from the lag's trend once
// streaming.
func (d *Dashboard) estimateCatchUp() common.Cell {
	l := &d.snap.Link
	tgt := &d.snap.Target
	if !d.snap.Source.Reachable && l.Phase != probe.PhaseDetached {
		return common.Cell{Text: "unknown while the source is down", Tone: common.ToneMuted}
	}
	switch l.Phase {
	case probe.PhaseUnknown:
		if !tgt.Reachable {
			return common.Cell{Text: "unknown: target silent", Tone: common.ToneMuted}
		}
		return common.Cell{Text: "unknown while an endpoint is down", Tone: common.ToneMuted}
	case probe.PhaseDetached:
		return common.Cell{Text: "not attached", Tone: common.ToneMuted}
	case probe.PhaseHandshake:
		return common.Cell{Text: "waiting for the source's snapshot", Tone: common.ToneMuted}
	case probe.PhaseLoading:
		return common.Cell{Text: "after the target loads the snapshot", Tone: common.ToneMuted}
	case probe.PhaseTransfer:
		prev := &d.prevTarget
		if tgt.SyncTotalBytes > 0 && prev.Reachable && prev.SyncReadBytes > 0 && tgt.SyncReadBytes > prev.SyncReadBytes {
			dt := tgt.PolledAt.Sub(prev.PolledAt).Seconds()
			if dt > 0 {
				bps := float64(tgt.SyncReadBytes-prev.SyncReadBytes) / dt
				left := float64(tgt.SyncTotalBytes - tgt.SyncReadBytes)
				return common.Cell{Text: "~" + common.Duration(time.Duration(left/bps*float64(time.Second))) + " at " + common.Rate(bps), Tone: common.ToneText}
			}
		}
		return common.Cell{Text: "after the transfer (size not reported)", Tone: common.ToneMuted}
	}
	if !l.LagKnown {
		return common.Cell{Text: "unknown: neither side says how far behind", Tone: common.ToneMuted}
	}
	if l.InSync || l.LagBytes == 0 {
		return common.Cell{Text: "caught up", Tone: common.ToneOK}
	}
	// Lag trend: compare with the oldest known lag in the window.
	now, ok := d.History.Last()
	if !ok || now.LagBytes < 0 {
		return common.Cell{Text: "measuring…", Tone: common.ToneMuted}
	}
	for i := 0; i < d.History.Len(); i++ {
		then := d.History.At(i)
		if then.LagBytes < 0 || now.At.Sub(then.At) > catchUpWindow {
			continue
		}
		dt := now.At.Sub(then.At).Seconds()
		if dt < 1 {
			break
		}
		slope := float64(now.LagBytes-then.LagBytes) / dt // bytes/s, negative when closing
		if slope < 0 {
			eta := time.Duration(float64(now.LagBytes) / -slope * float64(time.Second))
			return common.Cell{Text: "~" + common.Duration(eta) + " (closing " + common.Rate(-slope) + ")", Tone: common.ToneText}
		}
		return common.Cell{Text: "not closing (lag +" + common.Rate(slope) + ")", Tone: common.ToneWarn}
	}
	return common.Cell{Text: "measuring…", Tone: common.ToneMuted}
}

// noteDivergence takes what the target dropped since the baseline: the
// badge says it at once, the timeline says it in full when it changes.
func (d *Dashboard) noteDivergence(f steps.Facts) {
	dropped := steps.DroppedCommands(f)
	if dropped == d.dropped {
		return
	}
	d.dropped = dropped
	if c, ok := steps.DivergenceWatch(f); ok && dropped != "" {
		d.addEntry(d.own("target diverged", c.Detail, common.ToneBad), true)
	}
}

// notePartition puts on the timeline each endpoint flyover cannot reach
// while an endpoint it does reach still reaches it (a partition, not a
// crash, which the "down" entries say), with what the others say of it,
// when that set changes.
func (d *Dashboard) notePartition(f steps.Facts) {
	var names, lines []string
	for _, u := range switchover.Unreachable(f) {
		if u.UpForOthers {
			names = append(names, u.Name)
			lines = append(lines, u.String())
		}
	}
	now := strings.Join(names, ",")
	if now == d.partition {
		return
	}
	d.partition = now
	for _, l := range lines {
		d.addEntry(d.own("partition", l, common.ToneWarn), true)
	}
}

// switched reports whether the migration has happened: the target is a
// primary and every Sentinel's own record names it, none of them in a
// failover (switchover.SwitchComplete). The old primary is then a replica, or
// gone, and the link from it no longer means anything.
func (d *Dashboard) switched() bool { return d.complete }

// verdict is the header badge.
func (d *Dashboard) verdict() badge {
	s := &d.snap
	l := &s.Link
	switch {
	case !d.Source.polled || !d.Target.polled:
		return badge{"CONNECTING", common.ToneMuted}
	case d.switched():
		return badge{"SWITCHED · target is the primary", common.ToneOK}
	case s.Target.Reachable && s.Target.Role == probe.RolePrimary && d.stage == steps.StagePromoted:
		// Clients are sent to the target, but a Sentinel is still in its
		// failover or names another primary in its own record: not done,
		// whatever the old primary does now.
		return badge{fmt.Sprintf("SWITCHING · %d of %d Sentinels switched", d.switchedN, len(s.Sentinels)), common.ToneWarn}
	case !s.Source.Reachable:
		return badge{"SOURCE DOWN", common.ToneBad}
	case !s.Target.Reachable:
		return badge{"TARGET DOWN", common.ToneBad}
	case s.Target.Role == probe.RolePrimary && d.stage == steps.StagePromoting:
		// Mid-failover the target reports master and follows no one:
		// "not attached" would be the wrong word for the busiest second.
		return badge{fmt.Sprintf("PROMOTING · %d of %d Sentinels name the target", d.naming, len(s.Sentinels)), common.ToneWarn}
	case s.Target.Role == probe.RolePrimary && d.stage == steps.StagePromotedUnannounced:
		return badge{"PROMOTED · no Sentinel names it yet", common.ToneBad}
	case d.dropped != "":
		return badge{"DIVERGED · target dropped " + d.dropped, common.ToneBad}
	case d.inSync:
		return badge{"● IN SYNC", common.ToneOK}
	case l.Phase == probe.PhaseDetached:
		return badge{"NOT ATTACHED", common.ToneMuted}
	case l.Phase == probe.PhaseOnline && l.InSync:
		return badge{fmt.Sprintf("CONFIRMING · %d/%d polls in sync", d.inSyncStreak, d.cfg.InSyncPolls), common.ToneWarn}
	case l.Phase == probe.PhaseOnline:
		return badge{"CATCHING UP · lag " + common.LagText(*l), common.ToneWarn}
	case l.Phase == probe.PhaseTransfer && l.Progress >= 0:
		return badge{fmt.Sprintf("SYNCING · %d%%", int(l.Progress*100)), common.ToneWarn}
	}
	return badge{"SYNCING · " + string(l.Phase), common.ToneWarn}
}
