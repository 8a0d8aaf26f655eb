// The SENTINELS panel: one row per Sentinel, what it names and whom it
// would promote.

package ui

import (
	"fmt"
	"strings"

	"flyover/probe"
)

// ---- sentinels ----

func (d *Dashboard) sentinelsHeight() int { return 2 + len(d.sentinels) }

// sentinelsBlock has one row per Sentinel: what it names as master,
// whether it knows the target, and whom it would promote now.
func (d *Dashboard) sentinelsBlock(w int) []string {
	s := &d.snap
	// The master most Sentinels name: rows that differ are flagged.
	named, _ := s.MostNamedMaster()

	cols := []column{
		{head: "", drop: 0},
		{head: "address", drop: 0},
		{head: "up", drop: 0},
		{head: "names master", drop: 0},
		{head: "quorum", drop: 4},
		{head: "flags", drop: 3, max: 28},
		{head: "target", drop: 2},
		{head: "would promote now", drop: 1},
	}
	wide := w >= mediumWidth
	mark := d.mark
	if !wide {
		mark = d.shortMark
	}
	quorumOK := true
	for _, v := range s.Sentinels {
		if v.Reachable && (v.MasterDown() || v.FailoverInProgress()) {
			cols[5].drop = 0 // flags that matter stay on screen
		}
	}
	up := 0
	for i, ss := range d.sentinels {
		v := &s.Sentinels[i]
		row := make([]cell, len(cols))
		row[0] = cell{text: ss.label, tone: toneMuted}
		row[1] = cell{text: ss.addr}
		switch {
		case !ss.polled:
			row[2] = cell{text: "…", tone: toneMuted}
			row[3] = cell{text: "connecting", tone: toneMuted, span: true}
		case !v.Reachable:
			since := "never answered"
			if !v.LastSeen.IsZero() {
				since = "seen " + duration(d.now.Sub(v.LastSeen)) + " ago"
			}
			row[2] = cell{text: "✗", tone: toneBad}
			row[3] = cell{text: "DOWN · " + since + " · " + shortError(v.Error, v.Addr), tone: toneBad, span: true}
		case !v.Monitors:
			row[2] = cell{text: "●", tone: toneOK}
			row[3] = cell{text: shortError(v.Error, v.Addr), tone: toneWarn, span: true}
		default:
			up++
			row[2] = cell{text: "●", tone: toneOK}
			if v.RTT >= slowRTT {
				row[2] = cell{text: "● " + rtt(v.RTT), tone: toneWarn}
			}
			mt := toneOK
			if !s.SentinelsAgree || !probe.SameAddr(v.MasterAddr, named) {
				mt = toneWarn
			}
			row[3] = cell{text: v.MasterAddr + mark(v.MasterAddr), tone: mt}
			if v.RecordAddr != "" && !probe.SameAddr(v.RecordAddr, v.MasterAddr) {
				// Mid-failover the leader sends clients to the target
				// while its own record is still the old primary.
				row[3] = cell{text: v.MasterAddr + mark(v.MasterAddr) + " · own record " + v.RecordAddr + mark(v.RecordAddr), tone: toneWarn}
			}
			q := cell{text: fmt.Sprintf("%d ok", v.Quorum), tone: toneOK}
			if !v.QuorumOK {
				q = cell{text: fmt.Sprintf("%d NO", v.Quorum), tone: toneBad}
				quorumOK = false
			}
			row[4] = q
			flags := strings.Join(v.MasterFlags, ",")
			ft := toneText
			if v.MasterDown() || v.FailoverInProgress() {
				ft = toneWarn
			}
			row[5] = cell{text: flags, tone: ft}
			if v.KnowsTarget {
				row[6] = cell{text: "known", tone: toneOK}
			} else {
				row[6] = cell{text: "not yet", tone: toneMuted}
			}
			switch {
			case v.WouldPromote == "":
				row[7] = cell{text: "no eligible replica", tone: toneMuted}
			case v.WouldPromoteTarget:
				row[7] = cell{text: v.WouldPromote + mark(v.WouldPromote), tone: toneOK}
			default:
				row[7] = cell{text: v.WouldPromote + mark(v.WouldPromote), tone: toneWarn}
			}
		}
		for c := range cols {
			cols[c].cells = append(cols[c].cells, row[c])
		}
	}
	var summary cell
	switch {
	case len(d.sentinels) == 0:
		summary = cell{text: "none given", tone: toneMuted}
	case s.SentinelsAgree && quorumOK:
		summary = cell{text: fmt.Sprintf("%d/%d up · agree on %s%s · quorum ok", up, len(d.sentinels), s.AgreedMaster, d.mark(s.AgreedMaster)), tone: toneOK}
	case s.SentinelsAgree:
		summary = cell{text: fmt.Sprintf("%d/%d up · agree on %s%s · QUORUM NOT REACHABLE", up, len(d.sentinels), s.AgreedMaster, d.mark(s.AgreedMaster)), tone: toneBad}
	case up == 0:
		summary = cell{text: fmt.Sprintf("0/%d answering", len(d.sentinels)), tone: toneBad}
	default:
		summary = cell{text: fmt.Sprintf("%d/%d up · DISAGREE on the master", up, len(d.sentinels)), tone: toneWarn}
	}
	out := []string{d.sectionTitle("SENTINELS", summary, w)}
	if len(d.sentinels) == 0 {
		return append(out, strings.Repeat(" ", w))
	}
	return append(out, d.styles.table(cols, w, 2)...)
}

func (d *Dashboard) mark(addr string) string { return nodeMark(addr, &d.cfg.Topo) }

// shortMark is mark for narrow screens: " src", " tgt".
func (d *Dashboard) shortMark(addr string) string {
	switch nodeMark(addr, &d.cfg.Topo) {
	case " (source)":
		return " src"
	case " (target)":
		return " tgt"
	}
	return ""
}
