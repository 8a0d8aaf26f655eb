package fleet

import (
	"slices"
	"testing"

	"flyover/probe"
)

// The replica lists are asked for every master whose row may read them:
// all before anything is derived, then every master past the attach, and
// a master not attached only while a Sentinel lists its target, or
// counts other replicas than when its list was last read.
func TestReplicasAreAskedOnlyWhereTheRowsReadThem(t *testing.T) {
	f, w := fixtureFleet(t, 3), newFixtureWorld(t)
	st := NewState(f)
	names := func(i ...int) []string {
		var out []string
		for _, k := range i {
			out = append(out, f.Masters[k].Name)
		}
		return out
	}
	wanted := func(what string, want []string) {
		t.Helper()
		st.Rows()
		if got := st.ReplicasWanted(); !slices.Equal(got, want) {
			t.Errorf("%s: asked for %v, want %v", what, got, want)
		}
	}
	if got := st.ReplicasWanted(); len(got) != 3 {
		t.Fatalf("nothing derived yet: asked for %v, want every master", got)
	}

	// Master 0's target is a primary of its own: not attached.
	detach := func() {
		src, tgt := w.nodes(0)
		src.Replicas = nil
		tgt.Role, tgt.MasterHost, tgt.MasterPort, tgt.HasOffset = probe.RolePrimary, "", 0, false
		st.Nodes(f.Masters[0].Name, src, tgt)
	}
	// Sentinel k answers; read says whose lists it read, and master 0's
	// list holds its target when listed, counting count replicas.
	answer := func(read func(name string) bool, listed bool, count int) {
		for k := range f.Sentinels {
			ms := w.sentinel(f, k)
			for i := range ms {
				v := &ms[i].View
				v.ReplicasRead = read(ms[i].Name)
				if i == 0 {
					if !listed {
						v.Replicas = nil
					}
					v.NumReplicas = count
				}
				if !v.ReplicasRead {
					v.Replicas = nil
				}
			}
			st.Sentinel(k, ms, nil)
		}
	}
	all := func(string) bool { return true }
	asked := func(name string) bool { return slices.Contains(st.ReplicasWanted(), name) }

	for i, m := range f.Masters {
		src, tgt := w.nodes(i)
		st.Nodes(m.Name, src, tgt)
	}
	detach()
	answer(all, false, 0)
	if rows := st.Rows(); rows[0].Phase != PhaseDetached || rows[1].Phase == PhaseDetached {
		t.Fatalf("phases %s, %s: want master 0 not attached, master 1 attached", rows[0].Phase, rows[1].Phase)
	}
	wanted("master 0 not attached, no Sentinel lists its target", names(1, 2))

	answer(asked, false, 0)
	wanted("nothing changed", names(1, 2))
	if v := st.Row(f.Masters[0].Name).Snapshot.Sentinels[0]; v.ReplicasRead || v.KnowsTarget {
		t.Errorf("a list not asked says so: %+v", v)
	}

	answer(asked, false, 1)
	wanted("a Sentinel counts another replica of master 0", names(0, 1, 2))

	answer(asked, true, 1)
	wanted("the Sentinels list master 0's target", names(0, 1, 2))
	answer(asked, false, 0)
	wanted("the Sentinels forgot it", names(1, 2))

	src, tgt := w.nodes(0)
	st.Nodes(f.Masters[0].Name, src, tgt)
	wanted("master 0 attached", names(0, 1, 2))
}
