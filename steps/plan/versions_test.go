package plan

import (
	"strings"
	"testing"
	"time"

	"flyover/probe"
	"flyover/probe/access"
	"flyover/steps"
	"flyover/steps/checks"
	"flyover/steps/stepstest"
)

// Preflight says, right after the source answers, what its version lets
// the cutover do: pass where CLIENT PAUSE WRITE and CLIENT UNPAUSE exist,
// WarnCheck with the figure on Redis 6.0, block where the cutover cannot run.
func TestPreflightSaysWhatTheSourceVersionAllows(t *testing.T) {
	cases := []struct {
		kind             probe.Kind
		version, target  string
		level            steps.Level
		detail, notThere string
	}{
		{probe.KindRedis, "7.0.15", "1.40.1", steps.Pass, "Redis 7.0.15: CLIENT PAUSE WRITE (reads go on) and CLIENT UNPAUSE", "down-after"},
		{probe.KindRedis, "6.2.16", "1.40.1", steps.Pass, "Redis 6.2.16: CLIENT PAUSE WRITE", "every client"},
		{probe.KindValkey, "8.0.1", "1.40.1", steps.Pass, "Valkey 8.0.1: CLIENT PAUSE WRITE", "every client"},
		{probe.KindRedis, "6.0.20", "1.40.1", steps.Warn, "the cutover pauses every client, reads too, for 3s, and the pause cannot be lifted early", "UNPAUSE sent"},
		{probe.KindRedis, "6.0.20", "1.40.1", steps.Warn, "a Sentinel's down-after-milliseconds (2s) is not longer than the pause", ""},
		// The drain cannot read a paused 6.0 source; Dragonfly before
		// v1.39 has no offset of its own to read instead.
		{probe.KindRedis, "6.0.20", "1.34.2", steps.Block, "does not report as the source's byte offset", ""},
		{probe.KindRedis, "5.0.14", "1.40.1", steps.Block, "flyover supports Redis 6.0 and later", ""},
	}
	for _, c := range cases {
		x := stepstest.Healthy()
		x.Sents[2].DownAfter = 2 * time.Second
		x.Src.Kind, x.Src.Version, x.Tgt.Version = c.kind, c.version, c.target
		cs := checks.Preflight(x.Facts(), steps.Options{})
		if cs[0].ID != "source-reachable" || cs[1].ID != "source-version" {
			t.Fatalf("%s %s: the version is not said right after the source answers: %s, %s", c.kind, c.version, cs[0].ID, cs[1].ID)
		}
		ch := cs[1]
		if ch.Level != c.level || !strings.Contains(ch.Detail, c.detail) || c.notThere != "" && strings.Contains(ch.Detail, c.notThere) {
			t.Errorf("%s %s with Dragonfly %s: %s %q", c.kind, c.version, c.target, ch.Level, ch.Detail)
		}
	}
}

