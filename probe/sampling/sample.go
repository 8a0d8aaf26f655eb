package sampling

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"flyover/probe"
)

// Sampled verification: counting keys cannot tell a target that holds
// every key from one that holds every key with some values wrong, and a
// Sentinel-managed Redis has been seen with millions of keys more than its
// Dragonfly replica and no error anywhere (DRAGONFLY.md). Sample compares
// keys one by one, under live writes, at a rate the source can afford.

// DefaultSampleRate is the keys per second Sample compares unless told
// otherwise. Each key costs the source about four reads (RANDOMKEY, TYPE,
// PTTL, the value: one GETRANGE for a string up to 64 KiB, one read per
// 100 elements of a collection), so about 800 commands a second for small
// keys: well under 1% of what one Redis core serves, and small next to
// an application's traffic.
const DefaultSampleRate = 200

// SampleOptions tune Sample. The zero value is usable but compares no key.
type SampleOptions struct {
	// Keys is how many keys to compare. When it reaches the source's
	// DBSIZE, every key is compared once (SCAN) instead of sampled.
	Keys int
	// Rate is keys per second (default DefaultSampleRate).
	Rate int
	// TTLTolerance is how far the two PTTLs may differ beyond the time
	// between the two reads (default 1 s: clocks, rounding).
	TTLTolerance time.Duration
	// Piece is elements per read of a collection (default 100).
	Piece int
	// MaxElements bounds what is read of one key: a collection with more
	// elements, or a string longer than MaxElements × 1 KiB, is compared
	// by type, TTL and size only (default 10,000).
	MaxElements int64
	// Settle bounds the wait, on a mismatch, for the target's replication
	// offset to pass the source's (default 5 s).
	Settle time.Duration
	// Progress, when set, is called after each key.
	Progress func(SampleProgress)
}

func (o SampleOptions) withDefaults() SampleOptions {
	if o.Rate <= 0 {
		o.Rate = DefaultSampleRate
	}
	if o.TTLTolerance <= 0 {
		o.TTLTolerance = time.Second
	}
	if o.Piece <= 0 {
		o.Piece = 100
	}
	if o.MaxElements <= 0 {
		o.MaxElements = 10000
	}
	if o.Settle <= 0 {
		o.Settle = 5 * time.Second
	}
	return o
}

// SampleProgress is reported after each key.
type SampleProgress struct {
	Done       int           `json:"done"`
	Total      int           `json:"total"`
	Mismatches int           `json:"mismatches"`
	Elapsed    time.Duration `json:"elapsed"`
}

// Mismatch is one key that differs, and how.
type Mismatch struct {
	DB     int    `json:"db"`
	Key    string `json:"key"`
	What   string `json:"what"` // "missing on the target", "type", "TTL", "size", "value"
	Source string `json:"source"`
	Target string `json:"target"`
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s: %s (source %s, target %s)", dbKey(m.DB, m.Key), m.What, m.Source, m.Target)
}

// dbKey names a key with its database when that is not 0: "db3:cart:7".
func dbKey(db int, key string) string {
	if db == 0 {
		return fmt.Sprintf("%q", key)
	}
	return fmt.Sprintf("db%d:%q", db, key)
}

// SampleResult is what Sample found.
type SampleResult struct {
	// Mode is "scan" (every key once) or "random" (RANDOMKEY); "random"
	// when any database was sampled at random.
	Mode      string `json:"mode"`
	Requested int    `json:"requested"`
	// Databases are the databases compared, in order (SampleDatabases).
	Databases []int `json:"databases,omitempty"`
	// Compared keys were read on both sides; Matched of them agreed.
	Compared int `json:"compared"`
	Matched  int `json:"matched"`
	// Mismatches still differed after the target had caught up with the
	// source: divergence.
	Mismatches []Mismatch `json:"mismatches"`
	// Unsettled keys changed on the source on every re-read: written too
	// often to compare, not counted as divergence.
	Unsettled []string `json:"unsettled,omitempty"`
	// Vanished keys were gone from the source by the time they were read
	// (expired or deleted): not compared.
	Vanished int `json:"vanished"`
	// Rechecked keys differed at first and were read again.
	Rechecked int `json:"rechecked"`
	// SizeOnly keys were compared by type, TTL and size (MaxElements).
	SizeOnly int `json:"size_only"`
	// TargetReplicating: re-reads waited for the target's offset.
	TargetReplicating bool          `json:"target_replicating"`
	Elapsed           time.Duration `json:"elapsed_ns"`
	KeysPerSecond     float64       `json:"keys_per_second"`
	// Error says why sampling stopped early, if it did.
	Error string `json:"error,omitempty"`
}

// keyState is one side's view of one key: type, TTL, size and a digest of
// the value, so big values are never held whole.
type keyState struct {
	Type     string
	PTTL     int64
	Size     int64
	Digest   [32]byte
	SizeOnly bool
	At       time.Time
}

func (k keyState) ttl() string {
	switch {
	case k.PTTL == -1:
		return "no TTL"
	case k.PTTL < 0:
		return "missing"
	}
	return fmt.Sprintf("TTL %d ms", k.PTTL)
}

