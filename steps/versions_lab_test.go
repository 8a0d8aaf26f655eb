package steps_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/probe"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/checks"
	"flyover/steps/switchover"
)

// versionFamily is one line of the compatibility table: a kind and a
// major.minor (Redis 8's milestones report 7.9).
type versionFamily struct {
	name         string
	kind         probe.Kind
	major, minor int
}

var versionFamilies = []versionFamily{
	{"Redis 6.0", probe.KindRedis, 6, 0}, {"Redis 6.2", probe.KindRedis, 6, 2},
	{"Redis 7.0", probe.KindRedis, 7, 0}, {"Redis 7.2", probe.KindRedis, 7, 2},
	{"Redis 7.4", probe.KindRedis, 7, 4}, {"Redis 8.x", probe.KindRedis, 8, -1},
	{"Valkey 7.2", probe.KindValkey, 7, 2}, {"Valkey 8.x", probe.KindValkey, 8, -1},
}

func (v versionFamily) has(b lab.Binary) bool {
	if b.Kind != v.kind {
		return false
	}
	if v.minor < 0 { // any minor of the major; Redis 8.0 milestones are 7.9.x
		return probe.VersionAtLeast(b.Version, v.major, 0) && !probe.VersionAtLeast(b.Version, v.major+1, 0) ||
			v.kind == probe.KindRedis && probe.VersionAtLeast(b.Version, v.major-1, 9) && !probe.VersionAtLeast(b.Version, v.major, 0)
	}
	return probe.VersionAtLeast(b.Version, v.major, v.minor) && !probe.VersionAtLeast(b.Version, v.major, v.minor+1)
}

// versionCandidates are the server binaries this machine has: the lab's
// own (the environment, else PATH) and one per subdirectory of
// $FLYOVER_REDIS_VERSIONS_DIR, holding the binaries itself
// (DIR/6.0.20/redis-server) or in bin/, where `make
// PREFIX=DIR/<version> install` puts them (DIR/valkey-7.2.7/bin/). The
// subdirectory's name is free: kind and version are the binaries' own.
func versionCandidates(t *testing.T) [][2]lab.Binary {
	var out [][2]lab.Binary
	if s, se, err := lab.Binaries(); err == nil {
		out = append(out, [2]lab.Binary{s, se})
	}
	if root := os.Getenv("FLYOVER_REDIS_VERSIONS_DIR"); root != "" {
		dirs, _ := os.ReadDir(root)
		for _, d := range dirs {
			if !d.IsDir() {
				continue
			}
			s, se, err := lab.BinariesIn(filepath.Join(root, d.Name()))
			if err != nil {
				var errBin error
				if s, se, errBin = lab.BinariesIn(filepath.Join(root, d.Name(), "bin")); errBin == nil {
					err = nil
				}
			}
			if err != nil {
				t.Logf("%s: %v", d.Name(), err)
				continue
			}
			out = append(out, [2]lab.Binary{s, se})
		}
	}
	return out
}

// TestVersionMatrix runs the whole migration against every version this
// machine has, one after another (each sets the lab's binaries): preflight
// with readiness, attach, steady state, registration, the guarded cutover
// under 2,000 writes/s through Sentinel, verify; 0 acknowledged writes
// lost, and on a source without CLIENT PAUSE WRITE (Redis 6.0) neither it
// nor CLIENT UNPAUSE is ever sent. A version whose binaries are absent
// skips, named. CI has Debian's 7.0.15; set FLYOVER_REDIS_VERSIONS_DIR to
// a directory with one subdirectory per version for the rest, holding
// redis-server and redis-sentinel (or valkey-server and valkey-sentinel)
// or a bin/ with them: DIR/6.0.20/redis-server, or DIR/<v>/bin/ as `make
// PREFIX=DIR/<v> install` leaves it. A binary's kind and version are what
// it says (--version, and INFO where that names no kind: Valkey 7.2).
func TestVersionMatrix(t *testing.T) {
	cands := versionCandidates(t)
	var summary []string
	for _, fam := range versionFamilies {
		var found [][2]lab.Binary
		for _, c := range cands {
			if fam.has(c[0]) && !slices.ContainsFunc(found, func(f [2]lab.Binary) bool { return f[0].Version == c[0].Version }) {
				found = append(found, c)
			}
		}
		if len(found) == 0 {
			t.Run(strings.ReplaceAll(fam.name, " ", "_"), func(t *testing.T) {
				t.Skipf("no %s binaries here: set FLYOVER_REDIS_VERSIONS_DIR to a directory holding one (e.g. DIR/6.0.20/redis-server and redis-sentinel, or DIR/6.0.20/bin/ from make PREFIX=DIR/6.0.20 install)", fam.name)
			})
			continue
		}
		for _, b := range found {
			name := fmt.Sprintf("%s_%s", b[0].Kind, b[0].Version)
			t.Run(name, func(t *testing.T) {
				t.Setenv("FLYOVER_REDIS_BIN_DIR", "")
				t.Setenv("FLYOVER_REDIS_SERVER", b[0].Path)
				t.Setenv("FLYOVER_REDIS_SENTINEL", b[1].Path)
				line := migrateUnderWrites(t)
				summary = append(summary, fmt.Sprintf("%s %s (Sentinel %s): %s", b[0].Kind, b[0].Version, b[1].Version, line))
			})
		}
	}
	for _, s := range summary {
		t.Log(s)
	}
}

