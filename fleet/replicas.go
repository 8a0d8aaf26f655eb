package fleet

import "flyover/probe"

// Which masters' replica lists the fleet asks the Sentinels for. SENTINEL
// REPLICAS is a command and a reply of some forty fields a replica, per
// master, per Sentinel, on every Sentinel poll; a master's row reads the
// lists only past the attach (registered: every Sentinel lists the
// target; switched or decommissioned: none lists the old source any
// more) and in the promoted-but-unannounced check (a Sentinel lists the
// target, which reports master). A master that is not attached, whose
// target no Sentinel listed when they were last asked, and whose
// Sentinels still count the replicas they counted then, is not asked:
// its lists could change nothing on its row. Its views say so
// (probe.SentinelView.ReplicasRead false), and a change of count asks
// again on the next Sentinel poll.

// replicaLists is what the Sentinels' replica lists of one master were
// when last read, per Sentinel.
type replicaLists struct {
	counted []int  // NumReplicas when the list was read; -1: never read
	listed  []bool // the list named the target
	stale   []bool // not asked since, and the Sentinel counts other replicas now
}

// ReplicasWanted are the masters whose replica lists the next Sentinel
// poll asks for, by name: every master with a target, but those whose
// lists could change nothing on their rows (see above).
func (s *State) ReplicasWanted() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.f.Masters {
		if m.Prober != nil && s.replicasMatter(m.Name) {
			out = append(out, m.Name)
		}
	}
	return out
}

// replicasMatter: master name's row may read its replica lists. Called
// with mu held.
func (s *State) replicasMatter(name string) bool {
	if p, ok := s.phases[name]; !ok || p != PhaseDetached {
		return true // never derived, or past the attach, or unknown
	}
	l := s.lists[name]
	if l == nil {
		return true
	}
	for i := range l.counted {
		if l.counted[i] < 0 || l.listed[i] || l.stale[i] {
			return true
		}
	}
	return false
}

// noteLists records what Sentinel i's answer says of each master's
// replica list: read (its count, and whether it names the target), or
// not asked while the Sentinel counts other replicas than when it was
// last read. Called with mu held.
func (s *State) noteLists(i int, ms []probe.MonitoredMaster) {
	for k := range ms {
		m := s.f.Master(ms[k].Name)
		if m == nil || m.Prober == nil {
			continue
		}
		l := s.lists[m.Name]
		if l == nil {
			n := len(s.sentinels)
			l = &replicaLists{counted: make([]int, n), listed: make([]bool, n), stale: make([]bool, n)}
			for j := range l.counted {
				l.counted[j] = -1
			}
			s.lists[m.Name] = l
		}
		v := &ms[k].View
		if v.ReplicasRead {
			l.counted[i], l.listed[i], l.stale[i] = v.NumReplicas, false, false
			for _, r := range v.Replicas {
				l.listed[i] = l.listed[i] || m.Prober.Topo.IsTarget(r.Addr())
			}
		} else if l.counted[i] >= 0 && v.NumReplicas != l.counted[i] {
			l.stale[i] = true
		}
	}
}
