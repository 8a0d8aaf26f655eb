package readiness

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"flyover/probe"
	"flyover/probe/probetest"
)

// Replies as go-redis returns them (RESP2), written from DRAGONFLY.md's
// lines verified against Dragonfly v1.40.1.

func TestReadinessUnknownCommandLinesAreReadFromDragonflyCommandstats(t *testing.T) {
	info := probe.ParseInfo(probetest.Fixture(t, "dragonfly-1.40-commandstats.info"))
	if got := probe.UnknownCommands(info); !reflect.DeepEqual(got, map[string]int64{"SWAPDB": 2}) {
		t.Errorf("unknown = %v, want SWAPDB:2", got)
	}
	calls := CommandCalls(info)
	if calls["set"] != 20000 || calls["info"] != 57 || len(calls) != 4 {
		t.Errorf("calls = %v", calls)
	}
	es := probe.ParseInfo(probetest.Fixture(t, "dragonfly-1.40-errorstats.info"))
	if n, ok := ErrorCount(es, "unknown_cmd"); !ok || n != 1 {
		t.Errorf("unknown_cmd = %d %t", n, ok)
	}
	if n, ok := ErrorCount(probe.ParseInfo("errorstat_ERR:count=7\r\n"), "ERR"); !ok || n != 7 {
		t.Errorf("redis errorstat_ERR = %d %t", n, ok)
	}
	// unknown_cmd (errorstats) is not a command called "CMD".
	if got := probe.UnknownCommands(es); len(got) != 0 {
		t.Errorf("errorstats read as unknown commands: %v", got)
	}
}

func TestReadinessApplicationCommandsLeaveOutReplicationSentinelAndFlyover(t *testing.T) {
	app := ApplicationCommands(CommandCalls(probe.ParseInfo(probetest.Fixture(t, "redis7-commandstats.info"))))
	for _, gone := range []string{"client|setname", "config|get", "ping", "info", "replconf", "psync", "function|list"} {
		if _, ok := app[gone]; ok {
			t.Errorf("%s counted as the application's", gone)
		}
	}
	for name, want := range map[string]int64{"client|no-evict": 5, "object|encoding": 12345, "evalsha": 700,
		"function|load": 1, "fcall": 30, "get": 120000, "publish": 1800} {
		if app[name] != want {
			t.Errorf("%s = %d, want %d", name, app[name], want)
		}
	}
	// Redis 6 counts CLIENT as a whole: handshakes swamp it, so it goes.
	if _, ok := ApplicationCommands(map[string]int64{"client": 9})["client"]; ok {
		t.Error("a whole-CLIENT count kept")
	}
	if ScriptCalls(app) != 700 {
		t.Errorf("script calls %d", ScriptCalls(app))
	}
}

func TestReadinessCommandInfoNilMeansUnknown(t *testing.T) {
	// COMMAND INFO object on v1.40.1: [nil]. COMMAND INFO function: an entry
	// (the stub), 7 fields.
	if CommandKnown([]any{nil}) {
		t.Error("nil entry read as known")
	}
	if CommandKnown([]any{}) || CommandKnown(nil) {
		t.Error("empty reply read as known")
	}
	entry := []any{"function", int64(-2), []any{"noscript"}, int64(0), int64(0), int64(0), []any{"@slow"}}
	if !CommandKnown([]any{entry}) {
		t.Error("an entry read as unknown")
	}
}

func TestReadinessConfigGetMatchesUnderscoresAndEmptyMeansUnknown(t *testing.T) {
	// CONFIG GET notify-keyspace-events on v1.40.1 → notify_keyspace_events, "".
	if v, ok := ConfigValue([]any{"notify_keyspace_events", ""}, "notify-keyspace-events"); !ok || v != "" {
		t.Errorf("got %q %t", v, ok)
	}
	if v, ok := ConfigValue([]any{"databases", "16"}, "databases"); !ok || v != "16" {
		t.Errorf("got %q %t", v, ok)
	}
	// CONFIG GET maxmemory-policy on Dragonfly → empty array: unknown.
	if _, ok := ConfigValue([]any{}, "maxmemory-policy"); ok {
		t.Error("empty array read as known")
	}
}

