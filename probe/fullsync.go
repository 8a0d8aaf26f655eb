package probe

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"flyover/probe/fullsync"
)

// What the source's poll reads about full syncs, beyond INFO: its replica
// clients' output buffers (CLIENT LIST TYPE replica, cheap, on every poll)
// and its replica output buffer limit and repl-timeout (CONFIG GET, only
// when a new full sync started, see Endpoint.PollNode).

// SourceSync is what one poll of the source read about its full syncs.
type SourceSync struct {
	// ForkUsec is latest_fork_usec: the last fork's stall.
	ForkUsec int64 `json:"latest_fork_usec"`
	// SyncFull is sync_full: full syncs served since the source started,
	// to any replica.
	SyncFull int64 `json:"sync_full"`
	// InputKbps is instantaneous_input_kbps (KB/s): the rate to fall back
	// on when master_repl_offset has one reading.
	InputKbps float64 `json:"input_kbps"`
	// ClientsRead: CLIENT LIST TYPE replica answered; Clients are its
	// lines. ClientsError is why not.
	ClientsRead  bool            `json:"clients_read"`
	Clients      []ReplicaClient `json:"clients,omitempty"`
	ClientsError string          `json:"clients_error,omitempty"`
	// Limits are the configuration read with CONFIG GET, nil until read;
	// LimitsError says why it could not be (CONFIG renamed, ACL).
	Limits      *BufferLimits `json:"limits,omitempty"`
	LimitsError string        `json:"limits_error,omitempty"`
}

// ReplicaClient is one CLIENT LIST line of type replica (slave).
type ReplicaClient struct {
	ID   int64  `json:"id"`
	Addr string `json:"addr"`
	// AgeSeconds is how long the connection has been open.
	AgeSeconds int64 `json:"age_seconds"`
	// Omem is the output buffer's bytes: what the source holds for the
	// replica and has not sent. TotMem is everything the client uses.
	Omem   int64 `json:"omem"`
	TotMem int64 `json:"tot_mem"`
}

// BufferLimits are the source's client-output-buffer-limit classes and
// repl-timeout.
type BufferLimits struct {
	Replica fullsync.Limit `json:"replica"`
	Normal  fullsync.Limit `json:"normal"`
	PubSub  fullsync.Limit `json:"pubsub"`
	// ReplicaWord is how the server names the class: "slave" before
	// Redis 5, "replica" after (CONFIG SET takes either from 5 on).
	ReplicaWord string `json:"replica_word"`
	// Raw is the value as CONFIG GET printed it: what to restore.
	Raw string `json:"raw"`
	// ReplTimeout is repl-timeout in seconds (0: not read).
	ReplTimeout int64 `json:"repl_timeout"`
}

// ParseReplicaClients reads a CLIENT LIST TYPE replica reply.
func ParseReplicaClients(text string) []ReplicaClient {
	var out []ReplicaClient
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := ClientFields(line)
		out = append(out, ReplicaClient{
			ID: Atoi(f["id"]), Addr: f["addr"], AgeSeconds: Atoi(f["age"]),
			Omem: Atoi(f["omem"]), TotMem: Atoi(f["tot-mem"]),
		})
	}
	return out
}

// ParseBufferLimits reads client-output-buffer-limit as CONFIG GET prints
// it: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608
// 60". Sizes may carry units in a config file (256mb); the server prints
// bytes, but both are read.
func ParseBufferLimits(v string) (BufferLimits, error) {
	b := BufferLimits{Raw: v}
	w := strings.Fields(v)
	if len(w) == 0 || len(w)%4 != 0 {
		return b, fmt.Errorf("client-output-buffer-limit %q: expected groups of <class> <hard> <soft> <seconds>", v)
	}
	seen := false
	for i := 0; i < len(w); i += 4 {
		hard, soft := ParseMemory(w[i+1]), ParseMemory(w[i+2])
		secs, err := strconv.ParseInt(w[i+3], 10, 64)
		if err != nil || (hard == 0 && w[i+1] != "0") || (soft == 0 && w[i+2] != "0") {
			return b, fmt.Errorf("client-output-buffer-limit %q: class %s does not read as <hard> <soft> <seconds>", v, w[i])
		}
		l := fullsync.Limit{Hard: hard, Soft: soft, SoftSeconds: secs}
		switch strings.ToLower(w[i]) {
		case "slave", "replica":
			b.Replica, b.ReplicaWord, seen = l, strings.ToLower(w[i]), true
		case "normal":
			b.Normal = l
		case "pubsub":
			b.PubSub = l
		}
	}
	if !seen {
		return b, fmt.Errorf("client-output-buffer-limit %q: no replica (slave) class", v)
	}
	return b, nil
}

