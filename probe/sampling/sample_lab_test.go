package sampling_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/probe/sampling"
)

func TestMain(m *testing.M) { labtest.Main(m) }

// attachedLab is a lab whose stand-in target replicates the source and
// has caught up with it, with keys of every type on the source.
func attachedLab(t *testing.T, preload int) (*lab.Lab, *probe.Prober) {
	t.Helper()
	l := labtest.Start(t, lab.Options{PreloadKeys: preload, StandIn: true})
	ctx := context.Background()
	src := l.Source.Client()
	defer src.Close()
	for _, cmd := range [][]any{
		{"HSET", "h", "a", "1", "b", "2"},
		{"RPUSH", "l", "x", "y", "z"},
		{"SADD", "s", "m1", "m2"},
		{"ZADD", "z", "1.5", "m1", "2", "m2"},
		{"XADD", "x", "1-1", "f", "v"},
		{"XADD", "x", "1-2", "f", "w"},
		{"SET", "ttl", "v", "EX", "3600"},
	} {
		if err := src.Do(ctx, cmd...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	p := labtest.ProberFor(l, probe.Auth{})
	t.Cleanup(p.Close)
	labtest.WaitSnap(t, p, 30*time.Second, "target in sync", func(s probe.Snapshot) bool { return s.Link.InSync })
	return l, p
}

// writer sets live:0..99 on the source as fast as it can until stopped.
func writer(t *testing.T, l *lab.Lab) (stop func() int64) {
	c := l.Source.Client()
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			if c.Set(ctx, fmt.Sprintf("live:%d", i%100), i, 0).Err() == nil {
				n.Add(1)
			}
		}
	}()
	stop = func() int64 { cancel(); wg.Wait(); c.Close(); return n.Load() }
	t.Cleanup(func() { stop() })
	return stop
}

func TestSampleFindsKeysChangedOnTheTargetBehindFlyoversBack(t *testing.T) {
	t.Parallel()
	l, p := attachedLab(t, 300)
	stopWriter := writer(t, l)
	ctx := context.Background()
	tgt := l.Target.Client()
	defer tgt.Close()
	// Writable replica: what it is told is not replicated, and the source
	// never overwrites these keys again.
	for _, cmd := range [][]any{
		{"CONFIG", "SET", "replica-read-only", "no"},
		{"DEL", "preload:00000005"},
		{"SET", "preload:00000006", "changed"},
		{"PEXPIRE", "preload:00000007", "900000"},
		{"HSET", "h", "c", "3"},
		{"ZADD", "z", "9", "m1"},
		{"LSET", "l", "1", "Y"},
		{"SREM", "s", "m2"},
		{"XADD", "x", "1-3", "f", "extra"},
		{"DEL", "ttl"},
		{"SET", "ttl", "v"},
	} {
		if err := tgt.Do(ctx, cmd...).Err(); err != nil {
			t.Fatal(cmd, err)
		}
	}
	var progress atomic.Int64
	res := sampling.Sample(ctx, nil, p.Source, p.Target, sampling.SampleOptions{Keys: 100000, Rate: 2000,
		Progress: func(sampling.SampleProgress) { progress.Add(1) }})
	writes := stopWriter()
	if res.Error != "" {
		t.Fatal(res.Error)
	}
	got := map[string]string{}
	for _, m := range res.Mismatches {
		got[m.Key] = m.What
	}
	want := map[string]string{
		"preload:00000005": "missing on the target", "preload:00000006": "value", "preload:00000007": "TTL",
		"h": "size", "z": "value", "l": "value", "s": "size", "x": "size", "ttl": "TTL",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("false mismatch: %s", k)
		}
	}
	if res.Mode != "scan" || res.Compared < 300 || !res.TargetReplicating || progress.Load() == 0 {
		t.Errorf("mode %s compared %d replicating %t progress %d", res.Mode, res.Compared, res.TargetReplicating, progress.Load())
	}
	t.Logf("compared %d keys (%d rechecked, %d unsettled) in %s under %d live writes; mismatches: %v",
		res.Compared, res.Rechecked, len(res.Unsettled), res.Elapsed.Round(time.Millisecond), writes, res.Mismatches)
}

