package probe

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"flyover/probe/fullsync"
)

// SentinelView is what one Sentinel said about the master name on one poll.
type SentinelView struct {
	Addr      string        `json:"addr"`
	Reachable bool          `json:"reachable"`
	Error     string        `json:"error,omitempty"`
	PolledAt  time.Time     `json:"polled_at"`
	LastSeen  time.Time     `json:"last_seen,omitempty"`
	RTT       time.Duration `json:"rtt_ns"`

	// Monitors is false when the Sentinel answered but does not monitor
	// the master name.
	Monitors bool `json:"monitors"`
	// MasterAddr is GET-MASTER-ADDR-BY-NAME as "ip:port": the address
	// Sentinel-aware clients are sent to. Mid-failover the leader already
	// answers with the promoted replica while its own record (RecordAddr)
	// is still the old primary.
	MasterAddr string `json:"master_addr"`
	// RecordAddr is the address in this Sentinel's own master record
	// (SENTINEL MASTER ip and port): what it watches, what it goes back to
	// on SENTINEL RESET, and what it tells the other Sentinels.
	RecordAddr  string   `json:"record_addr,omitempty"`
	MasterFlags []string `json:"master_flags,omitempty"`
	// FailoverState is the leader's failover-state (wait_start,
	// select_slave, send_slaveof_noone, wait_promotion, reconf_slaves,
	// update_config) while it runs a failover of the master; "" otherwise.
	FailoverState     string            `json:"failover_state,omitempty"`
	ParallelSyncs     int               `json:"parallel_syncs,omitempty"`
	Quorum            int               `json:"quorum"`
	NumOtherSentinels int               `json:"num_other_sentinels"`
	NumReplicas       int               `json:"num_replicas"`
	ConfigEpoch       int64             `json:"config_epoch"`
	DownAfter         time.Duration     `json:"down_after_ns"`
	FailoverTimeout   time.Duration     `json:"failover_timeout_ns"`
	QuorumOK          bool              `json:"quorum_ok"`
	QuorumReply       string            `json:"quorum_reply,omitempty"`
	Replicas          []SentinelReplica `json:"replicas,omitempty"`
	// ReplicasRead: SENTINEL REPLICAS answered; else Replicas, KnowsTarget, WouldPromote unknown.
	ReplicasRead bool `json:"replicas_read"`
	// Peers are the other Sentinels as this one sees them (SENTINEL
	// SENTINELS): what it says of a Sentinel flyover cannot reach.
	Peers []SentinelPeer `json:"peers,omitempty"`

	// Derived against the topology (see Derive).
	KnowsTarget bool `json:"knows_target"`
	// SwitchedToTarget is SwitchedTo(the topology) when derived.
	SwitchedToTarget   bool   `json:"switched_to_target"`
	WouldPromote       string `json:"would_promote,omitempty"` // the replica Sentinel would pick now
	WouldPromoteTarget bool   `json:"would_promote_target"`
}

// FailoverInProgress reports whether this Sentinel is running a failover
// of the master.
func (s *SentinelView) FailoverInProgress() bool {
	return hasFlag(s.MasterFlags, "failover_in_progress")
}

// SwitchedTo reports whether this Sentinel has finished switching to the
// target of topo: its own record (RecordAddr) names it and it runs no
// failover. GET-MASTER-ADDR-BY-NAME naming the target mid-failover does
// not make it so.
func (s *SentinelView) SwitchedTo(topo *Topology) bool {
	return s.Reachable && s.Monitors && !s.FailoverInProgress() && s.RecordAddr != "" && topo.IsTarget(s.RecordAddr)
}

// MasterDown reports whether this Sentinel sees the master subjectively
// or objectively down.
func (s *SentinelView) MasterDown() bool {
	return hasFlag(s.MasterFlags, "s_down") || hasFlag(s.MasterFlags, "o_down")
}

// Replica returns Sentinel's view of the replica at addr, or nil.
func (s *SentinelView) Replica(addr string) *SentinelReplica {
	for i := range s.Replicas {
		if SameAddr(s.Replicas[i].Addr(), addr) {
			return &s.Replicas[i]
		}
	}
	return nil
}

