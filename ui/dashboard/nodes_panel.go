// The NODES panel: the source and the target side by side, row by row.

package dashboard

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"flyover/probe"
	"flyover/ui/common"
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
	labels := common.Column{Head: "", Drop: 0}
	srcCol := common.Column{Head: "source"}
	tgtCol := common.Column{Head: "target"}
	diff := common.Column{Head: "diff", Right: true, Drop: 1}
	add := func(label string, a, b, c common.Cell) {
		labels.Cells = append(labels.Cells, common.Cell{Text: label, Tone: common.ToneMuted})
		srcCol.Cells = append(srcCol.Cells, a)
		tgtCol.Cells = append(tgtCol.Cells, b)
		diff.Cells = append(diff.Cells, c)
	}
	// Fixed columns, so the eye compares source and target row by row;
	// the target's facts run longer (stand-in, replica of ...). Where
	// the two addresses would not fit whole, the diff column goes (the
	// table drops it) and they get its room.
	space := max(20, w-10-8-3*2)
	if addrs := common.Width(src.Addr) + common.Width(tgt.Addr) + 2; space < addrs+4 {
		space = max(20, w-10-2*2)
	}
	srcW := space * 23 / 50
	tgtW := space - srcW
	srcCol.Min, srcCol.Max = srcW, srcW
	tgtCol.Min, tgtCol.Max = tgtW, tgtW
	labels.Min = 10
	if compact {
		srcCol.Head, tgtCol.Head = "source "+src.Addr, "target "+tgt.Addr
	} else {
		add("address", common.Cell{Text: src.Addr}, common.Cell{Text: tgt.Addr}, common.Cell{})
	}
	add("server", d.serverCell(common.SourceNode, srcW), d.serverCell(common.TargetNode, tgtW), common.Cell{})
	roleRow := len(srcCol.Cells)
	add("role", roleCell(src, srcW), roleCell(tgt, tgtW), common.Cell{})
	add("status", d.statusCell(&d.Source, srcW), d.statusCell(&d.Target, tgtW), common.Cell{})
	add("memory", memCell(src), memCell(tgt), common.Cell{})
	if compact {
		add("load", loadCell(src), loadCell(tgt), common.Cell{})
	} else {
		add("ops/s", numCell(src, src.OpsPerSec), numCell(tgt, tgt.OpsPerSec), common.Cell{})
		add("clients", numCell(src, src.Clients), numCell(tgt, tgt.Clients), common.Cell{})
	}
	for _, k := range keyRows(src, tgt, compact) {
		add(k.label, k.src, k.tgt, k.diff)
	}
	// One side's facts may run longer than its share (the old primary,
	// now a replica of the target's address): it takes what the other
	// side leaves, so values are not cut.
	need := func(cells []common.Cell, role, status common.Cell) int {
		return max(widest(cells), common.Width(role.Text), common.Width(status.Text))
	}
	needS := need(srcCol.Cells, roleCell(src, space), d.statusCell(&d.Source, space))
	needT := need(tgtCol.Cells, roleCell(tgt, space), d.statusCell(&d.Target, space))
	switch {
	case needS > srcW && needS+needT <= space:
		srcW, tgtW = needS, space-needS
	case needT > tgtW && needS+needT <= space:
		srcW, tgtW = space-needT, needT
	}
	// Their role and status in the words the final widths allow.
	srcCol.Cells[roleRow], tgtCol.Cells[roleRow] = roleCell(src, srcW), roleCell(tgt, tgtW)
	srcCol.Cells[roleRow+1], tgtCol.Cells[roleRow+1] = d.statusCell(&d.Source, srcW), d.statusCell(&d.Target, tgtW)
	srcCol.Min, srcCol.Max = srcW, srcW
	tgtCol.Min, tgtCol.Max = tgtW, tgtW
	lines := slices.Clone(d.tables.nodes.Table(d.styles, []common.Column{labels, srcCol, tgtCol, diff}, w, 2))
	// The heading line doubles as the section title.
	title := d.styles.Title.Render("NODES")
	if len(lines) > 0 {
		lines[0] = title + ansi.Cut(lines[0], 5, w)
	}
	return lines
}

func (d *Dashboard) serverCell(w common.Which, width int) common.Cell {
	n := &d.snap.Source
	if w == common.TargetNode {
		n = &d.snap.Target
	}
	if !n.Reachable {
		return common.Cell{Text: "—", Tone: common.ToneMuted}
	}
	kind := string(n.Kind)
	if kind == "" {
		kind = "unknown server"
	}
	text := kind + " " + n.Version
	if w == common.TargetNode && n.Kind != probe.KindDragonfly {
		// The target is meant to be Dragonfly: say when it is not.
		long := text + " · standing in for Dragonfly"
		if ansi.StringWidth(long) <= width {
			return common.Cell{Text: long, Tone: common.ToneWarn}
		}
		return common.Cell{Text: text + " (stand-in)", Short: "stand-in " + n.Version, Tone: common.ToneWarn}
	}
	return common.Cell{Text: text}
}

// widest is the widest cell's text.
func widest(cells []common.Cell) int {
	w := 0
	for _, c := range cells {
		w = max(w, common.Width(c.Text))
	}
	return w
}

