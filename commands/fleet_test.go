package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flyover/fleet"
	"flyover/lab"
	"flyover/lab/labtest"
)

func startFleetLab(t *testing.T, n int) *lab.Fleet {
	t.Helper()
	return labtest.StartFleet(t, lab.FleetOptions{Masters: n, PreloadKeys: 20})
}

func TestFleetStatusJSONPrintsEveryMaster(t *testing.T) {
	l := startFleetLab(t, 3)
	path, err := l.TargetsFile(l.Names[2])
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := Run([]string{"status", "--json", "--sentinel", strings.Join(l.SentinelAddrs(), ","), "--targets", path}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rows []fleet.Row
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	want := map[string]fleet.Phase{l.Names[0]: fleet.PhaseDetached, l.Names[1]: fleet.PhaseDetached, l.Names[2]: fleet.PhaseNoTarget}
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if r.Phase != want[r.Master] || r.Snapshot.Source.Keys() != 20 {
			t.Errorf("%s: phase %s keys %d", r.Master, r.Phase, r.Snapshot.Source.Keys())
		}
	}
}

func TestFleetTargetsFileErrorNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "targets.txt")
	os.WriteFile(path, []byte("# ok\norders 10.0.0.1:6380\ncarts\n"), 0o600)
	var out, errOut bytes.Buffer
	code := Run([]string{"fleet", "--sentinel", "127.0.0.1:1", "--targets", path}, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), path+":3:") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

func TestFleetMetricsEndpointAnswersWithTheExpectedSeries(t *testing.T) {
	l := startFleetLab(t, 2)
	path, _ := l.TargetsFile()
	targets, err := fleet.ReadTargets(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.Attach(ctx, 0); err != nil {
		t.Fatal(err)
	}
	f, err := fleet.Discover(ctx, fleet.Options{Sentinels: l.SentinelAddrs(), Targets: targets, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	st := fleet.NewState(f)
	// Two polls: the lag is known once the target has acknowledged.
	err = lab.WaitFor(ctx, 15*time.Second, func() bool {
		rows := f.PollAll(ctx, st)
		return rows[0].Snapshot.Link.LagKnown
	})
	if err != nil {
		t.Fatal("master 1's lag never known")
	}
	addr, stop, err := serveMetrics("127.0.0.1:0", f, st, fleet.NewTurns(1), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	for _, want := range []string{
		`flyover_master_lag_bytes{master="` + l.Names[0] + `"}`,
		`flyover_master_keys{master="` + l.Names[0] + `",side="source"} 20`,
		`flyover_master_phase{master="` + l.Names[1] + `",phase="not attached"} 1`,
		`flyover_fleet_max_syncs 1`,
		`flyover_sentinel_up{sentinel="` + l.SentinelAddrs()[0] + `"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s in:\n%s", want, body)
		}
	}
	// Unknown lag is absent, never 0.
	if strings.Contains(body, `flyover_master_lag_bytes{master="`+l.Names[1]+`"}`) {
		t.Errorf("master 2 is not attached, yet has a lag series")
	}
}
