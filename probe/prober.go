package probe

import (
	"context"
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
