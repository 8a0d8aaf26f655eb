package common

import (
	"strings"
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

// A command wraps at its spaces only, never inside an argument with
// dashes, and loses no byte; a word wider than the line is broken.
func TestWrapWordsBreaksAtSpacesOnly(t *testing.T) {
	cmd := `source 127.0.0.1:42211> CONFIG SET client-output-buffer-limit "replica 2974810112 2974810112 60"`
	got := WrapWords(cmd, 50)
	want := []string{`source 127.0.0.1:42211> CONFIG SET`, `client-output-buffer-limit "replica 2974810112`, `2974810112 60"`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("at 50 cells:\n%q\nwant\n%q", got, want)
	}
	if got := WrapWords("abcdefghij kl", 4); strings.Join(got, "|") != "abcd|efgh|ij|kl" {
		t.Errorf("a word wider than the line: %q", got)
	}
}
