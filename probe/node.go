package probe

import (
	"net"
	"strconv"
	"strings"
	"time"

	"flyover/probe/fullsync"
)

// Kind is the server implementation behind an endpoint.
type Kind string

const (
	KindUnknown   Kind = ""
	KindRedis     Kind = "redis"
	KindDragonfly Kind = "dragonfly"
	KindValkey    Kind = "valkey"
)

// Role is a node's replication role, normalised across dialects.
type Role string

const (
	RoleUnknown  Role = ""
	RolePrimary  Role = "master"
	RoleReplica  Role = "replica"
	RoleSentinel Role = "sentinel"
)

// normalizeRole maps every spelling servers use to a Role. Dragonfly says
// "replica" before v1.18 and with --info_replication_valkey_compatible=false.
func NormalizeRole(s string) Role {
	switch s {
	case "master":
		return RolePrimary
	case "slave", "replica":
		return RoleReplica
	case "sentinel":
		return RoleSentinel
	}
	return RoleUnknown
}

// Node is what one poll learned about a data node (source or target).
type Node struct {
	Addr      string `json:"addr"`
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
	// Slow: the poll got no answer within its deadline (the server may be
	// busy, as a Redis replica loading a large snapshot is, rather than
	// gone); a refused or closed connection is not slow.
	Slow     bool          `json:"slow,omitempty"`
	PolledAt time.Time     `json:"polled_at"`
	LastSeen time.Time     `json:"last_seen,omitempty"` // last successful poll; zero if never
	RTT      time.Duration `json:"rtt_ns"`

	Kind Kind `json:"kind"`
	// Version is the implementation's own version (Dragonfly's df-vX.Y.Z
	// without the prefix), not Dragonfly's constant redis_version.
	Version string `json:"version"`
	RunID   string `json:"run_id,omitempty"` // Dragonfly has none
	Role    Role   `json:"role"`
	// UptimeSeconds is uptime_in_seconds: a restart makes it go down.
	UptimeSeconds int64 `json:"uptime_seconds,omitempty"`

	// CommandStatsRead: this poll read INFO commandstats (the target's
	// poll does, see EndpointOptions.CommandStats). UnknownCommands are
	// then its unknown_NAME counters: replicated commands the target did
	// not know and dropped (see UnknownCommands).
	CommandStatsRead bool             `json:"command_stats_read,omitempty"`
	UnknownCommands  map[string]int64 `json:"unknown_commands,omitempty"`

	// As a replica.
	MasterHost     string `json:"master_host,omitempty"`
	MasterPort     int    `json:"master_port,omitempty"`
	LinkStatus     string `json:"link_status,omitempty"` // up / down; on Dragonfly "up" is only the TCP link
	LinkState      string `json:"link_state,omitempty"`  // ROLE state: connect, sync, connected; Dragonfly preparation, full_sync, stable_sync
	SyncInProgress bool   `json:"sync_in_progress,omitempty"`
	SyncReadBytes  int64  `json:"sync_read_bytes,omitempty"`
	SyncTotalBytes int64  `json:"sync_total_bytes,omitempty"` // -1 for a diskless transfer of unknown size
	Loading        bool   `json:"loading,omitempty"`
	// Offset is slave_repl_offset; HasOffset is false when the field is
	// absent (Dragonfly before full sync). OffsetTrusted says whether it is
	// the Redis byte offset of the primary (false for Dragonfly < v1.39).
	Offset        int64 `json:"offset,omitempty"`
	HasOffset     bool  `json:"has_offset,omitempty"`
	OffsetTrusted bool  `json:"offset_trusted,omitempty"`
	Priority      int   `json:"priority"`
	ReadOnly      bool  `json:"read_only,omitempty"`

	// As a primary (Redis also prints master_repl_offset on replicas).
	ReplOffset int64         `json:"repl_offset"`
	Replicas   []ReplicaLine `json:"replicas,omitempty"`

	Keyspace   map[int]DBKeys `json:"keyspace"`
	UsedMemory int64          `json:"used_memory"`
	MaxMemory  int64          `json:"max_memory"`
	OpsPerSec  int64          `json:"ops_per_sec"`
	Clients    int64          `json:"clients"`
	// MinReplicasToWrite is min-slaves-to-write as INFO reports it (only
	// printed by Redis when set).
	MinReplicasToWrite int64 `json:"min_replicas_to_write,omitempty"`
	AOFEnabled         bool  `json:"aof_enabled,omitempty"`
	// Sync is what a source's poll read about its full syncs (INFO's
	// fork and sync counters always; the replica buffers and limits when
	// the endpoint reads them, EndpointOptions.ReplicaBuffers).
	Sync fullsync.SourceSync `json:"sync"`

	// Brief: PollBrief read it (UsedMemory, MaxMemory, Clients, UnknownCommands unread; Info nil).
	Brief bool `json:"brief,omitempty"`

	Info Info `json:"-"`
}

// Keys is the total key count over all databases.
func (n *Node) Keys() int64 {
	var t int64
	for _, d := range n.Keyspace {
		t += d.Keys
	}
	return t
}

