package probe

import (
	"fmt"
)

// RoleReply is a parsed ROLE reply. Redis and Dragonfly shape it
// differently (SPEC: "ROLE shape differs"):
//
//	Redis master:      ["master", offset, [[ip, "port", "offset"], ...]]
//	Redis replica:     ["slave", host, port, state, offset]
//	Dragonfly master:  ["master", [[ip, "port", state], ...]]
//	Dragonfly replica: ["slave"|"replica", host, "port", state]
//	Sentinel:          ["sentinel", [master names]]
type RoleReply struct {
	Role       Role
	MasterHost string
	MasterPort int
	// State is the replica's link state: Redis connect/connecting/sync/
	// connected, Dragonfly preparation/full_sync/stable_sync/online.
	State     string
	Offset    int64
	HasOffset bool
	Replicas  []RoleEntry
}

// RoleEntry is one replica entry of a master's ROLE reply.
type RoleEntry struct {
	IP        string
	Port      int
	State     string // Dragonfly only
	Offset    int64
	HasOffset bool // Redis only
}

// ParseRole parses a ROLE reply as go-redis returns it (RESP2: nested
// []interface{} of strings and int64s).
func ParseRole(v any) (RoleReply, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return RoleReply{}, fmt.Errorf("ROLE: unexpected reply %T", v)
	}
	var r RoleReply
	name := AsString(arr[0])
	r.Role = NormalizeRole(name)
	switch r.Role {
	case RolePrimary:
		rest := arr[1:]
		// Redis puts the offset before the list; Dragonfly has no offset.
		if len(rest) > 0 {
			if _, isList := rest[0].([]any); !isList {
				r.Offset, _ = AsInt(rest[0])
				r.HasOffset = true
				rest = rest[1:]
			}
		}
		if len(rest) > 0 {
			list, _ := rest[0].([]any)
			for _, e := range list {
				f, _ := e.([]any)
				if len(f) < 3 {
					continue
				}
				rep := RoleEntry{IP: AsString(f[0])}
				p, _ := AsInt(f[1])
				rep.Port = int(p)
				if off, err := AsInt(f[2]); err == nil {
					rep.Offset, rep.HasOffset = off, true
				} else {
					rep.State = AsString(f[2])
				}
				r.Replicas = append(r.Replicas, rep)
			}
		}
	case RoleReplica:
		if len(arr) >= 4 {
			r.MasterHost = AsString(arr[1])
			p, _ := AsInt(arr[2])
			r.MasterPort = int(p)
			r.State = AsString(arr[3])
		}
		if len(arr) >= 5 {
			if off, err := AsInt(arr[4]); err == nil {
				r.Offset, r.HasOffset = off, true
			}
		}
	case RoleSentinel:
	default:
		return r, fmt.Errorf("ROLE: unknown role %q", name)
	}
	return r, nil
}
