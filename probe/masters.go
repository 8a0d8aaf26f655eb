package probe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
)

// MonitoredMaster is one entry of SENTINEL MASTERS: a master name a
// Sentinel monitors and that Sentinel's view of it. View has no replicas
// unless they were asked for (SentinelMasters' replicasOf).
type MonitoredMaster struct {
	Name string
	View SentinelView
}

// ParseSentinelMasters parses a SENTINEL MASTERS reply: one entry per
// master name the Sentinel monitors, sorted by name. The views carry the
// master's address (ip, port), flags, quorum and timings, as SENTINEL
// MASTER would; Addr and the reachability fields are the caller's.
func ParseSentinelMasters(reply any) ([]MonitoredMaster, error) {
	out, err := pairsEach(reply, "SENTINEL MASTERS", func(m map[string]string) (MonitoredMaster, error) {
		mm := MonitoredMaster{Name: m["name"]}
		if mm.Name == "" {
			return mm, fmt.Errorf("an entry without a name: %v", m)
		}
		sentinelMasterFields(m, &mm.View)
		mm.View.Monitors = true
		return mm, nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// SentinelMasters asks one Sentinel about every master it monitors in one
// pipelined round trip: SENTINEL MASTERS, and SENTINEL REPLICAS for each
// name in replicasOf (the fleet asks only where the replicas matter). It
// is bounded by the endpoint's timeout. Each view is stamped with this
// Sentinel's address and the time of the answer, as PollSentinel would
// stamp it.
func (e *Endpoint) SentinelMasters(ctx context.Context, replicasOf []string) ([]MonitoredMaster, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	pipe := e.client.Pipeline()
	mastersCmd := pipe.Do(ctx, "SENTINEL", "MASTERS")
	replicas := make(map[string]*redis.Cmd, len(replicasOf))
	all := make([]redis.Cmder, 0, len(replicasOf))
	for _, name := range replicasOf {
		replicas[name] = pipe.Do(ctx, "SENTINEL", "REPLICAS", name)
		all = append(all, replicas[name])
	}
	_, execErr := pipe.Exec(ctx)
	end := time.Now()
	if err := cmdErr(mastersCmd, execErr, all...); err != nil {
		return nil, errors.New(e.describe(err))
	}
	e.seen(end)
	out, err := ParseSentinelMasters(mastersCmd.Val())
	if err != nil {
		return nil, fmt.Errorf("sentinel %s: %w", e.Addr, err)
	}
	for i := range out {
		v := &out[i].View
		v.Addr, v.Reachable, v.PolledAt, v.LastSeen, v.RTT = e.Addr, true, end, end, end.Sub(start)
		if c, ok := replicas[out[i].Name]; ok {
			if rv, err := c.Result(); err == nil {
				v.Replicas, _ = ParseSentinelReplicas(rv)
				v.ReplicasRead = true
			}
		}
	}
	return out, nil
}