// TargetClient is the source's replica connection from the target: of
// the replica clients from the target's host (CLIENT LIST shows the
// replica's outgoing port, not the one it listens on), the youngest, as
// every attach and every restart opens a new one. Nil when none.
func (s *SourceSync) TargetClient(topo Topology) *ReplicaClient {
	host, _, err := net.SplitHostPort(topo.Target)
	if err != nil {
		return nil
	}
	ips := append([]string{host}, topo.TargetIPs...)
	var pick *ReplicaClient
	for i := range s.Clients {
		c := &s.Clients[i]
		_, port, err := net.SplitHostPort(c.Addr)
		if err != nil || !AddrIn(c.Addr, ips, port) {
			continue
		}
		if pick == nil || c.AgeSeconds < pick.AgeSeconds || (c.AgeSeconds == pick.AgeSeconds && c.ID > pick.ID) {
			pick = c
		}
	}
	return pick
}

// sourceSyncFromInfo fills what INFO says.
func sourceSyncFromInfo(info Info) SourceSync {
	return SourceSync{
		ForkUsec:  info.Int("latest_fork_usec"),
		SyncFull:  info.Int("sync_full"),
		InputKbps: info.Float("instantaneous_input_kbps"),
	}
}

// IsLoading reports whether err is a server's -LOADING reply: the target
// is loading its snapshot, which is expected during a full sync.
func IsLoading(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "LOADING")
}

// bufferPoll is an endpoint's reading of its replica buffers across polls:
// which word CLIENT LIST takes for replicas (older servers: slave), and
// the limits as last read, read again when sync_full moves (a new full
// sync: an attach, a restart; and after a CONFIG SET of the fix, which
// comes before an attach). One poll runs at a time per endpoint, but the
// mutex keeps a second caller honest.
type bufferPoll struct {
	mu          sync.Mutex
	clientType  string
	limits      *BufferLimits
	limitsErr   string
	limitsAt    int64 // sync_full when the limits were read; -1: never
	lastSyncFul int64
}

func newBufferPoll() *bufferPoll { return &bufferPoll{clientType: "replica", limitsAt: -1} }

// bufferCmds are one poll's queued commands.
type bufferCmds struct {
	clients *redis.StringCmd
	limit   *redis.MapStringStringCmd
	timeout *redis.MapStringStringCmd
}

func (c *bufferCmds) all() []redis.Cmder {
	out := []redis.Cmder{c.clients}
	if c.limit != nil {
		out = append(out, c.limit, c.timeout)
	}
	return out
}

// RefreshLimits makes the next poll read the limits again (after a CONFIG
// SET of them).
func (e *Endpoint) RefreshLimits() {
	if e.buffers == nil {
		return
	}
	e.buffers.mu.Lock()
	e.buffers.limitsAt = -1
	e.buffers.mu.Unlock()
}

func (b *bufferPoll) queue(ctx context.Context, pipe redis.Pipeliner) *bufferCmds {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := &bufferCmds{clients: redis.NewStringCmd(ctx, "client", "list", "type", b.clientType)}
	_ = pipe.Process(ctx, c.clients)
	if b.limitsAt < 0 || b.limitsAt != b.lastSyncFul {
		c.limit = pipe.ConfigGet(ctx, "client-output-buffer-limit")
		c.timeout = pipe.ConfigGet(ctx, "repl-timeout")
	}
	return c
}

func (b *bufferPoll) read(c *bufferCmds, info Info, addr string) SourceSync {
	s := sourceSyncFromInfo(info)
	b.mu.Lock()
	defer b.mu.Unlock()
	if v, err := c.clients.Result(); err == nil {
		s.ClientsRead, s.Clients = true, ParseReplicaClients(v)
	} else {
		s.ClientsError = "CLIENT LIST TYPE " + b.clientType + ": " + Describe(addr, err)
		if IsReply(err) && b.clientType == "replica" {
			b.clientType = "slave" // Redis before 5.0
		}
	}
	if c.limit != nil {
		b.limitsAt = s.SyncFull
		b.limits, b.limitsErr = nil, ""
		if v, err := c.limit.Result(); err != nil {
			b.limitsErr = "CONFIG GET client-output-buffer-limit: " + Describe(addr, err)
		} else if l, err := ParseBufferLimits(v["client-output-buffer-limit"]); err != nil {
			b.limitsErr = err.Error()
		} else {
			if t, err := c.timeout.Result(); err == nil {
				l.ReplTimeout = Atoi(t["repl-timeout"])
			}
			b.limits = &l
		}
	}
	b.lastSyncFul = s.SyncFull
	s.Limits, s.LimitsError = b.limits, b.limitsErr
	return s
}

// LimitWords is a replica buffer limit for people: "256.0 MiB hard, 64.0
// MiB soft for 60 s", or "no limit".
func LimitWords(l fullsync.Limit) string {
	var parts []string
	if l.Hard > 0 {
		parts = append(parts, Bytes(l.Hard)+" hard")
	}
	if l.Soft > 0 && l.SoftSeconds > 0 {
		parts = append(parts, fmt.Sprintf("%s soft for %d s", Bytes(l.Soft), l.SoftSeconds))
	}
	if len(parts) == 0 {
		return "no limit"
	}
	return strings.Join(parts, ", ")
}
