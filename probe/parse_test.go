package probe

import (
	"os"
	"strings"
	"testing"
	"time"
)

func fixtureInfo(t *testing.T, name string) Info {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return ParseInfo(string(b))
}

// fixtureList reads redis-cli's one-value-per-line output of a flat reply.
func fixtureList(t *testing.T, name string) []any {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		out = append(out, l)
	}
	return out
}

func TestParseInfoAcceptsCRLFAndSkipsComments(t *testing.T) {
	info := ParseInfo("# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=0\r\n")
	if info["redis_version"] != "7.0.15" {
		t.Fatalf("redis_version = %q", info["redis_version"])
	}
	if got := info.Keyspace()[0]; got != (DBKeys{Keys: 3, Expires: 1}) {
		t.Fatalf("db0 = %+v", got)
	}
}

func TestRedis7PrimaryFixture(t *testing.T) {
	n := NodeFromInfo(fixtureInfo(t, "redis7-primary.info"), nil)
	if n.Kind != KindRedis || n.Version != "7.0.15" || n.Role != RolePrimary {
		t.Fatalf("kind/version/role = %s %s %s", n.Kind, n.Version, n.Role)
	}
	if n.RunID == "" {
		t.Error("Redis has a run_id")
	}
	if len(n.Replicas) != 2 {
		t.Fatalf("replicas = %+v", n.Replicas)
	}
	r := n.Replicas[1]
	if r.IP != "127.0.0.1" || r.Port != 34739 || r.State != "online" || !r.HasOffset || r.Offset != 6210 || r.Lag != 1 {
		t.Errorf("slave1 = %+v", r)
	}
	if n.ReplOffset != 6632 {
		t.Errorf("master_repl_offset = %d", n.ReplOffset)
	}
	if n.Keys() != 100 {
		t.Errorf("keys = %d", n.Keys())
	}
}

func TestRedis7ReplicaFixtureIsSyncedWithTrustedOffset(t *testing.T) {
	role, err := ParseRole([]any{"slave", "127.0.0.1", int64(42285), "connected", int64(6632)})
	if err != nil {
		t.Fatal(err)
	}
	n := NodeFromInfo(fixtureInfo(t, "redis7-replica.info"), &role)
	if n.Role != RoleReplica || n.MasterPort != 42285 || n.LinkStatus != "up" {
		t.Fatalf("%+v", n)
	}
	if !n.Synced() || !n.HasOffset || !n.OffsetTrusted || n.Offset != 6632 {
		t.Fatalf("synced=%v offset=%d has=%v trusted=%v", n.Synced(), n.Offset, n.HasOffset, n.OffsetTrusted)
	}
	if !n.Follows("127.0.0.1:42285") || !n.Follows("localhost:42285") || n.Follows("127.0.0.1:1") {
		t.Error("Follows compares the primary's address")
	}
}

func TestDragonflyIdentifiedByDragonflyVersionNotRedisVersion(t *testing.T) {
	n := NodeFromInfo(fixtureInfo(t, "dragonfly-1.40-replica.info"), nil)
	if n.Kind != KindDragonfly || n.Version != "1.40.1" {
		t.Fatalf("kind %s version %s", n.Kind, n.Version)
	}
	if n.RunID != "" {
		t.Error("Dragonfly has no run_id")
	}
	if n.Role != RoleReplica || n.MasterHost != "10.0.0.5" || n.MasterPort != 6379 {
		t.Errorf("role %s master %s:%d", n.Role, n.MasterHost, n.MasterPort)
	}
	if !n.Synced() || !n.OffsetTrusted || n.Offset != 184467 {
		t.Errorf("v1.40 synced replica: synced=%v trusted=%v offset=%d", n.Synced(), n.OffsetTrusted, n.Offset)
	}
	if n.MaxMemory != 8589934592 || n.OpsPerSec != 1930 || n.Clients != 3 {
		t.Errorf("memory/ops/clients = %d %d %d", n.MaxMemory, n.OpsPerSec, n.Clients)
	}
}

