package fullsync

import (
	"fmt"
	"strconv"
	"strings"
)

// The text helpers the replies need here and probe re-uses from here
// (probe.Bytes, probe.ParseMemory, probe.ClientFields, probe.Atoi).

// Bytes formats a byte count for people: 512 B, 1.5 KiB, 2.0 MiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit && n > -unit {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		f /= unit
		if f < unit && f > -unit {
			return fmt.Sprintf("%.1f %s", f, u)
		}
	}
	return fmt.Sprintf("%.1f PiB", f/unit)
}

// ParseMemory reads a byte count that Dragonfly may print with a unit
// ("8.00GiB", "512mb"); Redis prints plain bytes.
func ParseMemory(v string) int64 {
	v = strings.TrimSpace(strings.ToLower(v))
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	units := []struct {
		suffix string
		mult   float64
	}{
		{"tib", 1 << 40}, {"gib", 1 << 30}, {"mib", 1 << 20}, {"kib", 1 << 10},
		{"tb", 1 << 40}, {"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10},
		{"t", 1 << 40}, {"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}, {"b", 1},
	}
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), 64)
			if err != nil {
				return 0
			}
			return int64(f * u.mult)
		}
	}
	return 0
}

// ClientFields are one CLIENT LIST line's key=value fields.
func ClientFields(line string) map[string]string {
	f := map[string]string{}
	for _, kv := range strings.Fields(line) {
		k, v, _ := strings.Cut(kv, "=")
		f[k] = v
	}
	return f
}

// Atoi reads a decimal integer, 0 when it is none.
func Atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
