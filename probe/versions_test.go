package probe

import (
	"path/filepath"
	"strings"
	"testing"

	"flyover/probe/probetest"
)

// The replies of every version flyover supports, captured from the real
// servers (TestCaptureVersionFixtures: a source with two replicas, one of
// them the target, and three Sentinels, all of that version), parsed as
// flyover parses them. CI has one redis-server; these cover the others.

func TestVersionFixtures(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/versions/*-*")
	if len(dirs) < 5 {
		t.Fatalf("only %d versions captured: %v", len(dirs), dirs)
	}
	for _, dir := range dirs {
		kind, version, _ := strings.Cut(filepath.Base(dir), "-")
		t.Run(filepath.Base(dir), func(t *testing.T) {
			info := func(name string) Info {
				v, e := probetest.VersionReply(t, dir, name)
				if e != "" {
					t.Fatalf("%s: %s", name, e)
				}
				return ParseInfo(AsString(v))
			}
			role := func(name string) *RoleReply {
				v, _ := probetest.VersionReply(t, dir, name)
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
				_, e := probetest.VersionReply(t, dir, name)
				if (e == "") != allowed {
					t.Errorf("%s: capabilities say %t, the server answered %q", name, allowed, e)
				}
			}
			if !caps.Known {
				t.Errorf("%s %s is not a known version", kind, version)
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
			v, _ := probetest.VersionReply(t, dir, "sentinel-master")
			if err := ParseSentinelMaster(v, &view); err != nil || view.NumReplicas != 2 || view.Quorum != 2 ||
				view.NumOtherSentinels != 2 || view.FailoverTimeout == 0 || view.MasterAddr == "" {
				t.Errorf("SENTINEL MASTER: %+v, %v", view, err)
			}
			v, _ = probetest.VersionReply(t, dir, "sentinel-replicas")
			reps, err := ParseSentinelReplicas(v)
			if err != nil || len(reps) != 2 {
				t.Fatalf("SENTINEL REPLICAS: %+v, %v", reps, err)
			}
			for _, r := range reps {
				if r.Priority != 100 || r.MasterLinkStatus != "ok" || r.RoleReported != "slave" || r.Offset == 0 {
					t.Errorf("SENTINEL REPLICAS entry %+v", r)
				}
			}
			v, _ = probetest.VersionReply(t, dir, "sentinel-masters")
			if ms, err := ParseSentinelMasters(v); err != nil || len(ms) != 1 || ms[0].Name != "flyover" {
				t.Errorf("SENTINEL MASTERS: %+v, %v", ms, err)
			}
			v, _ = probetest.VersionReply(t, dir, "sentinel-get-master-addr")
			if addr, err := ParseMasterAddr(v); err != nil || addr != view.MasterAddr {
				t.Errorf("GET-MASTER-ADDR-BY-NAME: %s, %v (SENTINEL MASTER says %s)", addr, err, view.MasterAddr)
			}
			if v, _ := probetest.VersionReply(t, dir, "sentinel-ckquorum"); !strings.HasPrefix(AsString(v), "OK ") {
				t.Errorf("CKQUORUM: %v", v)
			}
			if _, e := probetest.VersionReply(t, dir, "sentinel-failover-unknown-master"); !strings.Contains(e, "No such master") {
				t.Errorf("SENTINEL FAILOVER of an unknown master: %q", e)
			}
		})
	}
}
