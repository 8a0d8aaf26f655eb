// What the dashboard puts on the timeline of its own: endpoints down and
// up, roles, link phases, the Sentinels' agreement.

package dashboard

import (
	"fmt"
	"sort"
	"strings"

	"flyover/probe"
	"flyover/ui/common"
)

// own is one of flyover's own timeline entries.
func (d *Dashboard) own(kind, text string, t common.Tone) entry {
	return entry{At: d.now, Who: []string{FlyoverWho}, Kind: kind, Text: text, Tone: t}
}

// addEntry records a timeline entry; flyover's own ones also go to the log.
func (d *Dashboard) addEntry(e entry, log bool) {
	d.Move() // news is movement: the Sentinels are read every tick again
	if d.Events.add(e) && d.Scroll > 0 {
		d.Scroll++ // keep the rows the operator is reading in place
	}
	if log && d.cfg.Log != nil {
		d.cfg.Log.Printf("event: %s: %s", e.Kind, e.Text)
	}
}

// noteNode records reachability and role changes of a data node.
func (d *Dashboard) noteNode(w common.Which, old *nodeState, n probe.Node) {
	name := w.String()
	switch {
	case !n.Reachable && (!old.polled || old.node.Reachable):
		d.addEntry(d.own(name+" down", n.Error, common.ToneBad), true)
	case old.polled && !old.node.Reachable && n.Reachable:
		text := "answering again"
		if !old.node.LastSeen.IsZero() {
			text += " after " + common.Duration(n.PolledAt.Sub(old.node.LastSeen))
		}
		d.addEntry(d.own(name+" up", text, common.ToneOK), true)
	case old.polled && old.node.Reachable && n.Reachable && old.node.Role != n.Role:
		text := fmt.Sprintf("%s is now a %s (was a %s)", name, roleWord(n.Role), roleWord(old.node.Role))
		if n.Role == probe.RoleReplica {
			text = fmt.Sprintf("%s now replicates from %s", name, joinHostPort(n.MasterHost, n.MasterPort))
		}
		d.addEntry(d.own(name+" role", text, common.ToneAccent), true)
	}
}

// noteSentinel records a Sentinel's reachability changes.
func (d *Dashboard) noteSentinel(old *sentinelState, v probe.SentinelView) {
	up := v.Reachable && v.Monitors
	wasUp := old.view.Reachable && old.view.Monitors
	name := "sentinel " + old.label
	switch {
	case !up && (!old.polled || wasUp):
		d.addEntry(d.own(name+" down", v.Error, common.ToneBad), true)
	case up && old.polled && !wasUp:
		text := old.addr + " answering again"
		if !old.view.LastSeen.IsZero() {
			text += " after " + common.Duration(v.PolledAt.Sub(old.view.LastSeen))
		}
		d.addEntry(d.own(name+" up", text, common.ToneOK), true)
	}
}

// phaseNews says what a link phase means, for the timeline.
var phaseNews = map[probe.Phase]string{
	probe.PhaseDetached:  "the target is not replicating from the source",
	probe.PhaseHandshake: "the source prepares its snapshot",
	probe.PhaseTransfer:  "full sync: the snapshot is on the wire",
	probe.PhaseLoading:   "the target is loading the snapshot",
	probe.PhaseOnline:    "the target streams from the source",
}

// notePhase records link phase changes, with "sync started" when the
// target attaches and "sync finished" when it streams. Unknown (an endpoint
// down) is not a phase change: the down event says it. The first phase
// seen is the starting state, not news.
func (d *Dashboard) notePhase(p probe.Phase) {
	if p == probe.PhaseUnknown || p == d.lastPhase {
		return
	}
	first, was := d.lastPhase == "", d.lastPhase
	d.lastPhase = p
	if first {
		d.addEntry(d.own("link "+string(p), phaseNews[p], common.ToneMuted), true)
		return
	}
	switch {
	case p == probe.PhaseDetached:
		d.addEntry(d.own("link detached", phaseNews[p], common.ToneWarn), true)
		return
	case was == probe.PhaseDetached:
		d.addEntry(d.own("sync started", "the target replicates from the source: "+string(p), common.ToneAccent), true)
	}
	if p == probe.PhaseOnline {
		d.addEntry(d.own("sync finished", phaseNews[p], common.ToneOK), true)
		return
	}
	d.addEntry(d.own("link "+string(p), phaseNews[p], common.ToneAccent), true)
}

// noteAgreement records changes in what the Sentinels name as master,
// once every Sentinel has answered at least once.
func (d *Dashboard) noteAgreement() {
	for _, s := range d.Sentinels {
		if !s.polled {
			return
		}
	}
	if len(d.Sentinels) == 0 {
		return
	}
	s := &d.snap
	var now string
	var t common.Tone
	var text string
	switch {
	case s.SentinelsAgree:
		now = "agree " + s.AgreedMaster
		text = fmt.Sprintf("all answering Sentinels name %s%s", s.AgreedMaster, nodeMark(s.AgreedMaster, &d.cfg.Topo))
		t = common.ToneOK
	default:
		// The news is the set of addresses named, not who is answering.
		// Each address once, with who names it: short enough to be
		// read whole however many Sentinels there are.
		var named []string
		who := map[string][]string{}
		for i, v := range s.Sentinels {
			if v.Reachable && v.Monitors {
				if !contains(named, v.MasterAddr) {
					named = append(named, v.MasterAddr)
				}
				who[v.MasterAddr] = append(who[v.MasterAddr], d.Sentinels[i].label)
			}
		}
		parts := make([]string, len(named))
		for i, addr := range named {
			parts[i] = addr + " (" + strings.Join(who[addr], " ") + ")"
		}
		sort.Strings(named)
		now = "disagree " + strings.Join(named, ",")
		if len(parts) == 0 {
			text = "no Sentinel answers for this master"
		} else {
			text = "Sentinels name different masters: " + strings.Join(parts, ", ")
		}
		t = common.ToneWarn
	}
	if now == d.lastAgree {
		return
	}
	if d.lastAgree == "" && t == common.ToneOK {
		t = common.ToneMuted // the starting state, not news
	}
	d.lastAgree = now
	d.addEntry(d.own("sentinels", text, t), true)
}

// syncWhy says why the link is not in sync, for the timeline.
func (d *Dashboard) syncWhy() string {
	l := &d.snap.Link
	switch {
	case !d.snap.Source.Reachable:
		return "the source is not answering"
	case !d.snap.Target.Reachable:
		return "the target is not answering"
	case l.Phase != probe.PhaseOnline:
		return "link phase " + string(l.Phase)
	}
	return "lag " + common.LagText(*l)
}

func roleWord(r probe.Role) string {
	switch r {
	case probe.RolePrimary:
		return "primary"
	case probe.RoleReplica:
		return "replica"
	case probe.RoleUnknown:
		return "unknown"
	}
	return string(r)
}
