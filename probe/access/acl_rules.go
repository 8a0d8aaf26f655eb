package access

import (
	"fmt"
	"strings"

	"flyover/probe"
)

// Reading a user's rules from ACL GETUSER and judging, from them alone,
// whether a command, its keys and its channels are allowed: how flyover
// reads permissions where ACL DRYRUN is not allowed.

// ---- ACL GETUSER ----

// aclUser is the part of an ACL GETUSER reply that decides commands,
// keys and channels: the root rules and each selector's.
type aclUser struct {
	rules []aclRules
}

type aclRules struct {
	commands string   // "+@all -@dangerous +info"
	keys     []string // "~*", "%R~app:*"
	channels []string // "&*"
}

func parseACLUser(v any) (aclUser, error) {
	if v == nil {
		return aclUser{}, fmt.Errorf("no such user")
	}
	m, err := probe.AnyPairs(v)
	if err != nil {
		return aclUser{}, err
	}
	root := rulesFrom(m)
	u := aclUser{rules: []aclRules{root}}
	if sels, ok := m["selectors"].([]any); ok {
		for _, s := range sels {
			if sm, err := probe.AnyPairs(s); err == nil {
				u.rules = append(u.rules, rulesFrom(sm))
			}
		}
	}
	return u, nil
}

// rulesFrom reads commands, keys and channels, in Redis 7's form (one
// string each: "~* %R~app:*", "&*") or Redis 6's (a list of patterns
// without the prefix).
func rulesFrom(m map[string]any) aclRules {
	var r aclRules
	r.commands = probe.AsString(m["commands"])
	r.keys = patterns(m["keys"], "~")
	r.channels = patterns(m["channels"], "&")
	return r
}

func patterns(v any, prefix string) []string {
	switch t := v.(type) {
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, prefix+probe.AsString(x))
		}
		return out
	case nil:
		return nil
	}
	return strings.Fields(probe.AsString(v))
}

// commandCategories are the ACL categories (Redis 7.0's COMMAND INFO) of
// the commands flyover needs, for evaluating +@category rules.
var commandCategories = map[string][]string{
	"info":            {"slow", "dangerous"},
	"role":            {"admin", "fast", "dangerous"},
	"config|get":      {"admin", "slow", "dangerous"},
	"config|set":      {"admin", "slow", "dangerous"},
	"multi":           {"fast", "transaction"},
	"exec":            {"slow", "transaction"},
	"client|pause":    {"admin", "slow", "dangerous", "connection"},
	"client|unpause":  {"admin", "slow", "dangerous", "connection"},
	"client|kill":     {"admin", "slow", "dangerous", "connection"},
	"client|list":     {"admin", "slow", "dangerous", "connection"},
	"replicaof":       {"admin", "slow", "dangerous"},
	"shutdown":        {"admin", "slow", "dangerous"},
	"dbsize":          {"keyspace", "read", "fast"},
	"set":             {"write", "string", "slow"},
	"get":             {"read", "string", "fast"},
	"psubscribe":      {"pubsub", "slow"},
	"subscribe":       {"pubsub", "slow"},
	"sentinel|master": {"admin", "slow", "dangerous"}, "sentinel|replicas": {"admin", "slow", "dangerous"},
	"sentinel|get-master-addr-by-name": {"admin", "slow", "dangerous"}, "sentinel|ckquorum": {"admin", "slow", "dangerous"},
	"sentinel|failover": {"admin", "slow", "dangerous"}, "sentinel|reset": {"admin", "slow", "dangerous"},
	// Readiness.
	"function|list": {"slow", "scripting"}, "module|list": {"admin", "slow", "dangerous"},
	"pubsub|numpat": {"pubsub", "slow"}, "pubsub|channels": {"pubsub", "slow"},
	"command|info": {"slow", "connection"}, "eval": {"slow", "scripting"},
	// The sampled comparison.
	"randomkey": {"keyspace", "read", "slow"}, "scan": {"keyspace", "read", "slow"},
	"type": {"keyspace", "read", "fast"}, "pttl": {"keyspace", "read", "fast"},
	"strlen": {"read", "string", "fast"}, "getrange": {"read", "string", "slow"},
	"llen": {"read", "list", "fast"}, "lrange": {"read", "list", "slow"},
	"hlen": {"read", "hash", "fast"}, "hscan": {"read", "hash", "slow"},
	"scard": {"read", "set", "fast"}, "sscan": {"read", "set", "slow"},
	"zcard": {"read", "sortedset", "fast"}, "zrange": {"read", "sortedset", "slow"},
	"xlen": {"read", "stream", "fast"}, "xrange": {"read", "stream", "slow"},
}

