package commands

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"flyover/driver"
	"flyover/probe"
	"flyover/probe/canary"
	"flyover/steps"
	"flyover/steps/auditlog"
	"flyover/ui/common"
)

// guideSetup is what the guided checklist is wired from.
type guideSetup struct {
	conn      resolved
	readOnly  bool
	auditPath string // "" for steps.DefaultAuditPath in the current directory
	// canary starts a canary writer through Sentinel (--canary); writer is
	// one already running (the demo's application).
	canary bool
	writer *canary.Canary
	label  string // what the writer is, for the application panel
	opts   steps.Options
	// audit, when set, is the log to use (a master's view of the fleet's
	// log); the guide then neither opens nor closes one.
	audit *auditlog.Audit
}

// guide is the guided checklist, wired: the audit log, the session, the
// runner over the prober's endpoints, and the writer if any.
type guide struct {
	guide  common.Guide
	audit  *auditlog.Audit
	canary *canary.Canary // started here (--canary), closed here
	// recalled are the replica priorities an earlier run replaced with 0,
	// read back from the audit logs: timeline entries at the start.
	recalled []common.Note
}

// openGuide opens the audit log and builds the runner every step's
// commands go through.
func openGuide(ctx context.Context, p *probe.Prober, s guideSetup) (*guide, error) {
	a := s.audit
	if a == nil {
		var err error
		if a, err = auditFor(s); err != nil {
			return nil, err
		}
		a.SetSecrets(s.conn.secrets...)
		for _, w := range s.conn.warnings {
			a.Log(auditlog.Entry{Kind: auditlog.KindNote, Message: "warning: " + w}, false)
		}
	}
	session := steps.NewSession()
	r := steps.NewRunner(p, a, session, s.opts)
	r.ReadOnly = s.readOnly
	src, sen := s.conn.groups[groupSource], s.conn.groups[groupSentinel]
	r.DialReplica = p.Source.WithAddr // as the source is reached, guard included
	g := &guide{audit: a}
	for _, line := range r.RecallPriorities() {
		g.recalled = append(g.recalled, common.Note{Kind: "recalled", Text: line})
	}
	w := s.writer
	if s.canary {
		var addrs []string
		for _, e := range p.Sentinels {
			addrs = append(addrs, e.Addr)
		}
		c, err := canary.StartCanary(ctx, canary.CanaryOptions{MasterName: p.Topo.MasterName, Sentinels: addrs,
			Auth: src.auth, SentinelAuth: sen.auth, TLS: src.tls})
		if err != nil {
			a.Close()
			return nil, err
		}
		g.canary, w = c, c
		s.label = fmt.Sprintf("canary, %d writes/s via Sentinel", canary.DefaultCanaryRate)
	}
	r.Canary = w
	g.guide = common.Guide{Runner: driver.Steps(r), Session: session, Options: s.opts, Audit: a, WriterLabel: s.label}
	if w != nil {
		g.guide.Writer = w
	}
	return g, nil
}

// auditFor opens the audit log: --audit-log, else a new one here, except
// in read-only mode, where nothing is kept unless asked for.
func auditFor(s guideSetup) (*auditlog.Audit, error) {
	path := s.auditPath
	switch {
	case path == "" && s.readOnly:
		return auditlog.NoAudit(), nil
	case path == "":
		path = auditlog.DefaultAuditPath(time.Now())
	}
	return auditlog.OpenAudit(path)
}

// close stops the canary it started and closes the audit log.
func (g *guide) close() {
	if g.canary != nil {
		g.canary.Close()
	}
	g.audit.Close()
}

// printRecord says, after the dashboard, where the record of the session is.
func (g *guide) printRecord(w io.Writer) {
	if g.audit.Path() == "" {
		fmt.Fprintln(w, "flyover: read-only: no audit log written (--audit-log FILE keeps one)")
		return
	}
	audit, report := g.record()
	fmt.Fprintf(w, "flyover: audit log %s\n", audit)
	if report != "" {
		fmt.Fprintf(w, "flyover: report    %s\n", report)
	}
}

// record is where the session's record is, as absolute paths: the audit
// log, and the report when a step wrote one ("" when none).
func (g *guide) record() (audit, report string) {
	audit = absPath(g.audit.Path())
	if r := g.audit.ReportPath(); fileExists(r) { // a fleet master's own, named after it
		report = absPath(r)
	}
	return audit, report
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
