package access

import (
	"context"
	"fmt"
	"strings"

	"flyover/probe"
)

// ACLNeed is one command flyover sends to an endpoint, in the form ACL
// DRYRUN is asked about it: DRYRUN checks the command, its subcommand,
// and the keys and channels in its arguments.
type ACLNeed struct {
	Args []string `json:"args"`
	// Required: a step cannot run without it. Without an optional one
	// flyover only loses what For says.
	Required bool   `json:"required"`
	For      string `json:"for"`
}

// Name is the command as an operator says it: "CLIENT PAUSE", "INFO".
func (n ACLNeed) Name() string { return probe.CommandName(n.Args) }

// aclName is the command as ACL rules name it: "client|pause", "info".
// Rules name a command and at most one subcommand.
func (n ACLNeed) aclName() string {
	words := strings.Fields(n.Name())
	return strings.ToLower(strings.Join(words[:min(2, len(words))], "|"))
}

// flyoverKey is a key of the kind flyover writes (verify's test key; the
// canary's keys share the prefix), for checking key permissions.
const flyoverKey = "flyover:verify:0"

// sampleKey stands for any key of the application, which the sampled
// comparison reads on both sides.
const sampleKey = "any:application:key"

// readinessSourceNeeds are the readiness reads on the source beyond INFO
// (INFO commandstats, server, keyspace and clients are INFO) and CONFIG
// GET (notify-keyspace-events, maxmemory-policy, maxmemory).
func readinessSourceNeeds() []ACLNeed {
	return []ACLNeed{
		{Args: []string{"FUNCTION", "LIST"}, For: "readiness: whether Functions are loaded (Dragonfly cannot load them from the full sync)"},
		{Args: []string{"MODULE", "LIST"}, For: "readiness: whether modules hold data Dragonfly cannot load"},
		{Args: []string{"PUBSUB", "NUMPAT"}, For: "readiness: whether anyone listens to keyspace notifications"},
		{Args: []string{"PUBSUB", "CHANNELS", "__key*"}, For: "readiness: who listens to keyspace notifications"},
	}
}

// sampleNeeds are the sampled comparison's reads of one key, on either
// side: type, TTL, and the value in pieces, by type.
func sampleNeeds() []ACLNeed {
	const why = "the sampled comparison of keys (before the cutover and after it)"
	var out []ACLNeed
	for _, args := range [][]string{
		{"TYPE", sampleKey}, {"PTTL", sampleKey},
		{"STRLEN", sampleKey}, {"GETRANGE", sampleKey, "0", "1023"},
		{"LLEN", sampleKey}, {"LRANGE", sampleKey, "0", "99"},
		{"HLEN", sampleKey}, {"HSCAN", sampleKey, "0", "COUNT", "100"},
		{"SCARD", sampleKey}, {"SSCAN", sampleKey, "0", "COUNT", "100"},
		{"ZCARD", sampleKey}, {"ZRANGE", sampleKey, "0", "99", "WITHSCORES"},
		{"XLEN", sampleKey}, {"XRANGE", sampleKey, "-", "+", "COUNT", "100"},
	} {
		out = append(out, ACLNeed{Args: args, For: why})
	}
	return out
}

// SourceACLNeeds are the commands flyover sends to a source of a version
// with CLIENT PAUSE WRITE and CLIENT UNPAUSE (6.2+, Valkey).
func SourceACLNeeds() []ACLNeed {
	return SourceACLNeedsFor(probe.CapabilitiesOf(probe.KindUnknown, ""))
}

