package readiness

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"flyover/probe"
)

// ReadinessFacts are what the readiness checks (checks.ReadinessChecks)
// judge: does the data fit Dragonfly, and will the application work on
// it. Everything is read with reads only; the one script sent to the
// target (LuaProbeScript) reads one key.
type ReadinessFacts struct {
	At     time.Time       `json:"at"`
	Source SourceReadiness `json:"source"`
	Target TargetReadiness `json:"target"`
}

// SourceReadiness is what the source says about how it is used.
type SourceReadiness struct {
	Addr      string     `json:"addr"`
	Reachable bool       `json:"reachable"`
	Error     string     `json:"error,omitempty"`
	Kind      probe.Kind `json:"kind"`
	Version   string     `json:"version"`
	// UptimeSeconds bounds what Calls cover: since the server started or
	// the last CONFIG RESETSTAT, whichever is later.
	UptimeSeconds int64 `json:"uptime_seconds"`
	// Calls are INFO commandstats calls by lower-case name
	// ("client|no-evict" on Redis 7); nil when not read.
	Calls    map[string]int64     `json:"calls,omitempty"`
	Keyspace map[int]probe.DBKeys `json:"keyspace,omitempty"`

	Libraries      []Library `json:"libraries,omitempty"`
	LibrariesKnown bool      `json:"libraries_known"`
	Modules        []Module  `json:"modules,omitempty"`
	ModulesKnown   bool      `json:"modules_known"`

	NotifyKeyspaceEvents string `json:"notify_keyspace_events"`
	NotifyKnown          bool   `json:"notify_known"`
	// PatternSubscribers is PUBSUB NUMPAT (any pattern: it may or may not
	// cover __key*); KeyspaceChannels are the channels matching __key*
	// with at least one subscriber.
	PatternSubscribers int64    `json:"pattern_subscribers"`
	KeyspaceChannels   []string `json:"keyspace_channels,omitempty"`
	PubSubKnown        bool     `json:"pubsub_known"`

	MaxMemory       int64  `json:"maxmemory"`
	MaxMemoryPolicy string `json:"maxmemory_policy"`
	PolicyKnown     bool   `json:"policy_known"`

	TrackingClients int64 `json:"tracking_clients"`
	TrackingKnown   bool  `json:"tracking_known"`

	// Errors are reads that failed: which command, what came back.
	Errors []string `json:"errors,omitempty"`
}

// TargetReadiness is what the target says it can do.
type TargetReadiness struct {
	Addr      string     `json:"addr"`
	Reachable bool       `json:"reachable"`
	Error     string     `json:"error,omitempty"`
	Kind      probe.Kind `json:"kind"`
	Version   string     `json:"version"`
	// Commands are the application's commands (top-level, lower case)
	// and whether COMMAND INFO answered an entry for each.
	Commands map[string]bool `json:"commands,omitempty"`

	Databases      int64 `json:"databases"`
	DatabasesKnown bool  `json:"databases_known"`

	Lua LuaProbe `json:"lua"`

	NotifyKeyspaceEvents string `json:"notify_keyspace_events"`
	NotifyKnown          bool   `json:"notify_known"`
	MaxMemoryPolicy      string `json:"maxmemory_policy"`
	PolicyKnown          bool   `json:"policy_known"`
	CacheMode            bool   `json:"cache_mode"`
	CacheModeKnown       bool   `json:"cache_mode_known"`

	// Counters are the divergence counters at the time of reading.
	Counters probe.DivergenceCounters `json:"counters"`

	Errors []string `json:"errors,omitempty"`
}

