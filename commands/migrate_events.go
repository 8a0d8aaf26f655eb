package commands

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"flyover/probe"
	"flyover/steps"
)

// MigrateEvent is one line of `flyover migrate --json` (schema in the
// README): what happened, and the fields that event has.
type MigrateEvent struct {
	At     time.Time `json:"at"`
	Master string    `json:"master"`
	// Event: step-start, phase, step-end, check, lag, cutover, report,
	// waiting, blocked, failed, interrupted, stopped, note, done, exit.
	Event   string        `json:"event"`
	Step    steps.StepID  `json:"step,omitempty"`
	Title   string        `json:"title,omitempty"`
	Answers steps.Answers `json:"answers,omitempty"`
	Phase   string        `json:"phase,omitempty"`
	Message string        `json:"message,omitempty"`
	TookMS  int64         `json:"took_ms,omitempty"`
	Error   string        `json:"error,omitempty"`
	// A check's verdict (check, blocked).
	Level  steps.Level `json:"level,omitempty"`
	Check  string      `json:"check,omitempty"`
	Detail string      `json:"detail,omitempty"`
	Fix    string      `json:"fix,omitempty"`
	// Clears: the block may clear by itself (blocked): the run waited
	// --blocked-for for it.
	Clears bool `json:"clears,omitempty"`
	// RemainingMS: what is left of --blocked-for (waiting for a block to
	// clear by itself).
	RemainingMS int64 `json:"remaining_ms,omitempty"`
	// The link while the target syncs (lag).
	Link       string   `json:"link,omitempty"`
	LagBytes   *int64   `json:"lag_bytes,omitempty"`
	LagSeconds *float64 `json:"lag_seconds,omitempty"`
	InSync     *bool    `json:"in_sync,omitempty"`
	Stage      string   `json:"stage,omitempty"`

	Cutover *MigrateCutover `json:"cutover,omitempty"`
	// ReadBack: the canary's acknowledged writes read back (verify, and
	// the report again for those acknowledged since).
	ReadBack *steps.ReadBack `json:"read_back,omitempty"`
	Report   string          `json:"report,omitempty"`
	AuditLog string          `json:"audit_log,omitempty"`
	Exit     *int            `json:"exit,omitempty"`
}

// MigrateCutover is the cutover as flyover measured it.
type MigrateCutover struct {
	// StallMS: from sending CLIENT PAUSE to the reply to CLIENT UNPAUSE.
	StallMS          float64 `json:"stall_ms"`
	DrainMS          float64 `json:"drain_ms"`
	PromoteMS        float64 `json:"promote_ms"`
	FailoverAttempts int     `json:"failover_attempts"`
	NewPrimary       string  `json:"new_primary,omitempty"`
	SentinelsNaming  int     `json:"sentinels_naming"`
}

// migrateOut writes events: a human line on stderr, and with --json a
// JSON object on stdout; every text redacted.
type migrateOut struct {
	cmd     command
	stdout  io.Writer
	json    bool
	master  string
	secrets []string
	mu      *sync.Mutex // one for every master's lines
}

func (o *migrateOut) emit(e MigrateEvent, human string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.Master = o.master
	red := func(s *string) { *s = probe.Redact(*s, o.secrets...) }
	for _, s := range []*string{&e.Message, &e.Error, &e.Detail, &e.Fix, &human} {
		red(s)
	}
	who := o.cmd.name
	if o.master != "" {
		who += ": " + o.master // a fleet's own lines name none
	}
	fmt.Fprintf(o.cmd.stderr, "%s: %s\n", who, human)
	if o.json {
		b, err := json.Marshal(e)
		if err == nil {
			o.stdout.Write(append(b, '\n'))
		}
	}
}

// check says one check's verdict.
func (o *migrateOut) check(id steps.StepID, c steps.Check) {
	o.emit(MigrateEvent{Event: "check", Step: id, Level: c.Level, Check: c.ID, Title: c.Title, Detail: c.Detail, Fix: c.Fix},
		fmt.Sprintf("%s: %s %s", id, c.Level, checkLine(c)))
}

func sortedStrings(s []string) []string {
	slices.Sort(s)
	return s
}