// TestSampleMeasureSourceLoad measures the sampler at its default rate:
// keys per second, and the commands per second it adds on the source
// (INFO commandstats deltas over the run; the Sentinels' own few a second
// are included).
func TestSampleMeasureSourceLoad(t *testing.T) {
	t.Parallel()
	l, p := attachedLab(t, 10000)
	src := l.Source.Client()
	defer src.Close()
	calls := func() (map[string]int64, int64) {
		v, err := src.Info(context.Background(), "commandstats").Result()
		if err != nil {
			t.Fatal(err)
		}
		m := readiness.CommandCalls(probe.ParseInfo(v))
		var total int64
		for _, n := range m {
			total += n
		}
		return m, total
	}
	before, t0 := calls()
	start := time.Now()
	res := sampling.Sample(context.Background(), nil, p.Source, p.Target, sampling.SampleOptions{Keys: 1000})
	elapsed := time.Since(start)
	after, t1 := calls()
	if res.Error != "" || len(res.Mismatches) != 0 || res.Compared != 1000 {
		t.Fatalf("%+v", res)
	}
	var per []string
	for name, n := range after {
		if d := n - before[name]; d > 0 {
			per = append(per, fmt.Sprintf("%s %.0f/s", strings.ToUpper(name), float64(d)/elapsed.Seconds()))
		}
	}
	sort.Strings(per)
	t.Logf("default rate %d keys/s: compared %d keys in %s = %.1f keys/s; source commands %.0f/s (%s)",
		sampling.DefaultSampleRate, res.Compared, elapsed.Round(time.Millisecond), res.KeysPerSecond,
		float64(t1-t0-1)/elapsed.Seconds(), strings.Join(per, ", "))
	// And unpaced: what one sampler can do at most here.
	fast := sampling.Sample(context.Background(), nil, p.Source, p.Target, sampling.SampleOptions{Keys: 1000, Rate: 1 << 30})
	if fast.Error != "" || len(fast.Mismatches) != 0 {
		t.Fatalf("%+v", fast)
	}
	t.Logf("unpaced: %d keys in %s = %.0f keys/s", fast.Compared, fast.Elapsed.Round(time.Millisecond), fast.KeysPerSecond)
}

// A source with keys in db0 and db3: the sample reads both, each on
// connections that select it, and a key changed in db3 on the target is
// found there, named with its database.
func TestSampleReadsEveryDatabaseWithKeys(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{PreloadKeys: 100, StandIn: true})
	ctx := context.Background()
	src := l.Source.Client()
	defer src.Close()
	for _, cmd := range [][]any{{"SELECT", "3"}, {"SET", "cart:1", "a"}, {"SET", "cart:2", "b"}, {"SET", "cart:3", "c"}} {
		if err := src.Do(ctx, cmd...).Err(); err != nil {
			t.Fatal(cmd, err)
		}
	}
	if err := l.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	p := labtest.ProberFor(l, probe.Auth{})
	t.Cleanup(p.Close)
	labtest.WaitSnap(t, p, 30*time.Second, "target in sync with db3", func(s probe.Snapshot) bool {
		return s.Link.InSync && s.Target.Keyspace[3].Keys == 3
	})
	tgt := l.Target.Client()
	defer tgt.Close()
	for _, cmd := range [][]any{{"CONFIG", "SET", "replica-read-only", "no"}, {"SELECT", "3"}, {"SET", "cart:2", "z"}} {
		if err := tgt.Do(ctx, cmd...).Err(); err != nil {
			t.Fatal(cmd, err)
		}
	}
	res := sampling.SampleDatabases(ctx, nil, p.Source, p.Target, sampling.SampleOptions{Keys: 1000, Rate: 2000})
	if res.Error != "" {
		t.Fatal(res.Error)
	}
	if !slices.Equal(res.Databases, []int{0, 3}) || res.Mode != "scan" || res.Compared != 103 {
		t.Errorf("databases %v, mode %s, compared %d: want [0 3], scan, 103", res.Databases, res.Mode, res.Compared)
	}
	if len(res.Mismatches) != 1 || res.Mismatches[0].DB != 3 || res.Mismatches[0].Key != "cart:2" || res.Mismatches[0].What != "value" {
		t.Errorf("mismatches %v: want db3 cart:2's value", res.Mismatches)
	}
	if s := res.Mismatches[0].String(); !strings.HasPrefix(s, `db3:"cart:2"`) {
		t.Errorf("the mismatch reads %s", s)
	}
}
