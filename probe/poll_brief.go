package probe

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"
)

// The fleet's poll of a node: a table row's worth, for a fleet of
// hundreds of masters polled every few seconds.

// briefSections are the INFO sections a brief poll reads, one INFO each
// (Redis 6.0 and Dragonfly before v1.35 take one section a call): the
// kind and version (server), loading (persistence), the full syncs'
// counters (stats), the link and offsets (replication), the keys
// (keyspace). Not memory, clients, cpu, errorstats or commandstats.
var briefSections = []string{"server", "persistence", "stats", "replication", "keyspace"}

// PollBrief reads what the fleet's rows of a node need in one pipelined
// round trip bounded by the endpoint's timeout: ROLE and the INFO
// sections of briefSections. The source's replica buffers (CLIENT LIST,
// and the limits once per full sync: EndpointOptions.ReplicaBuffers) are
// read only while a full sync goes on, as the endpoint's last poll saw
// it (see bufferPoll.wanted); the target's commandstats never. The node
// says so (Node.Brief): UsedMemory, MaxMemory, Clients and
// UnknownCommands are not read, and Info is nil. PollNode reads it all.
func (e *Endpoint) PollBrief(ctx context.Context) Node { return e.pollNode(ctx, true) }

// parseInfoCmds parses the replies of one poll's INFO commands (one, or
// one a section) into one Info: a section that failed is left out.
func parseInfoCmds(cmds []*redis.StringCmd) Info {
	if len(cmds) == 1 {
		return ParseInfo(cmds[0].Val())
	}
	lines := 0
	for _, c := range cmds {
		lines += strings.Count(c.Val(), "\n") + 1
	}
	info := make(Info, lines)
	for _, c := range cmds {
		if c.Err() == nil {
			info.add(c.Val())
		}
	}
	return info
}
