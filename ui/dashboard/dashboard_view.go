package dashboard

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"flyover/ui/common"
)

// Layout thresholds, in terminal cells.
const (
	wideWidth   = 170 // nodes | replication | trends side by side
	mediumWidth = 110 // nodes | replication over trends
	gapHeight   = 30  // blank lines between sections from this height
	minEvents   = 4   // timeline title and three rows
	colGap      = 3   // between side-by-side sections
	// MinDashWidth is the narrowest dashboard that shows more than its
	// verdict; a side panel leaves it at least this much.
	MinDashWidth = 40
)

// plan is how the dashboard's sections share the screen.
type plan struct {
	gaps, trends, compactNodes, compactRepl bool
	// apart: a blank line between the trends' sparklines, which at some
	// fonts touch from row to row and cannot be read apart
	apart bool
}

// render lays the whole dashboard out into d.frame. It runs in View,
// when Update or a setter has marked it stale (invalidate).
func (d *Dashboard) render() {
	W, H := d.Width, d.height
	if W <= 0 || H <= 0 || d.styles == nil {
		d.frame = ""
		return
	}
	if W < MinDashWidth || H < 10 {
		d.frame = d.tooSmall(W, H)
		return
	}
	lines := make([]string, 0, H)
	header := 1
	if d.noHeader {
		header = 0
	} else {
		lines = append(lines, d.HeaderLine(W))
	}

	plans := []plan{
		{gaps: true, trends: true, apart: true},
		{trends: true, apart: true},
		{trends: true},
		{},
		{compactNodes: true},
		{compactNodes: true, compactRepl: true},
	}
	var p plan
	var top []string
	var events int
	for _, p = range plans {
		if p.gaps && H < gapHeight {
			continue
		}
		top = d.topArea(W, p)
		used := header + len(top) + d.sentinelsHeight()
		if p.gaps {
			used += 3 // under the header, between the sections
		}
		events = H - used
		if events >= minEvents {
			break
		}
	}
	blank := strings.Repeat(" ", W)
	if p.gaps {
		lines = append(lines, blank)
	}
	lines = append(lines, top...)
	if p.gaps {
		lines = append(lines, blank)
	}
	lines = append(lines, d.sentinelsBlock(W)...)
	if p.gaps {
		lines = append(lines, blank)
	}
	if events > 0 {
		lines = append(lines, d.eventsBlock(W, events)...)
	} else {
		d.eventRows = 0
	}
	if len(lines) > H {
		lines = lines[:H]
	}
	for len(lines) < H {
		lines = append(lines, blank)
	}
	d.frame = strings.Join(lines, "\n")
}

func (d *Dashboard) tooSmall(W, H int) string {
	msg := []string{
		d.styles.Paint(common.ToneStrong, common.Fit("flyover", W)),
		common.Fit(d.badge.text, W),
		d.styles.Paint(common.ToneMuted, common.Fit(fmt.Sprintf("enlarge the window (%dx%d) to see more", W, H), W)),
	}
	for len(msg) < H {
		msg = append(msg, strings.Repeat(" ", W))
	}
	return strings.Join(msg[:H], "\n")
}

// topArea is nodes, replication and trends, arranged for the width.
func (d *Dashboard) topArea(W int, p plan) []string {
	switch {
	case W >= wideWidth:
		nw := W * 40 / 100
		rw := (W - nw - 2*colGap) * 48 / 100
		tw := W - nw - rw - 2*colGap
		cols := [][]string{d.nodesBlock(nw, p.compactNodes), d.replicationBlock(rw, p.compactRepl)}
		widths := []int{nw, rw}
		if p.trends {
			cols = append(cols, d.trendsBlock(tw, true))
			widths = append(widths, tw)
		} else {
			widths[1] = W - nw - colGap
			cols[1] = d.replicationBlock(widths[1], p.compactRepl)
		}
		return hjoin(widths, cols...)
	case W >= mediumWidth:
		lw := W * 62 / 100
		rw := W - lw - colGap
		right := d.replicationBlock(rw, p.compactRepl)
		if p.trends {
			if p.gaps {
				right = append(right, strings.Repeat(" ", rw))
			}
			right = append(right, d.trendsBlock(rw, p.apart)...)
		}
		return hjoin([]int{lw, rw}, d.nodesBlock(lw, p.compactNodes), right)
	}
	out := d.nodesBlock(W, p.compactNodes)
	if p.gaps {
		out = append(out, strings.Repeat(" ", W))
	}
	out = append(out, d.replicationBlock(W, p.compactRepl)...)
	if p.trends {
		if p.gaps {
			out = append(out, strings.Repeat(" ", W))
		}
		out = append(out, d.trendsBlock(W, p.apart)...)
	}
	return out
}