// Synced reports whether a replica has finished its full sync and is
// streaming. Dragonfly's master_link_status:up only means the TCP link is
// open, so it needs more evidence than Redis does.
func (n *Node) Synced() bool {
	if n.Role != RoleReplica {
		return false
	}
	switch n.Kind {
	case KindDragonfly:
		if n.LinkState == "online" || n.LinkState == "stable_sync" {
			return true
		}
		return !n.SyncInProgress && n.HasOffset
	default:
		return n.LinkStatus == "up" && !n.SyncInProgress && !n.Loading
	}
}

// Follows reports whether the node is a replica of host:port.
func (n *Node) Follows(addr string) bool {
	return n.Role == RoleReplica && SameAddr(JoinHostPort(n.MasterHost, n.MasterPort), addr)
}

// NodeFromInfo builds a Node from a parsed INFO reply and, when the server
// answered it, ROLE. It is a pure function of its inputs.
func NodeFromInfo(info Info, role *RoleReply) Node {
	n := Node{Info: info}
	n.Kind, n.Version = DetectKind(info)
	n.RunID = info["run_id"]
	n.UptimeSeconds = info.Int("uptime_in_seconds")
	n.Role = NormalizeRole(info["role"])
	if n.Role == RoleUnknown && role != nil {
		n.Role = role.Role
	}

	n.MasterHost = info["master_host"]
	n.MasterPort = int(info.Int("master_port"))
	n.LinkStatus = info["master_link_status"]
	n.SyncInProgress = info["master_sync_in_progress"] == "1"
	n.Loading = info["loading"] == "1"
	if info.Has("master_sync_total_bytes") {
		n.SyncTotalBytes = info.Int("master_sync_total_bytes")
		n.SyncReadBytes = info.Int("master_sync_read_bytes")
	}
	if info.Has("slave_repl_offset") {
		n.Offset = info.Int("slave_repl_offset")
		n.HasOffset = true
	}
	n.OffsetTrusted = n.HasOffset && OffsetTrusted(n.Kind, n.Version)
	if info.Has("slave_priority") {
		n.Priority = int(info.Int("slave_priority"))
	} else if info.Has("replica_priority") {
		n.Priority = int(info.Int("replica_priority"))
	} else {
		n.Priority = 100
	}
	n.ReadOnly = info["slave_read_only"] == "1" || info["replica_read_only"] == "1"
	if role != nil {
		n.LinkState = role.State
		if n.MasterHost == "" && role.Role == RoleReplica {
			n.MasterHost, n.MasterPort = role.MasterHost, role.MasterPort
		}
	}

	n.ReplOffset = info.Int("master_repl_offset")
	n.Replicas = info.ReplicaLines()
	n.Keyspace = info.Keyspace()
	n.UsedMemory = info.Int("used_memory")
	n.MaxMemory = info.Int("maxmemory")
	n.OpsPerSec = info.Int("instantaneous_ops_per_sec")
	n.Clients = info.Int("connected_clients")
	n.MinReplicasToWrite = info.Int("min_slaves_good_slaves")
	if info.Has("min_replicas_good_replicas") {
		n.MinReplicasToWrite = info.Int("min_replicas_good_replicas")
	}
	n.AOFEnabled = info["aof_enabled"] == "1"
	n.Sync = sourceSyncFromInfo(info)
	return n
}

// detectKind names the implementation. Dragonfly's redis_version is a
// constant it reports for compatibility, so its own version comes from
// dragonfly_version.
func DetectKind(info Info) (Kind, string) {
	if v, ok := info["dragonfly_version"]; ok {
		v = strings.TrimPrefix(v, "df-")
		return KindDragonfly, strings.TrimPrefix(v, "v")
	}
	if v, ok := info["valkey_version"]; ok {
		return KindValkey, v
	}
	if info["server_name"] == "valkey" {
		return KindValkey, info["redis_version"]
	}
	if v, ok := info["redis_version"]; ok {
		return KindRedis, v
	}
	return KindUnknown, ""
}

// offsetTrusted reports whether a replica's slave_repl_offset is the
// primary's Redis byte offset. Dragonfly v1.22-v1.38 print 0 for a Redis
// primary; v1.39 and later print the real offset.
func OffsetTrusted(k Kind, version string) bool {
	if k != KindDragonfly {
		return true
	}
	return VersionAtLeast(version, 1, 39)
}

// VersionAtLeast compares a "X.Y[.Z...]" version to major.minor.
func VersionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

func JoinHostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// SameAddr reports whether two host:port strings name the same server,
// treating localhost and the loopback addresses as one host.
func SameAddr(a, b string) bool {
	ha, pa, err1 := net.SplitHostPort(a)
	hb, pb, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return pa == pb && canonicalHost(ha) == canonicalHost(hb)
}

// AddrIn reports whether addr's host is one of ips (or addr equals host
// exactly) and its port is port's.
func AddrIn(addr string, ips []string, port string) bool {
	host, p, err := net.SplitHostPort(addr)
	if err != nil || p != port {
		return false
	}
	for _, ip := range ips {
		if canonicalHost(ip) == canonicalHost(host) {
			return true
		}
	}
	return false
}

func canonicalHost(h string) string {
	h = strings.ToLower(h)
	if h == "localhost" {
		return "127.0.0.1"
	}
	if ip := net.ParseIP(h); ip != nil {
		if ip.Equal(net.IPv6loopback) {
			return "127.0.0.1"
		}
		return ip.String()
	}
	return h
}
