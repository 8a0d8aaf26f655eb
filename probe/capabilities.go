package probe

import (
	"context"
	"fmt"
)

// Capabilities are what a source's kind and version let flyover send,
// read from each version's source and checked against the real servers
// (probe/testdata/versions). One place: preflight says them, the cutover
// follows them.
type Capabilities struct {
	Kind    Kind   `json:"kind"`
	Version string `json:"version"`
	// Known: the kind and version were read and are ones flyover knows.
	Known bool `json:"known"`
	// PauseWrites: CLIENT PAUSE <ms> WRITE (Redis 6.2+, every Valkey,
	// Dragonfly): writes wait, reads go on. Without it, CLIENT PAUSE <ms>
	// stops every normal client, reads and flyover's own commands too.
	PauseWrites bool `json:"pause_writes"`
	// Unpause: CLIENT UNPAUSE lifts a pause early (Redis 6.2+). Without
	// it the pause lasts its whole length.
	Unpause bool `json:"unpause"`
	// ACLDryRun: ACL DRYRUN (Redis 7.0+): without it permissions are read
	// from ACL GETUSER.
	ACLDryRun bool `json:"acl_dryrun"`
	// ACLChannels: ACL rules on Pub/Sub channels (6.2+): on 6.0 every
	// user may publish and subscribe.
	ACLChannels bool `json:"acl_channels"`
	// Functions: FUNCTION and FCALL (Redis 7.0+, Valkey): before, there
	// is nothing to ask.
	Functions bool `json:"functions"`
}

// CapabilitiesOf reads what kind k at version v allows.
func CapabilitiesOf(k Kind, v string) Capabilities {
	c := Capabilities{Kind: k, Version: v}
	switch k {
	case KindValkey, KindDragonfly:
		// Valkey forked from Redis 7.2; Dragonfly takes CLIENT PAUSE
		// WRITE and CLIENT UNPAUSE.
		c.Known = v != ""
		c.PauseWrites, c.Unpause, c.ACLDryRun, c.ACLChannels = true, true, k == KindValkey, true
		c.Functions = k == KindValkey
	case KindRedis:
		c.Known = VersionAtLeast(v, 6, 0)
		c.PauseWrites = VersionAtLeast(v, 6, 2)
		c.Unpause = c.PauseWrites
		c.ACLChannels = c.PauseWrites
		c.ACLDryRun = VersionAtLeast(v, 7, 0)
		c.Functions = c.ACLDryRun
	default:
		// Unknown: assume what every supported version has, and say so.
		c.PauseWrites, c.Unpause, c.Functions = true, true, true
	}
	return c
}

// Capabilities is what this node's kind and version allow.
func (n *Node) Capabilities() Capabilities { return CapabilitiesOf(n.Kind, n.Version) }

// Name is "Redis 6.0.20", "Valkey 8.0.1".
func (c Capabilities) Name() string {
	switch c.Kind {
	case KindRedis:
		return "Redis " + c.Version
	case KindValkey:
		return "Valkey " + c.Version
	case KindDragonfly:
		return "Dragonfly " + c.Version
	}
	return fmt.Sprintf("an unknown server %s", c.Version)
}

// SentinelServer is what a Sentinel says it is (INFO server).
type SentinelServer struct {
	Addr    string `json:"addr"`
	Kind    Kind   `json:"kind"`
	Version string `json:"version"`
	Error   string `json:"error,omitempty"`
}

// Name is "Redis 7.0.15", "Valkey 8.0.1".
func (s SentinelServer) Name() string { return CapabilitiesOf(s.Kind, s.Version).Name() }

// GatherSentinelServers reads each Sentinel's kind and version, through
// do (reads only).
func GatherSentinelServers(ctx context.Context, do Doer, sentinels []*Endpoint) []SentinelServer {
	do = OrDirect(do)
	out := make([]SentinelServer, len(sentinels))
	for i, e := range sentinels {
		out[i].Addr = e.Addr
		v, err := do(ctx, e, "INFO", "server")
		if err != nil {
			out[i].Error = Describe(e.Addr, err)
			continue
		}
		out[i].Kind, out[i].Version = DetectKind(ParseInfo(AsString(v)))
	}
	return out
}
