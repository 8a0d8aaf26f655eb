package common

import (
	"strings"
	"time"
)

// Ring is a fixed-size history: pushing onto a full ring drops the oldest
// entry, so memory stays bounded however long flyover runs.
type Ring[T any] struct {
	buf   []T
	start int // index of the oldest entry
	n     int
}

// NewRing returns an empty ring holding at most capacity entries (at least 1).
func NewRing[T any](capacity int) *Ring[T] {
	return &Ring[T]{buf: make([]T, max(1, capacity))}
}

// Push appends v, dropping the oldest entry when the ring is full.
func (r *Ring[T]) Push(v T) {
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = v
		r.n++
		return
	}
	r.buf[r.start] = v
	r.start = (r.start + 1) % len(r.buf)
}

// Len is the number of entries held.
func (r *Ring[T]) Len() int { return r.n }

// Cap is the most entries the ring holds.
func (r *Ring[T]) Cap() int { return len(r.buf) }

// At returns entry i, 0 being the oldest.
func (r *Ring[T]) At(i int) T { return r.buf[(r.start+i)%len(r.buf)] }

// Ref is the i-th oldest value in place, to change it.
func (r *Ring[T]) Ref(i int) *T { return &r.buf[(r.start+i)%len(r.buf)] }

// Last returns the newest entry.
func (r *Ring[T]) Last() (T, bool) {
	if r.n == 0 {
		var zero T
		return zero, false
	}
	return r.At(r.n - 1), true
}

// Sample is one point of the trend history, taken at each source poll.
type Sample struct {
	At        time.Time
	LagBytes  int64 // -1 when unknown (target not streaming)
	SourceOps int64
	TargetOps int64
}

// sparkLevels stop short of the full block: no glyph reaches the top of
// its cell, so sparklines on consecutive rows never touch and each row
// reads on its own (with the full block, a busy row ran into the one
// above it).
var sparkLevels = []rune("▁▂▃▄▅▆▇")

// Sparkline draws the ring's values (from pick) in width cells, newest on
// the right, across the ring's whole capacity (SparklineOver).
func Sparkline[T any](r *Ring[T], width int, pick func(*T) int64) string {
	return SparklineOver(r, r.Cap(), width, pick)
}

// SparklineOver draws the newest span entries of the ring (from pick) in
// width cells, newest on the right: each cell covers an equal share of
// span (one entry at least), so a window chosen to fit the data fills the
// line, and the line slides as entries arrive. A cell shows the largest
// value in its share, because a lag spike is what matters. Unknown values
// (< 0) and cells not yet reached by the history are blank.
func SparklineOver[T any](r *Ring[T], span, width int, pick func(*T) int64) string {
	if width <= 0 {
		return ""
	}
	span = max(span, width)
	cells := make([]int64, width)
	for i := range cells {
		cells[i] = -1
	}
	// Walk from the newest entry back, filling cells from the right (the
	// index steps back through the buffer: no copy).
	idx := (r.start + r.n - 1) % len(r.buf)
	for i := 0; i < r.n && i < span; i++ {
		c := width - 1 - i*width/span
		if v := pick(&r.buf[idx]); v > cells[c] {
			cells[c] = v
		}
		if idx--; idx < 0 {
			idx = len(r.buf) - 1
		}
	}
	var top int64
	for _, v := range cells {
		top = max(top, v)
	}
	var b strings.Builder
	b.Grow(width * 3)
	for _, v := range cells {
		switch {
		case v < 0:
			b.WriteByte(' ')
		case top == 0:
			b.WriteRune(sparkLevels[0])
		default:
			// Anything above zero shows above the baseline.
			lvl := max(1, int(v*int64(len(sparkLevels)-1)/top))
			if v == 0 {
				lvl = 0
			}
			b.WriteRune(sparkLevels[lvl])
		}
	}
	return b.String()
}
