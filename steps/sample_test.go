package steps

import (
	"strings"
	"testing"

	"flyover/probe/sampling"
)

// A sample of several databases says which, and a key that differs
// outside db0 is named with its database.
func TestSampleSummaryNamesItsDatabases(t *testing.T) {
	run := SampleRun{Result: sampling.SampleResult{Mode: "scan", Compared: 103, Matched: 102, Databases: []int{0, 3},
		Mismatches: []sampling.Mismatch{{DB: 3, Key: "cart:2", What: "value", Source: "string", Target: "string"}}}}
	if s := run.Summary(); s != "103 keys of db0 and db3 compared (every key), 1 differ" {
		t.Errorf("summary %q", s)
	}
	if m := run.Mismatched(5); !strings.HasPrefix(m, `db3:"cart:2": value`) {
		t.Errorf("mismatched %q", m)
	}
	one := SampleRun{Result: sampling.SampleResult{Mode: "random", Compared: 200, Databases: []int{0}}}
	if s := one.Summary(); s != "200 keys compared (random sample), 0 differ" {
		t.Errorf("db0 only: %q", s)
	}
}
