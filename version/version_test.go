package version

import (
	"runtime"
	"strings"
	"testing"
)

func TestLineNamesTheVersionRevisionAndGo(t *testing.T) {
	i := Info{Version: "v0.1.0", Revision: "3f2c1a9b7e0d55aa", Time: "2026-12-05T18:00:00Z", Modified: true, Go: "go1.26.8", Platform: "darwin/arm64"}
	want := "flyover v0.1.0 (3f2c1a9b7e0d+modified, 2026-12-05T18:00:00Z, go1.26.8, darwin/arm64)"
	if got := i.Line(); got != want {
		t.Fatalf("Line() = %q, want %q", got, want)
	}
	if got := (Info{Version: "dev", Go: "go1.26.8", Platform: "linux/amd64"}).Line(); got != "flyover dev (no VCS revision, go1.26.8, linux/amd64)" {
		t.Fatalf("without VCS: %q", got)
	}
}

func TestGetStampedVersionWins(t *testing.T) {
	old := Version
	t.Cleanup(func() { Version = old })
	Version = "v9.9.9"
	i := Get()
	if i.Version != "v9.9.9" || i.Go != runtime.Version() || i.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Fatalf("Get() = %+v", i)
	}
	oldRev, oldTime := Revision, Time
	t.Cleanup(func() { Revision, Time = oldRev, oldTime })
	Revision, Time = "0123456789abcdef", "2026-12-05T18:00:00Z"
	if i := Get(); i.Revision == "" || i.Time == "" {
		t.Fatalf("stamped revision and time lost: %+v", i)
	}
	Version = ""
	if v := Get().Version; v == "" {
		t.Fatal("unstamped version is empty, want dev or the module version")
	}
	if !strings.HasPrefix(Line(), "flyover ") {
		t.Fatalf("Line() = %q", Line())
	}
}