// On Redis 6.0 the cutover's commands and confirmation say what happens
// instead of CLIENT PAUSE WRITE and CLIENT UNPAUSE, which are never shown
// or sent; the confirmation names the stall before the name is typed.
func TestCutoverOnRedis60PausesEveryClientAndSaysSo(t *testing.T) {
	x := stepstest.Healthy().Attached().Registered()
	x.Src.Version = "6.0.20"
	f := stepstest.Steady(x.Facts(), 5)
	p := steps.PlanCutover(f, steps.Options{})
	if !p.PauseAllClients || p.Pause.Seconds() != 3 || p.Source != "Redis 6.0.20" {
		t.Fatalf("plan %+v", p)
	}
	var lines []string
	for _, c := range cutoverStep.Commands(f, steps.Options{}) {
		line := c.Endpoint + "> " + strings.Join(c.Args, " ")
		lines = append(lines, line)
		if strings.Contains(line, "UNPAUSE") || strings.HasSuffix(line, "WRITE") {
			t.Errorf("shown for a 6.0 source: %s", line)
		}
	}
	for _, want := range []string{"source> MULTI", "source> CONFIG SET min-replicas-to-write 1", "source> CLIENT PAUSE 3000",
		"source> EXEC", "sentinel-1> SENTINEL FAILOVER mymaster", "source> REPLICAOF 10.0.0.2 6380", "source> CONFIG SET min-replicas-to-write 0"} {
		if !strings.Contains(strings.Join(lines, "\n")+"\n", want+"\n") {
			t.Errorf("commands lack %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	conf := cutoverStep.Confirmations(f, steps.Options{})
	if len(conf) != 1 || conf[0].Kind != steps.ConfirmTypeName {
		t.Fatalf("confirmation %+v", conf)
	}
	for _, want := range []string{"Redis 6.0.20 has no CLIENT PAUSE WRITE and no CLIENT UNPAUSE", "reads too, stalls for 3s",
		"cannot be lifted early", "changes nothing once the pause has lifted by itself"} {
		if !strings.Contains(conf[0].Warning, want) {
			t.Errorf("the confirmation lacks %q: %s", want, conf[0].Warning)
		}
	}
	for _, c := range abortCommands(f, false) {
		if strings.Join(c.Args, " ") == "CLIENT UNPAUSE" {
			t.Error("abort shows CLIENT UNPAUSE for a 6.0 source")
		}
	}
	// 6.2: the usual cutover.
	x.Src.Version = "6.2.16"
	if p := steps.PlanCutover(stepstest.Steady(x.Facts(), 5), steps.Options{}); p.PauseAllClients {
		t.Error("6.2 pauses every client")
	}
}

func TestACLNeedsFollowTheVersion(t *testing.T) {
	names := func(c probe.Capabilities) string {
		var out []string
		for _, n := range access.SourceACLNeedsFor(c) {
			out = append(out, strings.Join(n.Args, " "))
		}
		return strings.Join(out, "\n")
	}
	old, cur := names(probe.CapabilitiesOf(probe.KindRedis, "6.0.20")), names(probe.CapabilitiesOf(probe.KindRedis, "7.0.15"))
	if strings.Contains(old, "UNPAUSE") || strings.Contains(old, "PAUSE 1000 WRITE") || !strings.Contains(old, "CONFIG SET min-replicas-to-write") {
		t.Errorf("6.0's needs:\n%s", old)
	}
	if !strings.Contains(cur, "CLIENT UNPAUSE") || !strings.Contains(cur, "CLIENT PAUSE 1000 WRITE") {
		t.Errorf("7.0's needs:\n%s", cur)
	}
}

// Preflight names the Sentinels' versions once the preflight step has
// read them, and warns about one older than flyover was verified with.
func TestPreflightNamesTheSentinelsVersions(t *testing.T) {
	x := stepstest.Healthy()
	x.Pre.Sentinels = []probe.SentinelServer{
		{Addr: "10.0.1.1:26379", Kind: probe.KindRedis, Version: "7.0.15"},
		{Addr: "10.0.1.2:26379", Kind: probe.KindRedis, Version: "7.0.15"},
		{Addr: "10.0.1.3:26379", Kind: probe.KindValkey, Version: "8.0.1"},
	}
	c := findCheck(checks.Preflight(x.Facts(), steps.Options{}), "sentinels-versions")
	if c == nil || c.Level != steps.Pass || c.Detail != "Redis 7.0.15 on 2 of 3; Valkey 8.0.1 on 1 of 3" {
		t.Fatalf("%+v", c)
	}
	x.Pre.Sentinels[2] = probe.SentinelServer{Addr: "10.0.1.3:26379", Kind: probe.KindRedis, Version: "5.0.14"}
	if c := findCheck(checks.Preflight(x.Facts(), steps.Options{}), "sentinels-versions"); c == nil || c.Level != steps.Warn ||
		!strings.Contains(c.Detail, "not verified with sentinel-3 Redis 5.0.14") {
		t.Fatalf("%+v", c)
	}
	x.Pre.Sentinels = nil
	if c := findCheck(checks.Preflight(x.Facts(), steps.Options{}), "sentinels-versions"); c != nil {
		t.Errorf("a line before the Sentinels were read: %+v", c)
	}
}
