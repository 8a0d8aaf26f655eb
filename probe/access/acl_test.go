package access

import (
	"testing"
)

func TestGlobMatchIsRedisGlob(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "flyover:verify:0", true},
		{"flyover:*", "flyover:verify:0", true},
		{"app:*", "flyover:verify:0", false},
		{"fly?ver:*", "flyover:x", true},
		{"[a-f]lyover:*", "flyover:x", true},
		{"[^f]lyover:*", "flyover:x", false},
		{`\*`, "*", true},
		{`\*`, "a", false},
		{"+switch-master", "+switch-master", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
	}
	for _, c := range cases {
		if got := globMatch(c.pattern, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %t", c.pattern, c.s, got)
		}
	}
}

// ACL GETUSER's rules are applied in order, with categories, subcommands,
// selectors, and key and channel patterns, in Redis 7's and Redis 6's
// reply shapes.
func TestACLGetUserRulesDecideLikeRedis(t *testing.T) {
	need := func(args ...string) ACLNeed { return ACLNeed{Args: args} }
	redis7 := func(commands, keys, channels string, selectors ...[]any) []any {
		sels := []any{}
		for _, s := range selectors {
			sels = append(sels, s)
		}
		return []any{"flags", []any{"on"}, "passwords", []any{"5e88"}, "commands", commands, "keys", keys, "channels", channels, "selectors", sels}
	}
	cases := []struct {
		name  string
		reply any
		need  ACLNeed
		want  ACLVerdict
		grant string
	}{
		{"all", redis7("+@all", "~*", "&*"), need("CLIENT", "PAUSE", "1000", "WRITE"), ACLAllowed, ""},
		{"all minus a subcommand", redis7("+@all -client|pause", "~*", "&*"), need("CLIENT", "PAUSE", "1000", "WRITE"), ACLDenied, "+client|pause"},
		{"all minus a subcommand, another allowed", redis7("+@all -client|pause", "~*", "&*"), need("CLIENT", "KILL", "TYPE", "normal"), ACLAllowed, ""},
		{"no dangerous", redis7("+@all -@dangerous", "~*", "&*"), need("REPLICAOF", "NO", "ONE"), ACLDenied, "+replicaof"},
		{"no dangerous, back by name", redis7("+@all -@dangerous +info", "~*", "&*"), need("INFO", "replication"), ACLAllowed, ""},
		{"parent command", redis7("-@all +client", "~*", "&*"), need("CLIENT", "KILL", "TYPE", "normal"), ACLAllowed, ""},
		{"nocommands", redis7("-@all", "~*", "&*"), need("ROLE"), ACLDenied, "+role"},
		{"key pattern", redis7("+@all", "~app:*", "&*"), need("SET", "flyover:verify:0", "1"), ACLDenied, "~flyover:*"},
		{"read-only key pattern", redis7("+@all", "%R~flyover:*", "&*"), need("SET", "flyover:verify:0", "1"), ACLDenied, "~flyover:*"},
		{"read-only key pattern reads", redis7("+@all", "%R~flyover:*", "&*"), need("GET", "flyover:verify:0"), ACLAllowed, ""},
		{"no channels", redis7("+@all", "~*", ""), need("PSUBSCRIBE", "*"), ACLDenied, "&*"},
		{"channel pattern must be literal for PSUBSCRIBE", redis7("+@all", "~*", "&+switch-*"), need("PSUBSCRIBE", "*"), ACLDenied, "&*"},
		{"channel glob for SUBSCRIBE", redis7("+@all", "~*", "&+switch-*"), need("SUBSCRIBE", "+switch-master"), ACLAllowed, ""},
		{"selector allows", redis7("-@all +info", "~*", "&*", []any{"commands", "+@all", "keys", "~*", "channels", "&*"}), need("SENTINEL", "FAILOVER", "m"), ACLAllowed, ""},
		{"redis 6 shape", []any{"flags", []any{"on"}, "passwords", []any{}, "commands", "+@all -shutdown", "keys", []any{"*"}, "channels", []any{"*"}}, need("SHUTDOWN"), ACLDenied, "+shutdown"},
		{"redis 6 shape, keys", []any{"flags", []any{"on"}, "passwords", []any{}, "commands", "+@all", "keys", []any{"app:*"}, "channels", []any{"*"}}, need("SET", "flyover:verify:0", "1"), ACLDenied, "~flyover:*"},
		{"unknown command", redis7("+@all", "~*", "&*"), need("DEBUG", "SLEEP", "0"), ACLUnknown, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, err := parseACLUser(c.reply)
			if err != nil {
				t.Fatal(err)
			}
			v, reason, grant := u.allows(c.need)
			if v != c.want || grant != c.grant {
				t.Errorf("%s: %s (%s), grant %q; want %s, grant %q", c.need.Name(), v, reason, grant, c.want, c.grant)
			}
		})
	}
}

func TestACLNeedNames(t *testing.T) {
	for args, want := range map[string]string{
		"CLIENT PAUSE 1000 WRITE": "client|pause",
		"SENTINEL FAILOVER m":     "sentinel|failover",
		"INFO replication":        "info",
		"SET k v":                 "set",
	} {
		n := ACLNeed{Args: splitWords(args)}
		if n.aclName() != want {
			t.Errorf("%s: %s, want %s", args, n.aclName(), want)
		}
	}
}

func splitWords(s string) []string {
	var out []string
	word := ""
	for _, r := range s + " " {
		if r == ' ' {
			if word != "" {
				out = append(out, word)
			}
			word = ""
			continue
		}
		word += string(r)
	}
	return out
}