// infrastructureCommands are commands in the source's commandstats that
// are not the application's, so their support on the target says nothing
// about whether the application will work there:
//
//   - replication: REPLCONF, PSYNC, SYNC (replicas, the target itself
//     among them);
//   - Sentinel and monitoring: INFO, ROLE, PING (Sentinel pings every
//     second), CONFIG (Sentinel's CONFIG REWRITE, flyover's CONFIG GET),
//     SLAVEOF/REPLICAOF (Sentinel's reconfiguration, flyover's fence);
//   - every client's connection handshake: AUTH, HELLO, and the CLIENT
//     subcommands clients, Sentinel and flyover use for themselves
//     (SETNAME, SETINFO, GETNAME, ID, INFO, LIST, KILL, PAUSE, UNPAUSE);
//   - introspection and administration: COMMAND (client libraries and
//     redis-cli ask it at connect), ACL, SLOWLOG, LATENCY, MEMORY, DBSIZE;
//   - flyover's own readiness reads: FUNCTION LIST, MODULE LIST, PUBSUB
//     NUMPAT and PUBSUB CHANNELS.
//
// Commands the application and the infrastructure share and Dragonfly
// knows (PUBLISH and SUBSCRIBE, which Sentinel uses for its hello
// messages, MULTI/EXEC around its failover reconfiguration, SELECT) are
// kept: they are asked about like any other and pass.
var infrastructureCommands = map[string]bool{
	"replconf": true, "psync": true, "sync": true,
	"info": true, "role": true, "ping": true, "config": true, "slaveof": true, "replicaof": true,
	"auth": true, "hello": true,
	"client|setname": true, "client|setinfo": true, "client|getname": true, "client|id": true,
	"client|info": true, "client|list": true, "client|kill": true, "client|pause": true, "client|unpause": true,
	"command": true, "acl": true, "slowlog": true, "latency": true, "memory": true, "dbsize": true,
	"function|list": true, "module|list": true, "pubsub|numpat": true, "pubsub|channels": true,
}

// ApplicationCommands are the source's command calls less those of
// replication, Sentinel, connection handshakes and flyover itself (see
// infrastructureCommands). A container command is dropped when every one
// of its subcommands is infrastructure: "config|get" and "config|set"
// both go, "client|no-evict" stays. On Redis before 7, which counts
// CLIENT as a whole, CLIENT is dropped: its handshake calls swamp it.
func ApplicationCommands(calls map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for name, n := range calls {
		if n <= 0 {
			continue
		}
		top, _, _ := strings.Cut(name, "|")
		if infrastructureCommands[name] || infrastructureCommands[top] || name == "client" {
			continue
		}
		out[name] = n
	}
	return out
}

// ScriptCommands are the Lua entry points; any call to one makes the
// target's handling of undeclared keys matter.
var ScriptCommands = []string{"eval", "evalsha", "eval_ro", "evalsha_ro"}

// ScriptCalls sums the source's calls to ScriptCommands.
func ScriptCalls(calls map[string]int64) int64 {
	var n int64
	for _, c := range ScriptCommands {
		n += calls[c]
	}
	return n
}

// ReadReadiness reads the readiness facts from the source and the target,
// through do (the audited path; nil sends directly). Every command is a
// read; each is bounded by its endpoint's timeout. A failed read is noted
// in Errors and leaves its fact unknown; an endpoint that does not answer
// at all is read no further.
func ReadReadiness(ctx context.Context, do probe.Doer, source, target *probe.Endpoint) ReadinessFacts {
	do = probe.OrDirect(do)
	rf := ReadinessFacts{At: time.Now()}
	rf.Source = readSourceReadiness(ctx, do, source)
	rf.Target = readTargetReadiness(ctx, do, target, rf.Source.Calls)
	return rf
}

// reader sends reads to one endpoint and remembers the first failure that
// was not the server's answer: after it, nothing more is sent.
type reader struct {
	ctx    context.Context
	do     probe.Doer
	e      *probe.Endpoint
	down   error
	errors *[]string
}

func (r *reader) send(args ...any) (any, error) {
	if r.down != nil {
		return nil, r.down
	}
	v, err := r.do(r.ctx, r.e, args...)
	if err != nil && !probe.IsReply(err) {
		r.down = err
	}
	return v, err
}

// answered tells whether the node answered the reads so far and, when
// it did not, why: a node that does not answer has no other errors.
func (r *reader) answered() (bool, string) {
	if r.down == nil {
		return true, ""
	}
	*r.errors = nil
	return false, probe.Describe(r.e.Addr, r.down)
}

// read sends one read; a failure is noted in the errors under the
// command as sent ("CONFIG GET maxmemory") and the reply is not used.
func (r *reader) read(args ...any) (any, bool) {
	v, err := r.send(args...)
	if err != nil {
		*r.errors = append(*r.errors, strings.TrimSuffix(fmt.Sprintln(args...), "\n")+": "+probe.Describe(r.e.Addr, err))
		return nil, false
	}
	return v, true
}

// info reads one INFO section.
func (r *reader) info(section string) (probe.Info, bool) {
	v, ok := r.read("INFO", section)
	if !ok {
		return nil, false
	}
	return probe.ParseInfo(probe.AsString(v)), true
}

