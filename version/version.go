// Package version says which flyover this is: the release version stamped
// at build time, and the VCS revision, its time and the Go version from the
// build information. Reports and the audit log carry its Line, so a record
// says which flyover wrote it.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Version is the release version, stamped by the release build:
//
//	go build -ldflags "-X flyover/version.Version=v0.1.0"
//
// Unstamped, it is the module version from the build information (a `go
// install flyover@vX` build) or "dev".
var Version = ""

// Revision and Time are the VCS commit and its time, stamped by the
// Makefile (-X flyover/version.Revision=...) for builds where Go records
// none (-buildvcs=false, a git worktree, a source tree without .git); the
// build information's own vcs.revision and vcs.time win when present.
var Revision, Time = "", ""

// Info is what a flyover binary knows about itself.
type Info struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"` // VCS commit, "" when built outside a checkout
	Time     string `json:"time,omitempty"`     // the commit's time, RFC 3339
	Modified bool   `json:"modified,omitempty"` // built from a checkout with uncommitted changes
	Go       string `json:"go"`
	Platform string `json:"platform"` // GOOS/GOARCH
}

// Get reads the build information once per call; it is cheap.
func Get() Info {
	i := Info{Version: Version, Revision: Revision, Time: Time, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			i.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				i.Revision = s.Value
			case "vcs.time":
				i.Time = s.Value
			case "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	if i.Version == "" {
		i.Version = "dev"
	}
	return i
}

// Line is the one line that names this flyover, as `flyover --version`
// prints it and every report and audit log begins with it:
//
//	flyover v0.1.0 (3f2c1a9b7e0d, 2026-12-05T18:00:00Z, go1.26.8, linux/amd64)
//	flyover dev (3f2c1a9b7e0d+modified, 2026-12-05T18:00:00Z, go1.26.8, linux/amd64)
func (i Info) Line() string {
	var parts []string
	if i.Revision != "" {
		rev := i.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if i.Modified {
			rev += "+modified"
		}
		parts = append(parts, rev)
	} else {
		parts = append(parts, "no VCS revision")
	}
	if i.Time != "" {
		parts = append(parts, i.Time)
	}
	parts = append(parts, i.Go, i.Platform)
	return fmt.Sprintf("flyover %s (%s)", i.Version, strings.Join(parts, ", "))
}

// Line is Get().Line().
func Line() string { return Get().Line() }