func TestDragonflyReplicaSpellingAndUntrustedOffsetBefore139(t *testing.T) {
	n := NodeFromInfo(fixtureInfo(t, "dragonfly-1.30-replica.info"), nil)
	if n.Role != RoleReplica {
		t.Fatalf("role:replica must mean replica, got %q", n.Role)
	}
	if !n.HasOffset || n.OffsetTrusted {
		t.Errorf("v1.30 prints slave_repl_offset:0 for a Redis master: has=%v trusted=%v", n.HasOffset, n.OffsetTrusted)
	}
}

func TestDragonflyLinkUpIsNotSynced(t *testing.T) {
	n := NodeFromInfo(fixtureInfo(t, "dragonfly-1.40-fullsync.info"), nil)
	if n.LinkStatus != "up" {
		t.Fatal("fixture has the link up")
	}
	if n.Synced() {
		t.Error("Dragonfly with master_link_status:up during full sync must not count as synced")
	}
	if n.HasOffset {
		t.Error("slave_repl_offset is absent during full sync")
	}
	// ROLE's state settles it either way.
	role := RoleReply{Role: RoleReplica, State: "stable_sync"}
	if n2 := NodeFromInfo(fixtureInfo(t, "dragonfly-1.40-fullsync.info"), &role); !n2.Synced() {
		t.Error("ROLE state stable_sync means synced")
	}
}

func TestDragonflyPrimaryReplicaLinesHaveNoOffset(t *testing.T) {
	n := NodeFromInfo(fixtureInfo(t, "dragonfly-1.40-primary.info"), nil)
	if len(n.Replicas) != 1 {
		t.Fatalf("%+v", n.Replicas)
	}
	r := n.Replicas[0]
	if r.HasOffset || r.State != "stable_sync" || r.Lag != 17 || r.Addr() != "10.0.0.7:6381" {
		t.Errorf("%+v", r)
	}
	ks := n.Keyspace
	if ks[0].Keys != 5 || ks[3] != (DBKeys{Keys: 2, Expires: 1}) || n.Keys() != 7 {
		t.Errorf("keyspace %+v", ks)
	}
}