// config reads one parameter with CONFIG GET (one per call: Redis before
// 7 and Dragonfly take one pattern).
func (r *reader) config(param string) (string, bool) {
	v, ok := r.read("CONFIG", "GET", param)
	if !ok {
		return "", false
	}
	return ConfigValue(v, param)
}

func readSourceReadiness(ctx context.Context, do probe.Doer, e *probe.Endpoint) SourceReadiness {
	s := SourceReadiness{Addr: e.Addr}
	r := &reader{ctx: ctx, do: do, e: e, errors: &s.Errors}
	// commandstats first, before this read's own commands add to it.
	stats, ok := r.info("commandstats")
	if s.Reachable, s.Error = r.answered(); !s.Reachable {
		return s
	}
	if ok {
		s.Calls = CommandCalls(stats)
	}
	if srv, ok := r.info("server"); ok {
		s.Kind, s.Version = probe.DetectKind(srv)
		s.UptimeSeconds = srv.Int("uptime_in_seconds")
	}
	if ks, ok := r.info("keyspace"); ok {
		s.Keyspace = ks.Keyspace()
	}
	if cl, ok := r.info("clients"); ok {
		s.TrackingClients, s.TrackingKnown = cl.Int("tracking_clients"), cl.Has("tracking_clients")
	}
	if s.Kind != probe.KindUnknown && !probe.CapabilitiesOf(s.Kind, s.Version).Functions {
		s.LibrariesKnown = true // none: the version has no Functions to ask about
	} else if v, ok := r.read("FUNCTION", "LIST"); ok {
		s.Libraries, s.LibrariesKnown = ParseFunctionList(v), true
	}
	if v, ok := r.read("MODULE", "LIST"); ok {
		s.Modules, s.ModulesKnown = ParseModuleList(v), true
	}
	s.NotifyKeyspaceEvents, s.NotifyKnown = r.config("notify-keyspace-events")
	s.MaxMemoryPolicy, s.PolicyKnown = r.config("maxmemory-policy")
	if v, ok := r.config("maxmemory"); ok {
		s.MaxMemory = probe.ParseMemory(v)
	}
	numpat, err1 := r.send("PUBSUB", "NUMPAT")
	chans, err2 := r.send("PUBSUB", "CHANNELS", "__key*")
	if err1 == nil && err2 == nil {
		s.PubSubKnown = true
		s.PatternSubscribers, _ = probe.AsInt(numpat)
		arr, _ := chans.([]any)
		for _, c := range arr {
			s.KeyspaceChannels = append(s.KeyspaceChannels, probe.AsString(c))
		}
		sort.Strings(s.KeyspaceChannels)
	} else {
		for _, err := range []error{err1, err2} {
			if err != nil {
				s.Errors = append(s.Errors, "PUBSUB: "+probe.Describe(e.Addr, err))
				break
			}
		}
	}
	if r.down != nil {
		s.Error = probe.Describe(e.Addr, r.down)
	}
	return s
}

func readTargetReadiness(ctx context.Context, do probe.Doer, e *probe.Endpoint, sourceCalls map[string]int64) TargetReadiness {
	t := TargetReadiness{Addr: e.Addr}
	r := &reader{ctx: ctx, do: do, e: e, errors: &t.Errors}
	srv, ok := r.info("server")
	if t.Reachable, t.Error = r.answered(); !t.Reachable {
		return t
	}
	if ok {
		t.Kind, t.Version = probe.DetectKind(srv)
	}
	if c, err := readCounters(r, srv); err == nil {
		t.Counters = c
	}
	if mem, ok := r.info("memory"); ok {
		t.CacheMode, t.CacheModeKnown = CacheMode(mem)
	}
	if v, ok := r.config("databases"); ok {
		t.Databases, t.DatabasesKnown = probe.Atoi(v), true
	}
	t.NotifyKeyspaceEvents, t.NotifyKnown = r.config("notify-keyspace-events")
	t.MaxMemoryPolicy, t.PolicyKnown = r.config("maxmemory-policy")

	// One COMMAND INFO per name: Dragonfly before a 2026 fix reads only
	// the first name of several.
	app := ApplicationCommands(sourceCalls)
	names := map[string]bool{}
	for name := range app {
		top, _, _ := strings.Cut(name, "|")
		names[top] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		v, err := r.send("COMMAND", "INFO", n)
		if err != nil {
			t.Errors = append(t.Errors, "COMMAND INFO "+n+": "+probe.Describe(e.Addr, err))
			if r.down != nil {
				break
			}
			continue
		}
		if t.Commands == nil {
			t.Commands = map[string]bool{}
		}
		t.Commands[n] = CommandKnown(v)
	}
	if ScriptCalls(sourceCalls) > 0 && r.down == nil {
		_, err := r.send("EVAL", probe.LuaProbeScript, "0")
		if err != nil && !probe.IsReply(err) {
			t.Errors = append(t.Errors, "EVAL (the undeclared-key probe): "+probe.Describe(e.Addr, err))
		} else {
			t.Lua = ParseLuaProbe(err)
		}
	}
	if r.down != nil {
		t.Error = probe.Describe(e.Addr, r.down)
	}
	return t
}

