package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"flyover/probe"
	"flyover/probe/canary"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/version"
)

// reportFacts are what a report reads out of a session's audit entries:
// the cutover's result, the sampled comparisons, the canary's read-back,
// each step's last outcome, the last preflight checks, and the first and
// last snapshots. RenderReport and the fleet's report both read them here.
type reportFacts struct {
	cutover       *steps.CutoverResult
	samples       []steps.SampleRun
	canaryVerdict *canary.CanaryVerdict
	canaryStats   *canary.CanaryStats
	readBack      *steps.ReadBack // the last read-back, with its step and error
	steps         map[steps.StepID]auditlog.Entry
	lastStep      *auditlog.Entry // the last step that ended (done or failed)
	checks        []steps.Check
	checksKnown   bool
	first, last   *probe.Snapshot
}

func readReportFacts(entries []auditlog.Entry) reportFacts {
	f := reportFacts{steps: map[steps.StepID]auditlog.Entry{}}
	for i, e := range entries {
		switch {
		case e.Kind == auditlog.KindResult && e.Step == steps.StepCutover && len(e.Data) > 0:
			var r steps.CutoverResult
			if json.Unmarshal(e.Data, &r) == nil {
				f.cutover = &r
			}
		case e.Kind == auditlog.KindResult && e.Message == "sample" && len(e.Data) > 0:
			var r steps.SampleRun
			if json.Unmarshal(e.Data, &r) == nil {
				f.samples = append(f.samples, r)
			}
		case e.Kind == auditlog.KindResult && e.Message == "canary" && len(e.Data) > 0:
			var d struct {
				Stats   canary.CanaryStats   `json:"stats"`
				Verdict canary.CanaryVerdict `json:"verdict"`
				Error   string               `json:"error"`
			}
			if json.Unmarshal(e.Data, &d) == nil {
				f.canaryVerdict, f.canaryStats = &d.Verdict, &d.Stats
				f.readBack = &steps.ReadBack{Step: e.Step, Verdict: d.Verdict, Err: d.Error}
			}
		case e.Kind == auditlog.KindResult && e.Step == steps.StepPreflight && e.Message == "preflight checks" && len(e.Data) > 0:
			var cs []steps.Check
			if json.Unmarshal(e.Data, &cs) == nil {
				f.checks, f.checksKnown = cs, true
			}
		case e.Kind == auditlog.KindStep && e.Event != "start":
			f.steps[e.Step] = e
			f.lastStep = &entries[i]
		}
		if s := e.Snapshot; s != nil {
			if f.first == nil {
				f.first = s
			}
			f.last = s
		}
	}
	return f
}

// FleetRow is one master's line in the fleet's report, read from its
// entries in the fleet's audit log.
type FleetRow struct {
	Master  string
	Entries int
	// Outcome is the cutover's ("cutover done", "cutover failed: ..."),
	// else the last step that ended, else "not started".
	Outcome string
	Stall   time.Duration // measured write stall; 0 when no cutover ran
	Stalled bool          // a stall was measured
	Canary  *canary.CanaryVerdict
	// KeysBefore is the source's keys in the first snapshot, KeysAfter
	// the target's in the last; -1 when no snapshot was recorded.
	KeysBefore, KeysAfter int64
	// Pass, Warn, Block count the last preflight's checks (Checked: it ran).
	Pass, Warn, Block int
	Checked           bool
	// Report is the master's own report file, "" when none was written.
	Report string
}

