package fleet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"flyover/probe"
)

// Options name a Sentinel set, the targets, and how flyover reaches each
// group of endpoints.
type Options struct {
	Sentinels []string
	// Targets maps master names to their Dragonfly targets (ReadTargets).
	Targets map[string]string

	SourceAuth, TargetAuth, SentinelAuth probe.Auth
	SourceTLS, TargetTLS, SentinelTLS    *tls.Config
	// Timeout bounds one poll of one endpoint (probe.DefaultTimeout when zero).
	Timeout time.Duration
	// ReadOnly guards every endpoint: flyover --read-only.
	ReadOnly bool
}

// Master is one master the Sentinels monitor.
type Master struct {
	Name string
	// Source is the master's address as the Sentinels named it when the
	// fleet was discovered. It does not follow a cutover: after one, the
	// Sentinels name the target.
	Source string
	// Target is its target from the targets file, "" for none.
	Target string
	// Prober polls the master's source and target and carries its
	// Sentinels (the fleet's, shared); nil when Source is unknown or equal
	// to Target. The steps run over it.
	Prober *probe.Prober
	// SourceOnly reads the source of a master without a target (or
	// without a prober): behind a read-only guard, it is never written to.
	SourceOnly *probe.Endpoint
	// Why the master cannot be migrated from here, "" when it can.
	Why string
}

// Migratable reports whether the master has a target and a prober.
func (m *Master) Migratable() bool { return m.Prober != nil }

// Fleet is every master a Sentinel set monitors.
type Fleet struct {
	// Sentinels are the fleet's Sentinel endpoints, one each, shared by
	// every master's prober.
	Sentinels []*probe.Endpoint
	Masters   []*Master // by name
	// Unknown are master names of the targets file no Sentinel monitors.
	Unknown []string
}

// Master returns the master named name, or nil.
func (f *Fleet) Master(name string) *Master {
	i := sort.Search(len(f.Masters), func(i int) bool { return f.Masters[i].Name >= name })
	if i < len(f.Masters) && f.Masters[i].Name == name {
		return f.Masters[i]
	}
	return nil
}

// Discover asks every Sentinel SENTINEL MASTERS (one call answers for
// every master) and builds a master for each name any of them monitors:
// its source is the address most Sentinels give, its target the targets
// file's. It fails only when no Sentinel answers.
func Discover(ctx context.Context, o Options) (*Fleet, error) {
	if len(o.Sentinels) == 0 {
		return nil, errors.New("fleet: no Sentinel address")
	}
	reach := func(a probe.Auth, t *tls.Config, readOnly bool) probe.EndpointOptions {
		return probe.EndpointOptions{Auth: a, TLS: t, Timeout: o.Timeout, ReadOnly: readOnly}
	}
	f := &Fleet{}
	for _, a := range o.Sentinels {
		f.Sentinels = append(f.Sentinels, reach(o.SentinelAuth, o.SentinelTLS, o.ReadOnly).Endpoint(a))
	}
	answers := make([][]probe.MonitoredMaster, len(f.Sentinels))
	errs := make([]error, len(f.Sentinels))
	var wg sync.WaitGroup
	for i, e := range f.Sentinels {
		wg.Add(1)
		go func() { defer wg.Done(); answers[i], errs[i] = e.SentinelMasters(ctx, nil) }()
	}
	wg.Wait()
	votes := map[string]map[string]int{} // name → source address → Sentinels naming it
	answered := 0
	for i := range answers {
		if errs[i] != nil {
			continue
		}
		answered++
		for _, m := range answers[i] {
			if votes[m.Name] == nil {
				votes[m.Name] = map[string]int{}
			}
			votes[m.Name][m.View.MasterAddr]++
		}
	}
	if answered == 0 {
		f.Close()
		return nil, fmt.Errorf("fleet: no Sentinel answered SENTINEL MASTERS: %w", errors.Join(errs...))
	}
	for name, v := range votes {
		m := &Master{Name: name, Source: mostVoted(v), Target: o.Targets[name]}
		switch {
		case m.Target == "":
			m.Why = "no target: the targets file has no line for " + name
		case m.Source == "":
			m.Why = "the Sentinels give no address for " + name
		case probe.SameAddr(m.Source, m.Target):
			m.Why = "the Sentinels already name the target: switched (the old source is no longer known)"
		}
		if m.Why == "" {
			p, err := probe.NewProber(ctx, probe.ProberOptions{
				MasterName: name, Source: m.Source, Target: m.Target, Sentinels: o.Sentinels,
				SourceAuth: o.SourceAuth, TargetAuth: o.TargetAuth, SentinelAuth: o.SentinelAuth,
				SourceTLS: o.SourceTLS, TargetTLS: o.TargetTLS, SentinelTLS: o.SentinelTLS,
				Timeout: o.Timeout, ReadOnly: o.ReadOnly,
			})
			if err != nil {
				m.Why = err.Error()
			} else {
				// One endpoint per Sentinel for the whole fleet.
				for _, e := range p.Sentinels {
					e.Close()
				}
				p.Sentinels = f.Sentinels
				m.Prober = p
			}
		}
		if m.Prober == nil && m.Source != "" {
			m.SourceOnly = reach(o.SourceAuth, o.SourceTLS, true).Endpoint(m.Source)
		}
		f.Masters = append(f.Masters, m)
	}
	sort.Slice(f.Masters, func(i, j int) bool { return f.Masters[i].Name < f.Masters[j].Name })
	for name := range o.Targets {
		if votes[name] == nil {
			f.Unknown = append(f.Unknown, name)
		}
	}
	sort.Strings(f.Unknown)
	return f, nil
}

