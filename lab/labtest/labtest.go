// Package labtest starts labs for tests: a test that needs one skips
// where the servers are not installed or Dragonfly lacks what the lab asks
// for, and the lab stops when the test ends.
package labtest

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// StartPartitioned starts a partition lab of o (Options.Partitions),
// bounded by a minute, stopped (every namespace removed) when t ends. It
// skips, saying why, where partitions cannot run (not root, no ip or
// iptables).
func StartPartitioned(t testing.TB, o lab.Options) *lab.Lab {
	t.Helper()
	Skip(t)
	if err := lab.PartitionsAvailable(); err != nil {
		t.Skip(err)
	}
	o.Partitions = true
	return Start(t, o)
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

// ContainsAll reports each of wants that text lacks, naming what text is
// ("the report") and showing it.
func ContainsAll(t testing.TB, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// Measure is the number in the environment variable env, for a test that
// measures figures for the README rather than checking behaviour: it
// skips t unless env holds a positive number.
func Measure(t testing.TB, env string) int {
	t.Helper()
	n, _ := strconv.Atoi(os.Getenv(env))
	if n <= 0 {
		t.Skipf("set %s to measure", env)
	}
	return n
}

// Keep writes b as name into $FLYOVER_TEST_KEEP, when it is set, to read
// after the test's temporary directory is gone.
func Keep(t testing.TB, name string, b []byte) {
	t.Helper()
	dir := os.Getenv("FLYOVER_TEST_KEEP")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, t.Name()+"-"+name), b, 0o644); err != nil {
		t.Logf("keep %s: %v", name, err)
	}
}

// Measure0 is the number in the environment variable env, or def when it
// holds none: a test that runs small in CI and bigger by hand.
func Measure0(t testing.TB, env string, def int) int {
	t.Helper()
	if n, err := strconv.Atoi(os.Getenv(env)); err == nil && n > 0 {
		return n
	}
	return def
}

// ProberFor is a Prober of the lab's topology, reaching every server with
// auth and a one-second timeout.
func ProberFor(l *lab.Lab, auth probe.Auth) *probe.Prober {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	p, err := probe.NewProber(ctx, probe.ProberOptions{
		MasterName: l.Opts.MasterName, Source: l.Source.Addr(), Target: l.Target.Addr(), Sentinels: l.SentinelAddrs(),
		SourceAuth: auth, TargetAuth: auth, Timeout: time.Second,
	})
	if err != nil {
		panic(err)
	}
	return p
}

// WaitSnap polls until cond holds, bounded.
func WaitSnap(t *testing.T, p *probe.Prober, limit time.Duration, what string, cond func(probe.Snapshot) bool) probe.Snapshot {
	t.Helper()
	var last probe.Snapshot
	err := lab.WaitFor(context.Background(), limit, func() bool {
		last = p.Poll(context.Background())
		return cond(last)
	})
	if err != nil {
		t.Fatalf("%s: not within %s; last link %+v, sentinels %+v", what, limit, last.Link, last.Sentinels)
	}
	return last
}
