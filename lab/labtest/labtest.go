// Package labtest starts labs for tests: a test that needs one skips
// where the servers are not installed or Dragonfly lacks what the lab asks
// for, and the lab stops when the test ends.
package labtest

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"flyover/lab"
	"flyover/probe"
)

// Main runs a package's tests with go-redis's log discarded: the lab's
// readiness probes dial servers that are not up yet. A package's
// TestMain calls it when it has nothing else to do.
func Main(m *testing.M) {
	probe.SetLogOutput(io.Discard)
	os.Exit(m.Run())
}

// Skip skips t where the servers a lab needs are not installed.
func Skip(t testing.TB) {
	t.Helper()
	if err := lab.Check(); err != nil {
		t.Skip(err)
	}
}

// BenchMasters is the fleet size of the fleet benchmarks (fleet's and the
// fleet screen's): 50, or FLYOVER_FLEET_BENCH_MASTERS.
func BenchMasters() int {
	if n, err := strconv.Atoi(os.Getenv("FLYOVER_FLEET_BENCH_MASTERS")); err == nil && n > 0 {
		return n
	}
	return 50
}

// Wait waits until cond holds, checking it for at most limit; after that
// it fails t, saying what it waited for.
func Wait(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	if err := lab.WaitFor(context.Background(), limit, cond); err != nil {
		t.Fatalf("%s: not within %s", what, limit)
	}
}

// Start starts a lab of o, bounded by a minute, stopped when t ends.
func Start(t testing.TB, o lab.Options) *lab.Lab {
	t.Helper()
	Skip(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, o)
	check(t, err)
	t.Cleanup(l.Stop)
	return l
}

// StartFleet starts a fleet lab of o, stopped when t ends. It is not
// bounded: a benchmark's fleet may have many masters.
func StartFleet(t testing.TB, o lab.FleetOptions) *lab.Fleet {
	t.Helper()
	Skip(t)
	f, err := lab.StartFleet(context.Background(), o)
	check(t, err)
	t.Cleanup(f.Stop)
	return f
}

// check fails t on err, or skips it where err names what Dragonfly lacks.
func check(t testing.TB, err error) {
	t.Helper()
	var unsupported *lab.UnsupportedError
	if errors.As(err, &unsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
}
