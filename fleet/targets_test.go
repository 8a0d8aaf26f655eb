package fleet

import (
	"errors"
	"strings"
	"testing"
)

func TestFleetParseTargets(t *testing.T) {
	got, err := ParseTargets(strings.NewReader(`# the fleet
orders   10.0.0.5:6380   # dragonfly-1

carts 10.0.0.6:6380
`), "targets.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["orders"] != "10.0.0.5:6380" || got["carts"] != "10.0.0.6:6380" {
		t.Fatalf("got %v", got)
	}
}

func TestFleetParseTargetsBadLinesNameFileAndLine(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"a 1.2.3.4:1\nb\n", "targets.txt:2: 1 fields"},
		{"a 1.2.3.4\n", `targets.txt:1: "1.2.3.4" is not HOST:PORT`},
		{"a h:1 extra\n", "targets.txt:1: 3 fields"},
		{"a h:1\n\n# x\na h:2\n", `targets.txt:4: master "a" already has a target on line 1`},
	} {
		_, err := ParseTargets(strings.NewReader(tc.text), "targets.txt")
		var te *TargetsError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.text, err, tc.want)
		}
	}
}
