package steps

import (
	"fmt"
	"strconv"
	"strings"

	"flyover/probe"
)

// Command is one command as the operator sees it before it runs: which
// endpoint, and the arguments with passwords redacted.
type Command struct {
	Endpoint string   `json:"endpoint"` // source, target, sentinel-1, replica
	Addr     string   `json:"addr"`
	Args     []string `json:"args"`
	// Note says when or how often it is sent, for commands that repeat
	// or depend on what came before ("until the offsets are equal").
	Note string `json:"note,omitempty"`
}

// String renders the command the way redis-cli would show it:
// "target 127.0.0.1:7001> REPLICAOF 127.0.0.1 7000".
func (c Command) String() string { return c.Prompt() + " " + c.Line() }

// Prompt is where the command goes, as redis-cli's prompt:
// "target 127.0.0.1:7001>".
func (c Command) Prompt() string {
	p := c.Endpoint
	if c.Addr != "" {
		p += " " + c.Addr
	}
	return p + ">"
}

// Line is the command as typed after the prompt, with its note:
// "REPLICAOF 127.0.0.1 7000".
func (c Command) Line() string {
	var b strings.Builder
	for i, a := range c.Args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteArg(a))
	}
	if c.Note != "" {
		b.WriteString("   (" + c.Note + ")")
	}
	return b.String()
}

func quoteArg(a string) string {
	if a == "" || strings.ContainsAny(a, " \t\"'\n") {
		return strconv.Quote(a)
	}
	return a
}

// Redacted is what every redacted secret reads as.
const Redacted = "***"

// sensitiveParam reports whether a configuration parameter holds a secret
// (requirepass, masterauth, tls-key-file-pass, sentinel auth-pass, ...).
func sensitiveParam(p string) bool {
	p = strings.ToLower(p)
	return strings.Contains(p, "pass") || strings.Contains(p, "auth")
}

// RedactArgs returns args with every password replaced by Redacted: AUTH,
// HELLO ... AUTH, CONFIG SET of a secret, SENTINEL SET ... auth-pass,
// SENTINEL CONFIG SET sentinel-pass, ACL SETUSER >password and #hash,
// MIGRATE ... AUTH / AUTH2.
func RedactArgs(args []string) []string {
	out := append([]string(nil), args...)
	switch probe.CommandName(out) {
	case "AUTH":
		if len(out) == 2 {
			out[1] = Redacted
		} else if len(out) >= 3 {
			out[2] = Redacted
		}
	case "HELLO":
		for i := 1; i < len(out); i++ {
			if strings.EqualFold(out[i], "AUTH") && i+2 < len(out) {
				out[i+2] = Redacted
				i += 2
			}
		}
	case "CONFIG SET":
		redactParams(out, 2)
	case "SENTINEL SET", "SENTINEL CONFIG SET":
		redactParams(out, 3)
	case "ACL DRYRUN":
		if len(out) > 3 {
			// The command being checked may carry a password itself.
			copy(out[3:], RedactArgs(out[3:]))
		}
	case "ACL SETUSER":
		for i := 3; i < len(out); i++ {
			if strings.HasPrefix(out[i], ">") || strings.HasPrefix(out[i], "<") {
				out[i] = out[i][:1] + Redacted
			} else if strings.HasPrefix(out[i], "#") || strings.HasPrefix(out[i], "!") {
				out[i] = out[i][:1] + Redacted
			}
		}
	case "MIGRATE":
		for i := 1; i < len(out); i++ {
			switch strings.ToUpper(out[i]) {
			case "AUTH":
				if i+1 < len(out) {
					out[i+1] = Redacted
				}
			case "AUTH2":
				if i+2 < len(out) {
					out[i+2] = Redacted
				}
			}
		}
	}
	return out
}

// redactParams redacts the value of each secret parameter in the
// parameter-value pairs from args[from] on.
func redactParams(args []string, from int) {
	for i := from; i+1 < len(args); i += 2 {
		if sensitiveParam(args[i]) {
			args[i+1] = Redacted
		}
	}
}

// RedactReply hides secrets in replies: CONFIG GET of a secret parameter
// answers with the secret itself. An empty value is kept, so "not set"
// stays visible.
func RedactReply(args []string, reply any) any {
	name := probe.CommandName(args)
	if name == "ACL GETUSER" {
		return redactACLUser(reply)
	}
	if name != "CONFIG GET" {
		return reply
	}
	arr, ok := reply.([]any)
	if !ok {
		return reply
	}
	out := append([]any(nil), arr...)
	for i := 0; i+1 < len(out); i += 2 {
		if k, ok := out[i].(string); ok && sensitiveParam(k) {
			if v, ok := out[i+1].(string); ok && v != "" {
				out[i+1] = Redacted
			}
		}
	}
	return out
}

// redactACLUser hides the password hashes in an ACL GETUSER reply: a
// hash of a password is as good as the password to a brute force.
func redactACLUser(reply any) any {
	arr, ok := reply.([]any)
	if !ok {
		if m, ok := reply.(map[any]any); ok {
			out := make(map[any]any, len(m))
			for k, v := range m {
				if fmt.Sprint(k) == "passwords" {
					v = Redacted
				}
				out[k] = v
			}
			return out
		}
		return reply
	}
	out := append([]any(nil), arr...)
	for i := 0; i+1 < len(out); i += 2 {
		if k, ok := out[i].(string); ok && k == "passwords" {
			out[i+1] = Redacted
		}
	}
	return out
}

// ReadOnlyError is the audited path refusing a command in read-only mode.
type ReadOnlyError struct {
	Endpoint string
	Args     []string // redacted
}

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("read-only mode: refused to send %q to %s: it is not a read; restart flyover without --read-only to act",
		strings.Join(e.Args, " "), e.Endpoint)
}

// stringArgs turns command arguments into the strings the server receives.
func stringArgs(args []any) []string {
	out := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = v
		case []byte:
			out[i] = string(v)
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return out
}

func CommandList(cs []Command) string {
	var out []string
	for _, c := range cs {
		c.Note = ""
		out = append(out, c.String())
	}
	return strings.Join(out, "; ")
}
