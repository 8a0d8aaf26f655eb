package checklist

import (
	"strings"
	"testing"

	"flyover/steps"
	"flyover/ui/common"
)

// A command that fits a line is read in one piece under its prompt
// (REPLICAOF with its host and port), one that fits with its prompt is
// one line, and a longer one wraps at its spaces, never past the width.
func TestACommandWrapsUnderItsPromptNotInsideIt(t *testing.T) {
	attach := steps.Command{Endpoint: "target", Addr: "127.0.0.1:35049", Args: []string{"REPLICAOF", "127.0.0.1", "36769"}}
	for w := 8; w <= 60; w++ {
		lines := commandLines(attach, w)
		for _, l := range lines {
			if common.Width(l) > w {
				t.Fatalf("width %d: %q is wider", w, l)
			}
		}
		switch {
		case w >= common.Width(attach.String()):
			if len(lines) != 1 {
				t.Errorf("width %d: %q, want one line", w, lines)
			}
		case w >= len("REPLICAOF 127.0.0.1 36769"):
			if len(lines) != 2 || lines[1] != "REPLICAOF 127.0.0.1 36769" {
				t.Errorf("width %d: %q, want the prompt then the whole command", w, lines)
			}
		}
		if got := strings.Join(lines, " "); w >= 16 && got != attach.String() {
			t.Errorf("width %d: reads %q, want %q", w, got, attach.String())
		}
	}
}
