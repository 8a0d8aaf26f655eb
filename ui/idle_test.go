package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/ui/uitest"
)

// TestIdleUsage measures what `flyover --read-only` costs while nothing
// happens: CPU time and memory of the flyover process over
// FLYOVER_IDLE_SECONDS (for example 60) at 140x42 against a lab whose
// target is attached and in sync, the checklist at the cutover, the
// Sentinels read slowly (nothing moves). With FLYOVER_TEST_KEEP set,
// flyover's CPU profile of the whole run is kept there (go tool pprof
// -top bin/flyover <file>). It reports and asserts nothing: the figures
// depend on the machine (the wake-ups per second much less than the CPU).
//
//	FLYOVER_IDLE_SECONDS=60 FLYOVER_TEST_KEEP=/tmp go test -run TestIdleUsage -v ./ui/
func TestIdleUsage(t *testing.T) {
	secs := labtest.Measure(t, "FLYOVER_IDLE_SECONDS")
	l := uitest.E2eLab(t, lab.Options{PreloadKeys: 5000})
	bin := uitest.BuildFlyover(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	env, profile := uitest.KeptProfile(t)
	logPath := filepath.Join(t.TempDir(), "flyover.log")
	s := uitest.StartTmux(t, 140, 42, env, fmt.Sprintf("exec %s %s --read-only --log %s --audit-log %s", bin, strings.Join(l.FlyoverArgs(), " "), logPath, filepath.Join(t.TempDir(), "audit.jsonl")))
	s.WaitScreen("IN SYNC", 60*time.Second, func(sc string) bool { return strings.Contains(sc, "IN SYNC") })
	// Idle is after the checklist's own start-up work (preflight's reads,
	// the steady state's key sample, the waits for Sentinel): measured
	// from the moment the cutover is the step that waits for the operator.
	s.WaitScreen("the cutover, ready", 90*time.Second, func(sc string) bool { return strings.Contains(sc, "▶ 7 Cutover") })
	s.WaitScreen("the Sentinels read slowly", 60*time.Second, func(sc string) bool { return strings.Contains(sc, quietNote) })
	pid := s.PanePID(bin)
	w0 := uitest.Wakeups(pid)
	u := uitest.MeasureProcess(t, pid, time.Duration(secs)*time.Second)
	wakeups := float64(uitest.Wakeups(pid)-w0) / u.Elapsed.Seconds()
	t.Logf("idle: %s; %.0f wake-ups/s; %d Sentinels, tick 500 ms, 140x42, --read-only", u, wakeups, len(l.Sentinels))
	if sc := s.Screen(); !strings.Contains(sc, "IN SYNC") || !strings.Contains(sc, quietNote) {
		t.Errorf("not in sync, or not quiet, at the end of the measurement:\n%s", sc)
	}
	s.QuitMeasured(pid, bin, profile)
}
