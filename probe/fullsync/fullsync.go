// Package fullsync is the full sync from a Redis source, in figures: the
// arithmetic that predicts it (how long it takes, how far the source's
// output buffer for the target grows meanwhile, whether the source's
// client-output-buffer-limit and repl-timeout let it finish, and the limit
// that would: fullsync.go); the reading of the source's replies about it
// (CLIENT LIST TYPE replica, CONFIG GET client-output-buffer-limit:
// clients.go, with the small text helpers probe re-uses from here,
// text.go); and the watch over a running one (watch.go: the buffer against
// its limit, the load's progress, the restarts and each dropped link's
// judged cause), derived poll by poll from plain Observations.
//
// It is pure: figures and text in, figures out; no I/O. probe polls the
// servers and fills the Observations (its Snapshot carries the Watch),
// steps judges the figures, the faces show them. It imports nothing of
// flyover.
//
// Why the buffer grows: the source keeps every write from the fork on in
// the target's output buffer until the target has loaded the whole
// snapshot and starts reading the stream (verified with Dragonfly
// v1.40.1, ../shared/DRAGONFLY.md). So the peak is the write rate times
// the time from the fork to the end of the target's load.
package fullsync

import (
	"fmt"
	"math"
	"time"
)

// Assumptions the estimate rests on when the figures do not tell. They are
// deliberately on the slow side: a prediction that overestimates the
// buffer asks for a larger limit, one that underestimates it lets the
// source fork again and again.
const (
	// ForkPerGiB is the fork's cost when the source has not forked yet
	// (latest_fork_usec 0): copying the page tables of a Linux process
	// takes about 10 to 20 ms per GiB of resident memory.
	ForkPerGiB = 20 * time.Millisecond
	// TransferBytesPerSec is the snapshot's speed on the wire: a 1 Gbit/s
	// link, about what a diskless RDB child produces too.
	TransferBytesPerSec = 100 << 20
	// LoadKeysPerSec and LoadBytesPerSec are the target's load rate; the
	// slower of the two counts. The measured Dragonfly v1.40.1 run
	// (1.5M keys of 200 B, a writer at 100,000 SETs/s) loaded about
	// 200,000 keys/s in its first seconds and had not finished after
	// 17 s: about 90,000 keys/s over the whole load. A Redis replica
	// loads its RDB at a few hundred MB/s.
	LoadKeysPerSec  = 100_000
	LoadBytesPerSec = 50 << 20
	// Headroom multiplies the predicted peak for the recommended limit.
	Headroom = 2
	// FloorHard and FloorSoftSeconds are the least a recommendation asks
	// for: Redis's own default (replica 256mb 64mb 60). A limit set below
	// it was set for a reason flyover cannot see, but a sync needs at
	// least what Redis ships with.
	FloorHard        = 256 << 20
	FloorSoftSeconds = 60
)

// Limit is one class of client-output-buffer-limit: a client whose output
// buffer passes Hard bytes, or stays over Soft bytes for SoftSeconds, is
// closed. Zero disables each.
type Limit struct {
	Hard        int64 `json:"hard"`
	Soft        int64 `json:"soft"`
	SoftSeconds int64 `json:"soft_seconds"`
}

// Unlimited reports whether the limit never closes a client.
func (l Limit) Unlimited() bool { return l.Hard == 0 && (l.Soft == 0 || l.SoftSeconds == 0) }

// Value is the limit as CONFIG SET takes it for class: "replica 268435456
// 67108864 60".
func (l Limit) Value(class string) string {
	return fmt.Sprintf("%s %d %d %d", class, l.Hard, l.Soft, l.SoftSeconds)
}

// Figures are what the estimate reads, each from the source unless said.
type Figures struct {
	UsedMemory int64 // used_memory
	Keys       int64 // the keyspace's total
	// ForkUsec is latest_fork_usec (0: the source has not forked since it
	// started, and ForkPerGiB stands in).
	ForkUsec int64
	// WriteBytesPerSec is the replication stream's rate: master_repl_offset
	// over polls, or instantaneous_input_kbps when there is only one.
	WriteBytesPerSec float64
	// ReplTimeout is repl-timeout in seconds (0: unknown).
	ReplTimeout int64
}

// Estimate is the predicted full sync.
type Estimate struct {
	Fork     time.Duration `json:"fork_ns"`
	Transfer time.Duration `json:"transfer_ns"`
	Load     time.Duration `json:"load_ns"`
	// Total is the time from the fork until the target reads the stream:
	// the time the source buffers every write.
	Total time.Duration `json:"total_ns"`
	// BufferPeak is the source's output buffer for the target at the end
	// of Total, in bytes.
	BufferPeak int64 `json:"buffer_peak"`
	// Fits: the limit lets the buffer reach BufferPeak; Why says which of
	// its halves closes the link otherwise, and when.
	Fits bool   `json:"fits"`
	Why  string `json:"why,omitempty"`
	// ClosesAfter is when the limit closes the link, from the fork, when
	// it does not fit.
	ClosesAfter time.Duration `json:"closes_after_ns,omitempty"`
	// Recommended is a limit with Headroom over the peak (Current when it
	// already fits).
	Recommended Limit `json:"recommended"`
	// TimeoutShort: repl-timeout is shorter than the time the target is
	// silent while it loads (Dragonfly acknowledges only after its load).
	TimeoutShort bool `json:"timeout_short,omitempty"`
}

