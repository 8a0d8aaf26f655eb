package probe_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
)

// TestCaptureVersionFixtures writes what a real server of the lab's
// version answers (INFO, ROLE, SENTINEL replies, the errors of commands
// it lacks) into $FLYOVER_CAPTURE_FIXTURES/<kind>-<version>/, as JSON of
// the RESP2 reply go-redis decodes. Run it once per version
// (FLYOVER_REDIS_BIN_DIR=...); TestVersionFixtures reads them in CI.
func TestCaptureVersionFixtures(t *testing.T) {
	root := os.Getenv("FLYOVER_CAPTURE_FIXTURES")
	if root == "" {
		t.Skip("set FLYOVER_CAPTURE_FIXTURES=probe/testdata/versions (absolute) to capture this version's replies")
	}
	l := labtest.Start(t, lab.Options{ExtraReplicas: 1, PreloadKeys: 100, FailoverTimeout: 20 * time.Second})
	ctx := context.Background()
	if err := l.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	src, tgt, sen := l.Source.Client(), l.Target.Client(), l.Sentinels[0].Client()
	defer src.Close()
	defer tgt.Close()
	defer sen.Close()
	labtest.Wait(t, 30*time.Second, "the source lists both replicas online", func() bool {
		s, _ := src.Info(ctx, "replication").Result()
		return strings.Count(s, "state=online") == 2
	})
	labtest.Wait(t, 60*time.Second, "sentinel-1 lists both replicas, linked and with an offset", func() bool {
		v, _ := sen.Do(ctx, "SENTINEL", "REPLICAS", "flyover").Result()
		reps, err := probe.ParseSentinelReplicas(v)
		if err != nil || len(reps) != 2 {
			return false
		}
		for _, r := range reps {
			if r.MasterLinkStatus != "ok" || r.Offset == 0 || strings.Contains(strings.Join(r.Flags, ","), "disconnected") {
				return false
			}
		}
		return true
	})
	server, _, _ := lab.Binaries()
	dir := filepath.Join(root, string(server.Kind)+"-"+server.Version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Source.Port)
	type capture struct {
		name string
		do   func() (any, error)
	}
	caps := []capture{
		{"source-info", func() (any, error) { return src.Do(ctx, "INFO").Result() }},
		{"source-role", func() (any, error) { return src.Do(ctx, "ROLE").Result() }},
		{"source-client-pause-write", func() (any, error) { return src.Do(ctx, "CLIENT", "PAUSE", "10", "WRITE").Result() }},
		{"source-client-unpause", func() (any, error) { return src.Do(ctx, "CLIENT", "UNPAUSE").Result() }},
		{"source-acl-dryrun", func() (any, error) { return src.Do(ctx, "ACL", "DRYRUN", "default", "GET", "k").Result() }},
		{"source-acl-getuser", func() (any, error) { return src.Do(ctx, "ACL", "GETUSER", "default").Result() }},
		{"source-function-list", func() (any, error) { return src.Do(ctx, "FUNCTION", "LIST").Result() }},
		{"source-config-min-replicas-to-write", func() (any, error) {
			return src.Do(ctx, "CONFIG", "GET", "min-replicas-to-write").Result()
		}},
		{"target-info", func() (any, error) { return tgt.Do(ctx, "INFO").Result() }},
		{"target-role", func() (any, error) { return tgt.Do(ctx, "ROLE").Result() }},
		{"sentinel-info", func() (any, error) { return sen.Do(ctx, "INFO").Result() }},
		{"sentinel-master", func() (any, error) { return sen.Do(ctx, "SENTINEL", "MASTER", "flyover").Result() }},
		{"sentinel-masters", func() (any, error) { return sen.Do(ctx, "SENTINEL", "MASTERS").Result() }},
		{"sentinel-replicas", func() (any, error) { return sen.Do(ctx, "SENTINEL", "REPLICAS", "flyover").Result() }},
		{"sentinel-sentinels", func() (any, error) { return sen.Do(ctx, "SENTINEL", "SENTINELS", "flyover").Result() }},
		{"sentinel-get-master-addr", func() (any, error) {
			return sen.Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "flyover").Result()
		}},
		{"sentinel-ckquorum", func() (any, error) { return sen.Do(ctx, "SENTINEL", "CKQUORUM", "flyover").Result() }},
		{"sentinel-is-master-down", func() (any, error) {
			return sen.Do(ctx, "SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", port, "0", "*").Result()
		}},
		{"sentinel-failover-unknown-master", func() (any, error) {
			return sen.Do(ctx, "SENTINEL", "FAILOVER", "no-such-master").Result()
		}},
	}
	for _, c := range caps {
		v, err := c.do()
		doc := fixtureReply(v, err)
		b, _ := json.MarshalIndent(doc, "", " ")
		if err := os.WriteFile(filepath.Join(dir, c.name+".json"), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d replies of %s into %s", len(caps), server, dir)
}

// fixtureReply is a reply as JSON: strings, integers, arrays, null, and
// an error as {"error": "..."}.
func fixtureReply(v any, err error) any {
	if err != nil && err.Error() != "redis: nil" {
		return map[string]string{"error": err.Error()}
	}
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fixtureReply(e, nil)
		}
		return out
	case error:
		return map[string]string{"error": x.Error()}
	}
	return v
}
