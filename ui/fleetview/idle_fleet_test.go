package fleetview

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/ui/uitest"
)

// TestFleetIdleUsage measures what `flyover fleet --read-only` costs while
// nothing happens: CPU time and memory of the flyover process over
// FLYOVER_FLEET_IDLE_SECONDS (for example 60), the table on screen at
// 160x48, against a fleet lab of FLYOVER_FLEET_BENCH_MASTERS masters
// (default 50), measured once every master has been polled, with
// --max-polls FLYOVER_FLEET_MAX_POLLS when set. With FLYOVER_TEST_KEEP set, flyover's CPU profile of the whole run is kept
// there (go tool pprof -top bin/flyover <file>). It reports and asserts
// nothing: the figures depend on the machine.
//
//	FLYOVER_FLEET_BENCH_MASTERS=200 FLYOVER_FLEET_IDLE_SECONDS=60 go test -run TestFleetIdleUsage -v -timeout 20m ./ui/fleetview/
func TestFleetIdleUsage(t *testing.T) {
	secs := labtest.Measure(t, "FLYOVER_FLEET_IDLE_SECONDS")
	uitest.E2eTools(t)
	n := labtest.BenchMasters()
	start := time.Now()
	f := labtest.StartFleet(t, lab.FleetOptions{Masters: n, PreloadKeys: 100})
	t.Logf("fleet lab of %d masters up in %s", n, time.Since(start).Round(time.Second))
	targets, err := f.TargetsFile()
	if err != nil {
		t.Fatal(err)
	}
	bin := uitest.BuildFlyover(t)
	dir := t.TempDir()
	env, profile := uitest.KeptProfile(t)
	args := append(f.FleetArgs(targets), "--read-only", "--log", filepath.Join(dir, "flyover.log"), "--audit-log", filepath.Join(dir, "audit.jsonl"))
	if p := labtest.Measure0(t, "FLYOVER_FLEET_MAX_POLLS", 0); p > 0 {
		args = append(args, "--max-polls", fmt.Sprint(p))
	}
	s := uitest.StartTmux(t, 160, 48, env, fmt.Sprintf("exec %s fleet %s", bin, strings.Join(args, " ")))
	s.WaitScreen("every master and Sentinel", 60*time.Second, func(sc string) bool {
		return strings.Contains(sc, fmt.Sprintf("%d masters", n)) && strings.Contains(sc, "3/3 Sentinels answering")
	})
	// p twice: the masters of phase "unknown", that is not polled yet.
	s.Keys("p", "p")
	s.WaitScreen("every master polled", 120*time.Second, func(sc string) bool {
		return strings.Contains(sc, "phase unknown") && strings.Contains(sc, "no master matches")
	})
	s.Keys("Escape")
	s.WaitScreen("the whole table again", 10*time.Second, func(sc string) bool { return !strings.Contains(sc, "phase unknown") })
	pid := s.PanePID(bin)
	u := uitest.MeasureProcess(t, pid, time.Duration(secs)*time.Second)
	t.Logf("fleet idle, %d masters, 3 Sentinels, slow tick 2 s, 160x48, table on screen: %s\n%s", n, u, strings.SplitN(s.Screen(), "\n", 2)[0])
	s.QuitMeasured(pid, bin, profile)
}