// Predict estimates the full sync from the figures against the source's
// replica limit.
func Predict(f Figures, current Limit) Estimate {
	var e Estimate
	if f.ForkUsec > 0 {
		e.Fork = time.Duration(f.ForkUsec) * time.Microsecond
	} else {
		e.Fork = time.Duration(float64(ForkPerGiB) * float64(max(f.UsedMemory, 0)) / float64(1<<30))
	}
	// The snapshot is no larger than the dataset in memory: the RDB is
	// smaller (no allocator overhead, compressed strings), so this errs
	// long.
	e.Transfer = seconds(float64(max(f.UsedMemory, 0)) / TransferBytesPerSec)
	e.Load = max(seconds(float64(max(f.Keys, 0))/LoadKeysPerSec), seconds(float64(max(f.UsedMemory, 0))/LoadBytesPerSec))
	e.Total = e.Fork + e.Transfer + e.Load
	rate := max(f.WriteBytesPerSec, 0)
	e.BufferPeak = int64(rate * e.Total.Seconds())
	e.Fits, e.Why, e.ClosesAfter = fits(current, rate, e.Total)
	e.Recommended = current
	if !e.Fits {
		e.Recommended = Recommend(current, e.BufferPeak, e.Total)
	}
	if f.ReplTimeout > 0 {
		e.TimeoutShort = e.Transfer+e.Load >= time.Duration(f.ReplTimeout)*time.Second
	}
	return e
}

// fits says whether a buffer growing at rate bytes/s for total passes the
// limit, and if not which half closes it and when.
func fits(l Limit, rate float64, total time.Duration) (bool, string, time.Duration) {
	if rate <= 0 {
		return true, "", 0
	}
	var closes time.Duration = -1
	why := ""
	if l.Hard > 0 {
		if t := seconds(float64(l.Hard) / rate); t <= total {
			closes, why = t, fmt.Sprintf("the buffer passes the hard limit (%s) after about %s", mib(l.Hard), round(t))
		}
	}
	if l.Soft > 0 && l.SoftSeconds > 0 {
		t := seconds(float64(l.Soft)/rate) + time.Duration(l.SoftSeconds)*time.Second
		if t <= total && (closes < 0 || t < closes) {
			closes, why = t, fmt.Sprintf("the buffer stays over the soft limit (%s) for %d s after about %s",
				mib(l.Soft), l.SoftSeconds, round(t))
		}
	}
	if closes < 0 {
		return true, "", 0
	}
	return false, why, closes
}

// Recommend is a limit that lets a buffer of peak bytes through with
// Headroom: hard and soft at Headroom×peak rounded up to a MiB (never below
// what is set, nor below FloorHard), and soft-seconds long enough to
// outlast the sync twice (at least FloorSoftSeconds). A half set to 0
// (disabled) stays disabled.
func Recommend(current Limit, peak int64, total time.Duration) Limit {
	want := roundUpMiB(int64(math.Ceil(float64(max(peak, 0)) * Headroom)))
	want = max(want, FloorHard)
	r := current
	if r.Hard != 0 {
		r.Hard = max(r.Hard, want)
	}
	if r.Soft != 0 {
		r.Soft = max(r.Soft, want)
		if r.Hard != 0 {
			r.Soft = min(r.Soft, r.Hard)
		}
	}
	if r.SoftSeconds != 0 {
		r.SoftSeconds = max(r.SoftSeconds, int64(math.Ceil(2*total.Seconds())), FloorSoftSeconds)
	}
	return r
}

// BufferFill is the target's buffer against the limit, for a gauge: the
// fraction of the limit that closes first (hard, else soft), 0..1+, or -1
// when no limit applies.
func BufferFill(omem int64, l Limit) float64 {
	switch {
	case l.Hard > 0:
		return float64(omem) / float64(l.Hard)
	case l.Soft > 0 && l.SoftSeconds > 0:
		return float64(omem) / float64(l.Soft)
	}
	return -1
}

// LoadETA is the time left to load, from the target's key count against
// the source's and the rate keys arrive at; ok is false when the rate
// cannot tell (no keys moved yet).
func LoadETA(targetKeys, sourceKeys int64, keysPerSec float64) (time.Duration, bool) {
	if keysPerSec <= 0 || sourceKeys <= 0 {
		return 0, false
	}
	left := max(sourceKeys-targetKeys, 0)
	return seconds(float64(left) / keysPerSec), true
}

// RateFromOffsets is the replication byte rate from two readings of
// master_repl_offset dt apart; when they cannot tell (one reading, an
// offset that went back) it falls back to instantaneous_input_kbps
// (kilobytes per second of the source's network input, which carries the
// same writes).
func RateFromOffsets(prevOffset, offset int64, dt time.Duration, inputKbps float64) float64 {
	if dt > 0 && offset >= prevOffset && prevOffset > 0 {
		return float64(offset-prevOffset) / dt.Seconds()
	}
	return max(inputKbps, 0) * 1024
}

func seconds(s float64) time.Duration {
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

func roundUpMiB(n int64) int64 {
	const m = 1 << 20
	return (n + m - 1) / m * m
}

func round(d time.Duration) time.Duration {
	if d >= 10*time.Second {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}

func mib(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
