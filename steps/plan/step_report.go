package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"flyover/probe"
	"flyover/probe/canary"
	"flyover/probe/sampling"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/checks"
	"flyover/steps/switchover"
	"flyover/version"
)

// Step 11: the Markdown report, rendered from the audit log.
var reportStep = &steps.Step{
	Watches:         true,
	WritesFiles:     true,
	ReadsBackWrites: true,
	ID:              steps.StepReport,
	Title:           "Report",
	Why: "A Markdown record of what happened, written next to the audit log: the timeline, every command that changed something, " +
		"the measured write stall, and key counts before and after.",
	OnFailure: "The audit log holds everything the report would; write it elsewhere or read the log.",
	DoneFn:    func(f steps.Facts, o steps.Options) bool { return f.Report != "" },
	RunFn:     runReport,
}

func runReport(ctx context.Context, r *steps.Runner, f, fresh steps.Facts, a steps.Answers, progress func(steps.Progress)) error {
	if r.Audit.Path() == "" {
		return errors.New("no audit log is kept (read-only without --audit-log), so there is no report to write: start flyover with --audit-log FILE to keep both")
	}
	path := r.Audit.ReportPath()
	if r.Canary != nil {
		// The writes acknowledged since verify read them back, too: the
		// report's count is of every write acknowledged until now.
		checks.ReadBack(ctx, r, steps.StepReport, progress)
	}
	progress(steps.Progress{Phase: "writing", Message: "report to " + path, Fraction: -1})
	entries, err := auditlog.ReadAudit(r.Audit.Path())
	if err != nil {
		return fmt.Errorf("reading the audit log back: %w", err)
	}
	entries = r.Audit.Mine(entries)
	var canary *canary.CanaryStats
	if r.Canary != nil {
		s := r.Canary.Stats()
		canary = &s
	}
	md := RenderReport(entries, ReportExtras{Topo: r.Prober.Topo, Final: &f.Snapshot, Canary: canary, HA: haReportLine(f, r.Options()), Sync: steps.SyncReportLines(f)})
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	r.Session.SetReport(path)
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: steps.StepReport, Message: "report written to " + path}, true)
	return nil
}

// ReportExtras are what the report needs beyond the audit log.
type ReportExtras struct {
	Topo probe.Topology
	// Final is the latest snapshot, for the key counts after.
	Final  *probe.Snapshot
	Canary *canary.CanaryStats
	// HA is one line on the old Redis servers and the promotable
	// replicas now against before (haReportLine).
	HA string
	// Sync are the full sync's lines: a loop flyover stopped, a raised
	// buffer limit to restore (syncReportLines).
	Sync []string
}

