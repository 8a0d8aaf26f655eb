package commands

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"flyover/version"
)

func TestVersionCommandAndFlagPrintTheLine(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out, errb bytes.Buffer
		if code := Run(args, &out, &errb); code != 0 {
			t.Fatalf("flyover %v: exit %d, stderr %q", args, code, errb.String())
		}
		if got := strings.TrimSpace(out.String()); got != version.Line() || !strings.HasPrefix(got, "flyover ") {
			t.Fatalf("flyover %v printed %q, want %q", args, got, version.Line())
		}
	}
	var out, errb bytes.Buffer
	if code := Run([]string{"version", "--json"}, &out, &errb); code != 0 {
		t.Fatalf("flyover version --json: exit %d, stderr %q", code, errb.String())
	}
	var i version.Info
	if err := json.Unmarshal(out.Bytes(), &i); err != nil || i.Version == "" || i.Go == "" {
		t.Fatalf("flyover version --json printed %q (%v)", out.String(), err)
	}
	if code := Run([]string{"version", "--bogus"}, &out, &errb); code != 2 {
		t.Fatalf("flyover version --bogus: exit %d, want 2", code)
	}
}