// SentinelReplica is one entry of SENTINEL REPLICAS.
type SentinelReplica struct {
	IP               string        `json:"ip"`
	Port             int           `json:"port"`
	RunID            string        `json:"run_id,omitempty"`
	Flags            []string      `json:"flags"`
	Priority         int           `json:"priority"`
	Offset           int64         `json:"offset"`
	LastOKPing       time.Duration `json:"last_ok_ping_ns"` // age of the last valid PING reply
	InfoRefresh      time.Duration `json:"info_refresh_ns"` // age of the last INFO
	MasterLinkDown   time.Duration `json:"master_link_down_ns"`
	MasterLinkStatus string        `json:"master_link_status"`
	MasterHost       string        `json:"master_host"`
	MasterPort       int           `json:"master_port"`
	// RoleReported is the role the replica's own INFO last reported
	// ("master" for a replica promoted behind this Sentinel's back).
	RoleReported string `json:"role_reported,omitempty"`
}

func (r SentinelReplica) Addr() string { return JoinHostPort(r.IP, r.Port) }

// Down reports whether Sentinel flags the replica down or disconnected.
func (r SentinelReplica) Down() bool {
	return hasFlag(r.Flags, "s_down") || hasFlag(r.Flags, "o_down") || hasFlag(r.Flags, "disconnected")
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

// Atoi reads a decimal integer, 0 when it is none (fullsync.Atoi).
func Atoi(s string) int64 { return fullsync.Atoi(s) }

func millis(s string) time.Duration { return time.Duration(Atoi(s)) * time.Millisecond }

// ParseSentinelMaster fills the master fields of v from a SENTINEL MASTER reply.
func ParseSentinelMaster(reply any, v *SentinelView) error {
	m, err := Pairs(reply)
	if err != nil {
		return fmt.Errorf("SENTINEL MASTER: %w", err)
	}
	sentinelMasterFields(m, v)
	return nil
}

// sentinelMasterFields fills v from one master's fields, as SENTINEL
// MASTER and each entry of SENTINEL MASTERS give them.
func sentinelMasterFields(m map[string]string, v *SentinelView) {
	v.MasterFlags = strings.Split(m["flags"], ",")
	v.Quorum = int(Atoi(m["quorum"]))
	v.NumOtherSentinels = int(Atoi(m["num-other-sentinels"]))
	v.NumReplicas = int(Atoi(m["num-slaves"]))
	v.ConfigEpoch = Atoi(m["config-epoch"])
	v.DownAfter = millis(m["down-after-milliseconds"])
	v.FailoverTimeout = millis(m["failover-timeout"])
	v.ParallelSyncs = int(Atoi(m["parallel-syncs"]))
	v.FailoverState = ""
	if st := m["failover-state"]; st != "" && st != "none" {
		v.FailoverState = st
	}
	if m["ip"] != "" {
		v.RecordAddr = JoinHostPort(m["ip"], int(Atoi(m["port"])))
	}
	if v.MasterAddr == "" {
		v.MasterAddr = v.RecordAddr
	}
}

// ParseSentinelReplicas parses a SENTINEL REPLICAS reply.
func ParseSentinelReplicas(reply any) ([]SentinelReplica, error) {
	return pairsEach(reply, "SENTINEL REPLICAS", func(m map[string]string) (SentinelReplica, error) {
		r := SentinelReplica{
			IP:               m["ip"],
			Port:             int(Atoi(m["port"])),
			RunID:            m["runid"],
			Flags:            strings.Split(m["flags"], ","),
			Priority:         int(Atoi(m["slave-priority"])),
			Offset:           Atoi(m["slave-repl-offset"]),
			LastOKPing:       millis(m["last-ok-ping-reply"]),
			InfoRefresh:      millis(m["info-refresh"]),
			MasterLinkDown:   millis(m["master-link-down-time"]),
			MasterLinkStatus: m["master-link-status"],
			MasterHost:       m["master-host"],
			MasterPort:       int(Atoi(m["master-port"])),
			RoleReported:     m["role-reported"],
		}
		if _, ok := m["slave-priority"]; !ok {
			r.Priority = int(Atoi(m["replica-priority"]))
		}
		return r, nil
	})
}

// SentinelPeer is one entry of SENTINEL SENTINELS: another Sentinel as
// this one sees it.
type SentinelPeer struct {
	IP         string        `json:"ip"`
	Port       int           `json:"port"`
	Flags      []string      `json:"flags"`
	LastOKPing time.Duration `json:"last_ok_ping_ns"`
}

func (p SentinelPeer) Addr() string { return JoinHostPort(p.IP, p.Port) }

// Down reports whether the Sentinel flags its peer down or disconnected.
func (p SentinelPeer) Down() bool {
	return hasFlag(p.Flags, "s_down") || hasFlag(p.Flags, "disconnected")
}

// ParseSentinelPeers parses a SENTINEL SENTINELS reply.
func ParseSentinelPeers(reply any) ([]SentinelPeer, error) {
	return pairsEach(reply, "SENTINEL SENTINELS", func(m map[string]string) (SentinelPeer, error) {
		return SentinelPeer{IP: m["ip"], Port: int(Atoi(m["port"])), Flags: strings.Split(m["flags"], ","),
			LastOKPing: millis(m["last-ok-ping-reply"])}, nil
	})
}

// ParseMasterAddr parses GET-MASTER-ADDR-BY-NAME ([ip, port] or nil).
func ParseMasterAddr(reply any) (string, error) {
	arr, ok := reply.([]any)
	if !ok || len(arr) != 2 {
		return "", fmt.Errorf("GET-MASTER-ADDR-BY-NAME: unexpected reply %v", reply)
	}
	p, err := AsInt(arr[1])
	if err != nil {
		return "", fmt.Errorf("GET-MASTER-ADDR-BY-NAME: bad port %v", arr[1])
	}
	return JoinHostPort(AsString(arr[0]), int(p)), nil
}

// Sentinel's replica selection (sentinelSelectSlave in sentinel.c): these
// windows decide which replicas are eligible.
const (
	sentinelPingPeriod = time.Second
	sentinelInfoPeriod = 10 * time.Second
)

// PromotionCandidate returns the replica this Sentinel would promote if it ran a
// failover now, by Sentinel's own rules: skip replicas that are down or
// disconnected, whose last PING reply is older than 5 s, whose INFO is
// stale (5 s when the master is down, else 30 s), whose link to the master
// has been down too long, or whose priority is 0; then lowest priority,
// highest offset, lowest run id. It returns nil when none is eligible, and
// the reasons each other replica was passed over.
func (s *SentinelView) PromotionCandidate() (*SentinelReplica, map[string]string) {
	infoValidity := 3 * sentinelInfoPeriod
	if s.MasterDown() {
		infoValidity = 5 * sentinelPingPeriod
	}
	skipped := map[string]string{}
	var eligible []*SentinelReplica
	for i := range s.Replicas {
		r := &s.Replicas[i]
		switch {
		case r.Down():
			skipped[r.Addr()] = "down or disconnected"
		case r.LastOKPing > 5*sentinelPingPeriod:
			skipped[r.Addr()] = "no PING reply for " + r.LastOKPing.Round(time.Second).String()
		case r.InfoRefresh > infoValidity:
			skipped[r.Addr()] = "INFO is " + r.InfoRefresh.Round(time.Second).String() + " old"
		case s.DownAfter > 0 && r.MasterLinkDown > 10*s.DownAfter:
			skipped[r.Addr()] = "link to the master down too long"
		case r.Priority == 0:
			skipped[r.Addr()] = "priority 0 (never promoted)"
		default:
			eligible = append(eligible, r)
		}
	}
	if len(eligible) == 0 {
		return nil, skipped
	}
	sort.SliceStable(eligible, func(i, j int) bool {
		a, b := eligible[i], eligible[j]
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		if a.Offset != b.Offset {
			return a.Offset > b.Offset
		}
		// A replica without a run id sorts after one with.
		if (a.RunID == "") != (b.RunID == "") {
			return a.RunID != ""
		}
		return strings.ToLower(a.RunID) < strings.ToLower(b.RunID)
	})
	for _, r := range eligible[1:] {
		skipped[r.Addr()] = "ranked lower (priority, then offset, then run id)"
	}
	return eligible[0], skipped
}
