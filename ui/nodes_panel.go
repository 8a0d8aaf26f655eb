// The NODES panel: the source and the target side by side, row by row.

package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
)

// slowRTT is the round trip from which a poll's time is shown. Below it the
// figure is noise, and a number that changes on every poll redraws the
// screen for nothing.
const slowRTT = 20 * time.Millisecond

// ---- nodes ----

// nodesBlock compares the source and the target side by side.
func (d *Dashboard) nodesBlock(w int, compact bool) []string {
	s := &d.snap
	src, tgt := &s.Source, &s.Target
	labels := column{head: "", drop: 0}
	srcCol := column{head: "source"}
	tgtCol := column{head: "target"}
	diff := column{head: "diff", right: true, drop: 1}
	add := func(label string, a, b, c cell) {
		labels.cells = append(labels.cells, cell{text: label, tone: toneMuted})
		srcCol.cells = append(srcCol.cells, a)
		tgtCol.cells = append(tgtCol.cells, b)
		diff.cells = append(diff.cells, c)
	}
	// Fixed columns, so the eye compares source and target row by row;
	// the target's facts run longer (stand-in, replica of ...).
	space := max(20, w-10-8-3*2)
	srcW := space * 23 / 50
	tgtW := space - srcW
	srcCol.min, srcCol.max = srcW, srcW
	tgtCol.min, tgtCol.max = tgtW, tgtW
	labels.min = 10
	if compact {
		srcCol.head, tgtCol.head = "source "+src.Addr, "target "+tgt.Addr
	} else {
		add("address", cell{text: src.Addr}, cell{text: tgt.Addr}, cell{})
	}
	add("server", d.serverCell(sourceNode, srcW), d.serverCell(targetNode, tgtW), cell{})
	add("role", roleCell(src), roleCell(tgt), cell{})
	add("status", d.statusCell(&d.source, srcW), d.statusCell(&d.target, tgtW), cell{})
	add("memory", memCell(src), memCell(tgt), cell{})
	if compact {
		add("load", loadCell(src), loadCell(tgt), cell{})
	} else {
		add("ops/s", numCell(src, src.OpsPerSec), numCell(tgt, tgt.OpsPerSec), cell{})
		add("clients", numCell(src, src.Clients), numCell(tgt, tgt.Clients), cell{})
	}
	for _, k := range keyRows(src, tgt, compact) {
		add(k.label, k.src, k.tgt, k.diff)
	}
	lines := d.styles.table([]column{labels, srcCol, tgtCol, diff}, w, 2)
	// The heading line doubles as the section title.
	title := d.styles.title.Render("NODES")
	if len(lines) > 0 {
		lines[0] = title + ansi.Cut(lines[0], 5, w)
	}
	return lines
}

func (d *Dashboard) serverCell(w which, width int) cell {
	n := &d.snap.Source
	if w == targetNode {
		n = &d.snap.Target
	}
	if !n.Reachable {
		return cell{text: "—", tone: toneMuted}
	}
	kind := string(n.Kind)
	if kind == "" {
		kind = "unknown server"
	}
	text := kind + " " + n.Version
	if w == targetNode && n.Kind != probe.KindDragonfly {
		// The target is meant to be Dragonfly: say when it is not.
		long := text + " · standing in for Dragonfly"
		if ansi.StringWidth(long) <= width {
			return cell{text: long, tone: toneWarn}
		}
		return cell{text: text + " (stand-in)", tone: toneWarn}
	}
	return cell{text: text}
}

func roleCell(n *probe.Node) cell {
	if !n.Reachable {
		return cell{text: "—", tone: toneMuted}
	}
	switch n.Role {
	case probe.RolePrimary:
		if len(n.Replicas) > 0 {
			return cell{text: fmt.Sprintf("primary · %d replica%s", len(n.Replicas), plural(len(n.Replicas)))}
		}
		return cell{text: "primary"}
	case probe.RoleReplica:
		return cell{text: fmt.Sprintf("replica of %s", joinHostPort(n.MasterHost, n.MasterPort))}
	}
	return cell{text: roleWord(n.Role), tone: toneWarn}
}

