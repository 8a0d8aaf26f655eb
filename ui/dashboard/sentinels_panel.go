// The SENTINELS panel: one row per Sentinel, what it names and whom it
// would promote.

package dashboard

import (
	"fmt"
	"strings"

	"flyover/probe"
	"flyover/ui/common"
)

// ---- sentinels ----

func (d *Dashboard) sentinelsHeight() int { return 2 + len(d.Sentinels) }

// sentinelsBlock has one row per Sentinel: what it names as master,
// whether it knows the target, and whom it would promote now.
func (d *Dashboard) sentinelsBlock(w int) []string {
	s := &d.snap
	// The master most Sentinels name: rows that differ are flagged.
	named, _ := s.MostNamedMaster()

	cols := []common.Column{
		{Head: "", Drop: 0},
		{Head: "address", Drop: 0},
		{Head: "up", Drop: 0},
		{Head: "names master", Drop: 0},
		{Head: "quorum", Drop: 4},
		{Head: "flags", Drop: 3, Max: 28},
		{Head: "target", Drop: 2},
		{Head: "would promote now", Drop: 1},
	}
	wide := w >= mediumWidth
	mark := d.mark
	if !wide {
		mark = d.shortMark
	}
	quorumOK := true
	for _, v := range s.Sentinels {
		if v.Reachable && (v.MasterDown() || v.FailoverInProgress()) {
			cols[5].Drop = 0 // flags that matter stay on screen
		}
	}
	up := 0
	for i, ss := range d.Sentinels {
		v := &s.Sentinels[i]
		row := make([]common.Cell, len(cols))
		row[0] = common.Cell{Text: ss.label, Tone: common.ToneMuted}
		row[1] = common.Cell{Text: ss.addr}
		switch {
		case !ss.polled:
			row[2] = common.Cell{Text: "…", Tone: common.ToneMuted}
			row[3] = common.Cell{Text: "connecting", Tone: common.ToneMuted, Span: true}
		case !v.Reachable:
			since := "never answered"
			if !v.LastSeen.IsZero() {
				since = "seen " + common.Duration(d.now.Sub(v.LastSeen)) + " ago"
			}
			row[2] = common.Cell{Text: "✗", Tone: common.ToneBad}
			// Since when is the point: the reason gives way first,
			// to its first words, then whole (the timeline has it).
			why := shortError(v.Error, v.Addr)
			head, _, _ := strings.Cut(why, ": ")
			row[3] = common.Cell{Text: "DOWN · " + since + " · " + why, Short: "DOWN · " + since + " · " + head,
				Shortest: "DOWN · " + since, Tone: common.ToneBad, Span: true}
		case !v.Monitors:
			row[2] = common.Cell{Text: "●", Tone: common.ToneOK}
			row[3] = common.Cell{Text: shortError(v.Error, v.Addr), Tone: common.ToneWarn, Span: true}
		default:
			up++
			row[2] = common.Cell{Text: "●", Tone: common.ToneOK}
			if v.RTT >= slowRTT {
				row[2] = common.Cell{Text: "● " + common.RTT(v.RTT), Tone: common.ToneWarn}
			}
			mt := common.ToneOK
			if !s.SentinelsAgree || !probe.SameAddr(v.MasterAddr, named) {
				mt = common.ToneWarn
			}
			row[3] = common.Cell{Text: v.MasterAddr + mark(v.MasterAddr), Tone: mt}
			if v.RecordAddr != "" && !probe.SameAddr(v.RecordAddr, v.MasterAddr) {
				// Mid-failover the leader sends clients to the target
				// while its own record is still the old primary.
				row[3] = common.Cell{Text: v.MasterAddr + mark(v.MasterAddr) + " · own record " + v.RecordAddr + mark(v.RecordAddr),
					Short: v.MasterAddr + " · own " + v.RecordAddr, Tone: common.ToneWarn}
				// Both addresses are the point for that second: the
				// Sentinels' own addresses give way first (s1, s2 say who).
				cols[1].Drop = 5
			}
			q := common.Cell{Text: fmt.Sprintf("%d ok", v.Quorum), Tone: common.ToneOK}
			if !v.QuorumOK {
				q = common.Cell{Text: fmt.Sprintf("%d NO", v.Quorum), Tone: common.ToneBad}
				quorumOK = false
			}
			row[4] = q
			ft := common.ToneText
			if v.MasterDown() || v.FailoverInProgress() {
				ft = common.ToneWarn
			}
			row[5] = flagsCell(v.MasterFlags, ft)
			if v.KnowsTarget {
				row[6] = common.Cell{Text: "known", Tone: common.ToneOK}
			} else {
				row[6] = common.Cell{Text: "not yet", Tone: common.ToneMuted}
			}
			switch {
			case v.WouldPromote == "":
				row[7] = common.Cell{Text: "no eligible replica", Tone: common.ToneMuted}
			case v.WouldPromoteTarget:
				row[7] = common.Cell{Text: v.WouldPromote + mark(v.WouldPromote), Tone: common.ToneOK}
			default:
				row[7] = common.Cell{Text: v.WouldPromote + mark(v.WouldPromote), Tone: common.ToneWarn}
			}
		}
		for c := range cols {
			cols[c].Cells = append(cols[c].Cells, row[c])
		}
	}
	var summary common.Cell
	switch {
	case len(d.Sentinels) == 0:
		summary = common.Cell{Text: "none given", Tone: common.ToneMuted}
	case s.SentinelsAgree:
		// The verdict is the point: the address's mark, then the
		// address, give way before it is cut.
		verdict, tone := "quorum ok", common.ToneOK
		if !quorumOK {
			verdict, tone = "QUORUM NOT REACHABLE", common.ToneBad
		}
		n := fmt.Sprintf("%d/%d up", up, len(d.Sentinels))
		summary = common.Cell{Text: common.FirstFit(w-len("SENTINELS")-2,
			n+" · agree on "+s.AgreedMaster+d.mark(s.AgreedMaster)+" · "+verdict,
			n+" · agree on "+s.AgreedMaster+" · "+verdict,
			n+" · "+verdict, verdict), Tone: tone}
	case up == 0:
		summary = common.Cell{Text: fmt.Sprintf("0/%d answering", len(d.Sentinels)), Tone: common.ToneBad}
	default:
		summary = common.Cell{Text: fmt.Sprintf("%d/%d up · DISAGREE on the master", up, len(d.Sentinels)), Tone: common.ToneWarn}
	}
	out := []string{d.sectionTitle("SENTINELS", summary, w)}
	if len(d.Sentinels) == 0 {
		return append(out, strings.Repeat(" ", w))
	}
	return append(out, d.tables.sentinels.Table(d.styles, cols, w, 2)...)
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

// flagsCell is a master's flags as Sentinel says them; shorter, without
// the "master" every master has and with failover_in_progress as
// "failover", where the row is too narrow for them.
func flagsCell(flags []string, t common.Tone) common.Cell {
	c := common.Cell{Text: strings.Join(flags, ","), Tone: t}
	var short []string
	for _, f := range flags {
		switch f {
		case "master":
		case "failover_in_progress":
			short = append(short, "failover")
		default:
			short = append(short, f)
		}
	}
	if s := strings.Join(short, ","); s != "" && s != c.Text {
		c.Short = s
	}
	return c
}
