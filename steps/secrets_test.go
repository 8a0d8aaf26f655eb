package steps_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"flyover/lab"
	"flyover/probe"
	"flyover/steps"
	"flyover/steps/plan"
	"flyover/ui/status"
)

// goRedisLog holds go-redis's log lines for the whole test binary
// (TestMain sends them here).
var goRedisLog = &lockedBuffer{}

// lockedBuffer is a bytes.Buffer safe for go-redis's logger.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A whole migration with a password on the data nodes, an ACL user for
// flyover, another for replication, and a separate Sentinel password:
// none of the passwords (nor their SHA-256, as ACL GETUSER shows them)
// is in the audit log, the report, go-redis's log, `status --json`, the
// plan and the commands the UI shows, the progress lines, or any error.
// The audit log is not told the secrets (Audit.SetSecrets): nothing may
// depend on scrubbing.
func TestSecretsNeverAppearInAnyArtefact(t *testing.T) {
	t.Parallel()
	const (
		pwData     = "data-pw-Zq81x"
		pwSentinel = "sentinel-pw-Kd02m"
		pwFlyover  = "flyover-pw-Vr55n"
		pwRepl     = "repl-pw-Hs73p"
	)
	secrets := []string{pwData, pwSentinel, pwFlyover, pwRepl}
	for _, s := range []string{pwData, pwSentinel, pwFlyover, pwRepl} {
		h := sha256.Sum256([]byte(s))
		secrets = append(secrets, hex.EncodeToString(h[:]))
	}
	lo := lab.Options{PreloadKeys: 5000, Password: pwData, SentinelPassword: pwSentinel, ReplicationUser: "repl",
		Users: []lab.User{{Name: "flyover", Password: pwFlyover, Rules: "+@all"}, {Name: "repl", Password: pwRepl, Rules: "+@all"}}}
	so := steps.Options{SteadyPolls: 3, PollInterval: 250 * time.Millisecond}
	l := startRig(t, lo, so).lab
	g := rigWith(t, l, so, probe.Auth{Username: "flyover", Password: pwFlyover}, probe.Auth{Password: pwSentinel}, nil)
	canary := startWritingCanary(t, l, 500, 100)
	g.runner.Canary = canary
	ctx := context.Background()

	var seen []string // everything flyover would show or write, besides the files
	record := func(what string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, what+": "+string(b))
	}
	shown := func(f steps.Facts) {
		c := plan.Plan(f, so)
		record("plan", c)
		record("facts", f)
		var buf bytes.Buffer
		if err := status.WriteStatusJSON(&buf, f.Snapshot); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, "status --json: "+buf.String())
		record("status doc", status.NewStatusDoc(f.Snapshot))
		for _, s := range steps.Steps() {
			for _, cmd := range s.Commands(f, so) {
				seen = append(seen, "command: "+cmd.String())
			}
			for _, cf := range s.Confirmations(f, so) {
				record("confirmation", cf)
			}
			record("precondition", s.Precondition(f, so))
		}
	}

	// Secrets in commands the audited path may be asked to send, and in
	// replies that carry them.
	for _, args := range [][]any{{"AUTH", "flyover", pwFlyover}, {"CONFIG", "GET", "masterauth"}, {"ACL", "GETUSER", "repl"}} {
		if _, err := g.runner.Send(ctx, g.prober.Target, args...); err != nil {
			seen = append(seen, "error: "+err.Error())
		}
	}
	ro := rigWith(t, l, so, probe.Auth{Username: "flyover", Password: pwFlyover}, probe.Auth{Password: pwSentinel}, nil)
	ro.runner.ReadOnly = true
	if _, err := ro.runner.Send(ctx, ro.prober.Target, "CONFIG", "SET", "masterauth", pwRepl); err != nil {
		seen = append(seen, "error: "+err.Error())
	}
	// Wrong credentials: the errors name the endpoint, never a password.
	wrong := rigWith(t, l, so, probe.Auth{Username: "flyover", Password: pwRepl}, probe.Auth{Password: pwData}, nil)
	if err := wrong.run(steps.StepPreflight); err != nil {
		seen = append(seen, "error: "+err.Error())
	}
	shown(wrong.facts())

	// The whole migration, step by step, as the UI drives it.
	var final steps.Facts
	for range 15 {
		c, f := g.plan()
		shown(f)
		if c.Current == "" {
			final = f
			break
		}
		if st := c.State(c.Current); st.Status == steps.Blocked {
			t.Fatalf("blocked at %s: %s", c.Current, st.Reason)
		}
		job, err := g.runner.Start(ctx, c.Current, f, yes(c.Current, f, so))
		if err != nil {
			t.Fatalf("%s: %v", c.Current, err)
		}
		for p := range job.Progress {
			record("progress", p)
		}
		if err := job.Err(); err != nil {
			seen = append(seen, "error: "+err.Error())
			t.Fatalf("%s: %v", c.Current, err)
		}
	}
	if final.Report == "" {
		t.Fatal("the migration did not reach the end")
	}
	canary.Stop()
	if v, err := canary.Verify(ctx); err != nil || v.Lost != 0 {
		t.Errorf("canary: %+v %v", v, err)
	}

	files := map[string]string{}
	for _, p := range []string{g.audit.Path(), final.Report, ro.audit.Path(), wrong.audit.Path()} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = string(b)
	}
	files["go-redis log"] = goRedisLog.String()
	files["shown"] = strings.Join(seen, "\n")
	for name, text := range files {
		for i, s := range secrets {
			if strings.Contains(text, s) {
				at := strings.Index(text, s)
				t.Errorf("secret #%d is in %s: ...%s...", i, name, text[max(0, at-200):at])
			}
		}
	}
	if !strings.Contains(files[g.audit.Path()], `"AUTH","flyover","***"`) || !strings.Contains(files[g.audit.Path()], `"masterauth","***"`) {
		t.Error("the redacted commands are not in the audit log: the test did not exercise them")
	}
	t.Logf("checked %d artefacts (%s of text) for %d secrets", len(files), byteCount(files), len(secrets))
	keep(t, g.audit.Path(), final.Report)
}

func byteCount(files map[string]string) string {
	n := 0
	for _, s := range files {
		n += len(s)
	}
	return fmt.Sprintf("%d KiB", n/1024)
}
