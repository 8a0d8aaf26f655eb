package commands

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"flyover/lab"
	"flyover/lab/labtest"
)

func parseConn(t *testing.T, args ...string) *connFlags {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c connFlags
	c.register(fs)
	base := []string{"--source", "127.0.0.1:1", "--target", "127.0.0.1:2", "--sentinel", "127.0.0.1:3", "--master", "m"}
	if err := fs.Parse(append(base, args...)); err != nil {
		t.Fatal(err)
	}
	return &c
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPasswordsComeFromFilesEnvironmentAndWarnFromArgv(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(file, []byte("from-file\n"), 0o600)
	c := parseConn(t, "--source-password-file", file, "--target-password", "from-argv", "--sentinel-user", "watcher")
	r, err := c.resolve(env(map[string]string{"REDISCLI_AUTH": "from-rediscli", "FLYOVER_SENTINEL_PASSWORD": "sentinel-pw"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.groups[groupSource].auth.Password; got != "from-file" {
		t.Errorf("source password %q", got)
	}
	if got := r.groups[groupTarget].auth.Password; got != "from-argv" {
		t.Errorf("target password %q", got)
	}
	if len(r.warnings) != 1 || !strings.Contains(r.warnings[0], "--target-password") {
		t.Errorf("warnings %q", r.warnings)
	}
	if a := r.groups[groupSentinel].auth; a.Password != "sentinel-pw" || a.Username != "watcher" {
		t.Errorf("sentinel auth %+v", a)
	}
	for _, w := range r.warnings {
		if strings.Contains(w, "from-argv") {
			t.Error("a warning repeats the password")
		}
	}

	// REDISCLI_AUTH is the default for data nodes only.
	c = parseConn(t)
	r, _ = c.resolve(env(map[string]string{"REDISCLI_AUTH": "x"}))
	if r.groups[groupSource].auth.Password != "x" || r.groups[groupTarget].auth.Password != "x" || r.groups[groupSentinel].auth.Password != "" {
		t.Errorf("REDISCLI_AUTH: %+v", r.groups)
	}

	c = parseConn(t, "--source-password-file", "/nonexistent/pw")
	if _, err := c.resolve(env(nil)); err == nil || !strings.Contains(err.Error(), "/nonexistent/pw") {
		t.Errorf("missing file: %v", err)
	}
}

func TestTLSFlagsPerGroupOverrideTheCommonOnes(t *testing.T) {
	c := parseConn(t, "--tls", "--tls-skip-verify", "--sentinel-tls=false")
	r, err := c.resolve(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if r.groups[groupSource].tls == nil || r.groups[groupTarget].tls == nil || r.groups[groupSentinel].tls != nil {
		t.Errorf("tls per group: %v %v %v", r.groups[0].tls != nil, r.groups[1].tls != nil, r.groups[2].tls != nil)
	}
	if len(r.warnings) != 2 || !strings.Contains(r.warnings[0], "verification is OFF") {
		t.Errorf("skip-verify must warn per group that uses it: %q", r.warnings)
	}
	c = parseConn(t, "--source-tls-ca", "/x")
	if _, err := c.resolve(env(nil)); err == nil || !strings.Contains(err.Error(), "add --tls") {
		t.Errorf("TLS file without --tls: %v", err)
	}
}

func TestStatusOverTLSWithPasswordFiles(t *testing.T) {
	l := labtest.Start(t, lab.Options{TLS: true, Password: "data-pw-123", SentinelPassword: "sent-pw-456"})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "data"), []byte("data-pw-123"), 0o600)
	os.WriteFile(filepath.Join(dir, "sent"), []byte("sent-pw-456"), 0o600)
	args := append([]string{"status", "--json"}, l.FlyoverArgs()...)
	args = append(args, "--tls", "--tls-ca", l.TLS.CA, "--tls-cert", l.TLS.ClientCert, "--tls-key", l.TLS.ClientKey,
		"--source-password-file", filepath.Join(dir, "data"), "--target-password-file", filepath.Join(dir, "data"),
		"--sentinel-password-file", filepath.Join(dir, "sent"))
	var out, errb bytes.Buffer
	if code := Run(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, secret := range []string{"data-pw-123", "sent-pw-456"} {
		if strings.Contains(out.String()+errb.String(), secret) {
			t.Errorf("status output contains a password")
		}
	}
}

// Passwords given in argv for several groups are one warning, naming each
// flag: the warning is shown on every screen, and three lines of the same
// advice crowd an 80x24 terminal.
func TestArgvPasswordsAreOneWarning(t *testing.T) {
	c := parseConn(t, "--source-password", "a1", "--target-password", "b2", "--sentinel-password", "c3")
	r, err := c.resolve(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.warnings) != 1 {
		t.Fatalf("warnings %q; want one", r.warnings)
	}
	for _, f := range []string{"--source-password", "--target-password", "--sentinel-password"} {
		if !strings.Contains(r.warnings[0], f) {
			t.Errorf("warning %q does not name %s", r.warnings[0], f)
		}
	}
}