// diffKeys says how two readings of a key differ ("" when they agree).
// tol is how far their PTTLs may differ on top of the time between the
// two reads.
func diffKeys(key string, s, t keyState, tol time.Duration) *Mismatch {
	m := func(what, sv, tv string) *Mismatch { return &Mismatch{Key: key, What: what, Source: sv, Target: tv} }
	switch {
	case s.Type != t.Type && t.Type == "none":
		return m("missing on the target", s.Type, "none")
	case s.Type != t.Type:
		return m("type", s.Type, t.Type)
	case s.Type == "none":
		return nil
	}
	if (s.PTTL == -1) != (t.PTTL == -1) {
		return m("TTL", s.ttl(), t.ttl())
	}
	if s.PTTL >= 0 {
		gap := s.At.Sub(t.At)
		if gap < 0 {
			gap = -gap
		}
		// Both count down: the later read sees less by the time between.
		if d := time.Duration(math.Abs(float64(s.PTTL-t.PTTL))) * time.Millisecond; d > tol+gap {
			return m("TTL", s.ttl(), t.ttl())
		}
	}
	if s.Size != t.Size {
		return m("size", strconv.FormatInt(s.Size, 10), strconv.FormatInt(t.Size, 10))
	}
	if !s.SizeOnly && !t.SizeOnly && s.Digest != t.Digest {
		return m("value", fmt.Sprintf("sha256 %x", s.Digest[:6]), fmt.Sprintf("sha256 %x", t.Digest[:6]))
	}
	return nil
}

// errChanged is a key whose type changed between TYPE and reading it.
var errChanged = errors.New("the key changed while it was read")

// sampler reads keys on both sides through do.
type sampler struct {
	do     probe.Doer
	source *probe.Endpoint
	target *probe.Endpoint
	o      SampleOptions
	// targetOffsetTrusted: the target's own slave_repl_offset is the
	// source's byte offset (a Redis replica; Dragonfly v1.39+).
	targetOffsetTrusted bool
}

// Sample compares keys of database 0 between source and target, through
// do (nil: directly), at o.Rate keys a second. Every command is a read. A
// key that differs is read again once the target's replication offset has
// passed the source's master_repl_offset as it was after the first read
// (bounded by o.Settle); what still differs, while the source's value
// stayed the same, is divergence. ctx stops it; the result so far is
// returned.
func Sample(ctx context.Context, do probe.Doer, source, target *probe.Endpoint, o SampleOptions) (res SampleResult) {
	o = o.withDefaults()
	s := &sampler{do: probe.OrDirect(do), source: source, target: target, o: o}
	res = SampleResult{Requested: o.Keys, Mismatches: []Mismatch{}}
	start := time.Now()
	defer func() {
		res.Elapsed = time.Since(start)
		if secs := res.Elapsed.Seconds(); secs > 0 {
			res.KeysPerSecond = float64(res.Compared+res.Vanished) / secs
		}
	}()
	if o.Keys <= 0 {
		return res
	}
	if v, err := s.do(ctx, target, "INFO", "server"); err == nil {
		k, ver := probe.DetectKind(probe.ParseInfo(probe.AsString(v)))
		s.targetOffsetTrusted = probe.OffsetTrusted(k, ver)
	} else {
		res.Error = "target: INFO server: " + probe.Describe(target.Addr, err)
		return res
	}
	if _, ok := s.targetOffset(ctx); ok {
		res.TargetReplicating = true
	}
	size, err := s.do(ctx, source, "DBSIZE")
	if err != nil {
		res.Error = "source: DBSIZE: " + probe.Describe(source.Addr, err)
		return res
	}
	dbsize, _ := probe.AsInt(size)
	next := s.randomKeys(o.Keys)
	res.Mode = "random"
	if int64(o.Keys) >= dbsize {
		next = s.scanKeys()
		res.Mode = "scan"
	}
	interval := time.Second / time.Duration(o.Rate)
	done := 0
	for done < o.Keys {
		// Pace: the i-th key no sooner than start + i/rate.
		if wait := time.Until(start.Add(time.Duration(done) * interval)); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				res.Error = "stopped: " + ctx.Err().Error()
				return res
			case <-t.C:
			}
		}
		key, more, err := next(ctx)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		if !more {
			break
		}
		if err := s.compareKey(ctx, key, &res); err != nil {
			res.Error = err.Error()
			return res
		}
		done++
		if o.Progress != nil {
			o.Progress(SampleProgress{Done: done, Total: o.Keys, Mismatches: len(res.Mismatches), Elapsed: time.Since(start)})
		}
	}
	return res
}

// randomKeys yields distinct keys from RANDOMKEY, giving up after 3×n
// draws (a small keyspace repeats itself).
func (s *sampler) randomKeys(n int) func(context.Context) (string, bool, error) {
	seen := map[string]bool{}
	draws := 0
	return func(ctx context.Context) (string, bool, error) {
		for draws < 3*n {
			draws++
			v, err := s.do(ctx, s.source, "RANDOMKEY")
			if err != nil {
				return "", false, fmt.Errorf("source: RANDOMKEY: %s", probe.Describe(s.source.Addr, err))
			}
			if v == nil {
				return "", false, nil // empty database
			}
			k := probe.AsString(v)
			if !seen[k] {
				seen[k] = true
				return k, true, nil
			}
		}
		return "", false, nil
	}
}

