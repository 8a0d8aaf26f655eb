package readiness

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"flyover/probe"
)

// Replies read from the source's other replicas (their priority, their
// clients): pure parsing over replies.

// ConfigReply is the value of param in a CONFIG GET reply; ok is false
// when the server does not know the parameter (an empty reply).
func ConfigReply(reply any, param string) (value string, ok bool) {
	m, err := probe.Pairs(reply)
	if err != nil {
		return "", false
	}
	value, ok = m[param]
	return value, ok
}

// ReplicaClients is whether applications read from one replica: a
// replica left behind after the switch serves them stale data.
type ReplicaClients struct {
	Addr  string `json:"addr"`
	Error string `json:"error,omitempty"`
	// Connected is INFO clients' connected_clients.
	Connected int64 `json:"connected"`
	// Normal counts CLIENT LIST entries of type normal other than
	// flyover's own connection (Sentinel's connections are normal too:
	// its cmd= is ping/info/publish, so they are left out).
	Normal int `json:"normal"`
	// Reads are calls of read commands in INFO commandstats, leaving out
	// what Sentinel, replication and monitoring send (INFO, PING, ...).
	Reads int64 `json:"reads"`
	// ReadOnlyCalls are calls of READONLY (cluster-style replica reads).
	ReadOnlyCalls int64 `json:"readonly_calls"`
}

// ReadsSeen: something says applications read from it.
func (c ReplicaClients) ReadsSeen() bool {
	return c.Normal > 0 || c.Reads > 0 || c.ReadOnlyCalls > 0
}

// Summary is one phrase for the operator.
func (c ReplicaClients) Summary() string {
	if c.Error != "" {
		return "whether clients read from it is unknown: " + c.Error
	}
	if !c.ReadsSeen() {
		return fmt.Sprintf("no application seems to read from it (%d connections, none an application's; no reads in INFO commandstats)", c.Connected)
	}
	return fmt.Sprintf("clients read from it (%d application connections, %d reads and %d READONLY in INFO commandstats): after the switch they read stale data until it is shut down",
		c.Normal, c.Reads, c.ReadOnlyCalls)
}

// adminCommands are what Sentinel, replicas, monitoring and flyover send;
// their calls say nothing about applications reading.
var adminCommands = map[string]bool{
	"info": true, "ping": true, "role": true, "config": true, "client": true, "replconf": true, "command": true,
	"hello": true, "auth": true, "select": true, "slaveof": true, "replicaof": true, "subscribe": true, "psubscribe": true,
	"publish": true, "cluster": true, "acl": true, "dbsize": true, "memory": true, "latency": true, "slowlog": true,
	"debug": true, "echo": true, "time": true, "lastsave": true, "readonly": true, "readwrite": true, "sentinel": true,
	"exec": true, "multi": true, "quit": true, "reset": true, "monitor": true, "scan": true,
}

// appReads are the data reads applications send to a replica.
var appReads = map[string]bool{
	"get": true, "mget": true, "getrange": true, "strlen": true, "exists": true, "ttl": true, "pttl": true, "type": true,
	"hget": true, "hmget": true, "hgetall": true, "hkeys": true, "hvals": true, "hlen": true, "hexists": true, "hscan": true,
	"lrange": true, "llen": true, "lindex": true, "smembers": true, "sismember": true, "smismember": true, "scard": true,
	"srandmember": true, "sscan": true, "zrange": true, "zrangebyscore": true, "zrevrange": true, "zrevrangebyscore": true,
	"zscore": true, "zmscore": true, "zcard": true, "zrank": true, "zrevrank": true, "zcount": true, "zscan": true,
	"xrange": true, "xrevrange": true, "xread": true, "xlen": true, "getbit": true, "bitcount": true, "pfcount": true,
	"geopos": true, "geodist": true, "geosearch": true, "georadius_ro": true, "georadiusbymember_ro": true,
	"evalsha_ro": true, "eval_ro": true, "fcall_ro": true, "json.get": true, "keys": true, "randomkey": true,
}

// ParseCommandStats reads INFO commandstats: calls of read commands
// (leaving out adminCommands) and of READONLY.
func ParseCommandStats(info probe.Info) (reads, readonly int64) {
	for k, v := range info {
		name, ok := strings.CutPrefix(k, "cmdstat_")
		if !ok {
			continue
		}
		calls := int64(0)
		for _, kv := range strings.Split(v, ",") {
			if n, ok := strings.CutPrefix(kv, "calls="); ok {
				calls, _ = strconv.ParseInt(n, 10, 64)
			}
		}
		base, _, _ := strings.Cut(name, "|")
		switch {
		case base == "readonly":
			readonly += calls
		case adminCommands[base]:
		case appReads[base]:
			reads += calls
		}
	}
	return reads, readonly
}

// ParseClientList counts the normal clients in a CLIENT LIST reply other
// than the connection that asked (cmd=client|list) and Sentinel's (which
// only PINGs, reads INFO and publishes hellos).
func ParseClientList(text string) (normal int) {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := probe.ClientFields(line)
		if f["flags"] != "" && strings.ContainsAny(f["flags"], "SM") {
			continue // a replica or master link
		}
		if t, ok := f["type"]; ok && t != "normal" {
			continue
		}
		cmd, _, _ := strings.Cut(f["cmd"], "|")
		if f["cmd"] == "client|list" || adminCommands[cmd] || strings.HasPrefix(f["name"], "sentinel-") {
			continue
		}
		normal++
	}
	return normal
}

// GatherReplicaClients reads, through do (reads only), whether clients
// read from the replica at e: INFO clients, CLIENT LIST, INFO commandstats.
func GatherReplicaClients(ctx context.Context, do probe.Doer, e *probe.Endpoint) ReplicaClients {
	c := ReplicaClients{Addr: e.Addr}
	v, err := do(ctx, e, "INFO", "clients")
	if err != nil {
		c.Error = err.Error()
		return c
	}
	c.Connected = probe.ParseInfo(probe.AsString(v)).Int("connected_clients")
	if v, err := do(ctx, e, "CLIENT", "LIST"); err == nil {
		c.Normal = ParseClientList(probe.AsString(v))
	} else {
		c.Error = "CLIENT LIST: " + err.Error()
	}
	if v, err := do(ctx, e, "INFO", "commandstats"); err == nil {
		c.Reads, c.ReadOnlyCalls = ParseCommandStats(probe.ParseInfo(probe.AsString(v)))
	} else if c.Error == "" {
		c.Error = "INFO commandstats: " + err.Error()
	}
	return c
}