// SourceACLNeedsFor are the commands flyover sends to a source that
// allows c: on Redis 6.0 the cutover pauses every client (CLIENT PAUSE
// <ms>), never sends CLIENT UNPAUSE, and arms min-replicas-to-write.
func SourceACLNeedsFor(c probe.Capabilities) []ACLNeed {
	pause := []ACLNeed{
		{Args: []string{"CLIENT", "PAUSE", "1000", "WRITE"}, Required: true, For: "the cutover's write pause"},
		{Args: []string{"CLIENT", "UNPAUSE"}, Required: true, For: "ending the pause and the abort"},
	}
	if !c.PauseWrites {
		pause = []ACLNeed{
			{Args: []string{"CLIENT", "PAUSE", "1000"}, Required: true, For: "the cutover's pause of every client (this version has no CLIENT PAUSE WRITE)"},
			{Args: []string{"MULTI"}, Required: true, For: "the cutover: the pause and the offset read in one transaction"},
			{Args: []string{"EXEC"}, Required: true, For: "the cutover: the pause and the offset read in one transaction"},
			{Args: []string{"CONFIG", "SET", "min-replicas-to-write", "1"}, Required: true, For: "the cutover's fence while the pause cannot be lifted: the old primary refuses writes once the target leaves it"},
		}
	}
	needs := []ACLNeed{
		{Args: []string{"INFO", "replication"}, Required: true, For: "polling, the cutover's drain, and readiness (INFO commandstats, server, keyspace, clients)"},
		{Args: []string{"ROLE"}, Required: true, For: "polling"},
		{Args: []string{"CONFIG", "GET", "maxmemory"}, For: "preflight's configuration checks (persistence, memory, min-replicas) and readiness (notify-keyspace-events, maxmemory-policy)"},
		{Args: []string{"CLIENT", "LIST", "TYPE", "replica"}, For: "the full sync's watch: the source's output buffer for the target"},
		{Args: []string{"CONFIG", "GET", "client-output-buffer-limit"}, For: "the full sync's prediction: the replica buffer limit (and repl-timeout)"},
	}
	needs = append(needs, pause...)
	needs = append(needs, []ACLNeed{
		{Args: []string{"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}, Required: true, For: "the fence: clients reconnect through Sentinel"},
		{Args: []string{"REPLICAOF", "NO", "ONE"}, Required: true, For: "the fence: the old primary becomes a replica"},
		{Args: []string{"SHUTDOWN"}, For: "the decommission step's shutdown (without it, stop the old Redis yourself)"},
	}...)
	needs = append(needs, readinessSourceNeeds()...)
	needs = append(needs,
		ACLNeed{Args: []string{"DBSIZE"}, For: "the sampled comparison: whether to read every key or a sample"},
		ACLNeed{Args: []string{"RANDOMKEY"}, For: "the sampled comparison: which keys to compare"},
		ACLNeed{Args: []string{"SCAN", "0", "COUNT", "100"}, For: "the sampled comparison of a small database: every key"})
	return append(needs, sampleNeeds()...)
}

// TargetACLNeeds are the commands flyover sends to the target.
func TargetACLNeeds() []ACLNeed {
	needs := []ACLNeed{
		{Args: []string{"INFO", "replication"}, Required: true, For: "polling (with INFO commandstats: the commands the target drops), the cutover's drain, and readiness (INFO server, memory, errorstats)"},
		{Args: []string{"ROLE"}, Required: true, For: "polling, and the promotion wait"},
		{Args: []string{"CONFIG", "GET", "maxmemory"}, For: "preflight's memory, masterauth and announce-address checks, and readiness (databases, notify-keyspace-events, maxmemory-policy)"},
		{Args: []string{"DBSIZE"}, For: "preflight's key count"},
		{Args: []string{"REPLICAOF", "NO", "ONE"}, Required: true, For: "the attach step (and the abort)"},
		{Args: []string{"SET", flyoverKey, "1", "PX", "60000"}, Required: true, For: "the verify step's test write"},
		{Args: []string{"GET", flyoverKey}, Required: true, For: "the verify step's read-back"},
		{Args: []string{"COMMAND", "INFO", "get"}, For: "readiness: whether the target knows each command the application runs"},
		{Args: []string{"EVAL", probe.LuaProbeScript, "0"}, For: "readiness, when the application runs scripts: whether the target lets a script touch a key it did not declare"},
	}
	return append(needs, sampleNeeds()...)
}

// ReplicaACLNeeds are the commands flyover sends to each other Redis
// replica of the source, as the source's user. None is required: a
// replica already at priority 0 needs no CONFIG SET, and one flyover may
// not shut down the operator stops.
func ReplicaACLNeeds() []ACLNeed {
	return []ACLNeed{
		{Args: []string{"INFO", "clients"}, For: "preflight: whether clients read from the replica (with CLIENT LIST and INFO commandstats)"},
		{Args: []string{"CLIENT", "LIST"}, For: "preflight: whether clients read from the replica"},
		{Args: []string{"CONFIG", "GET", "replica-priority"}, For: "step 6: the priority abort puts back"},
		{Args: []string{"CONFIG", "SET", "replica-priority", "0"}, For: "step 6: only the target can be promoted (and abort)"},
		{Args: []string{"SHUTDOWN"}, For: "the decommission step's shutdown (without it, stop the replica yourself)"},
	}
}

// SentinelACLNeeds are the commands flyover sends to each Sentinel.
func SentinelACLNeeds(master string) []ACLNeed {
	return []ACLNeed{
		{Args: []string{"SENTINEL", "MASTER", master}, Required: true, For: "polling"},
		{Args: []string{"SENTINEL", "REPLICAS", master}, Required: true, For: "polling: who Sentinel would promote"},
		{Args: []string{"SENTINEL", "GET-MASTER-ADDR-BY-NAME", master}, Required: true, For: "polling, and the promotion wait"},
		{Args: []string{"SENTINEL", "CKQUORUM", master}, Required: true, For: "polling: can the Sentinels fail over"},
		{Args: []string{"SENTINEL", "SENTINELS", master}, For: "polling: what the others say of a Sentinel flyover cannot reach"},
		{Args: []string{"SENTINEL", "FAILOVER", master}, Required: true, For: "the cutover"},
		{Args: []string{"SENTINEL", "RESET", master}, Required: true, For: "the decommission step and the abort"},
		{Args: []string{"PSUBSCRIBE", "*"}, For: "the live Sentinel events (+switch-master ...) on screen"},
		{Args: []string{"INFO", "server"}, For: "preflight: the Sentinel's version"},
		{Args: []string{"SUBSCRIBE", "+switch-master"}, For: "the canary writer's Sentinel client"},
	}
}

// ACLVerdict is what is known about one command for one user.
type ACLVerdict string

const (
	ACLAllowed ACLVerdict = "allowed"
	ACLDenied  ACLVerdict = "denied"
	ACLUnknown ACLVerdict = "unknown"
)

// ACLCheck is one command checked for one user.
type ACLCheck struct {
	ACLNeed
	Command string     `json:"command"` // Name()
	Verdict ACLVerdict `json:"verdict"`
	// Reason is the server's words when denied, or why it is unknown.
	Reason string `json:"reason,omitempty"`
	// Grant is the ACL SETUSER rule that would allow it: +client|pause,
	// ~flyover:*, &*.
	Grant string `json:"grant,omitempty"`
}

// How ACLFacts were read.
const (
	ACLByDryRun  = "ACL DRYRUN"
	ACLByGetUser = "ACL GETUSER"
	// ACLNone: the server has no ACLs (Redis before 6): a password, if
	// any, gives every command.
	ACLNone = "no ACLs"
)

// ACLFacts are the permissions of the user flyover authenticates as on
// one endpoint, for the commands flyover will send there. Reading them
// sends no write: ACL DRYRUN when the user may run it (it needs admin
// rights), else ACL GETUSER of the user itself, evaluated against the
// commands' ACL categories; when neither is allowed, the commands that
// only read are tried for real and the others are left unknown.
type ACLFacts struct {
	Endpoint string `json:"endpoint"` // source, target, sentinel-1, ...
	Addr     string `json:"addr"`
	// User is the ACL user: the one given, or "default" for a password
	// alone.
	User string `json:"user"`
	// Method is how the permissions were read (ACLByDryRun, ACLByGetUser,
	// ACLNone), or "" when they could not be: then Why says why.
	Method string     `json:"method,omitempty"`
	Why    string     `json:"why,omitempty"`
	Checks []ACLCheck `json:"checks"`
}

// With returns the checks with verdict v.
func (f ACLFacts) With(v ACLVerdict) []ACLCheck {
	var out []ACLCheck
	for _, c := range f.Checks {
		if c.Verdict == v {
			out = append(out, c)
		}
	}
	return out
}

// GatherACL reads which of needs the endpoint's user may run. name is the
// endpoint as the operator knows it (source, target, sentinel-2). Every
// command goes through do; none of them writes.
func GatherACL(ctx context.Context, do probe.Doer, name string, e *probe.Endpoint, needs []ACLNeed) ACLFacts {
	do = probe.OrDirect(do)
	f := ACLFacts{Endpoint: name, Addr: e.Addr, User: e.User()}
	if f.User == "" {
		f.User = "default"
	}
	for _, n := range needs {
		f.Checks = append(f.Checks, ACLCheck{ACLNeed: n, Command: n.Name(), Verdict: ACLUnknown})
	}
	if len(needs) == 0 {
		return f
	}
	method, why, down := dryRun(ctx, do, e, &f)
	if method == "" && !down {
		method, why, down = getUser(ctx, do, e, &f, why)
	}
	f.Method, f.Why = method, why
	if method == "" && !down {
		tryReads(ctx, do, e, &f)
	}
	return f
}

// GatherACLs reads the permissions on the source, the target and every
// Sentinel.
func GatherACLs(ctx context.Context, do probe.Doer, master string, source, target *probe.Endpoint, sentinels []*probe.Endpoint) []ACLFacts {
	out := []ACLFacts{
		GatherACL(ctx, do, "source", source, SourceACLNeedsFor(source.Capabilities())),
		GatherACL(ctx, do, "target", target, TargetACLNeeds()),
	}
	for i, s := range sentinels {
		out = append(out, GatherACL(ctx, do, fmt.Sprintf("sentinel-%d", i+1), s, SentinelACLNeeds(master)))
	}
	return out
}

// AnyArgs is prefix followed by args, as the arguments go-redis sends.
func AnyArgs(prefix []any, args []string) []any {
	out := append([]any(nil), prefix...)
	for _, a := range args {
		out = append(out, a)
	}
	return out
}

// dryRun asks ACL DRYRUN about each check. It returns ACLByDryRun when
// the server answered, ACLNone when it has no ACL command at all, or ""
// and why it could not use DRYRUN; down when the server did not answer
// at all (then nothing else is worth sending).
func dryRun(ctx context.Context, do probe.Doer, e *probe.Endpoint, f *ACLFacts) (method, why string, down bool) {
	for i := range f.Checks {
		c := &f.Checks[i]
		v, err := do(ctx, e, AnyArgs([]any{"ACL", "DRYRUN", f.User}, c.Args)...)
		if err != nil {
			msg := replyText(err)
			switch {
			case !probe.IsReply(err) || needsAuth(err) || authRefused(err):
				// Not answering, or not letting flyover in: the
				// reachability check says which.
				return "", probe.Describe(e.Addr, err), true
			case i == 0 && strings.Contains(strings.ToLower(msg), "unknown command") && strings.Contains(strings.ToLower(msg), "acl"):
				for j := range f.Checks {
					f.Checks[j].Verdict, f.Checks[j].Reason = ACLAllowed, ""
				}
				return ACLNone, "", false
			case i == 0 && (strings.HasPrefix(msg, "NOPERM") || strings.Contains(strings.ToLower(msg), "unknown subcommand")):
				// The user may not run DRYRUN, or the server predates it
				// (Redis 6).
				return "", "ACL DRYRUN: " + msg, false
			case deniedWords(msg):
				deny(c, msg)
			default:
				// Renamed, disabled, or unknown to this server.
				c.Verdict, c.Reason = ACLUnknown, msg
			}
			continue
		}
		if s := probe.AsString(v); strings.EqualFold(s, "OK") {
			c.Verdict, c.Reason = ACLAllowed, ""
		} else {
			deny(c, s)
		}
	}
	return ACLByDryRun, "", false
}

func deniedWords(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "no permissions") || strings.Contains(m, "not allowed") || strings.Contains(m, "noperm")
}

// deny marks c denied for reason (the server's words) and works out the
// rule that grants it: a key or channel the user may not access, or the
// command itself.
func deny(c *ACLCheck, reason string) {
	c.Verdict, c.Reason = ACLDenied, reason
	r := strings.ToLower(reason)
	switch {
	case strings.Contains(r, "' key") && len(c.Args) > 1 && c.Args[1] == sampleKey:
		c.Grant = "%R~*" // the sample reads the application's keys
	case strings.Contains(r, "' key"):
		c.Grant = "~flyover:*"
	case strings.Contains(r, "' channel"):
		c.Grant = "&*"
	default:
		c.Grant = "+" + c.aclName()
	}
}

// getUser reads the user's rules with ACL GETUSER and evaluates each
// check against them.
func getUser(ctx context.Context, do probe.Doer, e *probe.Endpoint, f *ACLFacts, dryWhy string) (method, why string, down bool) {
	v, err := do(ctx, e, "ACL", "GETUSER", f.User)
	if err != nil {
		if !probe.IsReply(err) {
			return "", probe.Describe(e.Addr, err), true
		}
		why := "the user " + f.User + " may run neither ACL DRYRUN nor ACL GETUSER"
		if !strings.HasPrefix(replyText(err), "NOPERM") {
			why = dryWhy + "; ACL GETUSER: " + replyText(err)
		}
		return "", why, false
	}
	u, err := parseACLUser(v)
	if err != nil {
		return "", "ACL GETUSER: " + err.Error(), false
	}
	for i := range f.Checks {
		c := &f.Checks[i]
		verdict, reason, grant := u.allows(c.ACLNeed)
		c.Verdict, c.Reason, c.Grant = verdict, reason, grant
	}
	return ACLByGetUser, "", false
}

// tryReads sends the checks that only read (the server answering says it
// is allowed; NOPERM says it is not) and leaves the rest unknown.
func tryReads(ctx context.Context, do probe.Doer, e *probe.Endpoint, f *ACLFacts) {
	for i := range f.Checks {
		c := &f.Checks[i]
		if !probe.IsRead(c.Args) {
			c.Reason = "not checked: " + f.Why
			continue
		}
		_, err := do(ctx, e, AnyArgs(nil, c.Args)...)
		switch {
		case err == nil:
			c.Verdict, c.Reason = ACLAllowed, "tried: the server answered"
		case probe.IsReply(err) && strings.HasPrefix(replyText(err), "NOPERM"):
			deny(c, replyText(err))
		case probe.IsReply(err):
			c.Verdict, c.Reason = ACLAllowed, "tried: the server answered "+replyText(err)
		default:
			// Not answering: the rest would wait out their timeouts too.
			for j := i; j < len(f.Checks); j++ {
				f.Checks[j].Reason = probe.Describe(e.Addr, err)
			}
			return
		}
	}
}
