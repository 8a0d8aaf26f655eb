package auditlog

import (
	"path/filepath"
	"strings"
)

// ForMaster is master's view of a fleet's shared audit log: every entry
// logged through it names the master, and goes into the one log, in one
// sequence, with its secrets. Closing the view closes nothing.
func (a *Audit) ForMaster(master string) *Audit {
	return &Audit{parent: a, master: master, path: a.path}
}

// Master is the master this view of the log is for, "" for a whole log.
func (a *Audit) Master() string { return a.master }

func (a *Audit) forward(e Entry, sync bool) (int64, error) {
	if e.Master == "" {
		e.Master = a.master
	}
	return a.parent.Log(e, sync)
}

// Mine keeps the entries of this view's master (every entry for a whole
// log, and the log's own opening in both).
func (a *Audit) Mine(entries []Entry) []Entry {
	if a.master == "" {
		return entries
	}
	out := entries[:0:0]
	for _, e := range entries {
		if e.Master == a.master || e.Kind == KindOpen {
			out = append(out, e)
		}
	}
	return out
}

// ReportPath is where this log's report goes (see ReportPath); in a
// fleet, one report per master, named after it.
func (a *Audit) ReportPath() string {
	p := ReportPath(a.path)
	if a.master == "" {
		return p
	}
	ext := filepath.Ext(p)
	return strings.TrimSuffix(p, ext) + "-" + safeName(a.master) + ext
}

// safeName keeps a master name usable in a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}

// FleetReportPath is where the fleet's report goes: next to the audit
// log, named after it, "<audit-log-base>-fleet-report.md".
func (a *Audit) FleetReportPath() string {
	if a.parent != nil {
		return a.parent.FleetReportPath()
	}
	if a.path == "" {
		return ""
	}
	return strings.TrimSuffix(a.path, filepath.Ext(a.path)) + "-fleet-report.md"
}

// Root is the fleet's log that a master's view forwards to, or a itself.
func (a *Audit) Root() *Audit {
	if a.parent != nil {
		return a.parent
	}
	return a
}