// FleetRows is a row per master: each master named in masters (in that
// order), then any other master the log names, by name. A master with no
// entries is "not started".
func FleetRows(entries []auditlog.Entry, masters []string) []FleetRow {
	by := map[string][]auditlog.Entry{}
	for _, e := range entries {
		if e.Master != "" {
			by[e.Master] = append(by[e.Master], e)
		}
	}
	names := append([]string(nil), masters...)
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	var extra []string
	for n := range by {
		if !seen[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	names = append(names, extra...)
	rows := make([]FleetRow, 0, len(names))
	for _, n := range names {
		rows = append(rows, fleetRow(n, by[n]))
	}
	return rows
}

func fleetRow(master string, entries []auditlog.Entry) FleetRow {
	f := readReportFacts(entries)
	r := FleetRow{Master: master, Entries: len(entries), Outcome: "not started", KeysBefore: -1, KeysAfter: -1, Canary: f.canaryVerdict}
	if e, ok := f.steps[steps.StepCutover]; ok {
		r.Outcome = "cutover done"
		if e.Event == "failed" {
			r.Outcome = "cutover failed: " + e.Error
		}
	} else if f.lastStep != nil {
		r.Outcome = fmt.Sprintf("%s %s", f.lastStep.Step, f.lastStep.Event)
		if f.lastStep.Error != "" {
			r.Outcome += ": " + f.lastStep.Error
		}
	} else if len(entries) > 0 {
		r.Outcome = "opened, no step ended"
	}
	if c := f.cutover; c != nil && !c.PausedAt.IsZero() {
		r.Stall, r.Stalled = c.Stall, true
	}
	if f.first != nil && f.first.Source.Reachable {
		r.KeysBefore = f.first.Source.Keys()
	}
	if f.last != nil && f.last.Target.Reachable {
		r.KeysAfter = f.last.Target.Keys()
	}
	if f.checksKnown {
		r.Checked = true
		for _, c := range f.checks {
			switch c.Level {
			case steps.Pass:
				r.Pass++
			case steps.Warn:
				r.Warn++
			case steps.Block:
				r.Block++
			}
		}
	}
	return r
}

// RenderFleetReport is the fleet's Markdown report: a row per master
// (outcome, write stall, canary writes lost, keys, preflight verdicts),
// from the fleet's one audit log. auditPath is named in it.
func RenderFleetReport(rows []FleetRow, auditPath string, at time.Time) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# flyover fleet report\n\n%s\n\n", version.Line())
	w("- Audit log: `%s` (each entry names its master)\n- Written: %s\n- Masters: %d\n", auditPath, at.Format(time.RFC3339), len(rows))
	done, lost := 0, int64(0)
	for _, r := range rows {
		if r.Outcome == "cutover done" {
			done++
		}
		if r.Canary != nil {
			lost += r.Canary.Lost
		}
	}
	w("- Cut over: %d of %d; canary writes lost, all masters: **%d**\n\n", done, len(rows), lost)
	w("| master | outcome | write stall | writes lost | keys before → after | preflight | report |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		stall := "—"
		if r.Stalled {
			stall = r.Stall.Round(time.Millisecond).String()
		}
		lostCell := "— (no canary read back)"
		if v := r.Canary; v != nil {
			lostCell = fmt.Sprintf("**%d** of %s acknowledged", v.Lost, probe.Thousands(v.Acked))
		}
		keys := func(n int64) string {
			if n < 0 {
				return "—"
			}
			return probe.Thousands(n)
		}
		verdict := "—"
		if r.Checked {
			verdict = fmt.Sprintf("%d pass, %d warn, %d block", r.Pass, r.Warn, r.Block)
		}
		report := "—"
		if r.Report != "" {
			report = "`" + filepath.Base(r.Report) + "`"
		}
		w("| %s | %s | %s | %s | %s → %s | %s | %s |\n", mdCell(r.Master), mdCell(r.Outcome), stall, lostCell,
			keys(r.KeysBefore), keys(r.KeysAfter), verdict, report)
	}
	w("\nEach master's own report (its timeline and every command) is written by its Report step; the audit log holds everything.\n")
	return b.String()
}

// WriteFleetReport reads the fleet's audit log back and writes its report
// (FleetReportPath), a row per master in masters and any other the log
// names. It returns the report's path.
func WriteFleetReport(a *auditlog.Audit, masters []string) (string, error) {
	a = a.Root()
	if a.Path() == "" {
		return "", fmt.Errorf("no audit log is kept, so there is no fleet report to write")
	}
	entries, err := auditlog.ReadAudit(a.Path())
	if err != nil {
		return "", fmt.Errorf("reading the audit log back: %w", err)
	}
	rows := FleetRows(entries, masters)
	for i := range rows {
		if p := a.ForMaster(rows[i].Master).ReportPath(); fileExists(p) {
			rows[i].Report = p
		}
	}
	path := a.FleetReportPath()
	if err := os.WriteFile(path, []byte(RenderFleetReport(rows, a.Path(), time.Now())), 0o644); err != nil {
		return "", fmt.Errorf("writing the fleet report: %w", err)
	}
	return path, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}
