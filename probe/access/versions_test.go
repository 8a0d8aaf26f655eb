package access

import (
	"path/filepath"
	"strings"
	"testing"

	"flyover/probe"
	"flyover/probe/probetest"
)

// ACL GETUSER of every version flyover supports, captured from the real
// servers (probe's TestCaptureVersionFixtures), read as preflight reads
// it; probe's TestVersionFixtures checks the rest of each capture.
func TestVersionFixturesACL(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(probetest.Testdata(), "versions", "*-*"))
	if len(dirs) < 5 {
		t.Fatalf("only %d versions captured: %v", len(dirs), dirs)
	}
	for _, dir := range dirs {
		kind, version, _ := strings.Cut(filepath.Base(dir), "-")
		t.Run(filepath.Base(dir), func(t *testing.T) {
			caps := probe.CapabilitiesOf(probe.Kind(kind), version)
			// ACL GETUSER in this version's shape (6.0: keys as a list, no
			// channels; 7.0+: selectors): the default user may run all
			// that flyover sends to a source of this version.
			if v, e := probetest.VersionReply(t, dir, "source-acl-getuser"); e == "" {
				u, err := parseACLUser(v)
				if err != nil {
					t.Fatalf("ACL GETUSER: %v", err)
				}
				for _, n := range SourceACLNeedsFor(caps) {
					if verdict, why, _ := u.allows(n); verdict != ACLAllowed {
						t.Errorf("ACL GETUSER default: %s %s (%s)", n.Name(), verdict, why)
					}
				}
			} else {
				t.Errorf("ACL GETUSER: %s", e)
			}
		})
	}
}
