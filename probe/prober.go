package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Prober polls a whole topology. The UI polls endpoints one by one on its
// own schedule; Poll is for one-shot uses such as `flyover status` and
// tests.
type Prober struct {
	Topo      Topology
	Source    *Endpoint
	Target    *Endpoint
	Sentinels []*Endpoint

	mu   sync.Mutex
	prev *Snapshot
}

// ProberOptions name a topology and how flyover reaches each group of its
// endpoints: the source, the target, the Sentinels.
type ProberOptions struct {
	MasterName string
	Source     string // HOST:PORT
	Target     string
	Sentinels  []string

	// Credentials and TLS (nil: plain text) of each group.
	SourceAuth, TargetAuth, SentinelAuth Auth
	SourceTLS, TargetTLS, SentinelTLS    *tls.Config

	// Timeout bounds one poll of one endpoint (DefaultTimeout when zero).
	Timeout time.Duration
	// ReadOnly guards every endpoint (EndpointOptions.ReadOnly).
	ReadOnly bool
	// Dialer opens every endpoint's connections (EndpointOptions.Dialer).
	Dialer Dialer
}

// NewProber prepares every endpoint of the topology (nothing is dialled)
// and looks up the target's host name, so that the source's replica list
// can name it by IP. ctx bounds that lookup: give it a deadline. A name
// that does not resolve is no error here; the target's poll says so.
func NewProber(ctx context.Context, o ProberOptions) (*Prober, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	reach := func(a Auth, t *tls.Config) EndpointOptions {
		return EndpointOptions{Auth: a, TLS: t, Timeout: o.Timeout, ReadOnly: o.ReadOnly, Dialer: o.Dialer}
	}
	p := &Prober{
		Topo: Topology{MasterName: o.MasterName, Source: o.Source, Target: o.Target},
	}
	// The source's poll also reads its replica clients' output buffers
	// (CLIENT LIST TYPE replica) and, once per full sync, their limits:
	// the full sync's gauge, and why a sync was dropped.
	sr := reach(o.SourceAuth, o.SourceTLS)
	sr.ReplicaBuffers = true
	p.Source = sr.Endpoint(o.Source)
	// The target's poll also reads INFO commandstats: the commands it
	// dropped while replicating (steps' divergence watch).
	tr := reach(o.TargetAuth, o.TargetTLS)
	tr.CommandStats = true
	p.Target = tr.Endpoint(o.Target)
	for _, a := range o.Sentinels {
		p.Sentinels = append(p.Sentinels, reach(o.SentinelAuth, o.SentinelTLS).Endpoint(a))
	}
	p.Topo.lookupTarget(ctx)
	return p, nil
}

// check refuses options that name no topology flyover can supervise.
func (o ProberOptions) check() error {
	var problems []string
	if o.MasterName == "" {
		problems = append(problems, "no master name")
	}
	if o.Source == "" || o.Target == "" {
		problems = append(problems, "no source or no target address")
	} else if SameAddr(o.Source, o.Target) {
		problems = append(problems, fmt.Sprintf("the source and the target are the same address (%s): the target must be another server", o.Source))
	}
	if len(o.Sentinels) == 0 {
		problems = append(problems, "no Sentinel address")
	}
	if len(problems) > 0 {
		return errors.New("probe: " + strings.Join(problems, "; "))
	}
	return nil
}

// Poll polls every endpoint concurrently (each bounded by its own timeout)
// and derives a snapshot.
func (p *Prober) Poll(ctx context.Context) Snapshot {
	var wg sync.WaitGroup
	var src, tgt Node
	sents := make([]SentinelView, len(p.Sentinels))
	wg.Add(2 + len(p.Sentinels))
	go func() { defer wg.Done(); src = p.Source.PollNode(ctx) }()
	go func() { defer wg.Done(); tgt = p.Target.PollNode(ctx) }()
	for i, e := range p.Sentinels {
		go func() { defer wg.Done(); sents[i] = e.PollSentinel(ctx, p.Topo.MasterName) }()
	}
	wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Derive(p.Topo, p.prev, time.Now(), src, tgt, sents)
	p.prev = &s
	return s
}

// Close closes every endpoint.
func (p *Prober) Close() {
	p.Source.Close()
	p.Target.Close()
	for _, e := range p.Sentinels {
		e.Close()
	}
}
