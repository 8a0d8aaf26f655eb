package commands

import (
	"os"
	"strings"
	"testing"

	"flyover/steps/auditlog"
)

// An observer on a wall screen leaves no files behind: --read-only keeps
// no audit log and no log file unless asked for with --audit-log or --log;
// a session that may act keeps both by default.
func TestReadOnlyWritesNoFilesUnlessAsked(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)

	a, err := auditFor(guideSetup{readOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	a.Log(auditNote("a note"), true)
	a.Close()
	if a.Path() != "" {
		t.Errorf("read-only audit path %q; want none", a.Path())
	}
	var sf screenFlags
	if p := sf.logFile(true); p != "" {
		t.Errorf("read-only log %q; want none", p)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("read-only left %d files in the current directory: %v", len(entries), entries)
	}

	// Asked for: kept, read-only or not.
	a, err = auditFor(guideSetup{readOnly: true, auditPath: "asked.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if _, err := os.Stat("asked.jsonl"); err != nil {
		t.Errorf("--audit-log in read-only: %v", err)
	}
	sf.logPath = "asked.log"
	if p := sf.logFile(true); p != "asked.log" {
		t.Errorf("--log in read-only: %q", p)
	}
	// Not read-only: an audit log by default, here.
	a, err = auditFor(guideSetup{})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if a.Path() == "" {
		t.Error("a session that may act keeps an audit log")
	}
	if p := (&screenFlags{}).logFile(false); p != defaultLogPath() {
		t.Errorf("default log %q", p)
	}
}

func auditNote(msg string) auditlog.Entry {
	return auditlog.Entry{Kind: auditlog.KindNote, Message: msg}
}

// The fleet's screen in read-only keeps no audit log either, and so
// writes no fleet report when it ends (it wrote one into the current
// directory at every quit).
func TestReadOnlyFleetWritesNoReport(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	a, err := auditFor(guideSetup{readOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var out strings.Builder
	printFleetRecord(&out, a, []string{"m1", "m2"}, nil)
	if !strings.Contains(out.String(), "read-only: no audit log or fleet report written") {
		t.Errorf("after the fleet screen: %q", out.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("read-only fleet left %d files in the current directory: %v", len(entries), entries)
	}
}