// migrateUnderWrites is one version's run; it returns the measured line.
func migrateUnderWrites(t *testing.T) string {
	so := steps.Options{SteadyPolls: 3, PollInterval: 250 * time.Millisecond}
	g := startRig(t, lab.Options{PreloadKeys: 20000, Password: "flyover-matrix-pw"}, so)
	canary := startWritingCanary(t, g.lab, 2000, 500)
	g.runner.Canary = canary

	g.mustRun(steps.StepPreflight) // with readiness
	c, f := g.plan()
	var verdicts []string
	counts := map[steps.Level]int{}
	for _, ch := range c.State(steps.StepPreflight).Checks {
		counts[ch.Level]++
		if ch.Level != steps.Pass {
			verdicts = append(verdicts, fmt.Sprintf("%s %q", ch.Level, ch.Title))
			t.Logf("preflight %s %s: %s", ch.Level, ch.Title, ch.Detail)
		}
	}
	_, sb, _ := lab.Binaries()
	sv := probe.SentinelServer{Kind: sb.Kind, Version: sb.Version}.Name()
	if c := findCheck(t, c.State(steps.StepPreflight).Checks, "sentinels-versions"); c.Detail != sv+" on 3 of 3" {
		t.Errorf("the Sentinels' versions: %q, want %s on 3 of 3", c.Detail, sv)
	}
	pauseAll := steps.PlanCutover(f, so).PauseAllClients
	if want := !f.Snapshot.Source.Capabilities().PauseWrites; pauseAll != want {
		t.Fatalf("the cutover pauses every client: %t, want %t", pauseAll, want)
	}
	if pauseAll {
		q := steps.Lookup(steps.StepCutover).Confirmations(f, so)
		if len(q) != 1 || !strings.Contains(q[0].Warning, "reads too, stalls for 3s") || !strings.Contains(q[0].Warning, "cannot be lifted early") {
			t.Errorf("the confirmation does not say that every client stalls, and for how long: %+v", q)
		}
	}

	g.mustRun(steps.StepAttach)
	g.advanceTo(steps.StepSteady)
	g.mustRun(steps.StepSteady)
	g.advanceTo(steps.StepRegister)
	g.mustRun(steps.StepRegister)
	g.mustRun(steps.StepCutover)
	res := g.runner.Session.Facts(g.prober.Topo, probe.Snapshot{}).Cutover
	g.mustRun(steps.StepVerify) // the sample, old against new, and the canary's read-back
	st := canary.Stats()
	v := assertNothingLost(t, canary)

	for _, e := range readAudit(t, g.audit.Path()) {
		if e.Kind != auditlog.KindCommand || e.Endpoint != "source" || len(e.Args) < 2 || !strings.EqualFold(e.Args[0], "CLIENT") {
			continue
		}
		sub := strings.ToUpper(e.Args[1])
		if pauseAll && (sub == "UNPAUSE" || sub == "PAUSE" && strings.EqualFold(e.Args[len(e.Args)-1], "WRITE")) {
			t.Errorf("sent to a source without them: %s", strings.Join(e.Args, " "))
		}
	}
	pause := "CLIENT PAUSE WRITE"
	if pauseAll {
		pause = "CLIENT PAUSE of every client"
	}
	return fmt.Sprintf("%s; preflight %d pass, %d warn, %d block (%s); stall %s by flyover, longest write stall %s by the application; %d failed, %d of %d acknowledged writes lost",
		pause, counts[steps.Pass], counts[steps.Warn], counts[steps.Block], strings.Join(verdicts, ", "),
		res.Stall.Round(time.Millisecond), st.LongestStall.Round(time.Millisecond), st.Failed, v.Lost, v.Checked)
}

// useVersion points the lab at a binary of fam for the rest of t, or
// skips t naming the version.
func useVersion(t *testing.T, fam versionFamily) lab.Binary {
	t.Helper()
	for _, c := range versionCandidates(t) {
		if fam.has(c[0]) {
			t.Setenv("FLYOVER_REDIS_BIN_DIR", "")
			t.Setenv("FLYOVER_REDIS_SERVER", c[0].Path)
			t.Setenv("FLYOVER_REDIS_SENTINEL", c[1].Path)
			return c[0]
		}
	}
	t.Skipf("no %s binaries here: set FLYOVER_REDIS_VERSIONS_DIR to a directory holding one", fam.name)
	return lab.Binary{}
}

