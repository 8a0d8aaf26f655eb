package common

import (
	"testing"
	"time"
)

// A step's duration is never "0.0 s": under a second it is milliseconds.
func TestTookShowsMillisecondsUnderASecond(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0 ms",
		42 * time.Millisecond:   "42 ms",
		999 * time.Millisecond:  "999 ms",
		1500 * time.Millisecond: "1.5 s",
		90 * time.Second:        "1 m 30 s",
		-1:                      Unknown,
	} {
		if got := Took(d); got != want {
			t.Errorf("took(%s) = %q, want %q", d, got, want)
		}
	}
}
