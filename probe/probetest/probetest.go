// Package probetest is what the tests of probe's rooms share: the
// captured replies of every supported version and the parser fixtures
// under probe/testdata, found from any room.
//
// It imports nothing of flyover, so that probe's own tests may use it
// too; it is imported only by tests.
package probetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Testdata is probe/testdata, wherever the test runs.
func Testdata() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata")
}

// Fixture reads one file of probe/testdata.
func Fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Testdata(), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// VersionReply reads one captured reply: JSON of the RESP2 reply, an
// error as {"error": "..."}.
func VersionReply(t *testing.T, dir, name string) (any, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%s/%s: %v", dir, name, err)
	}
	if m, ok := v.(map[string]any); ok {
		return nil, m["error"].(string)
	}
	return FromJSON(v), ""
}

// FromJSON turns JSON numbers into the int64 go-redis returns.
func FromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		n, _ := x.Int64()
		return n
	case []any:
		for i := range x {
			x[i] = FromJSON(x[i])
		}
	}
	return v
}