func TestParseRoleShapes(t *testing.T) {
	cases := []struct {
		name  string
		reply any
		want  RoleReply
	}{
		{"redis master", []any{"master", int64(6632), []any{[]any{"127.0.0.1", "38325", "6210"}}},
			RoleReply{Role: RolePrimary, Offset: 6632, HasOffset: true, Replicas: []RoleEntry{{IP: "127.0.0.1", Port: 38325, Offset: 6210, HasOffset: true}}}},
		{"redis replica", []any{"slave", "127.0.0.1", int64(42285), "connected", int64(6632)},
			RoleReply{Role: RoleReplica, MasterHost: "127.0.0.1", MasterPort: 42285, State: "connected", Offset: 6632, HasOffset: true}},
		{"dragonfly master", []any{"master", []any{[]any{"10.0.0.7", "6381", "stable_sync"}}},
			RoleReply{Role: RolePrimary, Replicas: []RoleEntry{{IP: "10.0.0.7", Port: 6381, State: "stable_sync"}}}},
		{"dragonfly replica", []any{"replica", "10.0.0.5", "6379", "preparation"},
			RoleReply{Role: RoleReplica, MasterHost: "10.0.0.5", MasterPort: 6379, State: "preparation"}},
		{"dragonfly slave spelling", []any{"slave", "10.0.0.5", "6379", "online"},
			RoleReply{Role: RoleReplica, MasterHost: "10.0.0.5", MasterPort: 6379, State: "online"}},
		{"sentinel", []any{"sentinel", []any{"flyover"}}, RoleReply{Role: RoleSentinel}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseRole(c.reply)
			if err != nil {
				t.Fatal(err)
			}
			if !roleEqual(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
	if _, err := ParseRole("nope"); err == nil {
		t.Error("a non-list reply is an error")
	}
	if _, err := ParseRole([]any{"chief"}); err == nil {
		t.Error("an unknown role is an error")
	}
}

func roleEqual(a, b RoleReply) bool {
	if a.Role != b.Role || a.MasterHost != b.MasterHost || a.MasterPort != b.MasterPort || a.State != b.State ||
		a.Offset != b.Offset || a.HasOffset != b.HasOffset || len(a.Replicas) != len(b.Replicas) {
		return false
	}
	for i := range a.Replicas {
		if a.Replicas[i] != b.Replicas[i] {
			return false
		}
	}
	return true
}

func TestSentinelFixtures(t *testing.T) {
	var v SentinelView
	if err := ParseSentinelMaster(fixtureList(t, "sentinel7-master.txt"), &v); err != nil {
		t.Fatal(err)
	}
	if v.Quorum != 2 || v.NumOtherSentinels != 2 || v.NumReplicas != 2 || v.DownAfter != 5*time.Second || v.FailoverTimeout != time.Minute {
		t.Errorf("%+v", v)
	}
	if v.MasterDown() || v.FailoverInProgress() {
		t.Error("healthy master flags")
	}
	reps, err := ParseSentinelReplicas(groupReplicas(fixtureList(t, "sentinel7-replicas.txt")))
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 {
		t.Fatalf("%+v", reps)
	}
	r := reps[0]
	if r.Addr() != "127.0.0.1:34739" || r.Priority != 100 || r.Offset != 10664 || r.MasterLinkStatus != "ok" || r.RunID == "" || r.Down() {
		t.Errorf("%+v", r)
	}
	addr, err := ParseMasterAddr([]any{"127.0.0.1", "42285"})
	if err != nil || addr != "127.0.0.1:42285" {
		t.Errorf("%q %v", addr, err)
	}
}

// groupReplicas splits redis-cli's flattened SENTINEL REPLICAS output back
// into one list per replica (each starts with "name").
func groupReplicas(flat []any) []any {
	var out []any
	var cur []any
	for i := 0; i < len(flat); i += 2 {
		if flat[i] == "name" && cur != nil {
			out = append(out, cur)
			cur = nil
		}
		cur = append(cur, flat[i], flat[i+1])
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

func TestPromotionCandidateFollowsSentinelRules(t *testing.T) {
	ok := func(ip string, port, prio int, off int64, runid string) SentinelReplica {
		return SentinelReplica{IP: ip, Port: port, Priority: prio, Offset: off, RunID: runid, Flags: []string{"slave"},
			LastOKPing: 100 * time.Millisecond, InfoRefresh: 2 * time.Second}
	}
	v := SentinelView{DownAfter: 5 * time.Second, Replicas: []SentinelReplica{
		ok("10.0.0.1", 1, 100, 500, "b"),
		ok("10.0.0.2", 2, 100, 900, "c"), // highest offset wins at equal priority
		ok("10.0.0.3", 3, 0, 999, "a"),   // priority 0: never
	}}
	pick, skipped := v.PromotionCandidate()
	if pick == nil || pick.Port != 2 {
		t.Fatalf("pick %+v", pick)
	}
	if !strings.Contains(skipped["10.0.0.3:3"], "priority 0") {
		t.Errorf("skipped %v", skipped)
	}
	v.Replicas[0].Priority = 10 // lower priority number wins over offset
	if pick, _ = v.PromotionCandidate(); pick.Port != 1 {
		t.Errorf("lower priority should win, got %d", pick.Port)
	}
	v.Replicas[0].Flags = []string{"slave", "s_down"}
	if pick, _ = v.PromotionCandidate(); pick.Port != 2 {
		t.Errorf("a down replica is skipped, got %d", pick.Port)
	}
	v.Replicas[1].LastOKPing = 6 * time.Second
	if pick, skipped = v.PromotionCandidate(); pick != nil {
		t.Errorf("no eligible replica expected, got %+v (%v)", pick, skipped)
	}
	// Run id breaks ties at equal priority and offset.
	v.Replicas = []SentinelReplica{ok("h", 1, 100, 5, "bbb"), ok("h", 2, 100, 5, "aaa")}
	if pick, _ = v.PromotionCandidate(); pick.Port != 2 {
		t.Errorf("lowest run id wins, got %d", pick.Port)
	}
	// Stale INFO: 30 s normally, 5 s when the master is down.
	v.Replicas = []SentinelReplica{ok("h", 1, 100, 5, "a")}
	v.Replicas[0].InfoRefresh = 10 * time.Second
	if pick, _ = v.PromotionCandidate(); pick == nil {
		t.Error("10 s old INFO is fresh enough while the master is up")
	}
	v.MasterFlags = []string{"master", "s_down"}
	if pick, _ = v.PromotionCandidate(); pick != nil {
		t.Error("10 s old INFO is stale while the master is down")
	}
}

func TestDeriveLagAndInSync(t *testing.T) {
	topo := Topology{MasterName: "m", Source: "127.0.0.1:1000", Target: "127.0.0.1:2000"}
	t0 := time.Unix(1000, 0)
	src := func(at time.Time, off, acked int64) Node {
		return Node{Reachable: true, Kind: KindRedis, Role: RolePrimary, PolledAt: at, ReplOffset: off,
			Replicas: []ReplicaLine{{IP: "127.0.0.1", Port: 2000, State: "online", Offset: acked, HasOffset: true, Lag: 1}}}
	}
	// A Dragonfly v1.30 target: its own offset is not trusted.
	tgt := Node{Reachable: true, Kind: KindDragonfly, Version: "1.30.0", Role: RoleReplica, MasterHost: "127.0.0.1",
		MasterPort: 1000, LinkStatus: "up", HasOffset: true, LinkState: "stable_sync"}

	s1 := Derive(topo, nil, t0, src(t0, 1000, 1000), tgt, nil)
	if !s1.Link.ListedBySource || !s1.Link.FollowsSource || s1.Link.Phase != PhaseOnline || s1.Link.LagBytes != 0 || !s1.Link.InSync {
		t.Fatalf("%+v", s1.Link)
	}
	// The source moves on; the target acked what the source had 0.5 s ago.
	t1 := t0.Add(500 * time.Millisecond)
	s2 := Derive(topo, &s1, t1, src(t1, 2000, 1000), tgt, nil)
	if s2.Link.LagBytes != 1000 || s2.Link.RateBytes != 2000 || s2.Link.LagSeconds != 0.5 || !s2.Link.InSync {
		t.Fatalf("%+v", s2.Link)
	}
	// Five seconds later still at 1000: five seconds behind, not in sync.
	s3 := s2
	for i := 1; i <= 9; i++ {
		at := t1.Add(time.Duration(i) * 500 * time.Millisecond)
		s3 = Derive(topo, &s3, at, src(at, 2000+int64(i)*1000, 1000), tgt, nil)
	}
	if s3.Link.LagSeconds != 5 || s3.Link.InSync {
		t.Fatalf("%+v", s3.Link)
	}
	// A target that follows another primary is not attached.
	other := tgt
	other.MasterPort = 3000
	s4 := Derive(topo, nil, t0, Node{Reachable: true, Role: RolePrimary, PolledAt: t0}, other, nil)
	if s4.Link.Phase != PhaseDetached || s4.Link.InSync {
		t.Errorf("%+v", s4.Link)
	}
}

func TestDeriveSentinelAgreement(t *testing.T) {
	topo := Topology{MasterName: "m", Source: "127.0.0.1:1000", Target: "127.0.0.1:2000"}
	sv := func(addr string) SentinelView {
		return SentinelView{Reachable: true, Monitors: true, MasterAddr: addr,
			Replicas: []SentinelReplica{{IP: "127.0.0.1", Port: 2000, Priority: 100, Flags: []string{"slave"}}}}
	}
	s := Derive(topo, nil, time.Now(), Node{}, Node{}, []SentinelView{sv("127.0.0.1:1000"), sv("127.0.0.1:1000")})
	if !s.SentinelsAgree || s.AgreedMaster != "127.0.0.1:1000" || !s.Sentinels[0].KnowsTarget || !s.Sentinels[0].WouldPromoteTarget {
		t.Fatalf("%+v", s)
	}
	s = Derive(topo, nil, time.Now(), Node{}, Node{}, []SentinelView{sv("127.0.0.1:1000"), sv("127.0.0.1:2000")})
	if s.SentinelsAgree || s.SentinelsNaming("127.0.0.1:2000") != 1 {
		t.Fatalf("disagreement: %+v", s)
	}
}