// scanKeys yields every key once (SCAN may repeat a key: duplicates are
// dropped).
func (s *sampler) scanKeys() func(context.Context) (string, bool, error) {
	seen := map[string]bool{}
	var batch []string
	cursor, started := "0", false
	return func(ctx context.Context) (string, bool, error) {
		for {
			for len(batch) > 0 {
				k := batch[0]
				batch = batch[1:]
				if !seen[k] {
					seen[k] = true
					return k, true, nil
				}
			}
			if started && cursor == "0" {
				return "", false, nil
			}
			started = true
			v, err := s.do(ctx, s.source, "SCAN", cursor, "COUNT", s.o.Piece)
			if err != nil {
				return "", false, fmt.Errorf("source: SCAN: %s", probe.Describe(s.source.Addr, err))
			}
			arr, _ := v.([]any)
			if len(arr) != 2 {
				return "", false, fmt.Errorf("source: SCAN: unexpected reply %v", v)
			}
			cursor = probe.AsString(arr[0])
			keys, _ := arr[1].([]any)
			for _, k := range keys {
				batch = append(batch, probe.AsString(k))
			}
		}
	}
}

func (s *sampler) compareKey(ctx context.Context, key string, res *SampleResult) error {
	s1, err := s.read(ctx, s.source, key)
	if err != nil {
		return err
	}
	if s1.Type == "none" {
		res.Vanished++
		return nil
	}
	res.Compared++
	if s1.SizeOnly {
		res.SizeOnly++
	}
	t1, err := s.read(ctx, s.target, key)
	if err != nil {
		return err
	}
	if diffKeys(key, s1, t1, s.o.TTLTolerance) == nil {
		res.Matched++
		return nil
	}
	res.Rechecked++
	for range 3 {
		// The source's offset now covers every write up to the read of s1.
		if res.TargetReplicating {
			if err := s.waitTarget(ctx); err != nil {
				return err
			}
		}
		t2, err := s.read(ctx, s.target, key)
		if err != nil {
			return err
		}
		s2, err := s.read(ctx, s.source, key)
		if err != nil {
			return err
		}
		if diffKeys(key, s1, t2, s.o.TTLTolerance) == nil || diffKeys(key, s2, t2, s.o.TTLTolerance) == nil {
			res.Matched++
			return nil
		}
		if s2.Type == "none" && t2.Type == "none" {
			res.Matched++ // expired or deleted on both
			return nil
		}
		if diffKeys(key, s1, s2, s.o.TTLTolerance) == nil || !res.TargetReplicating {
			// Without replication (res.TargetReplicating false) it was
			// read again without waiting; the result says so once.
			m := diffKeys(key, s2, t2, s.o.TTLTolerance)
			res.Mismatches = append(res.Mismatches, *m)
			return nil
		}
		s1 = s2 // the source changed meanwhile: try again against its new value
	}
	res.Unsettled = append(res.Unsettled, key)
	return nil
}

// sourceOffset is the source's master_repl_offset.
func (s *sampler) sourceOffset(ctx context.Context) (int64, error) {
	v, err := s.do(ctx, s.source, "INFO", "replication")
	if err != nil {
		return 0, fmt.Errorf("source: INFO replication: %s", probe.Describe(s.source.Addr, err))
	}
	return probe.ParseInfo(probe.AsString(v)).Int("master_repl_offset"), nil
}

// targetOffset is how far the target has applied the source's stream: its
// own slave_repl_offset when that is the source's byte offset, else the
// offset the source lists as acknowledged for it. ok is false when the
// target does not replicate from the source.
func (s *sampler) targetOffset(ctx context.Context) (int64, bool) {
	v, err := s.do(ctx, s.target, "INFO", "replication")
	if err != nil {
		return 0, false
	}
	ti := probe.ParseInfo(probe.AsString(v))
	if probe.NormalizeRole(ti["role"]) != probe.RoleReplica {
		return 0, false
	}
	if s.targetOffsetTrusted && ti.Has("slave_repl_offset") {
		return ti.Int("slave_repl_offset"), true
	}
	sv, err := s.do(ctx, s.source, "INFO", "replication")
	if err != nil {
		return 0, false
	}
	for _, l := range probe.ParseInfo(probe.AsString(sv)).ReplicaLines() {
		if l.HasOffset && probe.SameAddr(l.Addr(), s.target.Addr) {
			return l.Offset, true
		}
	}
	return 0, false
}

// waitTarget waits, bounded by Settle, until the target has applied what
// the source had written by now.
func (s *sampler) waitTarget(ctx context.Context) error {
	want, err := s.sourceOffset(ctx)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(s.o.Settle)
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		if off, ok := s.targetOffset(ctx); !ok || off >= want || time.Now().After(deadline) {
			return nil // re-read anyway: what differs then is reported
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped: %w", ctx.Err())
		case <-t.C:
		}
	}
}
