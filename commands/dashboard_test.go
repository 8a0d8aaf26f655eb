package commands

import (
	"bytes"
	"strings"
	"testing"

	"flyover/ui"
)

// Without a terminal the dashboard says so and points to flyover status,
// with the same topology flags.
func TestDashboardWithoutTerminalSuggestsStatus(t *testing.T) {
	if ui.IsTerminal() {
		t.Skip("standard output is a terminal here")
	}
	var stdout, stderr bytes.Buffer
	code := Run([]string{"--source", "127.0.0.1:7001", "--target", "127.0.0.1:7002", "--sentinel", "127.0.0.1:26380", "--master", "flyover", "--tick", "1s"}, &stdout, &stderr)
	if code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	want := "flyover status --source 127.0.0.1:7001 --target 127.0.0.1:7002 --sentinel 127.0.0.1:26380 --master flyover"
	if !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "needs a terminal") {
		t.Errorf("stderr:\n%s\nwant it to say a terminal is needed and suggest %q", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout: %q", stdout.String())
	}
}

func TestDashboardFlagErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"--source", "127.0.0.1:7001"}, &stdout, &stderr); code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "--target is required") {
		t.Errorf("stderr: %s", stderr.String())
	}
	stderr.Reset()
	code := Run([]string{"--source", "a:1", "--target", "b:2", "--sentinel", "c:3", "--master", "m", "--tick", "0s"}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "--tick") {
		t.Errorf("--tick 0s: status %d, stderr %s", code, stderr.String())
	}
}

// Flags that cannot work together, or a demo flag out of range, are bad
// usage: exit 2, nothing started, nothing on stdout.
func TestGuidedAndDemoFlagErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"canary in read-only": {"--source", "127.0.0.1:7001", "--target", "127.0.0.1:7002", "--sentinel", "127.0.0.1:26380", "--master", "m", "--canary", "--read-only"},
		"demo rate 0":         {"demo", "--rate", "0"},
		"demo negative keys":  {"demo", "--keys", "-1"},
		"demo unknown flag":   {"demo", "--nope"},
	} {
		t.Run(name, func(t *testing.T) { wantUsageError(t, args) })
	}
}

// Without a terminal the demo says so before it starts anything.
func TestDemoWithoutTerminal(t *testing.T) {
	if ui.IsTerminal() {
		t.Skip("standard output is a terminal here")
	}
	var stdout, stderr bytes.Buffer
	code := Run([]string{"demo"}, &stdout, &stderr)
	if code != 2 && code != 1 { // 1: the lab's servers are not installed
		t.Errorf("exit status %d", code)
	}
	if code == 2 && !strings.Contains(stderr.String(), "needs a terminal") {
		t.Errorf("stderr: %s", stderr.String())
	}
}
