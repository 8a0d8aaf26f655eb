package probe

import (
	"context"
	"errors"
	"time"
)

// WatchFullSync is a light, fast reading of a full sync between the
// prober's polls, for a sync the source keeps dropping: the source's
// sync_full (INFO stats) and its replica clients (CLIENT LIST TYPE
// replica, and the limits again when sync_full moved) in one round trip
// bounded by the source's timeout, nothing of the target or the
// Sentinels. The watch is derived from the last snapshot (fullsync.Next,
// the target's side and the rates as that poll saw them), and the result
// becomes the prober's last snapshot, so the next Poll judges its drops
// from it. ok is false, and nothing changes, before the first Poll, on a
// source without the buffer reading (EndpointOptions.ReplicaBuffers), or
// when the source did not answer.
func (p *Prober) WatchFullSync(ctx context.Context) (s Snapshot, ok bool) {
	e := p.Source
	if e.buffers == nil {
		return Snapshot{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	pipe := e.client.Pipeline()
	info := pipe.Info(ctx, "stats")
	bufCmds := e.buffers.queue(ctx, pipe)
	_, execErr := pipe.Exec(ctx)
	if cmdErr(info, execErr, bufCmds.all()...) != nil {
		return Snapshot{}, false
	}
	sync := e.buffers.read(bufCmds, ParseInfo(info.Val()), e.Addr)
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

// SyncFull is the source's sync_full now (INFO stats, bounded by the
// endpoint's timeout): how many full syncs it has served since it started.
func (e *Endpoint) SyncFull(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	v, err := e.client.Info(ctx, "stats").Result()
	if err != nil {
		return 0, errors.New(e.describe(err))
	}
	return ParseInfo(v).Int("sync_full"), nil
}