// hjoin sets blocks side by side; each block's lines are exactly its width.
func hjoin(widths []int, blocks ...[]string) []string {
	h := 0
	for _, b := range blocks {
		h = max(h, len(b))
	}
	gap := strings.Repeat(" ", colGap)
	out := make([]string, h)
	var sb strings.Builder
	for r := 0; r < h; r++ {
		sb.Reset()
		for i, b := range blocks {
			if i > 0 {
				sb.WriteString(gap)
			}
			if r < len(b) {
				sb.WriteString(b[r])
			} else {
				sb.WriteString(strings.Repeat(" ", widths[i]))
			}
		}
		out[r] = sb.String()
	}
	return out
}

// HeaderLine: who we watch on the left, the verdict and the clock on the
// right. It changes with the verdict and, once a second, the clock: drawn
// again only then.
func (d *Dashboard) HeaderLine(W int) string {
	clock := d.now.Format("15:04:05")
	h := &d.header
	if h.line == "" || h.w != W || h.badge != d.badge || h.clock != clock || h.quiet != d.quiet || h.st != d.styles.ID() {
		h.w, h.badge, h.clock, h.quiet, h.st = W, d.badge, clock, d.quiet, d.styles.ID()
		h.line = d.drawHeader(W, clock)
	}
	return h.line
}

func (d *Dashboard) drawHeader(W int, clock string) string {
	st := d.styles
	// Each piece is measured as plain text and painted once: the badges'
	// styles only colour, so the width is the text's, and measuring the
	// painted strings would parse their escape codes on every frame.
	var left, right strings.Builder
	lw, rw := 0, 0
	add := func(b *strings.Builder, w *int, text string, paint func(...string) string) {
		b.WriteString(paint(text))
		*w += common.Width(text)
	}
	plain := func(s ...string) string { return s[0] }
	badge := " " + d.badge.text + " "
	_, badgeStyle := st.ByTone(d.badge.tone)
	add(&right, &rw, badge, badgeStyle.Render)
	add(&right, &rw, "  ", plain)
	add(&right, &rw, clock, func(s ...string) string { return st.Paint(common.ToneMuted, s[0]) })

	add(&left, &lw, "flyover", st.AppName.Render)
	add(&left, &lw, "  master ", plain)
	add(&left, &lw, d.cfg.Topo.MasterName, func(s ...string) string { return st.Paint(common.ToneStrong, s[0]) })
	if d.cfg.Lab != "" {
		add(&left, &lw, "  ", plain)
		add(&left, &lw, " LAB ", st.BadgeWarn.Render)
	}
	if d.cfg.ReadOnly {
		add(&left, &lw, "  ", plain)
		add(&left, &lw, " READ-ONLY ", st.BadgeNeutral.Render)
	}
	extra := fmt.Sprintf(" · %d Sentinels · %s", len(d.Sentinels), d.paceNote())
	if d.cfg.Lab != "" {
		extra = " " + d.cfg.Lab + extra
	}
	if d.quiet && lw+common.Width(extra)+2+rw > W {
		// Narrow: the slower reads are still said.
		extra = " · quiet: " + d.pace.SlowNodes.String() + ", Sentinels " + d.pace.Slow.String()
	}
	if ew := common.Width(extra); lw+ew+2+rw <= W {
		add(&left, &lw, extra, func(s ...string) string { return st.Paint(common.ToneMuted, s[0]) })
	}
	if lw+1+rw > W {
		return common.Fit(right.String(), W)
	}
	return left.String() + strings.Repeat(" ", W-lw-rw) + right.String()
}

// sectionTitle is a section's name, and facts about it on the right.
func (d *Dashboard) sectionTitle(name string, right common.Cell, w int) string {
	st := d.styles
	nw := ansi.StringWidth(name)
	if right.Text == "" || nw+2 >= w {
		return st.Title.Render(name) + strings.Repeat(" ", max(0, w-nw))
	}
	r := common.ClipWords(right.Text, w-nw-2) // a figure whole or not at all
	rw := ansi.StringWidth(r)
	return st.Title.Render(name) + strings.Repeat(" ", w-nw-rw) + st.Paint(right.Tone, r)
}
