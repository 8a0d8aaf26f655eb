package probe

import (
	"context"
	"time"
)

// WatchFullSync is a light reading of a full sync in trouble between the
// prober's polls: the source's INFO stats (sync_full) and replication and
// CLIENT LIST TYPE replica in one round trip bounded by its timeout. The
// watch is derived from the last snapshot (the target's side and the
// rates as that poll saw them) and the result becomes the last snapshot,
// so the next Poll judges from it. ok is false, and nothing changes,
// before the first Poll, without ReplicaBuffers, or with no answer.
func (p *Prober) WatchFullSync(ctx context.Context) (s Snapshot, ok bool) {
	e := p.Source
	if e.buffers == nil {
		return Snapshot{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	pipe := e.client.Pipeline()
	info, repl := pipe.Info(ctx, "stats"), pipe.Info(ctx, "replication")
	bufCmds := e.buffers.queue(ctx, pipe, false)
	_, execErr := pipe.Exec(ctx)
	if cmdErr(info, execErr, append(bufCmds.all(), repl)...) != nil {
		return Snapshot{}, false
	}
	sync := e.buffers.read(bufCmds, ParseInfo(info.Val()+repl.Val()), e.Addr)
	now := time.Now()
	e.seen(now)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.prev == nil || !p.prev.Source.Reachable {
		return Snapshot{}, false
	}
	s = *p.prev
	s.At = now
	s.Source.Sync = sync
	deriveFullSync(p.Topo, p.prev, &s)
	p.prev = &s
	return s, true
}
