package fleet

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"flyover/probe/events"
)

// A master's row is derived again when its facts change (a poll of its
// nodes, a Sentinel's answer) and only then: asking for the rows again,
// an event, or a session's verdicts derive nothing.
func TestRowDerivesAgainOnlyWhenItsMastersFactsChange(t *testing.T) {
	f, w := fixtureFleet(t, 3), newFixtureWorld(t)
	st := NewState(f)
	pollFixture(f, st, w)
	rows := st.Rows()
	base := st.derives
	derived := func(what string, want int) {
		t.Helper()
		if got := st.derives - base; got != want {
			t.Errorf("%s: %d rows derived, want %d", what, got, want)
		}
		base = st.derives
	}
	st.Rows()
	st.Row(f.Masters[1].Name)
	derived("the rows asked again", 0)

	st.Event(events.Event{MasterName: f.Masters[0].Name, Type: "+sdown", Time: w.at})
	st.Session(f.Masters[2].Name, Verdicts{Known: true, Pass: 3}, time.Second)
	after := st.Rows()
	derived("an event and a session", 0)
	if after[0].LastEvent == nil || after[0].LastEvent.Type != "+sdown" || after[2].Stall != time.Second || !after[2].Verdicts.Known {
		t.Errorf("the event or the session is not on its row: %+v %+v", after[0].LastEvent, after[2])
	}

	src, tgt := w.nodes(1)
	st.Nodes(f.Masters[1].Name, src, tgt)
	after = st.Rows()
	derived("a poll of one master's nodes", 1)
	if got := after[1].Snapshot.Source.ReplOffset; got != src.ReplOffset {
		t.Errorf("the polled master's row shows offset %d, polled %d", got, src.ReplOffset)
	}
	if !reflect.DeepEqual(after[0].Snapshot, rows[0].Snapshot) {
		t.Error("a master that was not polled has another snapshot")
	}
	if after[1].Snapshot.Link.RateBytes <= 0 {
		t.Errorf("no replication rate from the poll before: %+v", after[1].Snapshot.Link)
	}

	st.Sentinel(0, nil, errors.New("sentinel 127.0.0.1:26400: connection refused"))
	after = st.Rows()
	derived("a Sentinel's answer", 3)

	// A poll after a Sentinel's answer takes the snapshot before it as
	// derived last (its rates and history are the Sentinels' answer's
	// alike): every row once, that one with the new poll.
	st.Sentinel(1, w.sentinel(f, 1), nil)
	src, tgt = w.nodes(2)
	st.Nodes(f.Masters[2].Name, src, tgt)
	st.Rows()
	derived("a Sentinel's answer, then a poll", 3)
	for _, r := range after {
		if v := r.Snapshot.Sentinels[0]; v.Reachable || v.Error == "" {
			t.Errorf("%s: Sentinel 0 shows reachable after its failure: %+v", r.Master, v)
		}
	}
}

// The rows handed out from what was derived are the rows derived from
// every fact at once: a state asked after every poll and one asked only
// at the end agree (the snapshot is a pure function of the facts).
func TestCachedRowsEqualRowsDerivedAtTheEnd(t *testing.T) {
	f, w := fixtureFleet(t, 4), newFixtureWorld(t)
	often, once := NewState(f), NewState(f)
	for range 5 {
		for k := range f.Sentinels {
			ans := w.sentinel(f, k)
			often.Sentinel(k, ans, nil)
			once.Sentinel(k, ans, nil)
			often.Rows()
		}
		for i, m := range f.Masters {
			src, tgt := w.nodes(i)
			often.Nodes(m.Name, src, tgt)
			once.Nodes(m.Name, src, tgt)
			often.Row(m.Name)
		}
	}
	a, b := often.Rows(), once.Rows()
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Errorf("%s: asked often\n%+v\nasked once\n%+v", a[i].Master, a[i].Snapshot.Link, b[i].Snapshot.Link)
		}
	}
	if !a[0].Snapshot.Link.InSync || a[0].Phase != PhaseRegistered {
		t.Errorf("the fixture's master is %s, in sync %t: want registered and in sync", a[0].Phase, a[0].Snapshot.Link.InSync)
	}
}
