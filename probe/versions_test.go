package probe

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The replies of every version flyover supports, captured from the real
// servers (TestCaptureVersionFixtures: a source with two replicas, one of
// them the target, and three Sentinels, all of that version), parsed as
// flyover parses them. CI has one redis-server; these cover the others.

// versionReply reads one captured reply: JSON of the RESP2 reply, an
// error as {"error": "..."}.
func versionReply(t *testing.T, dir, name string) (any, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%s/%s: %v", dir, name, err)
	}
	if m, ok := v.(map[string]any); ok {
		return nil, m["error"].(string)
	}
	return fromJSON(v), ""
}

// fromJSON turns JSON numbers into the int64 go-redis returns.
func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		n, _ := x.Int64()
		return n
	case []any:
		for i := range x {
			x[i] = fromJSON(x[i])
		}
	}
	return v
}

func TestVersionFixtures(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/versions/*-*")
	if len(dirs) < 5 {
		t.Fatalf("only %d versions captured: %v", len(dirs), dirs)
	}
	for _, dir := range dirs {
		kind, version, _ := strings.Cut(filepath.Base(dir), "-")
		t.Run(filepath.Base(dir), func(t *testing.T) {
			info := func(name string) Info {
				v, e := versionReply(t, dir, name)
				if e != "" {
					t.Fatalf("%s: %s", name, e)
				}
				return ParseInfo(AsString(v))
			}
			role := func(name string) *RoleReply {
				v, _ := versionReply(t, dir, name)
				r, err := ParseRole(v)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return &r
			}

			// The source: its own kind and version (Valkey's valkey_version,
			// not the redis_version it keeps for compatibility), a primary
			// listing both replicas with their offsets.
			src := NodeFromInfo(info("source-info"), role("source-role"))
			if string(src.Kind) != kind || src.Version != version || src.Role != RolePrimary {
				t.Fatalf("source: %s %s %s, want %s %s master", src.Kind, src.Version, src.Role, kind, version)
			}
			if len(src.Replicas) != 2 {
				t.Fatalf("source lists %d replicas: %+v", len(src.Replicas), src.Replicas)
			}
			for _, r := range src.Replicas {
				if r.State != "online" || !r.HasOffset || r.Port == 0 {
					t.Errorf("replica line %+v", r)
				}
			}

			// The target, a replica of that version: synced, with its own
			// offset as the source's byte offset.
			tgt := NodeFromInfo(info("target-info"), role("target-role"))
			if tgt.Role != RoleReplica || !tgt.Synced() || !tgt.OffsetTrusted || tgt.MasterPort == 0 {
				t.Errorf("target: role %s synced %t trusted %t master port %d", tgt.Role, tgt.Synced(), tgt.OffsetTrusted, tgt.MasterPort)
			}
			if tgt.Kind != src.Kind || tgt.Version != version {
				t.Errorf("target: %s %s", tgt.Kind, tgt.Version)
			}

			// What the version allows is what the real server answered.
			caps := src.Capabilities()
			for name, allowed := range map[string]bool{
				"source-client-pause-write": caps.PauseWrites,
				"source-client-unpause":     caps.Unpause,
				"source-acl-dryrun":         caps.ACLDryRun,
				"source-function-list":      caps.Functions,
			} {
				_, e := versionReply(t, dir, name)
				if (e == "") != allowed {
					t.Errorf("%s: capabilities say %t, the server answered %q", name, allowed, e)
				}
			}
			if !caps.Known {
				t.Errorf("%s %s is not a known version", kind, version)
			}

			// ACL GETUSER in this version's shape (6.0: keys as a list, no
			// channels; 7.0+: selectors): the default user may run all
			// that flyover sends to a source of this version.
			if v, e := versionReply(t, dir, "source-acl-getuser"); e == "" {
				u, err := parseACLUser(v)
				if err != nil {
					t.Fatalf("ACL GETUSER: %v", err)
				}
				for _, n := range SourceACLNeedsFor(caps) {
					if verdict, why, _ := u.allows(n); verdict != ACLAllowed {
						t.Errorf("ACL GETUSER default: %s %s (%s)", n.Name(), verdict, why)
					}
				}
			} else {
				t.Errorf("ACL GETUSER: %s", e)
			}

			// The Sentinel: its own kind and version, and the replies the
			// prober reads.
			sen := NodeFromInfo(info("sentinel-info"), nil)
			mode := sen.Info["redis_mode"] // Valkey 8: server_mode
			if mode == "" {
				mode = sen.Info["server_mode"]
			}
			if string(sen.Kind) != kind || sen.Version != version || mode != "sentinel" {
				t.Errorf("sentinel: %s %s mode %q", sen.Kind, sen.Version, mode)
			}
			var view SentinelView
			v, _ := versionReply(t, dir, "sentinel-master")
			if err := ParseSentinelMaster(v, &view); err != nil || view.NumReplicas != 2 || view.Quorum != 2 ||
				view.NumOtherSentinels != 2 || view.FailoverTimeout == 0 || view.MasterAddr == "" {
				t.Errorf("SENTINEL MASTER: %+v, %v", view, err)
			}
			v, _ = versionReply(t, dir, "sentinel-replicas")
			reps, err := ParseSentinelReplicas(v)
			if err != nil || len(reps) != 2 {
				t.Fatalf("SENTINEL REPLICAS: %+v, %v", reps, err)
			}
			for _, r := range reps {
				if r.Priority != 100 || r.MasterLinkStatus != "ok" || r.RoleReported != "slave" || r.Offset == 0 {
					t.Errorf("SENTINEL REPLICAS entry %+v", r)
				}
			}
			v, _ = versionReply(t, dir, "sentinel-masters")
			if ms, err := ParseSentinelMasters(v); err != nil || len(ms) != 1 || ms[0].Name != "flyover" {
				t.Errorf("SENTINEL MASTERS: %+v, %v", ms, err)
			}
			v, _ = versionReply(t, dir, "sentinel-get-master-addr")
			if addr, err := ParseMasterAddr(v); err != nil || addr != view.MasterAddr {
				t.Errorf("GET-MASTER-ADDR-BY-NAME: %s, %v (SENTINEL MASTER says %s)", addr, err, view.MasterAddr)
			}
			if v, _ := versionReply(t, dir, "sentinel-ckquorum"); !strings.HasPrefix(AsString(v), "OK ") {
				t.Errorf("CKQUORUM: %v", v)
			}
			if _, e := versionReply(t, dir, "sentinel-failover-unknown-master"); !strings.Contains(e, "No such master") {
				t.Errorf("SENTINEL FAILOVER of an unknown master: %q", e)
			}
		})
	}
}
