package readiness

import (
	"strconv"
	"strings"

	"flyover/probe"
)

// Parsing for the readiness facts: pure functions over INFO text and
// replies, tested with fixtures written from DRAGONFLY.md's verified lines.

// CommandCalls returns the calls per command from INFO commandstats, by
// lower-case name. Redis 7 keeps subcommands apart ("client|no-evict");
// Redis 6 and Dragonfly count the container command as a whole.
//
//	cmdstat_get:calls=21,usec=175,usec_per_call=8.33,rejected_calls=0,failed_calls=0
func CommandCalls(info probe.Info) map[string]int64 {
	out := map[string]int64{}
	for k, v := range info {
		name, ok := strings.CutPrefix(k, "cmdstat_")
		if !ok {
			continue
		}
		for _, kv := range strings.Split(v, ",") {
			if f, n, ok := strings.Cut(kv, "="); ok && f == "calls" {
				c, err := strconv.ParseInt(n, 10, 64)
				if err == nil {
					out[strings.ToLower(name)] += c
				}
			}
		}
	}
	return out
}

// ErrorCount reads one INFO errorstats counter. Dragonfly prints bare
// counts ("unknown_cmd:3", "script_error:1"); Redis prints
// "errorstat_ERR:count=3".
func ErrorCount(info probe.Info, name string) (int64, bool) {
	v, ok := info[name]
	if !ok {
		v, ok = info["errorstat_"+name]
	}
	if !ok {
		return 0, false
	}
	if _, n, cut := strings.Cut(v, "count="); cut {
		v = n
	}
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, err == nil
}

// sameParam compares configuration names with - and _ as one: Dragonfly
// answers CONFIG GET notify-keyspace-events with notify_keyspace_events.
func sameParam(a, b string) bool {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	return norm(a) == norm(b)
}

// ConfigValue reads param out of a CONFIG GET reply. known is false for
// an empty reply: Dragonfly answers a name it does not have with an
// empty array, not an error (DRAGONFLY.md, verified for maxmemory-policy).
func ConfigValue(reply any, param string) (value string, known bool) {
	m, err := probe.Pairs(reply)
	if err != nil {
		return "", false
	}
	for k, v := range m {
		if sameParam(k, param) {
			return v, true
		}
	}
	return "", false
}

// CommandKnown reads a COMMAND INFO reply for one name: an entry means
// the server has the command, nil means it does not. Dragonfly before a
// 2026 fix reads only the first name, so flyover asks one per call.
func CommandKnown(reply any) bool {
	switch t := reply.(type) {
	case []any:
		return len(t) > 0 && t[0] != nil
	case map[any]any:
		return len(t) > 0
	}
	return false
}

// Library is one Redis Functions library loaded on a server.
type Library struct {
	Name      string   `json:"name"`
	Engine    string   `json:"engine,omitempty"`
	Functions []string `json:"functions,omitempty"`
}

// ParseFunctionList reads a FUNCTION LIST reply (RESP2: a list of flat
// [library_name, n, engine, e, functions, [[name, f, ...], ...]] lists).
func ParseFunctionList(reply any) []Library {
	arr, _ := reply.([]any)
	var out []Library
	for _, e := range arr {
		lib, ok := e.([]any)
		if !ok {
			continue
		}
		var l Library
		for i := 0; i+1 < len(lib); i += 2 {
			switch probe.AsString(lib[i]) {
			case "library_name":
				l.Name = probe.AsString(lib[i+1])
			case "engine":
				l.Engine = probe.AsString(lib[i+1])
			case "functions":
				fs, _ := lib[i+1].([]any)
				for _, f := range fs {
					if m, err := probe.Pairs(f); err == nil && m["name"] != "" {
						l.Functions = append(l.Functions, m["name"])
					}
				}
			}
		}
		out = append(out, l)
	}
	return out
}

// Module is one loaded module.
type Module struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// ParseModuleList reads a MODULE LIST reply (a list of flat
// [name, n, ver, v, ...] lists).
func ParseModuleList(reply any) []Module {
	arr, _ := reply.([]any)
	var out []Module
	for _, e := range arr {
		m, err := probe.Pairs(e)
		if err != nil || m["name"] == "" {
			continue
		}
		out = append(out, Module{Name: m["name"], Version: m["ver"]})
	}
	return out
}

// LuaProbe is the target's answer to probe.LuaProbeScript.
type LuaProbe struct {
	Ran bool `json:"ran"` // sent at all (only when the source runs scripts)
	// UndeclaredRefused: the target refused the undeclared key ("script
	// tried accessing undeclared key").
	UndeclaredRefused bool   `json:"undeclared_refused"`
	Error             string `json:"error,omitempty"`
}

// ParseLuaProbe reads the target's reply to probe.LuaProbeScript.
func ParseLuaProbe(err error) LuaProbe {
	p := LuaProbe{Ran: true}
	if err != nil {
		p.Error = err.Error()
		p.UndeclaredRefused = strings.Contains(p.Error, "undeclared key")
	}
	return p
}

// CacheMode reads Dragonfly's INFO memory cache_mode ("cache" or "store";
// older builds print a boolean). ok is false when absent (Redis).
func CacheMode(info probe.Info) (on, ok bool) {
	v, ok := info["cache_mode"]
	if !ok {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "cache", "on", "true", "yes", "1":
		return true, true
	}
	return false, true
}