// ReadDivergence reads the target's divergence counters through do (nil:
// directly): INFO server, INFO commandstats, INFO errorstats.
func ReadDivergence(ctx context.Context, do probe.Doer, target *probe.Endpoint) (probe.DivergenceCounters, error) {
	var errs []string
	r := &reader{ctx: ctx, do: probe.OrDirect(do), e: target, errors: &errs}
	srv, _ := r.info("server")
	c, err := readCounters(r, srv)
	if err == nil && r.down != nil {
		err = r.down
	}
	if err != nil {
		return c, fmt.Errorf("%s", probe.Describe(target.Addr, err))
	}
	return c, nil
}

func readCounters(r *reader, srv probe.Info) (probe.DivergenceCounters, error) {
	c := probe.DivergenceCounters{At: time.Now()}
	if srv != nil {
		c.RunID, c.UptimeSeconds = srv["run_id"], srv.Int("uptime_in_seconds")
	}
	v, err := r.send("INFO", "commandstats")
	if err != nil {
		*r.errors = append(*r.errors, "INFO commandstats: "+probe.Describe(r.e.Addr, err))
		return c, err
	}
	c.Known = true
	c.Unknown = probe.UnknownCommands(probe.ParseInfo(probe.AsString(v)))
	if es, ok := r.info("errorstats"); ok {
		c.UnknownCmd, _ = ErrorCount(es, "unknown_cmd")
		c.ScriptErrors, _ = ErrorCount(es, "script_error")
	}
	return c, nil
}

// Divergence is what the target failed to run between two readings of
// its counters.
type Divergence struct {
	// ByCommand is the growth of each unknown_NAME counter.
	ByCommand  map[string]int64 `json:"by_command,omitempty"`
	UnknownCmd int64            `json:"unknown_cmd"`
	// Restarted: the target restarted between the readings (uptime went
	// down, or its run_id changed); the counts are then everything since
	// the restart, and what came before it is not known.
	Restarted bool          `json:"restarted"`
	Since     time.Duration `json:"since"`
}

// Total is the number of commands the target did not run.
func (d Divergence) Total() int64 {
	var n int64
	for _, c := range d.ByCommand {
		n += c
	}
	return n
}

// Names are the dropped commands, most often dropped first.
func (d Divergence) Names() []string {
	names := make([]string, 0, len(d.ByCommand))
	for n := range d.ByCommand {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if d.ByCommand[names[i]] != d.ByCommand[names[j]] {
			return d.ByCommand[names[i]] > d.ByCommand[names[j]]
		}
		return names[i] < names[j]
	})
	return names
}

// DivergenceGrowth returns what grew between base and now. A zero base
// (never read) counts everything since the target started.
func DivergenceGrowth(base, now probe.DivergenceCounters) Divergence {
	d := Divergence{}
	if !base.At.IsZero() && !now.At.IsZero() {
		d.Since = now.At.Sub(base.At)
	}
	restarted := base.Known && (now.UptimeSeconds < base.UptimeSeconds ||
		(base.RunID != "" && now.RunID != "" && base.RunID != now.RunID))
	if restarted || !base.Known {
		base = probe.DivergenceCounters{}
	}
	d.Restarted = restarted
	for name, n := range now.Unknown {
		if g := n - base.Unknown[name]; g > 0 {
			if d.ByCommand == nil {
				d.ByCommand = map[string]int64{}
			}
			d.ByCommand[name] = g
		}
	}
	if g := now.UnknownCmd - base.UnknownCmd; g > 0 {
		d.UnknownCmd = g
	}
	return d
}
