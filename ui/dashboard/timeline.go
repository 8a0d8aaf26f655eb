package dashboard

import (
	"strings"
	"time"

	"flyover/probe"
	"flyover/probe/events"
	"flyover/ui/common"
)

// entry is one row of the event timeline: a Sentinel event (possibly
// reported by several Sentinels) or one of flyover's own observations.
type entry struct {
	At   time.Time
	Who  []string // Sentinel labels (s1, s2, ...) or "flyover"
	Kind string   // "+switch-master", "endpoint down", ...
	Text string
	Tone common.Tone

	// key identifies the same Sentinel event published by several
	// Sentinels, so it is shown once with every reporter.
	key string
}

const FlyoverWho = "flyover"

// TimelineLen bounds the timeline; older entries fall off.
const TimelineLen = 500

// mergeWindow is how far apart the same event from two Sentinels may be
// and still be shown as one row.
const mergeWindow = 3 * time.Second

// timeline is the event history, newest last in the ring, shown newest first.
type timeline struct {
	Ring *common.Ring[entry]
}

func newTimeline() timeline { return timeline{Ring: common.NewRing[entry](TimelineLen)} }

// add records e, merging it into a recent row for the same Sentinel event.
// It reports whether a new row was added.
func (t *timeline) add(e entry) bool {
	if e.key != "" {
		// Look back a few rows: reports of one event interleave.
		for i := t.Ring.Len() - 1; i >= 0 && i >= t.Ring.Len()-12; i-- {
			old := t.Ring.Ref(i)
			if old.key == e.key && e.At.Sub(old.At) <= mergeWindow {
				for _, w := range e.Who {
					if !contains(old.Who, w) {
						old.Who = append(old.Who, w)
					}
				}
				return false
			}
		}
	}
	t.Ring.Push(e)
	return true
}

// Newest returns the i-th newest entry.
func (t *timeline) Newest(i int) entry { return t.Ring.At(t.Ring.Len() - 1 - i) }

func (t *timeline) Len() int { return t.Ring.Len() }

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// sentinelEntry turns a Sentinel Pub/Sub event into a timeline row, in
// words: addresses are marked (source)/(target) so the operator does not
// have to remember ports.
//
// labels maps Sentinel addresses to their labels (s1, s2, ...), so an event
// about a Sentinel names it as the table does.
func sentinelEntry(e events.Event, who string, topo *probe.Topology, labels map[string]string) entry {
	en := entry{At: e.Time, Who: []string{who}, Kind: e.Type, Tone: eventTone(e), key: e.Type + "\x00" + e.Message}
	mark := func(addr string) string {
		if l := labels[addr]; l != "" {
			return addr + " (" + l + ")"
		}
		return addr + nodeMark(addr, topo)
	}
	switch {
	case e.Type == "flyover:subscribed":
		en.Kind, en.Text = "subscribed", "listening to Sentinel events"
	case e.Type == "flyover:subscription-lost":
		en.Kind, en.Text = "events lost", "event subscription dropped; reconnecting"
	case e.Type == "+switch-master" && e.NewAddr != "":
		en.Text = e.MasterName + ": " + mark(e.OldAddr) + " → " + mark(e.NewAddr)
	case e.InstanceType != "" && e.IP != "":
		en.Text = e.InstanceType + " " + mark(e.Addr())
		if e.MasterName != "" && e.InstanceType != "master" {
			en.Text += " of " + e.MasterName
		} else if e.InstanceType == "master" && e.Name != "" {
			en.Text = "master " + e.Name + " " + mark(e.Addr())
		}
		if rest := eventTail(e.Message); rest != "" {
			en.Text += " " + rest
		}
	default:
		en.Text = e.Message
	}
	return en
}

// eventTail is what follows the instance details in a Sentinel message
// (for example "#quorum 2/2" after +odown).
func eventTail(msg string) string {
	f := strings.Fields(msg)
	if len(f) > 4 && f[4] != "@" {
		return strings.Join(f[4:], " ")
	}
	if len(f) > 8 {
		return strings.Join(f[8:], " ")
	}
	return ""
}

// nodeMark names an address that is the source or the target.
func nodeMark(addr string, topo *probe.Topology) string {
	if topo == nil || addr == "" {
		return ""
	}
	switch {
	case topo.IsTarget(addr):
		return " (target)"
	case sameHostPort(addr, topo.Source):
		return " (source)"
	}
	return ""
}

// sameHostPort compares addresses the way probe does (localhost and
// 127.0.0.1 alike), through the one comparison probe exports.
func sameHostPort(a, b string) bool {
	return (&probe.Topology{Target: b}).IsTarget(a)
}

func eventTone(e events.Event) common.Tone {
	switch {
	case e.IsAbort(), e.Type == "+odown", e.Type == "+tilt":
		return common.ToneBad
	case e.Type == "+sdown", e.Type == "flyover:subscription-lost", e.Type == "+try-failover":
		return common.ToneWarn
	case e.Type == "+switch-master", e.Type == "+promoted-slave", e.Type == "+failover-end",
		e.Type == "+selected-slave", e.Type == "+elected-leader", strings.HasPrefix(e.Type, "+failover-state"):
		return common.ToneAccent
	case e.Type == "-sdown", e.Type == "-odown", e.Type == "-tilt", e.Type == "+slave", e.Type == "+sentinel":
		return common.ToneOK
	case strings.HasPrefix(e.Type, "flyover:"):
		return common.ToneMuted
	}
	return common.ToneText
}