// RenderReport writes the Markdown report of a session from its audit log:
// outcome, measured stall, key counts, timeline and every command that
// changed something. It is a pure function of its inputs.
func RenderReport(entries []auditlog.Entry, x ReportExtras) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	var t0, t1 time.Time
	if len(entries) > 0 {
		t0, t1 = entries[0].Time, entries[len(entries)-1].Time
	}
	w("# flyover report: %s\n\n%s\n\n", x.Topo.MasterName, version.Line())
	srcKind, tgtKind := serverKinds(entries, x.Final)
	w("- Source (old primary): `%s`%s\n- Target: `%s`%s\n", x.Topo.Source, srcKind, x.Topo.Target, tgtKind)
	if x.Final != nil {
		var ss []string
		for _, v := range x.Final.Sentinels {
			ss = append(ss, "`"+v.Addr+"`")
		}
		w("- Sentinels: %s\n", strings.Join(ss, ", "))
	}
	if !t0.IsZero() {
		w("- Session: %s to %s (%s), %d audit entries\n", t0.Format(time.RFC3339), t1.Format(time.RFC3339), t1.Sub(t0).Round(time.Second), len(entries))
	}
	w("\n## Outcome\n\n")

	rf := readReportFacts(entries)
	cut, samples, canaryStats, byStep := rf.cutover, rf.samples, rf.canaryStats, rf.steps
	if x.Canary != nil {
		canaryStats = x.Canary
	}
	if e, ok := byStep[steps.StepCutover]; ok {
		if e.Event == "failed" {
			w("- **Cutover failed**: %s\n", e.Error)
		} else {
			w("- Cutover done at %s.\n", e.Time.Format("15:04:05.000"))
			if x.Final != nil {
				w("- %s\n", switchover.SwitchReportLine(steps.Facts{Topo: x.Topo, Snapshot: *x.Final}))
			}
		}
	} else {
		w("- The cutover did not run in this session.\n")
	}
	if cut != nil && !cut.PausedAt.IsZero() {
		if cut.PausedAllClients {
			w("- Measured write stall, of every client and reads too (CLIENT PAUSE sent to the first command answered after the pause lifted by itself; the source has no CLIENT PAUSE WRITE or UNPAUSE): **%s**.\n", cut.Stall.Round(time.Millisecond))
		} else {
			w("- Measured write stall (CLIENT PAUSE sent to CLIENT UNPAUSE answered): **%s**.\n", cut.Stall.Round(time.Millisecond))
		}
		w("- Drain: %s; source offset %d, target offset %d (judged by the %s).\n", cut.Drain.Round(time.Microsecond), cut.Offsets.Source, cut.Offsets.Target, cut.Offsets.JudgedBy)
		if cut.FailoverSentinel != "" {
			w("- SENTINEL FAILOVER accepted by %s after %d attempt(s) (%d -NOGOODSLAVE retries); a majority named the target %s later.\n",
				cut.FailoverSentinel, cut.FailoverAttempts, cut.NoGoodSlaveRetries, cut.Promote.Round(time.Millisecond))
		}
		if cut.NewPrimary != "" {
			w("- New primary: `%s` (%d Sentinels named it when the old primary was fenced).\n", cut.NewPrimary, cut.SentinelsNaming)
		}
		for _, n := range cut.Notes {
			w("- Note: %s\n", n)
		}
	}
	if x.HA != "" {
		w("- High availability: %s.\n", x.HA)
	}
	for _, l := range x.Sync {
		w("- %s\n", l)
	}
	switch {
	case canaryStats != nil && rf.readBack != nil:
		// The acknowledged count is the read-back's: one number, said
		// with the moment it was counted.
		w("- Canary writer (`%s`): %d failed writes; longest stall **%s**.\n",
			canaryStats.Namespace, canaryStats.Failed, canaryStats.LongestStall.Round(time.Millisecond))
	case canaryStats != nil:
		w("- Canary writer (`%s`): %d writes acknowledged, %d failed; longest stall **%s**.\n",
			canaryStats.Namespace, canaryStats.Acked, canaryStats.Failed, canaryStats.LongestStall.Round(time.Millisecond))
	}
	if rb := rf.readBack; rb != nil {
		w("- Canary read-back (%s step): %s.\n", rb.Step, rb.SummaryAs("**%d lost**"))
	}

	// Key counts: the first snapshot's source, and the last snapshot's target.
	first, last := rf.first, rf.last
	if x.Final != nil {
		last = x.Final
	}
	if first != nil && last != nil {
		w("\n## Key counts\n\n")
		w("| db | source at %s (keys / expires) | target at %s (keys / expires) |\n|---|---|---|\n",
			first.At.Format("15:04:05"), last.At.Format("15:04:05"))
		ids := steps.KeyspaceDBs(first.Source.Keyspace, last.Target.Keyspace)
		for _, db := range ids {
			s, t := first.Source.Keyspace[db], last.Target.Keyspace[db]
			w("| db%d | %d / %d | %d / %d |\n", db, s.Keys, s.Expires, t.Keys, t.Expires)
		}
		if len(ids) == 0 {
			w("| - | empty | empty |\n")
		}
	}

	writeSamples(w, samples)

	w("\n## Timeline\n\n| time | +s | what |\n|---|---|---|\n")
	for _, e := range entries {
		what := ""
		switch e.Kind {
		case auditlog.KindStep:
			what = fmt.Sprintf("step **%s** %s", e.Step, e.Event)
			if e.Error != "" {
				what += ": " + e.Error
			}
		case auditlog.KindConfirm:
			what = fmt.Sprintf("confirmation %s (%s): %s", e.Phase, e.Event, e.Message)
		case auditlog.KindPhase:
			what = fmt.Sprintf("%s: %s", e.Step, e.Phase)
			if e.Message != "" {
				what += " (" + e.Message + ")"
			}
		case auditlog.KindNote:
			what = e.Message
		case auditlog.KindCommand:
			if e.Write {
				what = fmt.Sprintf("sent `%s` to %s", strings.Join(e.Args, " "), e.Endpoint)
			}
		}
		if what == "" {
			continue
		}
		w("| %s | %.3f | %s |\n", e.Time.Format("15:04:05.000"), e.Time.Sub(t0).Seconds(), mdCell(what))
	}

	w("\n## Commands that changed something\n\n| time | endpoint | command | reply |\n|---|---|---|---|\n")
	replies := map[int64]auditlog.Entry{}
	for _, e := range entries {
		if e.Kind == auditlog.KindReply {
			replies[e.Ref] = e
		}
	}
	reads := 0
	for _, e := range entries {
		if e.Kind != auditlog.KindCommand {
			continue
		}
		if !e.Write {
			reads++
			continue
		}
		reply := "(no reply recorded)"
		if r, ok := replies[e.Seq]; ok {
			if r.Error != "" {
				reply = "error: " + r.Error
			} else {
				reply = fmt.Sprint(r.Reply)
			}
			reply += fmt.Sprintf(" (%.1f ms)", r.Millis)
		}
		w("| %s | %s `%s` | `%s` | %s |\n", e.Time.Format("15:04:05.000"), e.Endpoint, e.Addr, strings.Join(e.Args, " "), mdCell(reply))
	}
	w("\nPlus %d read commands (INFO, ROLE, SENTINEL ...): see the audit log.\n", reads)
	return b.String()
}

