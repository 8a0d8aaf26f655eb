package steps

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"flyover/steps/auditlog"
)

// Step 6 records, in the audit log, each replica-priority it replaces
// with 0, and abort records each one it puts back. A flyover restarted
// mid-migration (a dropped SSH session) reads those records back, from
// its own audit log and the other flyover audit logs beside it, so that
// abort can still put back what an earlier run replaced.

// The Phase of the notes that carry a priorityRecord.
const (
	PhasePrioritySaved    = "replica-priority-saved"
	PhasePriorityRestored = "replica-priority-restored"
)

// PriorityRecord is the Data of those notes.
type PriorityRecord struct {
	Master  string `json:"master"`
	Replica string `json:"replica"`
	Old     int    `json:"old_priority"`
}

func (r *Runner) NotePriority(ctx context.Context, phase string, rec PriorityRecord, msg string) {
	rec.Master = r.Prober.Topo.MasterName
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Step: StepOf(ctx), Phase: phase, Endpoint: "replica", Addr: rec.Replica,
		Message: msg, Data: auditlog.MustJSON(rec)}, true)
}

// maxRecallFiles bounds how many audit logs a restart reads.
const maxRecallFiles = 20

// RecallPriorities reads back the replica priorities that earlier runs
// of flyover for this master replaced with 0 and did not put back, from
// the audit log in use and the newest flyover-audit-*.jsonl files in its
// directory, and keeps them for abort (each is still restored only where
// the replica is at 0). It returns one line for the operator per replica
// recalled, and notes them in the audit log.
func (r *Runner) RecallPriorities() []string {
	path := r.Audit.Path()
	if path == "" {
		return nil
	}
	path = filepath.Clean(path)
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "flyover-audit-*.jsonl"))
	files = slices.DeleteFunc(files, func(f string) bool { return filepath.Clean(f) == path })
	slices.Sort(files) // their names sort by time
	if len(files) > maxRecallFiles {
		files = files[len(files)-maxRecallFiles:]
	}
	files = append(files, path) // the log in use last: the newest records
	old, from := map[string]int{}, map[string]string{}
	for _, f := range files {
		readPriorityRecords(f, r.Prober.Topo.MasterName, func(phase string, rec PriorityRecord) {
			if phase == PhasePrioritySaved {
				old[rec.Replica], from[rec.Replica] = rec.Old, f
			} else {
				delete(old, rec.Replica)
			}
		})
	}
	var lines []string
	for _, addr := range slices.Sorted(maps.Keys(old)) {
		r.Session.RecordOldPriority(addr, old[addr])
		msg := fmt.Sprintf("replica %s was at replica-priority %d before an earlier run set 0: abort puts it back", addr, old[addr])
		r.Audit.Log(auditlog.Entry{Kind: auditlog.KindNote, Endpoint: "replica", Addr: addr,
			Message: "recalled from " + from[addr] + ": " + msg + " (while it is still 0)"}, false)
		lines = append(lines, msg)
	}
	return lines
}

// readPriorityRecords calls fn for each priority note about master in
// the audit log at path, in order. Lines that are not such notes are
// skipped without decoding (snapshots make most lines long); an
// unreadable file or line is skipped.
func readPriorityRecords(path, master string, fn func(phase string, rec PriorityRecord)) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, PhasePrioritySaved) && !strings.Contains(line, PhasePriorityRestored) {
			continue
		}
		var e auditlog.Entry
		var rec PriorityRecord
		if json.Unmarshal([]byte(line), &e) != nil || e.Kind != auditlog.KindNote || json.Unmarshal(e.Data, &rec) != nil {
			continue
		}
		if rec.Master != master || rec.Replica == "" || (e.Phase != PhasePrioritySaved && e.Phase != PhasePriorityRestored) {
			continue
		}
		fn(e.Phase, rec)
	}
}
