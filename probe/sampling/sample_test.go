package sampling

import (
	"testing"
	"time"
)

func TestSampleDiffSaysWhatDiffers(t *testing.T) {
	at := time.Now()
	str := func(ttl int64, size int64, d byte) keyState {
		k := keyState{Type: "string", PTTL: ttl, Size: size, At: at}
		k.Digest[0] = d
		return k
	}
	tol := time.Second
	cases := []struct {
		name string
		s, t keyState
		want string
	}{
		{"equal", str(-1, 3, 1), str(-1, 3, 1), ""},
		{"missing", str(-1, 3, 1), keyState{Type: "none", PTTL: -2, At: at}, "missing on the target"},
		{"type", str(-1, 3, 1), keyState{Type: "hash", PTTL: -1, At: at}, "type"},
		{"ttl added", str(-1, 3, 1), str(60000, 3, 1), "TTL"},
		{"ttl within tolerance", str(60000, 3, 1), str(59500, 3, 1), ""},
		{"ttl beyond tolerance", str(60000, 3, 1), str(5000, 3, 1), "TTL"},
		{"size", str(-1, 3, 1), str(-1, 4, 1), "size"},
		{"value", str(-1, 3, 1), str(-1, 3, 2), "value"},
		{"size only ignores digest", keyState{Type: "hash", PTTL: -1, Size: 9, SizeOnly: true, At: at},
			keyState{Type: "hash", PTTL: -1, Size: 9, SizeOnly: true, At: at}, ""},
	}
	for _, c := range cases {
		m := diffKeys("k", c.s, c.t, tol)
		got := ""
		if m != nil {
			got = m.What
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	// The time between the two reads widens the tolerance.
	s, tg := str(60000, 3, 1), str(55000, 3, 1)
	tg.At = at.Add(5 * time.Second)
	if m := diffKeys("k", s, tg, tol); m != nil {
		t.Errorf("read 5 s apart: %v", m)
	}
}

func TestSampleStreamPiecesStartAfterTheLastID(t *testing.T) {
	for in, want := range map[string]string{"1700000000000-0": "1700000000000-1", "5-41": "5-42", "7-18446744073709551615": "8-0"} {
		if got := nextStreamID(in); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}
