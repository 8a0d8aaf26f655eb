package probe

import (
	"strconv"
	"strings"

	"flyover/probe/fullsync"
)

// Bytes formats a byte count for people: 512 B, 1.5 KiB, 2.0 MiB
// (fullsync.Bytes, which the full sync's reasons use too).
func Bytes(n int64) string { return fullsync.Bytes(n) }

// ParseMemory reads a byte count that Dragonfly may print with a unit
// ("8.00GiB", "512mb"); Redis prints plain bytes (fullsync.ParseMemory).
func ParseMemory(v string) int64 { return fullsync.ParseMemory(v) }

// Thousands formats n with thousands separators: 1,234,567.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	if len(s) <= 3 {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	head := len(s) % 3
	if head == 0 {
		head = 3
	}
	b.WriteString(s[:head])
	for i := head; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
