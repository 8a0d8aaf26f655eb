package probe

import (
	"context"
	"net"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"flyover/probe/fullsync"
)

// What the source's poll reads about full syncs, beyond INFO: its replica
// clients' output buffers (CLIENT LIST TYPE replica, cheap, on every poll)
// and its replica output buffer limit and repl-timeout (CONFIG GET, only
// when a new full sync started, see Endpoint.PollNode).

// targetClient is the source's replica connection from the target: of
// the replica clients from the target's host (CLIENT LIST shows the
// replica's outgoing port, not the one it listens on), the youngest, as
// every attach and every restart opens a new one. Nil when none.
func targetClient(s *fullsync.SourceSync, topo Topology) *fullsync.ReplicaClient {
	host, _, err := net.SplitHostPort(topo.Target)
	if err != nil {
		return nil
	}
	ips := append([]string{host}, topo.TargetIPs...)
	var pick *fullsync.ReplicaClient
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
func sourceSyncFromInfo(info Info) fullsync.SourceSync {
	return fullsync.SourceSync{
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
	limits      *fullsync.BufferLimits
	limitsErr   string
	limitsAt    int64 // sync_full when the limits were read; -1: never
	lastSyncFul int64
	// settled: the last poll saw every replica online, sync_full as before.
	settled bool
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

// queue queues the poll's commands: none for a brief poll when settled.
func (b *bufferPoll) queue(ctx context.Context, pipe redis.Pipeliner, brief bool) *bufferCmds {
	b.mu.Lock()
	defer b.mu.Unlock()
	if brief && b.settled {
		return nil
	}
	c := &bufferCmds{clients: redis.NewStringCmd(ctx, "client", "list", "type", b.clientType)}
	_ = pipe.Process(ctx, c.clients)
	if b.limitsAt < 0 || b.limitsAt != b.lastSyncFul {
		c.limit = pipe.ConfigGet(ctx, "client-output-buffer-limit")
		c.timeout = pipe.ConfigGet(ctx, "repl-timeout")
	}
	return c
}

func (b *bufferPoll) read(c *bufferCmds, info Info, addr string) fullsync.SourceSync {
	s := sourceSyncFromInfo(info)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.settled = s.SyncFull == b.lastSyncFul
	for _, r := range info.ReplicaLines() {
		b.settled = b.settled && r.State == "online" // not wait_bgsave, send_bulk
	}
	if s.ClientsSkipped = c == nil; s.ClientsSkipped {
		c = &bufferCmds{} // nothing asked, nothing to read
	} else if v, err := c.clients.Result(); err == nil {
		s.ClientsRead, s.Clients = true, fullsync.ParseReplicaClients(v)
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
		} else if l, err := fullsync.ParseBufferLimits(v["client-output-buffer-limit"]); err != nil {
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

// deriveFullSync fills s.FullSync from s and the previous snapshot
// (fullsync.Next judges).
func deriveFullSync(topo Topology, prev *Snapshot, s *Snapshot) {
	o := observe(s)
	if s.Source.Reachable && s.Source.Sync.ClientsRead {
		o.Source.Client = targetClient(&s.Source.Sync, topo)
	}
	if prev == nil {
		s.FullSync = fullsync.Next(nil, nil, o)
		return
	}
	po := observe(prev)
	s.FullSync = fullsync.Next(&po, &prev.FullSync, o)
}

// observe is what the watch reads of a snapshot (but the target's client,
// which only the current poll needs).
func observe(s *Snapshot) fullsync.Observation {
	src, tgt := &s.Source, &s.Target
	o := fullsync.Observation{
		At: s.At, TargetAt: tgt.PolledAt, Attached: s.Link.FollowsSource || s.Link.ListedBySource,
		Online: s.Link.Phase == PhaseOnline, RateBytes: s.Link.RateBytes,
		Source: fullsync.SourceSide{Reachable: src.Reachable, Sync: src.Sync},
		Target: fullsync.TargetSide{Reachable: tgt.Reachable, Follows: s.Link.FollowsSource, Loading: tgt.Loading, UptimeSeconds: tgt.UptimeSeconds},
	}
	if src.Reachable {
		o.Source.Keys = src.Keys()
	}
	if tgt.Reachable {
		o.Target.Keys = tgt.Keys()
	}
	return o
}