// On Redis 6.0 a cutover that stops before SENTINEL FAILOVER cannot lift
// its pause: it waits for the pause to end by itself, puts
// min-replicas-to-write back, and changes nothing; it never sends CLIENT
// UNPAUSE (which 6.0 does not have).
func TestPauseAllDrainThatCannotFinishWaitsForThePauseAndChangesNothing(t *testing.T) {
	useVersion(t, versionFamilies[0])
	so := steps.Options{}
	g := startRig(t, lab.Options{PreloadKeys: 1000}, so)
	ctx := context.Background()
	g.attachInSync(20 * time.Second)
	defer g.lab.Target.Thaw()
	f := g.facts()
	p := steps.PlanCutover(f, so)
	if !p.PauseAllClients {
		t.Fatalf("plan %+v", p)
	}
	var phases []string
	_, err := switchover.Cutover(ctx, g.runner, p, func(pr steps.Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != pr.Phase {
			phases = append(phases, pr.Phase)
		}
		if pr.Phase == steps.PhasePausing && len(phases) == 1 {
			g.lab.Target.Freeze() // it can never report the source's offset
		}
	})
	var ce *steps.CutoverError
	if !errors.As(err, &ce) {
		t.Fatalf("want a CutoverError, got %v", err)
	}
	t.Logf("error: %v", err)
	if ce.Phase != steps.PhaseDraining || ce.PastPointOfNoReturn || !strings.Contains(ce.Undone, "lifted by itself") ||
		!strings.Contains(ce.Undone, "min-replicas-to-write put back to 0") {
		t.Errorf("error %+v", ce)
	}
	if got := strings.Join(phases, ","); got != "pausing,draining,undoing,aborted" {
		t.Errorf("phases %s", got)
	}
	if auditHas(t, g.audit.Path(), "SENTINEL", "FAILOVER") || auditHas(t, g.audit.Path(), "CLIENT", "UNPAUSE") {
		t.Error("SENTINEL FAILOVER or CLIENT UNPAUSE was sent")
	}
	if err := sourceTakesWrites(t, g.lab); err != nil {
		t.Errorf("the source does not take writes after the stopped cutover: %v", err)
	}
	src := g.lab.Source.Client()
	defer src.Close()
	if v, err := src.ConfigGet(ctx, "min-replicas-to-write").Result(); err != nil || v["min-replicas-to-write"] != "0" {
		t.Errorf("min-replicas-to-write after the stop: %v, %v", v, err)
	}
	g.lab.Target.Thaw()
	s := g.facts().Snapshot
	if s.AgreedMaster != g.lab.Source.Addr() || s.Source.Role != probe.RolePrimary {
		t.Errorf("topology changed: Sentinels name %s, source %s", s.AgreedMaster, s.Source.Role)
	}
}

// unpausedSays is what a cutover that stopped before SENTINEL FAILOVER
// says it did about the pause on this lab's source: CLIENT UNPAUSE, or on
// Redis 6.0 waited for the pause to lift by itself.
func unpausedSays(g *rig) string {
	if g.prober.Source.Capabilities().Unpause {
		return "CLIENT UNPAUSE sent"
	}
	return "lifted by itself"
}

// skipWithoutFunctions skips a test that loads Functions where the lab's
// version has none (before Redis 7.0).
func skipWithoutFunctions(t *testing.T) {
	t.Helper()
	if s, _, err := lab.Binaries(); err == nil && !probe.CapabilitiesOf(s.Kind, s.Version).Functions {
		t.Skipf("%s has no Functions to load", s)
	}
}

// Redis 7.4's hash-field TTLs, set on a real 7.4 source: readiness reads
// the calls from its INFO commandstats and blocks (Dragonfly's full sync
// cannot load those types, dragonfly#8253; not tried here against a real
// Dragonfly).
func TestHashFieldTTLsOnRedis74BlockReadiness(t *testing.T) {
	useVersion(t, versionFamilies[4])
	g := startRig(t, lab.Options{PreloadKeys: 10, StandIn: true}, steps.Options{})
	src := g.lab.Source.Client()
	defer src.Close()
	ctx := context.Background()
	for _, cmd := range [][]any{{"HSET", "h", "f", "v"}, {"HEXPIRE", "h", "600", "FIELDS", "1", "f"}} {
		if err := src.Do(ctx, cmd...).Err(); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
	c := findCheck(t, checks.ReadinessChecks(g.ReadReadiness()), "ready-hash-field-ttl")
	if c.Level != steps.Block || !strings.Contains(c.Detail, "HEXPIRE") {
		t.Errorf("%s: %s (fix: %s)", c.Level, c.Detail, c.Fix)
	}
	t.Logf("%s: %s (fix: %s)", c.Level, c.Detail, c.Fix)
}
