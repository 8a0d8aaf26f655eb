package readiness

import (
	"context"
	"time"

	"flyover/probe"
	"flyover/probe/access"
)

// PreflightFacts are what preflight reads beyond a Snapshot: configuration
// the poll does not carry (CONFIG GET on the source and the target), the
// target's key count straight from DBSIZE, and what the source's host name
// resolves to. Everything is read-only.
type PreflightFacts struct {
	At time.Time `json:"at"`
	// SourceIPs are the addresses the source's host resolves to, to tell
	// whether the address Sentinel names is the source.
	SourceIPs []string     `json:"source_ips,omitempty"`
	Source    SourceConfig `json:"source"`
	Target    TargetConfig `json:"target"`
	// Replication is whether the target can authenticate to the source
	// (GatherReplicationAuth); nil when not read.
	Replication *access.ReplicationAuth `json:"replication,omitempty"`
	// ACL are the permissions of flyover's user on each endpoint
	// (GatherACLs); empty when not read.
	ACL []access.ACLFacts `json:"acl,omitempty"`
	// ReplicaClients are, per other replica of the source, whether
	// clients read from it (GatherReplicaClients); empty when not read.
	ReplicaClients []ReplicaClients `json:"replica_clients,omitempty"`
	// Sentinels are each Sentinel's kind and version
	// (GatherSentinelServers); empty when not read.
	Sentinels []probe.SentinelServer `json:"sentinels,omitempty"`
}

// SourceConfig is the source's configuration that matters to a migration.
// Known lists the parameters the server answered; a server with CONFIG
// renamed or disabled answers none.
type SourceConfig struct {
	Known           map[string]bool `json:"known"`
	Errors          []string        `json:"errors,omitempty"`
	MaxMemory       int64           `json:"maxmemory"`
	MaxMemoryPolicy string          `json:"maxmemory_policy"`
	Save            string          `json:"save"`
	AppendOnly      bool            `json:"appendonly"`
	// MinReplicasToWrite and MinReplicasMaxLag are min-replicas-to-write
	// and min-replicas-max-lag.
	MinReplicasToWrite int64 `json:"min_replicas_to_write"`
	MinReplicasMaxLag  int64 `json:"min_replicas_max_lag"`
	DisklessSync       bool  `json:"repl_diskless_sync"`
	DisklessSyncDelay  int64 `json:"repl_diskless_sync_delay"`
	// RequiresPassword: requirepass is set. The value itself is never kept.
	RequiresPassword bool `json:"requires_password"`
}

// TargetConfig is the target's configuration and contents that matter
// before REPLICAOF.
type TargetConfig struct {
	Known  map[string]bool `json:"known"`
	Errors []string        `json:"errors,omitempty"`
	// DBSize is DBSIZE of the connection's database (0); the snapshot's
	// keyspace covers every database.
	DBSize    int64 `json:"dbsize"`
	MaxMemory int64 `json:"maxmemory"`
	// MasterAuthSet: masterauth is set, so the target can authenticate to
	// a source that requires a password. The value itself is never kept.
	MasterAuthSet bool   `json:"masterauth_set"`
	AnnounceIP    string `json:"replica_announce_ip,omitempty"`
	AnnouncePort  int    `json:"replica_announce_port,omitempty"`
}

// Has reports whether the source answered CONFIG GET for param.
func (c SourceConfig) Has(param string) bool { return c.Known[param] }

// Has reports whether the target answered for param ("dbsize" for DBSIZE).
func (c TargetConfig) Has(param string) bool { return c.Known[param] }

// PreflightSourceParams and PreflightTargetParams are the parameters
// preflight reads with CONFIG GET, one per command: Redis before 7 and
// Dragonfly take one pattern per CONFIG GET.
var (
	PreflightSourceParams = []string{
		"maxmemory", "maxmemory-policy", "save", "appendonly",
		"min-replicas-to-write", "min-replicas-max-lag",
		"repl-diskless-sync", "repl-diskless-sync-delay", "requirepass",
	}
	PreflightTargetParams = []string{"maxmemory", "masterauth", "replica-announce-ip", "replica-announce-port"}
)

