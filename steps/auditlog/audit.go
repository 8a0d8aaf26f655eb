package auditlog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"flyover/probe"
	"flyover/version"
)

// Kind is what an audit entry records.
type Kind string

const (
	KindOpen     Kind = "open"     // the log was opened, by which flyover (message: version.Line; data: version.Info)
	KindCommand  Kind = "command"  // a command about to be sent (written before it is sent)
	KindReply    Kind = "reply"    // its reply or error (Ref is the command's Seq)
	KindStep     Kind = "step"     // a step started, finished or failed
	KindConfirm  Kind = "confirm"  // the operator's answer to a confirmation
	KindSnapshot Kind = "snapshot" // the whole topology at a step boundary
	KindPhase    Kind = "phase"    // a step moved to a new phase (pausing, draining, ...)
	KindObserve  Kind = "observe"  // a poll during a wait whose summary changed
	KindResult   Kind = "result"   // a step's typed result (cutover timings, canary verdict)
	KindNote     Kind = "note"     // anything else worth keeping
)

// StepID names a step: the steps package lists them.
type StepID string

// Entry is one line of the audit log (JSON lines, one object per line,
// fields only ever added). Every entry has seq (1, 2, ... in write order),
// t (RFC 3339, nanoseconds) and kind; the rest depends on the kind:
//
//	{"seq":7,"t":"...","kind":"confirm","step":"cutover","event":"yes","phase":"cutover","message":"Type the master name (mymaster) to run the cutover: (typed \"mymaster\")"}
//	{"seq":8,"t":"...","kind":"step","step":"cutover","event":"start","message":"Cutover"}
//	{"seq":9,"t":"...","kind":"snapshot","step":"cutover","event":"before","snapshot":{...probe.Snapshot...}}
//	{"seq":10,"t":"...","kind":"phase","step":"cutover","phase":"pausing","message":"CLIENT PAUSE 20000 WRITE on the source: ..."}
//	{"seq":11,"t":"...","kind":"command","step":"cutover","endpoint":"source","addr":"10.0.0.1:6379","args":["CLIENT","PAUSE","20000","WRITE"],"write":true}
//	{"seq":12,"t":"...","kind":"reply","step":"cutover","endpoint":"source","addr":"10.0.0.1:6379","ref":11,"reply":"OK","ms":0.12}
//	{"seq":40,"t":"...","kind":"result","step":"cutover","data":{...CutoverResult...}}
//	{"seq":41,"t":"...","kind":"step","step":"cutover","event":"failed","error":"...","message":"<what to do>"}
//
// A command entry is written (and, for anything but a read, fsync'd)
// before the command is sent; its reply entry follows with ref set to the
// command's seq, and either reply or error. Arguments and replies are
// redacted (RedactArgs, CONFIG GET of secrets, and Audit.SetSecrets).
// "observe" entries are one-line summaries of polls made during a step's
// waits, written when the summary changes.
type Entry struct {
	Seq  int64     `json:"seq"`
	Time time.Time `json:"t"`
	Kind Kind      `json:"kind"`
	Step StepID    `json:"step,omitempty"`
	// Master names the master an entry is about in a fleet's shared log
	// (Audit.ForMaster); "" in a single master's log.
	Master string `json:"master,omitempty"`

	// Commands and replies.
	Endpoint string   `json:"endpoint,omitempty"` // source, target, sentinel-2, replica
	Addr     string   `json:"addr,omitempty"`
	Args     []string `json:"args,omitempty"`  // redacted
	Write    bool     `json:"write,omitempty"` // not a read: it may change something
	Ref      int64    `json:"ref,omitempty"`   // a reply's command
	Reply    any      `json:"reply,omitempty"` // redacted
	Error    string   `json:"error,omitempty"`
	Millis   float64  `json:"ms,omitempty"` // round trip

	// Steps, confirmations, phases, notes.
	Event    string          `json:"event,omitempty"` // step: start, done, failed; confirm: yes, no
	Phase    string          `json:"phase,omitempty"`
	Message  string          `json:"message,omitempty"`
	Snapshot *probe.Snapshot `json:"snapshot,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
}

// Audit is the JSON-lines audit log. Every entry is one write(2) of one
// line, so each is in the operating system's hands when Log returns; an
// entry logged with Sync is also fsync'd. The first error sticks: a log
// that cannot be written makes the audited path refuse to send.
type Audit struct {
	mu      sync.Mutex
	f       *os.File
	path    string
	seq     int64
	err     error
	secrets []string
	// parent and master: a master's view of a fleet's log (ForMaster).
	parent *Audit
	master string
}

// SetSecrets names values that must never reach the log (the passwords
// flyover was given): they are replaced in every argument, reply, error
// and message, on top of the redaction by command shape (RedactArgs).
func (a *Audit) SetSecrets(secrets ...string) {
	if a.parent != nil {
		a.parent.SetSecrets(secrets...)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.secrets = nil
	for _, s := range secrets {
		if s != "" {
			a.secrets = append(a.secrets, s)
		}
	}
}

func (a *Audit) scrub(e *Entry) {
	if len(a.secrets) == 0 {
		return
	}
	for i := range e.Args {
		e.Args[i] = probe.Redact(e.Args[i], a.secrets...)
	}
	e.Error = probe.Redact(e.Error, a.secrets...)
	e.Message = probe.Redact(e.Message, a.secrets...)
	e.Reply = scrubReply(e.Reply, a.secrets)
}

func scrubReply(v any, secrets []string) any {
	switch t := v.(type) {
	case string:
		return probe.Redact(t, secrets...)
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = scrubReply(x, secrets)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[probe.Redact(fmt.Sprint(k), secrets...)] = scrubReply(x, secrets)
		}
		return out
	}
	return v
}

// DefaultAuditPath is the audit log's name when --audit-log is not given:
// a timestamped file in the current directory.
func DefaultAuditPath(now time.Time) string {
	return "flyover-audit-" + now.Format("20060102-150405") + ".jsonl"
}

// OpenAudit opens (appending) or creates the audit log at path, readable
// by its owner only.
func OpenAudit(path string) (*Audit, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w (choose another place with --audit-log)", path, err)
	}
	a := &Audit{f: f, path: path}
	if _, err := a.Log(Entry{Kind: KindOpen, Message: "audit log opened by " + version.Line(), Data: MustJSON(version.Get())}, true); err != nil {
		f.Close()
		return nil, err
	}
	return a, nil
}

// NoAudit is an audit trail kept nowhere, for --read-only without
// --audit-log: an observer leaves no files behind, and read-only sends
// nothing worth a record.
func NoAudit() *Audit { return &Audit{} }

// Path is where the log is; "" for NoAudit.
func (a *Audit) Path() string { return a.path }

// Err is the first write error, if any.
func (a *Audit) Err() error {
	if a.parent != nil {
		return a.parent.Err()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Log numbers and timestamps e, writes it as one line, and, with sync,
// waits until it is on disk. It returns the entry's sequence number.
func (a *Audit) Log(e Entry, sync bool) (int64, error) {
	if a.parent != nil {
		return a.forward(e, sync)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return 0, a.err
	}
	a.seq++
	e.Seq = a.seq
	e.Args = append([]string(nil), e.Args...)
	a.scrub(&e)
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if a.path == "" {
		return e.Seq, nil // NoAudit
	}
	b, err := json.Marshal(e)
	if err != nil {
		// A reply that does not marshal is kept as text rather than lost.
		e.Reply, e.Data = fmt.Sprint(e.Reply), nil
		if b, err = json.Marshal(e); err != nil {
			return 0, a.fail(err)
		}
	}
	if _, err := a.f.Write(append(b, '\n')); err != nil {
		return 0, a.fail(err)
	}
	if sync {
		if err := a.f.Sync(); err != nil {
			return 0, a.fail(err)
		}
	}
	return e.Seq, nil
}

func (a *Audit) fail(err error) error {
	a.err = fmt.Errorf("audit log %s: %w", a.path, err)
	return a.err
}

// Close flushes and closes the log.
func (a *Audit) Close() error {
	if a.parent != nil {
		return nil // the fleet's log is closed by its owner
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return nil
	}
	err := a.f.Sync()
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	a.f = nil
	if a.err == nil {
		a.err = fmt.Errorf("audit log %s: closed", a.path)
	}
	return err
}

// ReadAudit reads an audit log back. A torn last line (flyover killed
// mid-write) is skipped.
func ReadAudit(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			continue
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// ReportPath is where the report for an audit log goes: next to it, with
// the same timestamp.
func ReportPath(auditPath string) string {
	dir, base := filepath.Split(auditPath)
	if strings.HasPrefix(base, "flyover-audit-") && strings.HasSuffix(base, ".jsonl") {
		return filepath.Join(dir, "flyover-report-"+strings.TrimSuffix(strings.TrimPrefix(base, "flyover-audit-"), ".jsonl")+".md")
	}
	return filepath.Join(dir, strings.TrimSuffix(base, filepath.Ext(base))+".report.md")
}

func MustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
