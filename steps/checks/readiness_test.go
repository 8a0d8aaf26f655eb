package checks

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/steps"
	"flyover/steps/stepstest"
)

// cleanReadiness is a source and a Dragonfly v1.40.1 target with nothing
// in the way.
func cleanReadiness() readiness.ReadinessFacts {
	return readiness.ReadinessFacts{
		Source: readiness.SourceReadiness{Reachable: true, Kind: probe.KindRedis, Version: "7.0.15", UptimeSeconds: 3600,
			Calls:    map[string]int64{"get": 100, "set": 50, "ping": 3600, "info": 90, "replconf": 10},
			Keyspace: map[int]probe.DBKeys{0: {Keys: 10}}, LibrariesKnown: true, ModulesKnown: true,
			NotifyKnown: true, PubSubKnown: true, PolicyKnown: true, MaxMemoryPolicy: "noeviction", TrackingKnown: true},
		Target: readiness.TargetReadiness{Reachable: true, Kind: probe.KindDragonfly, Version: "1.40.1",
			Commands: map[string]bool{"get": true, "set": true}, Databases: 16, DatabasesKnown: true,
			NotifyKnown: true, CacheModeKnown: true,
			Counters: probe.DivergenceCounters{Known: true}},
	}
}

func TestReadinessCleanSourcePassesEveryCheck(t *testing.T) {
	cs := ReadinessChecks(cleanReadiness())
	for _, c := range cs {
		if c.Level != steps.Pass {
			t.Errorf("%s: %s %s", c.ID, c.Level, c.Detail)
		}
	}
	if len(cs) < 10 {
		t.Errorf("only %d checks", len(cs))
	}
}

func TestReadinessRiskySourceGivesEachVerdictWithTheFix(t *testing.T) {
	lua, err := os.ReadFile("../../probe/testdata/dragonfly-1.40-lua-undeclared.txt")
	if err != nil {
		t.Fatal(err)
	}
	rf := cleanReadiness()
	s, tg := &rf.Source, &rf.Target
	s.Calls = map[string]int64{"get": 100, "object|encoding": 12345, "swapdb": 2, "evalsha": 70,
		"client|no-evict": 3, "wait": 9, "function|load": 1, "hexpire": 4, "client|setname": 50}
	tg.Commands = map[string]bool{"get": true, "object": false, "swapdb": false, "evalsha": true,
		"client": true, "wait": true, "function": true}
	tg.Version = "1.39.0"
	tg.Lua = readiness.ParseLuaProbe(errors.New(string(lua)))
	s.Libraries = []readiness.Library{{Name: "mylib", Functions: []string{"f"}}}
	s.Modules = []readiness.Module{{Name: "bf"}}
	s.Keyspace[20] = probe.DBKeys{Keys: 3}
	s.NotifyKeyspaceEvents, s.KeyspaceChannels = "KEA", []string{"__keyevent@0__:set"}
	s.MaxMemoryPolicy, s.MaxMemory = "allkeys-lru", 1<<30
	s.TrackingClients = 2
	cs := ReadinessChecks(rf)

	cmd := stepstest.Check(t, cs, "ready-commands")
	labtest.ContainsAll(t, "commands detail", cmd.Detail,
		"the application called OBJECT ENCODING 12,345 times; the target does not know OBJECT",
		"SWAPDB 2 times; the target does not know SWAPDB",
		"CLIENT NO-EVICT 3 times; Dragonfly does not support CLIENT NO-EVICT",
		"WAIT 9 times; Dragonfly has WAIT from v1.40 only",
		"FUNCTION LOAD 1 times; FUNCTION is a stub",
		"since the source started (1h0m0s ago) or its last CONFIG RESETSTAT")
	if cmd.Level != steps.Block || cmd.Fix == "" || strings.Contains(cmd.Detail, "SETNAME") || strings.Contains(cmd.Detail, "HEXPIRE") {
		t.Errorf("commands %+v", cmd)
	}
	// Most called first.
	if strings.Index(cmd.Detail, "OBJECT") > strings.Index(cmd.Detail, "SWAPDB") {
		t.Errorf("not ordered by calls: %s", cmd.Detail)
	}
	for id, want := range map[string]struct {
		level steps.Level
		text  string
		fix   string
	}{
		"ready-hash-field-ttl": {steps.Block, "HEXPIRE 4 times", "HPERSIST"},
		"ready-lua":            {steps.Warn, "undeclared key", "--default_lua_flags=allow-undeclared-keys"},
		"ready-functions":      {steps.Block, "mylib (1 functions)", "FUNCTION DELETE"},
		"ready-modules":        {steps.Block, "modules bf", "unload"},
		"ready-databases":      {steps.Block, "db20; the target has 16 databases", "--dbnum=21"},
		"ready-notifications":  {steps.Block, "__keyevent@0__:set", "--notify_keyspace_events=Ex"},
		"ready-eviction":       {steps.Warn, "cache_mode off", "--cache_mode=true"},
		"ready-tracking":       {steps.Warn, "2 client(s)", ""},
	} {
		c := stepstest.Check(t, cs, id)
		if c.Level != want.level || !strings.Contains(c.Detail, want.text) || !strings.Contains(c.Fix, want.fix) {
			t.Errorf("%s: got %s %q fix %q; want %s with %q and fix %q", id, c.Level, c.Detail, c.Fix, want.level, want.text, want.fix)
		}
	}
}