// GatherPreflight reads the preflight facts. Each command is bounded by its
// endpoint's timeout; a command that fails is recorded in Errors and its
// fact is left unknown, so one refused CONFIG does not hide the rest.
func GatherPreflight(ctx context.Context, do probe.Doer, topo probe.Topology, source, target *probe.Endpoint) PreflightFacts {
	if do == nil {
		do = func(ctx context.Context, e *probe.Endpoint, args ...any) (any, error) {
			ctx, cancel := context.WithTimeout(ctx, e.Timeout)
			defer cancel()
			return e.Do(ctx, args...)
		}
	}
	f := PreflightFacts{
		At:     time.Now(),
		Source: SourceConfig{Known: map[string]bool{}},
		Target: TargetConfig{Known: map[string]bool{}},
	}
	lookupCtx, cancel := context.WithTimeout(ctx, source.Timeout)
	f.SourceIPs = probe.HostIPs(lookupCtx, topo.Source)
	cancel()

	readConfig(ctx, do, source, PreflightSourceParams, f.Source.Known, &f.Source.Errors,
		func(p, v string) { applySourceParam(&f.Source, p, v) })
	if down := readConfig(ctx, do, target, PreflightTargetParams, f.Target.Known, &f.Target.Errors,
		func(p, v string) { applyTargetParam(&f.Target, p, v) }); down {
		return f
	}
	if v, err := do(ctx, target, "DBSIZE"); err != nil {
		f.Target.Errors = append(f.Target.Errors, "DBSIZE: "+probe.Describe(target.Addr, err))
	} else if n, err := probe.AsInt(v); err == nil {
		f.Target.DBSize = n
		f.Target.Known["dbsize"] = true
	}
	return f
}

// readConfig sends CONFIG GET for each of params to e, marks each answered
// one known and hands its value to apply. A failure is recorded in errs
// and leaves its parameter unknown; one that is no reply (the server is
// not answering) ends the reading, as the rest would wait out their
// timeouts too, and down is then true.
func readConfig(ctx context.Context, do probe.Doer, e *probe.Endpoint, params []string, known map[string]bool, errs *[]string, apply func(param, value string)) (down bool) {
	for _, p := range params {
		v, ok, err := probe.ConfigGet(ctx, do, e, p)
		if err != nil {
			*errs = append(*errs, "CONFIG GET "+p+": "+probe.Describe(e.Addr, err))
			if !probe.IsReply(err) {
				return true
			}
			continue
		}
		if ok {
			known[p] = true
			apply(p, v)
		}
	}
	return false
}

func applySourceParam(c *SourceConfig, p, v string) {
	switch p {
	case "maxmemory":
		c.MaxMemory = probe.Atoi(v)
	case "maxmemory-policy":
		c.MaxMemoryPolicy = v
	case "save":
		c.Save = v
	case "appendonly":
		c.AppendOnly = v == "yes"
	case "min-replicas-to-write":
		c.MinReplicasToWrite = probe.Atoi(v)
	case "min-replicas-max-lag":
		c.MinReplicasMaxLag = probe.Atoi(v)
	case "repl-diskless-sync":
		c.DisklessSync = v == "yes"
	case "repl-diskless-sync-delay":
		c.DisklessSyncDelay = probe.Atoi(v)
	case "requirepass":
		c.RequiresPassword = v != ""
	}
}

func applyTargetParam(c *TargetConfig, p, v string) {
	switch p {
	case "maxmemory":
		c.MaxMemory = probe.ParseMemory(v)
	case "masterauth":
		c.MasterAuthSet = v != ""
	case "replica-announce-ip":
		c.AnnounceIP = v
	case "replica-announce-port":
		c.AnnouncePort = int(probe.Atoi(v))
	}
}
