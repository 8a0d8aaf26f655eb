package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FleetOptions describe a fleet: many sources, each with its own target,
// all monitored by one set of Sentinels.
type FleetOptions struct {
	Masters         int    // default 3
	NamePrefix      string // master names are prefix + 01, 02, ...; default "flyover-"
	Sentinels       int    // default 3
	Quorum          int    // default Sentinels/2+1
	PreloadKeys     int    // keys written to each source
	Password        string
	DownAfter       time.Duration // default 5 s
	FailoverTimeout time.Duration // default 60 s
	// SyncDelay is each source's repl-diskless-sync-delay (0 by default):
	// a full sync then shows as syncing at least this long.
	SyncDelay time.Duration
}

// Fleet is a running fleet lab. Targets are redis-server stand-ins for
// Dragonfly: a fleet of Dragonflies does not fit a laptop.
type Fleet struct {
	*Lab
	Names   []string
	Sources []*Server // Sources[i] is the primary of Names[i]
	Targets []*Server // Targets[i] is its target
}

// StartFleet starts opts.Masters sources and as many targets, then the
// Sentinels monitoring every source, and waits, bounded, until every
// Sentinel knows the others for every master. On any failure it stops
// what it started.
func StartFleet(ctx context.Context, opts FleetOptions) (f *Fleet, err error) {
	if opts.Masters <= 0 {
		opts.Masters = 3
	}
	if opts.NamePrefix == "" {
		opts.NamePrefix = "flyover-"
	}
	lo := Options{MasterName: opts.NamePrefix + "fleet", Sentinels: opts.Sentinels, Quorum: opts.Quorum,
		Password: opts.Password, DownAfter: opts.DownAfter, FailoverTimeout: opts.FailoverTimeout, StandIn: true, SyncDelay: opts.SyncDelay}
	dir, err := lo.prepare("flyover-fleet-")
	if err != nil {
		return nil, err
	}
	f = &Fleet{Lab: &Lab{Opts: lo, Dir: dir, TargetStandIn: true}}
	defer func() {
		if err != nil {
			f.Stop()
			f = nil
		}
	}()
	n := opts.Masters
	f.Names = make([]string, n)
	f.Sources, f.Targets = make([]*Server, n), make([]*Server, n)
	width := max(2, len(strconv.Itoa(n)))
	for i := range n {
		f.Names[i] = fmt.Sprintf("%s%0*d", opts.NamePrefix, width, i+1)
	}
	// Start the data nodes a few at a time: 100 redis-servers one by one
	// take a while, all at once swamp two cores.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	sem := make(chan struct{}, 8)
	for i := range n {
		for k, list := range [][]*Server{f.Sources, f.Targets} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				role := [...]string{"source", "target"}[k]
				s, err := f.startRedis(ctx, fmt.Sprintf("%s-%s", role, f.Names[i]), "")
				mu.Lock()
				defer mu.Unlock()
				if s != nil {
					f.extraMu.Lock()
					f.extra = append(f.extra, s)
					f.extraMu.Unlock()
				}
				if err != nil {
					errs = append(errs, err)
					return
				}
				list[i] = s
			}()
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		return f, errs[0]
	}
	if opts.PreloadKeys > 0 {
		for _, s := range f.Sources {
			if err := preloadOn(ctx, s, opts.PreloadKeys, 0); err != nil {
				return f, err
			}
		}
	}
	for i := 1; i <= lo.Sentinels; i++ {
		s, err := f.onFreePort(func(port int) (*Server, error) { return f.startFleetSentinel(ctx, i, port) })
		if err != nil {
			return f, err
		}
		f.Sentinels = append(f.Sentinels, s)
	}
	return f, f.waitFleetSentinels(ctx)
}

func (f *Fleet) startFleetSentinel(ctx context.Context, i, port int) (*Server, error) {
	o := f.Opts
	lines := append(f.listen(port), "bind 127.0.0.1", "daemonize no", `logfile ""`, "protected-mode no")
	for k, name := range f.Names {
		lines = append(lines,
			fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d %d", name, f.Sources[k].Port, o.Quorum),
			fmt.Sprintf("sentinel down-after-milliseconds %s %d", name, o.DownAfter.Milliseconds()),
			fmt.Sprintf("sentinel failover-timeout %s %d", name, o.FailoverTimeout.Milliseconds()),
			fmt.Sprintf("sentinel parallel-syncs %s 1", name))
		if o.Password != "" {
			lines = append(lines, fmt.Sprintf("sentinel auth-pass %s %s", name, o.Password))
		}
	}
	return f.startWithConfAs(ctx, fmt.Sprintf("sentinel-%d", i), sentinelPath(), port, strings.Join(lines, "\n")+"\n", "")
}

// waitFleetSentinels waits until every Sentinel monitors every master and
// knows the other Sentinels for each.
func (f *Fleet) waitFleetSentinels(ctx context.Context) error {
	var why string
	limit := 30*time.Second + time.Duration(len(f.Names))*200*time.Millisecond
	err := waitFor(ctx, limit, func() bool {
		for _, s := range f.Sentinels {
			c := s.Client()
			ms, err := c.Do(ctx, "SENTINEL", "MASTERS").Slice()
			c.Close()
			if err != nil {
				why = s.Name + ": " + err.Error()
				return false
			}
			if len(ms) != len(f.Names) {
				why = fmt.Sprintf("%s monitors %d masters, want %d", s.Name, len(ms), len(f.Names))
				return false
			}
			for _, m := range ms {
				kv, _ := m.([]any)
				fields := map[string]string{}
				for i := 0; i+1 < len(kv); i += 2 {
					fields[fmt.Sprint(kv[i])] = fmt.Sprint(kv[i+1])
				}
				if fields["num-other-sentinels"] != strconv.Itoa(len(f.Sentinels)-1) {
					why = fmt.Sprintf("%s knows %s other Sentinels for %s", s.Name, fields["num-other-sentinels"], fields["name"])
					return false
				}
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("lab: fleet Sentinels not ready after %s: %s", limit, why)
	}
	return nil
}

// Attach makes master i's target a replica of its source (REPLICAOF), for
// tests that need an attached target without flyover's steps.
func (f *Fleet) Attach(ctx context.Context, i int) error {
	c := f.Targets[i].Client()
	defer c.Close()
	return c.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(f.Sources[i].Port)).Err()
}

// TargetsFile writes a targets file for the fleet into its directory,
// leaving out the masters named in without, and returns its path.
func (f *Fleet) TargetsFile(without ...string) (string, error) {
	skip := map[string]bool{}
	for _, w := range without {
		skip[w] = true
	}
	var b strings.Builder
	b.WriteString("# master-name target (written by flyover lab)\n")
	for i, name := range f.Names {
		if !skip[name] {
			fmt.Fprintf(&b, "%s %s\n", name, f.Targets[i].Addr())
		}
	}
	path := filepath.Join(f.Dir, "targets.txt")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

// FleetArgs are the flags that point flyover fleet at this lab.
func (f *Fleet) FleetArgs(targetsFile string) []string {
	return []string{"--sentinel", strings.Join(f.SentinelAddrs(), ","), "--targets", targetsFile}
}