// statusCell: up with the round trip, or down with how long ago it was
// last seen and why.
func (d *Dashboard) statusCell(ns *nodeState, width int) cell {
	if !ns.polled {
		return cell{text: "… connecting", tone: toneMuted}
	}
	n := &ns.node
	if n.Reachable && ns == &d.source && d.oldStale != "" {
		// The old primary still answers clients after the switch, with
		// data that stopped at it.
		return cell{text: "● " + d.oldStale, tone: toneWarn}
	}
	if n.Reachable {
		if n.RTT >= slowRTT {
			return cell{text: "● up · slow: " + rtt(n.RTT), tone: toneWarn}
		}
		return cell{text: "● up", tone: toneOK}
	}
	seen := "never answered"
	if !n.LastSeen.IsZero() {
		seen = "seen " + duration(d.now.Sub(n.LastSeen)) + " ago"
	}
	if ns == &d.source && d.switched() {
		// After the switch the old primary going away is the plan
		// (decommission), not an alarm.
		return cell{text: "○ retired · " + seen, tone: toneMuted}
	}
	text := "✗ DOWN · " + seen
	// The reason where it fits whole; the timeline always has it.
	if full := text + " · " + shortError(n.Error, n.Addr); ansi.StringWidth(full) <= width {
		text = full
	}
	return cell{text: text, tone: toneBad}
}

// shortError drops the address prefix probe.Describe puts on errors: the
// column already says which endpoint.
func shortError(err, addr string) string {
	return strings.TrimPrefix(err, addr+": ")
}

func memCell(n *probe.Node) cell {
	if !n.Reachable {
		return cell{text: "—", tone: toneMuted}
	}
	if n.MaxMemory <= 0 {
		return cell{text: probe.Bytes(n.UsedMemory) + " / no limit"}
	}
	t := toneText
	if float64(n.UsedMemory) > 0.9*float64(n.MaxMemory) {
		t = toneWarn
	}
	return cell{text: probe.Bytes(n.UsedMemory) + " / " + probe.Bytes(n.MaxMemory), tone: t}
}

func numCell(n *probe.Node, v int64) cell {
	if !n.Reachable {
		return cell{text: "—", tone: toneMuted}
	}
	return cell{text: probe.Thousands(v)}
}

func loadCell(n *probe.Node) cell {
	if !n.Reachable {
		return cell{text: "—", tone: toneMuted}
	}
	return cell{text: probe.Thousands(n.OpsPerSec) + " ops/s · " + probe.Thousands(n.Clients) + " cl"}
}

type keyRow struct {
	label          string
	src, tgt, diff cell
}

// maxDBRows bounds the per-database rows; the rest are summed.
const maxDBRows = 4

// keyRows compares key counts per database, source against target.
func keyRows(src, tgt *probe.Node, compact bool) []keyRow {
	seen := map[int]bool{}
	var dbs []int
	for _, n := range []*probe.Node{src, tgt} {
		if !n.Reachable {
			continue
		}
		for db := range n.Keyspace {
			if !seen[db] {
				seen[db] = true
				dbs = append(dbs, db)
			}
		}
	}
	sort.Ints(dbs)
	count := func(n *probe.Node, db int) cell {
		if !n.Reachable {
			return cell{text: "—", tone: toneMuted}
		}
		if db < 0 {
			return cell{text: probe.Thousands(n.Keys())}
		}
		return cell{text: probe.Thousands(n.Keyspace[db].Keys)}
	}
	diffOf := func(db int) cell {
		if !src.Reachable || !tgt.Reachable {
			return cell{}
		}
		a, b := src.Keys(), tgt.Keys()
		if db >= 0 {
			a, b = src.Keyspace[db].Keys, tgt.Keyspace[db].Keys
		}
		if a == b {
			return cell{text: "=", tone: toneOK}
		}
		return cell{text: signed(b - a), tone: toneWarn}
	}
	limit := maxDBRows
	if compact {
		limit = 1
	}
	if len(dbs) == 0 || len(dbs) > limit {
		label := "keys"
		if len(dbs) > 1 {
			label = fmt.Sprintf("keys %d dbs", len(dbs))
		}
		return []keyRow{{label, count(src, -1), count(tgt, -1), diffOf(-1)}}
	}
	rows := make([]keyRow, 0, len(dbs)+1)
	for _, db := range dbs {
		rows = append(rows, keyRow{fmt.Sprintf("keys db%d", db), count(src, db), count(tgt, db), diffOf(db)})
	}
	if len(dbs) > 1 {
		rows = append(rows, keyRow{"keys total", count(src, -1), count(tgt, -1), diffOf(-1)})
	}
	return rows
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		return fmt.Sprintf("[%s]:%d", host, port)
	}
	return fmt.Sprintf("%s:%d", host, port)
}
