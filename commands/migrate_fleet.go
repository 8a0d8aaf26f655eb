package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"flyover/driver"
	"flyover/fleet"
	"flyover/probe"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/steps/plan"
)

// `flyover migrate --targets FILE`: every master of the targets file, each
// through its own driver as `flyover migrate` runs one, in turn: at most
// --max-syncs attaches and full syncs at once, cutovers one at a time
// (fleet.Turns, as the fleet screen), each cutover only for a master named
// in --confirm-masters. A master that blocks or fails stops alone, with
// its reasons; the others go on.

// fleetPlan is what each master of a fleet runs: the flags, with its own
// typed name when --confirm-masters lists it.
func (m *migrateFlags) fleetPlan(names []string) (map[string]migrateFlags, steps.StepID, error) {
	var problems []string
	if m.confirmMaster != "" || m.abort {
		problems = append(problems, "--confirm-master and --abort name one master: with --targets, list the masters whose cutover may run in --confirm-masters")
	}
	if m.maxSyncs <= 0 {
		problems = append(problems, "--max-syncs must be positive")
	}
	confirmed := map[string]bool{}
	for _, n := range strings.Split(m.confirmMasters, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if !slices.Contains(names, n) {
			problems = append(problems, fmt.Sprintf("--confirm-masters: %q is not a master of the targets file the Sentinels monitor (%s)", n, strings.Join(names, ", ")))
		}
		confirmed[n] = true
	}
	one := *m
	one.targets, one.confirmMasters = "", ""
	one.maxSyncs = 1
	if len(confirmed) > 0 {
		one.confirmMaster = "x" // each master's own name below: checked once for the shape
	}
	until, err := one.check("x")
	if err != nil {
		problems = append(problems, strings.ReplaceAll(err.Error(), "--confirm-master ", "--confirm-masters "))
	}
	if len(problems) > 0 {
		return nil, "", errors.New(strings.Join(problems, "\n"))
	}
	plans := map[string]migrateFlags{}
	for _, n := range names {
		f := one
		f.confirmMaster = ""
		if confirmed[n] {
			f.confirmMaster = n
		}
		plans[n] = f
	}
	return plans, until, nil
}

// untilFor is where master runs to: --until, or the last step before the
// cutover when --confirm-masters does not name it.
func untilFor(f migrateFlags, until steps.StepID) steps.StepID {
	if f.confirmMaster == "" && until != steps.StepAbort && driver.Index(until) >= driver.Index(steps.StepCutover) {
		return defaultUntil
	}
	return until
}

func runMigrateFleet(ctx context.Context, cmd command, c *connFlags, sf *screenFlags, mf *migrateFlags, stdout io.Writer) int {
	f, conn, code := cmd.connectFleet(ctx, c, mf.targets, false)
	if f == nil {
		return code
	}
	defer f.Close()
	var names []string
	for _, m := range f.Masters {
		if m.Target != "" {
			names = append(names, m.Name)
		}
	}
	plans, until, err := mf.fleetPlan(names)
	if err != nil {
		return cmd.fail(migrateUsageError, err)
	}
	logger, closeLog, err := openLog(sf.logFile(false))
	if err != nil {
		return cmd.fail(migrateUsageError, err)
	}
	defer closeLog()
	cmd.warn(append(append([]string(nil), conn.warnings...), f.Warnings()...))
	auditPath := sf.auditPath
	if auditPath == "" {
		auditPath = auditlog.DefaultAuditPath(time.Now())
	}
	audit, err := auditlog.OpenAudit(auditPath)
	if err != nil {
		return cmd.fail(migrateUsageError, err)
	}
	defer audit.Close()
	audit.SetSecrets(conn.secrets...)
	for _, w := range conn.warnings {
		audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Message: "warning: " + w}, false)
	}
	logger.Printf("migrate fleet start: %d masters, sentinels %s, targets %s, max-syncs %d, until %s", len(f.Masters), c.sentinels, mf.targets, mf.maxSyncs, until)

	work := context.WithoutCancel(ctx)
	events := newEventFan(work, f.Sentinels)
	defer events.stop()
	turns := fleet.NewTurns(mf.maxSyncs)
	mu := &sync.Mutex{}
	var wg sync.WaitGroup
	codes := map[string]int{}
	var cmu sync.Mutex
	for _, m := range f.Masters {
		out := &migrateOut{cmd: cmd, stdout: stdout, json: mf.asJSON, master: m.Name, secrets: conn.secrets, mu: mu}
		if !m.Migratable() {
			why := m.Why
			if why == "" {
				why = "no line in " + mf.targets
			}
			out.emit(MigrateEvent{Event: "skipped", Message: why}, "skipped: "+why)
			if m.Target != "" {
				codes[m.Name] = migrateStopped // the file names its target: it was meant to go
			}
			continue
		}
		flags := plans[m.Name]
		u := untilFor(flags, until)
		g, err := openGuide(work, m.Prober, guideSetup{conn: conn, audit: audit.ForMaster(m.Name), canary: flags.canary, opts: flags.options()})
		if err != nil {
			out.emit(MigrateEvent{Event: "failed", Error: err.Error()}, err.Error())
			codes[m.Name] = migrateStopped
			continue
		}
		if u != until {
			out.emit(MigrateEvent{Event: "note", Step: u, Message: "not in --confirm-masters: stops before the cutover"}, "not in --confirm-masters: stops before the cutover")
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer g.close()
			code := migrateMaster(ctx, migrateSetup{
				flags: &flags, until: u, p: m.Prober, guide: g, events: events.forMaster(m.Name), out: out, tick: sf.tick, logf: logger.Printf,
				gate:     func(id steps.StepID) (func(error), error) { return turns.Acquire(m.Name, id) },
				observed: func(s probe.Snapshot) { turns.Observe(m.Name, fleet.PhaseOf(m, m.Prober.Topo, s)) },
			})
			cmu.Lock()
			codes[m.Name] = code
			cmu.Unlock()
		}()
	}
	wg.Wait()
	final := migrateDone
	var stopped []string
	for _, n := range names {
		code, ok := codes[n]
		switch {
		case !ok:
		case code == migratePastNoReturn:
			final = migratePastNoReturn
			stopped = append(stopped, n)
		case code != migrateDone:
			if final == migrateDone {
				final = migrateStopped
			}
			stopped = append(stopped, n)
		}
	}
	report, rerr := plan.WriteFleetReport(audit, names)
	fleetOut := &migrateOut{cmd: cmd, stdout: stdout, json: mf.asJSON, master: "", secrets: conn.secrets, mu: mu}
	summary := fmt.Sprintf("fleet: %d of %d masters done", len(names)-len(stopped), len(names))
	if len(stopped) > 0 {
		summary += "; stopped: " + strings.Join(stopped, ", ")
	}
	if rerr != nil {
		summary += fmt.Sprintf("; fleet report not written: %v", rerr)
		report = ""
	} else {
		report = absPath(report)
		summary += "; fleet report " + report
	}
	fleetOut.emit(MigrateEvent{Event: "exit", Exit: &final, AuditLog: absPath(audit.Path()), Report: report, Message: summary}, summary)
	logger.Printf("migrate fleet end: exit %d", final)
	return final
}