func TestReadinessStandInTargetWarnsWhatDragonflyWouldRefuse(t *testing.T) {
	rf := cleanReadiness()
	rf.Target.Kind, rf.Target.Version = probe.KindRedis, "7.0.15"
	rf.Source.Calls["object|encoding"] = 5
	rf.Target.Commands["object"] = true
	c := stepstest.Check(t, ReadinessChecks(rf), "ready-commands")
	if c.Level != steps.Warn || !strings.Contains(c.Detail, "a Dragonfly target would not run these") || !strings.Contains(c.Detail, "OBJECT ENCODING 5 times") {
		t.Errorf("%+v", c)
	}
}

func TestReadinessSourceVersionAndDatabasesUnknown(t *testing.T) {
	rf := cleanReadiness()
	rf.Source.Version = "8.10.0"
	if c := stepstest.Check(t, ReadinessChecks(rf), "ready-source-version"); c.Level != steps.Block || !strings.Contains(c.Detail, "#8361") {
		t.Errorf("8.10: %+v", c)
	}
	rf.Source.Version = "8.2.1"
	if c := stepstest.Check(t, ReadinessChecks(rf), "ready-source-version"); c.Level != steps.Warn {
		t.Errorf("8.2: %+v", c)
	}
	// CONFIG GET databases answered an empty array.
	rf.Target.DatabasesKnown = false
	if c := stepstest.Check(t, ReadinessChecks(rf), "ready-databases"); c.Level != steps.Warn {
		t.Errorf("databases unknown: %+v", c)
	}
}

func TestReadinessExpiredEventsNeedTheTargetSetToSendThem(t *testing.T) {
	rf := cleanReadiness()
	rf.Source.NotifyKeyspaceEvents = "Ex"
	rf.Source.KeyspaceChannels = []string{"__keyevent@0__:expired"}
	c := stepstest.Check(t, ReadinessChecks(rf), "ready-notifications")
	if c.Level != steps.Block || !strings.Contains(c.Fix, "--notify_keyspace_events=Ex") {
		t.Errorf("%+v", c)
	}
	rf.Target.NotifyKeyspaceEvents = "Ex"
	if c := stepstest.Check(t, ReadinessChecks(rf), "ready-notifications"); c.Level != steps.Pass {
		t.Errorf("%+v", c)
	}
}

func TestReadinessUnreachableEndpointBlocks(t *testing.T) {
	rf := cleanReadiness()
	rf.Target = readiness.TargetReadiness{Error: "127.0.0.1:1: connection refused"}
	cs := ReadinessChecks(rf)
	if len(cs) != 1 || cs[0].Level != steps.Block || !strings.Contains(cs[0].Detail, "refused") {
		t.Errorf("%+v", cs)
	}
}

func TestReadinessDivergenceCheckBlocksNamingCommandsAndCounts(t *testing.T) {
	t0 := time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)
	base := probe.DivergenceCounters{At: t0, Known: true, UptimeSeconds: 10, Unknown: map[string]int64{"SWAPDB": 2}}
	now := probe.DivergenceCounters{At: t0.Add(time.Minute), Known: true, UptimeSeconds: 70,
		Unknown: map[string]int64{"SWAPDB": 2}}
	if c := steps.DivergenceCheck(base, now); c.Level != steps.Pass {
		t.Errorf("no growth: %+v", c)
	}
	now.Unknown = map[string]int64{"SWAPDB": 1502, "OBJECT": 7}
	c := steps.DivergenceCheck(base, now)
	if c.Level != steps.Block || !strings.Contains(c.Detail, "SWAPDB 1,500 times, OBJECT 7 times") || !strings.Contains(c.Detail, "since 10:00:00") || c.Fix == "" {
		t.Errorf("growth: %+v", c)
	}
	now.UptimeSeconds = 3
	if c := steps.DivergenceCheck(base, now); !strings.Contains(c.Detail, "restarted") {
		t.Errorf("restart not said: %+v", c)
	}
	// Zero baseline: since the target started (the verified unknown_SWAPDB:2).
	if c := steps.DivergenceCheck(probe.DivergenceCounters{}, base); c.Level != steps.Block || !strings.Contains(c.Detail, "since the target started") {
		t.Errorf("zero base: %+v", c)
	}
}

func TestReadinessReadOnlyPathAcceptsExactlyTheLuaProbe(t *testing.T) {
	if !probe.IsRead([]string{"EVAL", probe.LuaProbeScript, "0"}) || !probe.AllowedReadOnly([]string{"eval", probe.LuaProbeScript, "0"}) {
		t.Error("the probe is refused")
	}
	for _, args := range [][]string{
		{"EVAL", probe.LuaProbeScript, "1", "k"},
		{"EVAL", "return redis.call('DEL', 'flyover:probe')", "0"},
		{"EVAL", probe.LuaProbeScript + " ", "0"},
		{"EVALSHA", "abc", "0"},
		{"EVAL", probe.LuaProbeScript},
		{"FUNCTION", "LOAD", "x"}, {"FUNCTION"}, {"PUBSUB"}, {"MODULE", "LOAD", "x"},
	} {
		if probe.IsRead(args) {
			t.Errorf("%q read as a read", args)
		}
	}
	for _, args := range [][]string{{"FUNCTION", "LIST"}, {"MODULE", "LIST"}, {"PUBSUB", "NUMPAT"},
		{"PUBSUB", "CHANNELS", "__key*"}, {"RANDOMKEY"}, {"HSCAN", "k", "0"}, {"XRANGE", "k", "-", "+"}} {
		if !probe.IsRead(args) {
			t.Errorf("%q refused", args)
		}
	}
}
