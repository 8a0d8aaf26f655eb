package status

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/ui/uitest"
)

// statusJSON is the snapshot as `flyover status --json` prints it, read
// back as plain JSON (a null stays nil).
func statusJSON(t *testing.T, s probe.Snapshot) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteStatusJSON(&buf, s); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// field reads a dotted path and insists it is present (null included).
func field(t *testing.T, doc map[string]any, path string) any {
	t.Helper()
	var cur any = doc
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not an object", path, cur)
		}
		if cur, ok = m[p]; !ok {
			t.Fatalf("the JSON lacks %s", path)
		}
	}
	return cur
}

// silentTargetSnapshot is an attached, in-sync pair whose target then
// stops answering while the source takes 2 MB more: the source's slaveN
// line still says what the target last acknowledged, 6 s ago.
func silentTargetSnapshot() probe.Snapshot {
	w := uitest.NewWorld(uitest.T0)
	first := probe.Derive(uitest.FxTopo(), nil, uitest.T0, w.Source(), w.Target(), nil)
	w.At = uitest.T0.Add(6 * time.Second)
	w.SrcOffset += 2 << 20
	w.TgtDown = true
	src := w.Source()
	src.Replicas[0].Lag = 6 // Redis's lag=: seconds since the last ACK
	return probe.Derive(uitest.FxTopo(), &first, w.At, src, w.Target(), nil)
}

// A silent target is not zero behind: status --json gives the source's
// view of its lag, says whose word it is, and how long the target has
// been silent; what the target would have said is null, not 0.
func TestStatusJSONSilentTargetLagIsTheSourcesView(t *testing.T) {
	doc := statusJSON(t, silentTargetSnapshot())
	if got := field(t, doc, "link.lag_bytes"); got != float64(2<<20) {
		t.Errorf("lag_bytes %v, want %d", got, 2<<20)
	}
	if got := field(t, doc, "link.lag_from"); got != LagFromSource {
		t.Errorf("lag_from %v, want %q", got, LagFromSource)
	}
	if got := field(t, doc, "link.target_silent_seconds"); got != 6.0 {
		t.Errorf("target_silent_seconds %v, want 6", got)
	}
	if got := field(t, doc, "link.ack_age_seconds"); got != 6.0 {
		t.Errorf("ack_age_seconds %v, want 6", got)
	}
	if got, ok := field(t, doc, "link.lag_seconds").(float64); !ok || got <= 0 {
		t.Errorf("lag_seconds %v, want how long ago the source was at the acknowledged offset", field(t, doc, "link.lag_seconds"))
	}
	if field(t, doc, "link.in_sync") != false {
		t.Error("a silent target reads in sync")
	}
	for _, f := range []string{"keys", "used_memory", "max_memory", "ops_per_sec", "clients", "repl_offset"} {
		if got := field(t, doc, "target."+f); got != nil {
			t.Errorf("target.%s of a silent target is %v, want null", f, got)
		}
		if got := field(t, doc, "source."+f); got == nil && f != "max_memory" {
			t.Errorf("source.%s of an answering source is null", f)
		}
	}
}

// Both sides answering: the lag is both sides' word, and nothing says the
// target is silent.
func TestStatusJSONAnsweringPair(t *testing.T) {
	w := uitest.NewWorld(uitest.T0)
	s := probe.Derive(uitest.FxTopo(), nil, uitest.T0, w.Source(), w.Target(), nil)
	doc := statusJSON(t, s)
	if got := field(t, doc, "link.lag_bytes"); got != 0.0 {
		t.Errorf("lag_bytes %v, want a known 0", got)
	}
	if got := field(t, doc, "link.lag_from"); got != LagFromBoth {
		t.Errorf("lag_from %v, want %q", got, LagFromBoth)
	}
	for _, f := range []string{"link.target_silent_seconds"} {
		if got := field(t, doc, f); got != nil {
			t.Errorf("%s %v while the target answers, want null", f, got)
		}
	}
	if got := field(t, doc, "link.ack_age_seconds"); got != 0.0 {
		t.Errorf("ack_age_seconds %v, want 0 (lag=0 on the slaveN line)", got)
	}
	if got := field(t, doc, "target.keys"); got != float64(100_012) {
		t.Errorf("target.keys %v", got)
	}
}

// Neither side can say: every lag field is null, never 0, and a Sentinel
// that does not answer has no counts.
func TestStatusJSONUnknownIsNull(t *testing.T) {
	w := uitest.NewWorld(uitest.T0)
	w.SrcDown, w.TgtDown = true, true
	w.SentDown[0] = true
	s := probe.Derive(uitest.FxTopo(), nil, uitest.T0, w.Source(), w.Target(), []probe.SentinelView{w.Sentinel(0), w.Sentinel(1)})
	doc := statusJSON(t, s)
	for _, f := range []string{"link.lag_bytes", "link.lag_seconds", "link.lag_from", "link.target_silent_seconds", "link.ack_age_seconds", "link.acked_offset",
		"source.keys", "source.used_memory", "source.ops_per_sec", "source.clients", "target.max_memory"} {
		if got := field(t, doc, f); got != nil {
			t.Errorf("%s is %v, want null", f, got)
		}
	}
	sents := field(t, doc, "sentinels").([]any)
	down, up := sents[0].(map[string]any), sents[1].(map[string]any)
	for _, k := range []string{"quorum", "sentinels", "replicas"} {
		if down[k] != nil {
			t.Errorf("unreachable sentinel's %s is %v, want null", k, down[k])
		}
		if up[k] == nil {
			t.Errorf("answering sentinel's %s is null", k)
		}
	}
}

// The table says the same: the lag from the source's view, labelled, and
// "—" for the silent target's figures.
func TestStatusTableSilentTarget(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteStatusTable(&buf, silentTargetSnapshot(), ""); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	labtest.ContainsAll(t, "the table", out,
		"link      target not answering · source says online · acked 48213904 · lag 2.0 MiB",
		"(source's view, target silent 6.0 s) · not in sync",
	)
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "target ") {
			if got := strings.Join(strings.Fields(line), " "); got != "target 127.0.0.1:7002 unreachable — — — — — —" {
				t.Errorf("the silent target's row: %q, want a dash for every figure", got)
			}
		}
	}
}
