package commands

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"flyover/lab"
	"flyover/lab/labtest"
)

func TestStatusUsageErrorsExit2(t *testing.T) {
	cases := map[string][]string{
		"missing flags":   {"status"},
		"not host:port":   {"status", "--source", "nohost", "--target", "127.0.0.1:2", "--sentinel", "127.0.0.1:3", "--master", "m"},
		"same address":    {"status", "--source", "127.0.0.1:1", "--target", "127.0.0.1:1", "--sentinel", "127.0.0.1:3", "--master", "m"},
		"unknown command": {"frobnicate"},
		"unknown flag":    {"status", "--nope"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) { wantUsageError(t, args) })
	}
}

// wantUsageError runs flyover with args and wants bad usage: exit status
// 2, and nothing on stdout.
func wantUsageError(t *testing.T, args []string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Run(args, &out, &errb); code != 2 {
		t.Errorf("exit %d, want 2; stderr %q", code, errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("nothing on stdout for bad usage, got %q", out.String())
	}
}

func TestStatusAgainstLab(t *testing.T) {
	l := labtest.Start(t, lab.Options{PreloadKeys: 100})
	args := append([]string{"status", "--json"}, l.FlyoverArgs()...)

	var out, errb bytes.Buffer
	if code := Run(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// The documented schema.
	for _, path := range []string{
		"source.addr", "source.reachable", "source.kind", "source.version", "source.role", "source.repl_offset", "source.keys",
		"target.addr", "target.reachable", "target.kind", "target.role", "target.keys",
		"link.listed_by_source", "link.state", "link.acked_offset", "link.lag_bytes", "link.lag_seconds", "link.in_sync",
	} {
		if _, ok := lookup(doc, path); !ok {
			t.Errorf("JSON lacks %s", path)
		}
	}
	sents, _ := doc["sentinels"].([]any)
	if len(sents) != 3 {
		t.Fatalf("sentinels: %v", doc["sentinels"])
	}
	s0 := sents[0].(map[string]any)
	for _, k := range []string{"addr", "reachable", "master_addr", "knows_target", "quorum_ok"} {
		if _, ok := s0[k]; !ok {
			t.Errorf("sentinel JSON lacks %s", k)
		}
	}
	if s0["master_addr"] != l.Source.Addr() || s0["quorum_ok"] != true {
		t.Errorf("sentinel %v", s0)
	}

	// The table names every endpoint.
	out.Reset()
	if code := Run(append([]string{"status"}, l.FlyoverArgs()...), &out, &errb); code != 0 {
		t.Fatalf("table exit %d", code)
	}
	labtest.ContainsAll(t, "table", out.String(), l.Source.Addr(), l.Target.Addr(), l.Sentinels[2].Addr(), "not attached")

	// A wrong master name is an error that says so, exit 1.
	out.Reset()
	bad := append([]string{"status"}, l.FlyoverArgs()...)
	bad[len(bad)-1] = "nope"
	if code := Run(bad, &out, &errb); code != 1 {
		t.Errorf("wrong master name: exit %d", code)
	}
	if !strings.Contains(out.String(), `does not monitor a master named "nope"`) {
		t.Errorf("wrong master name not explained:\n%s", out.String())
	}

	// A stopped endpoint: the snapshot still prints, exit 1.
	l.Target.Stop()
	out.Reset()
	if code := Run(args, &out, &errb); code != 1 {
		t.Errorf("stopped target: exit %d", code)
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("JSON still printed: %v", err)
	}
	if v, _ := lookup(doc, "target.reachable"); v != false {
		t.Errorf("target.reachable = %v", v)
	}
	if v, _ := lookup(doc, "target.error"); !strings.Contains(v.(string), "connection refused") {
		t.Errorf("target.error = %v", v)
	}
}

func lookup(doc map[string]any, path string) (any, bool) {
	var cur any = doc
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}
