package plan

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flyover/probe"
	"flyover/steps/auditlog"
	"flyover/version"
)

// Every record says which flyover wrote it: the audit log's first entry,
// the report's and the fleet report's first line under the title.
func TestAuditAndReportsNameTheFlyoverThatWroteThem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flyover-audit-x.jsonl")
	a, err := auditlog.OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	es, err := auditlog.ReadAudit(path)
	if err != nil || len(es) != 1 {
		t.Fatalf("read back %d entries (%v)", len(es), err)
	}
	var info version.Info
	if es[0].Kind != auditlog.KindOpen || !strings.HasSuffix(es[0].Message, version.Line()) || json.Unmarshal(es[0].Data, &info) != nil || info != version.Get() {
		t.Fatalf("the first record %+v (data %s) does not name %q", es[0], es[0].Data, version.Line())
	}

	md := RenderReport(es, ReportExtras{Topo: probe.Topology{MasterName: "mymaster"}})
	if want := "# flyover report: mymaster\n\n" + version.Line() + "\n\n"; !strings.HasPrefix(md, want) {
		t.Fatalf("the report begins %q, want %q", md[:min(len(md), 200)], want)
	}
	fm := RenderFleetReport(nil, path, time.Now())
	if want := "# flyover fleet report\n\n" + version.Line() + "\n\n"; !strings.HasPrefix(fm, want) {
		t.Fatalf("the fleet report begins %q, want %q", fm[:min(len(fm), 200)], want)
	}
}
