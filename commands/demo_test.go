package commands

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"flyover/lab"
)

// Starting the demo's lab with stderr on a file or a pipe says how it
// ended, once, with no cursor moves; the seconds are counted on a
// terminal only.
func TestTheLabsStartIsOneLineOnAFile(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	l, err := startLabShowing(context.Background(), lab.Options{PreloadKeys: 10}, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Stop() })
	first, _, _ := strings.Cut(out.String(), "\n")
	if strings.ContainsAny(out.String(), "\r\x1b") || !strings.HasPrefix(first, "starting the lab: ") || !strings.Contains(first, ": ready in ") {
		t.Errorf("on a file: %q", out.String())
	}
}

// Interrupted while the lab starts: it says so once and stops what
// started.
func TestTheLabsStartInterruptedSaysSoOnce(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if l, err := startLabShowing(ctx, lab.Options{PreloadKeys: 10}, &out); err == nil {
		l.Stop()
		t.Fatal("the lab started on a cancelled context")
	}
	if got := out.String(); strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, ": interrupted, stopped\n") {
		t.Errorf("interrupted: %q", got)
	}
}