// mostVoted is the address most Sentinels give (the lowest on a tie, so
// the choice is stable).
func mostVoted(v map[string]int) string {
	best, n := "", 0
	for a, c := range v {
		if a != "" && (c > n || c == n && a < best) {
			best, n = a, c
		}
	}
	return best
}

// Close closes every endpoint of the fleet.
func (f *Fleet) Close() {
	for _, m := range f.Masters {
		if m.Prober != nil {
			m.Prober.Source.Close()
			m.Prober.Target.Close()
		}
		if m.SourceOnly != nil {
			m.SourceOnly.Close()
		}
	}
	for _, e := range f.Sentinels {
		e.Close()
	}
}

// Warnings are what the operator should know before the fleet shows:
// target lines for masters no Sentinel monitors.
func (f *Fleet) Warnings() []string {
	if len(f.Unknown) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("the targets file names masters no Sentinel monitors: %s (ignored)", strings.Join(f.Unknown, ", "))}
}

// PollNodes polls m's source and target concurrently (a master without a
// prober: its source alone, read-only), each as briefly as a row allows
// (probe.Endpoint.PollBrief: the source's replica buffers only while a
// full sync goes on, never the target's commandstats; a master's own
// dashboard polls its nodes in full).
func (m *Master) PollNodes(ctx context.Context) (src, tgt probe.Node) {
	if m.Prober == nil {
		if m.SourceOnly != nil {
			src = m.SourceOnly.PollBrief(ctx)
		}
		return src, probe.Node{Addr: m.Target}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); tgt = m.Prober.Target.PollBrief(ctx) }()
	src = m.Prober.Source.PollBrief(ctx)
	wg.Wait()
	return src, tgt
}

// PollAll is one full poll cycle of the fleet: every Sentinel (one
// pipelined round trip each, with the replica lists st wants) and every
// source and target, concurrently,
// each bounded by its endpoint's timeout; then every row. For one-shot
// uses (status --json) and the benchmark; the UI polls each endpoint on
// its own schedule through a State.
func (f *Fleet) PollAll(ctx context.Context, st *State) []Row {
	var wg sync.WaitGroup
	want := st.ReplicasWanted()
	for i, e := range f.Sentinels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ms, err := e.SentinelMasters(ctx, want)
			st.Sentinel(i, ms, err)
		}()
	}
	for _, m := range f.Masters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src, tgt := m.PollNodes(ctx)
			st.Nodes(m.Name, src, tgt)
		}()
	}
	wg.Wait()
	return st.Rows()
}