// serverKinds are ", Redis 7.0.15" and ", Dragonfly 1.40.1" (or "redis-server
// 7.0.15, a stand-in for Dragonfly"): the kind and version each server
// reported, from the first snapshot where it answered (the target: the
// last, or the final one).
func serverKinds(entries []auditlog.Entry, final *probe.Snapshot) (source, target string) {
	var src, tgt *probe.Node
	for i := range entries {
		s := entries[i].Snapshot
		if s == nil {
			continue
		}
		if src == nil && s.Source.Reachable && s.Source.Kind != probe.KindUnknown {
			src = &s.Source
		}
		if s.Target.Reachable && s.Target.Kind != probe.KindUnknown {
			tgt = &s.Target
		}
	}
	if final != nil && final.Target.Reachable && final.Target.Kind != probe.KindUnknown {
		tgt = &final.Target
	}
	if final != nil && src == nil && final.Source.Reachable && final.Source.Kind != probe.KindUnknown {
		src = &final.Source
	}
	return serverKind(src, false), serverKind(tgt, true)
}

func serverKind(n *probe.Node, target bool) string {
	if n == nil {
		return ", kind not known (it did not answer a poll that was recorded)"
	}
	switch n.Kind {
	case probe.KindDragonfly:
		return ", Dragonfly " + n.Version
	case probe.KindRedis, probe.KindValkey:
		if target {
			return fmt.Sprintf(", %s-server %s (a stand-in for Dragonfly)", n.Kind, n.Version)
		}
		return ", " + n.Capabilities().Name() // Redis 6.0.20, Valkey 8.0.1
	}
	return fmt.Sprintf(", %s %s", n.Kind, n.Version)
}

// writeSamples is the report's section on the sampled comparisons of keys.
func writeSamples(w func(string, ...any), samples []steps.SampleRun) {
	w("\n## Sampled comparison of keys\n\n")
	if len(samples) == 0 {
		w("No sample of keys was compared in this session.\n")
		return
	}
	w("| time | step | compared | keys compared | matched | differ | written too often | gone meanwhile | took |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range samples {
		what := "source with target (replica)"
		if s.AfterCutover {
			what = "old primary with new primary"
		}
		r := &s.Result
		keys := fmt.Sprintf("%d (%s)", r.Compared, steps.ModeWord(r.Mode))
		if len(r.Databases) > 1 {
			keys = fmt.Sprintf("%d of %s (%s)", r.Compared, sampling.DatabaseList(r.Databases), steps.ModeWord(r.Mode))
		}
		w("| %s | %s | %s | %s | %d | **%d** | %d | %d | %s |\n", s.At.Format("15:04:05"), s.Step, what,
			keys, r.Matched, len(r.Mismatches), len(r.Unsettled), r.Vanished, r.Elapsed.Round(time.Millisecond))
	}
	for _, s := range samples {
		r := &s.Result
		if r.Error != "" {
			w("\n- %s (%s): stopped early: %s\n", s.At.Format("15:04:05"), s.Step, mdCell(r.Error))
		}
		if len(r.Mismatches) == 0 {
			continue
		}
		w("\nKeys that differ at %s (%s)", s.At.Format("15:04:05"), s.Step)
		if s.AfterCutover {
			w(": the old primary's data stopped at the cutover, so a key the application changed since differs too")
		}
		w(":\n\n")
		for _, m := range r.Mismatches {
			key := m.Key
			if m.DB != 0 {
				key = fmt.Sprintf("db%d:%s", m.DB, m.Key)
			}
			w("- `%s`: %s (source %s, target %s)\n", mdCell(key), m.What, mdCell(m.Source), mdCell(m.Target))
		}
	}
}