// allows evaluates one need against the user's rules: the command must be
// allowed by the root rules or by one selector, together with that
// selector's keys and channels.
func (u aclUser) allows(n ACLNeed) (ACLVerdict, string, string) {
	name := n.aclName()
	cats, known := commandCategories[name]
	if !known {
		return ACLUnknown, "flyover does not know the ACL categories of " + n.Name(), ""
	}
	verdict, reason, grant := ACLDenied, "the user's rules do not allow "+n.Name(), "+"+name
	for _, r := range u.rules {
		if !r.allowsCommand(name, cats) {
			continue
		}
		switch {
		case name == "set" && !r.allowsKey(flyoverKey, 'W'):
			reason, grant = "the user may not write the key "+flyoverKey, "~flyover:*"
		case name == "get" && !r.allowsKey(flyoverKey, 'R'):
			reason, grant = "the user may not read the key "+flyoverKey, "~flyover:*"
		case len(n.Args) > 1 && n.Args[1] == sampleKey && !r.allowsKey(sampleKey, 'R'):
			reason, grant = "the user may not read every key (the sample reads the application's keys)", "%R~*"
		case (name == "psubscribe" || name == "subscribe") && !r.allowsChannel(n.Args[1], name == "psubscribe"):
			reason, grant = "the user may not access the channel "+n.Args[1], "&*"
		default:
			return ACLAllowed, "", ""
		}
	}
	return verdict, reason, grant
}

// allowsCommand applies the rules in order, as Redis does.
func (r aclRules) allowsCommand(name string, cats []string) bool {
	parent, _, _ := strings.Cut(name, "|")
	allowed := false
	for _, rule := range strings.Fields(strings.ToLower(r.commands)) {
		switch rule {
		case "+@all", "allcommands":
			allowed = true
			continue
		case "-@all", "nocommands":
			allowed = false
			continue
		}
		if len(rule) < 2 || (rule[0] != '+' && rule[0] != '-') {
			continue
		}
		on, target := rule[0] == '+', rule[1:]
		switch {
		case strings.HasPrefix(target, "@"):
			for _, c := range cats {
				if c == target[1:] {
					allowed = on
				}
			}
		case target == name || target == parent:
			allowed = on
		}
	}
	return allowed
}

// allowsKey: a key pattern (~p, %R~p, %W~p, %RW~p, allkeys) matches key
// for the access wanted ('R' or 'W').
func (r aclRules) allowsKey(key string, access byte) bool {
	for _, p := range r.keys {
		if p == "allkeys" {
			return true
		}
		perm := "RW"
		if strings.HasPrefix(p, "%") {
			var ok bool
			perm, p, ok = strings.Cut(p[1:], "~")
			if !ok {
				continue
			}
			p = "~" + p
		}
		if !strings.HasPrefix(p, "~") || !strings.ContainsRune(strings.ToUpper(perm), rune(access)) {
			continue
		}
		if globMatch(p[1:], key) {
			return true
		}
	}
	return false
}

// allowsChannel: for PSUBSCRIBE the pattern must be one the user may use
// as it is (Redis compares patterns literally); for SUBSCRIBE the channel
// must match a pattern.
func (r aclRules) allowsChannel(ch string, pattern bool) bool {
	for _, p := range r.channels {
		if p == "allchannels" || p == "&*" {
			return true
		}
		if !strings.HasPrefix(p, "&") {
			continue
		}
		if pattern && p[1:] == ch || !pattern && globMatch(p[1:], ch) {
			return true
		}
	}
	return false
}

// globMatch is Redis's glob: * ? [abc] [^a-z] and \ escapes.
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for len(pattern) > 1 && pattern[1] == '*' {
				pattern = pattern[1:]
			}
			if len(pattern) == 1 {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			s = s[1:]
		case '[':
			if s == "" {
				return false
			}
			end := strings.IndexByte(pattern[1:], ']')
			if end < 0 {
				return pattern == s
			}
			class := pattern[1 : end+1]
			neg := strings.HasPrefix(class, "^")
			if neg {
				class = class[1:]
			}
			match := false
			for i := 0; i < len(class); i++ {
				if i+2 < len(class) && class[i+1] == '-' {
					if class[i] <= s[0] && s[0] <= class[i+2] {
						match = true
					}
					i += 2
				} else if class[i] == s[0] {
					match = true
				}
			}
			if match == neg {
				return false
			}
			s = s[1:]
			pattern = pattern[end+1:]
		case '\\':
			if len(pattern) > 1 {
				pattern = pattern[1:]
			}
			fallthrough
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
			s = s[1:]
		}
		pattern = pattern[1:]
	}
	return s == ""
}