func TestReadinessLuaProbeReadsTheUndeclaredKeyError(t *testing.T) {
	b, err := os.ReadFile("../testdata/dragonfly-1.40-lua-undeclared.txt")
	if err != nil {
		t.Fatal(err)
	}
	p := ParseLuaProbe(errors.New(strings.TrimSpace(string(b))))
	if !p.Ran || !p.UndeclaredRefused || !strings.Contains(p.Error, "flyover:probe") {
		t.Errorf("probe %+v", p)
	}
	if p := ParseLuaProbe(nil); !p.Ran || p.UndeclaredRefused || p.Error != "" {
		t.Errorf("allowed probe %+v", p)
	}
}

func TestReadinessFunctionAndModuleListsAreParsed(t *testing.T) {
	fl := []any{[]any{"library_name", "mylib", "engine", "LUA", "functions",
		[]any{[]any{"name", "hello", "description", nil, "flags", []any{}}}}}
	got := ParseFunctionList(fl)
	if len(got) != 1 || got[0].Name != "mylib" || !reflect.DeepEqual(got[0].Functions, []string{"hello"}) {
		t.Errorf("functions %+v", got)
	}
	ml := []any{[]any{"name", "ReJSON", "ver", int64(20609), "path", "/x/rejson.so", "args", []any{}}}
	if got := ParseModuleList(ml); len(got) != 1 || got[0].Name != "ReJSON" || got[0].Version != "20609" {
		t.Errorf("modules %+v", got)
	}
}

func TestReadinessCacheModeAndVersions(t *testing.T) {
	if on, ok := CacheMode(probe.ParseInfo("cache_mode:cache\n")); !on || !ok {
		t.Error("cache")
	}
	if on, ok := CacheMode(probe.ParseInfo("cache_mode:store\n")); on || !ok {
		t.Error("store")
	}
	if _, ok := CacheMode(probe.ParseInfo("used_memory:1\n")); ok {
		t.Error("absent read as known")
	}
	if !probe.VersionAtLeast("8.10.0", 8, 10) || probe.VersionAtLeast("8.2.1", 8, 10) || !probe.VersionAtLeast("1.40.1", 1, 40) {
		t.Error("versions")
	}
}

func TestReadinessDivergenceGrowthByCommandAndRestart(t *testing.T) {
	t0 := time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)
	base := probe.DivergenceCounters{At: t0, Known: true, UptimeSeconds: 100, Unknown: map[string]int64{"SWAPDB": 2}}
	now := probe.DivergenceCounters{At: t0.Add(time.Minute), Known: true, UptimeSeconds: 160,
		Unknown: map[string]int64{"SWAPDB": 5, "OBJECT": 1}, UnknownCmd: 3}
	d := DivergenceGrowth(base, now)
	if !reflect.DeepEqual(d.ByCommand, map[string]int64{"SWAPDB": 3, "OBJECT": 1}) || d.Restarted || d.Total() != 4 || d.Since != time.Minute {
		t.Errorf("growth %+v", d)
	}
	if d.UnknownCmd != 3 {
		t.Errorf("unknown_cmd growth %d", d.UnknownCmd)
	}
	// Uptime went down: the target restarted; everything since counts.
	now.UptimeSeconds = 5
	now.Unknown = map[string]int64{"SWAPDB": 1}
	d = DivergenceGrowth(base, now)
	if !d.Restarted || d.ByCommand["SWAPDB"] != 1 {
		t.Errorf("after restart %+v", d)
	}
	// A Redis stand-in changes run_id on restart.
	base.RunID, now.RunID, now.UptimeSeconds = "a", "b", 500
	if !DivergenceGrowth(base, now).Restarted {
		t.Error("run_id change not read as a restart")
	}
	// Nothing new: nothing reported.
	if d := DivergenceGrowth(base, base); d.Total() != 0 || d.Restarted {
		t.Errorf("no growth %+v", d)
	}
}