func roleCell(n *probe.Node, width int) common.Cell {
	if !n.Reachable {
		return common.Cell{Text: "—", Tone: common.ToneMuted}
	}
	switch n.Role {
	case probe.RolePrimary:
		if len(n.Replicas) > 0 {
			return common.Cell{Text: fmt.Sprintf("primary · %d replica%s", len(n.Replicas), common.Plural(len(n.Replicas)))}
		}
		return common.Cell{Text: "primary"}
	case probe.RoleReplica:
		addr := joinHostPort(n.MasterHost, n.MasterPort)
		return common.Cell{Text: common.FirstFit(width, "replica of "+addr, "replica "+addr, "↳ "+addr)}
	}
	return common.Cell{Text: roleWord(n.Role), Tone: common.ToneWarn}
}

// statusCell: up with the round trip, or down with how long ago it was
// last seen and why.
func (d *Dashboard) statusCell(ns *nodeState, width int) common.Cell {
	if !ns.polled {
		return common.Cell{Text: "… connecting", Tone: common.ToneMuted}
	}
	n := &ns.node
	if n.Reachable && ns == &d.Source && d.oldStale != "" {
		// The old primary still answers clients after the switch, with
		// data that stopped at it.
		// Since when is the point: the words around it give way first.
		short := strings.Replace(d.oldStale, "stale since ", "stale ", 1)
		return common.Cell{Text: common.FirstFit(width, "● "+d.oldStale, "● "+short, short), Tone: common.ToneWarn}
	}
	if n.Reachable {
		if n.RTT >= slowRTT {
			return common.Cell{Text: "● up · slow: " + common.RTT(n.RTT), Tone: common.ToneWarn}
		}
		return common.Cell{Text: "● up", Tone: common.ToneOK}
	}
	seen, ago := "never answered", "never seen"
	if !n.LastSeen.IsZero() {
		ago = common.Duration(d.now.Sub(n.LastSeen)) + " ago"
		seen = "seen " + ago
	}
	if ns == &d.Source && d.switched() {
		// After the switch the old primary going away is the plan
		// (decommission), not an alarm. How long ago is said whole
		// or not at all.
		return common.Cell{Text: common.FirstFit(width, "○ retired · "+seen, "○ retired · "+ago, "○ retired "+ago, "○ retired"), Tone: common.ToneMuted}
	}
	text := common.FirstFit(width, "✗ DOWN · "+seen, "✗ DOWN · "+ago, "✗ DOWN "+ago, "✗ DOWN")
	// The reason where it fits whole; the timeline always has it.
	if full := text + " · " + shortError(n.Error, n.Addr); ansi.StringWidth(full) <= width {
		text = full
	}
	return common.Cell{Text: text, Tone: common.ToneBad}
}

// shortError drops the address prefix probe.Describe puts on errors: the
// column already says which endpoint.
func shortError(err, addr string) string {
	return strings.TrimPrefix(err, addr+": ")
}

func memCell(n *probe.Node) common.Cell {
	if !n.Reachable {
		return common.Cell{Text: "—", Tone: common.ToneMuted}
	}
	if n.MaxMemory <= 0 {
		return common.Cell{Text: probe.Bytes(n.UsedMemory) + " / no limit", Short: probe.Bytes(n.UsedMemory)}
	}
	t := common.ToneText
	if float64(n.UsedMemory) > 0.9*float64(n.MaxMemory) {
		t = common.ToneWarn
	}
	return common.Cell{Text: probe.Bytes(n.UsedMemory) + " / " + probe.Bytes(n.MaxMemory), Short: probe.Bytes(n.UsedMemory) + "/" + probe.Bytes(n.MaxMemory), Tone: t}
}

func numCell(n *probe.Node, v int64) common.Cell {
	if !n.Reachable {
		return common.Cell{Text: "—", Tone: common.ToneMuted}
	}
	return common.Cell{Text: probe.Thousands(v)}
}

func loadCell(n *probe.Node) common.Cell {
	if !n.Reachable {
		return common.Cell{Text: "—", Tone: common.ToneMuted}
	}
	return common.Cell{Text: probe.Thousands(n.OpsPerSec) + " ops/s · " + probe.Thousands(n.Clients) + " cl"}
}

type keyRow struct {
	label          string
	src, tgt, diff common.Cell
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
	count := func(n *probe.Node, db int) common.Cell {
		if !n.Reachable {
			return common.Cell{Text: "—", Tone: common.ToneMuted}
		}
		if db < 0 {
			return common.Cell{Text: probe.Thousands(n.Keys())}
		}
		return common.Cell{Text: probe.Thousands(n.Keyspace[db].Keys)}
	}
	diffOf := func(db int) common.Cell {
		if !src.Reachable || !tgt.Reachable {
			return common.Cell{}
		}
		a, b := src.Keys(), tgt.Keys()
		if db >= 0 {
			a, b = src.Keyspace[db].Keys, tgt.Keyspace[db].Keys
		}
		if a == b {
			return common.Cell{Text: "=", Tone: common.ToneOK}
		}
		return common.Cell{Text: common.Signed(b - a), Tone: common.ToneWarn}
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

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		return fmt.Sprintf("[%s]:%d", host, port)
	}
	return fmt.Sprintf("%s:%d", host, port)
}
