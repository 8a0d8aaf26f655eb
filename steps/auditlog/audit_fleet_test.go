package auditlog

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestFleetAuditViewsNameTheirMasterInOneLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flyover-audit-20260101-000000.jsonl")
	a, err := OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	one, two := a.ForMaster("orders"), a.ForMaster("carts")
	one.Log(Entry{Kind: KindNote, Message: "a"}, false)
	two.Log(Entry{Kind: KindNote, Message: "b"}, true)
	if err := two.Close(); err != nil || a.Err() != nil {
		t.Fatalf("closing a view: %v, log: %v", err, a.Err())
	}
	entries, err := ReadAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[1].Master != "orders" || entries[2].Master != "carts" || entries[2].Seq != 3 {
		t.Fatalf("entries %+v", entries)
	}
	if got := one.Mine(entries); len(got) != 2 || got[1].Message != "a" {
		t.Fatalf("orders' entries %+v", got)
	}
	if p := one.ReportPath(); !strings.HasSuffix(p, "flyover-report-20260101-000000-orders.md") {
		t.Fatalf("report path %s", p)
	}
}
