package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/ui/common"
	"flyover/ui/status"
)

// A real target that hangs (SIGSTOP) while the source takes 2 MiB is 2 MiB
// behind, not 0: `flyover status --json` (the command's own path: a fresh
// prober, one Poll, WriteStatusJSON) gives the lag from the source's view
// within a poll or two, and the dashboard, polled the same way, shows it.
func TestSilentTargetLabShowsTheSourcesView(t *testing.T) {
	if testing.Short() {
		t.Skip("lab: skipped with -short")
	}
	labtest.Skip(t)
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip(err)
	}
	probe.SetLogOutput(io.Discard)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, lab.Options{PreloadKeys: 1000, DownAfter: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Stop)
	if err := l.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}

	// The dashboard, fed the polls of one long-lived prober as its own
	// polls would be: it has seen the target answer.
	pr := l.Prober(time.Second)
	defer pr.Close()
	m := New(ctx, common.Config{Topo: pr.Topo, Source: pr.Source, Target: pr.Target, Tick: 500 * time.Millisecond, InSyncPolls: 3})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 36})
	poll := func() probe.Snapshot {
		m.Update(common.NodePolledMsg{Which: common.SourceNode, Node: pr.Source.PollNode(ctx)})
		m.Update(common.NodePolledMsg{Which: common.TargetNode, Node: pr.Target.PollNode(ctx)})
		return m.Dashboard().Snapshot()
	}
	if err := lab.WaitFor(ctx, 60*time.Second, func() bool { return poll().Link.InSync }); err != nil {
		t.Fatalf("the target never got in sync: %+v", m.Dashboard().Snapshot().Link)
	}

	l.Target.Freeze()
	t.Cleanup(l.Target.Thaw)
	c := l.Source.Client()
	defer c.Close()
	before, err := c.Info(ctx, "replication").Result()
	if err != nil {
		t.Fatal(err)
	}
	value := strings.Repeat("x", 512<<10)
	for i := range 4 { // 2 MiB of values, plus the protocol around them
		if err := c.Set(ctx, "flyover:silent:"+string(rune('a'+i)), value, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := c.Info(ctx, "replication").Result()
	t.Logf("source offset %s -> %s", infoField(before, "master_repl_offset"), infoField(after, "master_repl_offset"))

	// status --json, as the command runs it.
	var doc status.StatusDoc
	var raw []byte
	var one probe.Snapshot
	err = lab.WaitFor(ctx, 15*time.Second, func() bool {
		p := l.Prober(time.Second)
		snap := p.Poll(ctx)
		p.Close()
		one = snap
		var buf bytes.Buffer
		if err := status.WriteStatusJSON(&buf, snap); err != nil {
			t.Fatal(err)
		}
		raw = buf.Bytes()
		doc = status.StatusDoc{}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Link.LagFrom != nil && *doc.Link.LagFrom == status.LagFromSource && doc.Link.LagBytes != nil && *doc.Link.LagBytes >= 2<<20
	})
	if err != nil {
		t.Fatalf("status --json never showed the source's view of 2 MiB:\n%s", raw)
	}
	var link map[string]any
	_ = json.Unmarshal(raw, &struct{ Link *map[string]any }{&link})
	line, _ := json.Marshal(link)
	t.Logf("status --json link: %s", line)
	if doc.Link.InSync || doc.Target.Reachable || doc.Target.Keys != nil || doc.Target.UsedMemory != nil {
		t.Errorf("silent target: in sync %t, reachable %t, keys %v, memory %v; want not in sync, unreachable, null figures",
			doc.Link.InSync, doc.Target.Reachable, doc.Target.Keys, doc.Target.UsedMemory)
	}
	if doc.Link.AckAgeSeconds == nil {
		t.Error("ack_age_seconds is null: a Redis source's slaveN line says when the target last acknowledged")
	}
	if s := doc.Link.LagSeconds; s != nil && *s == 0 {
		t.Error("lag_seconds 0 with 2 MiB behind")
	}
	var table bytes.Buffer
	_ = status.WriteStatusTable(&table, one, "")
	for _, line := range strings.Split(table.String(), "\n") {
		if strings.HasPrefix(line, "link ") {
			t.Logf("status: %s", line)
		}
	}

	// The dashboard, from its own polls.
	var snap probe.Snapshot
	err = lab.WaitFor(ctx, 15*time.Second, func() bool {
		snap = poll()
		return snap.Link.SourceView && snap.Link.LagBytes >= 2<<20
	})
	if err != nil {
		t.Fatalf("the dashboard never took the source's view of 2 MiB: %+v", snap.Link)
	}
	sc := ansi.Strip(m.View().Content)
	labtest.ContainsAll(t, "the dashboard", sc, "TARGET DOWN", "lag from       source's view · silent", common.LagText(snap.Link))
	for _, l := range strings.Split(sc, "\n") {
		if strings.Contains(l, "lag ") {
			t.Logf("dashboard: %s", strings.TrimSpace(l))
		}
	}
}

// infoField reads one field of an INFO reply.
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}
