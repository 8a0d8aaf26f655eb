package lab

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"flyover/probe"
)

// The stand-in starts over after a link drop, as Dragonfly does.
//
// Dragonfly never resumes a dropped replication link: every reconnect
// asks PSYNC <id> -1, and the source answers with a whole new full sync
// (verified on v1.40.1: sync_full +1, sync_partial_err +1). A
// redis-server replica reconnects within a millisecond of the drop with
// PSYNC <cached id> <offset+1> and the source accepts it (sync_partial_ok
// +1). A supervisor reacting to the drop cannot win that race, so the lab
// closes the door before the drop instead:
//
//   - while the stand-in is in steady state (a replica, link up, no sync in
//     progress), its masterauth is set to a lab-only word. Authentication
//     happens only in the handshake, so the live link does not notice;
//     but any reconnect is refused at AUTH (the source has no password:
//     "AUTH <password> called without any password configured") and
//     retried once a second, never reaching PSYNC;
//   - when the supervisor, polling INFO replication every 50 ms, sees that
//     link down, it sends, in one pipeline, REPLICAOF NO ONE (which gives
//     the stand-in a new replication id and drops the cached master),
//     CONFIG SET masterauth "" and REPLICAOF <the same source>: the PSYNC
//     that follows names an id the source does not know, and the source
//     starts a full sync (sync_full +1, sync_partial_err +1, as for
//     Dragonfly). For a few milliseconds the stand-in is a master: far
//     less than the 8 s a Sentinel waits before it "fixes" a replica that
//     reports master;
//   - a stand-in promoted (role master) or pointed at another source has
//     its masterauth put back at once.
//
// It runs only for a redis-server stand-in (never a real Dragonfly),
// only where the source takes connections without a password (in a lab
// with passwords the stand-in's masterauth is the source's, and flyover's
// preflight reads it), and not with Options.StandInResumes. What it did is
// in the stand-in's directory, resync.log.

// standInPoison is the stand-in's masterauth while its link is up.
const standInPoison = "flyover-lab-standin-never-resumes"

// StandInResync is what the supervisor is doing.
type StandInResync struct {
	// Active: the stand-in starts over after every drop.
	Active bool
	// Armed: the link is up and a reconnect would be refused.
	Armed bool
	// Restarts counts the drops it turned into new full syncs.
	Restarts int
}

type standInResync struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	state StandInResync
}

// StandInResync says whether the stand-in starts over after a drop, and
// how often it did.
func (l *Lab) StandInResync() StandInResync {
	if l.resync == nil {
		return StandInResync{}
	}
	l.resync.mu.Lock()
	defer l.resync.mu.Unlock()
	return l.resync.state
}

// superviseStandIn starts the supervisor when the lab's target is a
// stand-in that should start over.
func (l *Lab) superviseStandIn() error {
	if !l.TargetStandIn || l.Opts.StandInResumes || l.Opts.Password != "" || l.Opts.ReplicationUser != "" || l.Opts.TLS {
		return nil
	}
	logf, err := os.OpenFile(filepath.Join(l.Target.Dir, "resync.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &standInResync{cancel: cancel, done: make(chan struct{}), state: StandInResync{Active: true}}
	l.resync = r
	go func() {
		defer close(r.done)
		defer logf.Close()
		r.run(ctx, l.Target, func(format string, a ...any) {
			fmt.Fprintf(logf, "%s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, a...))
		})
	}()
	return nil
}

func (r *standInResync) stop() {
	r.cancel()
	<-r.done
}

func (r *standInResync) run(ctx context.Context, target *Server, logf func(string, ...any)) {
	c := target.Client()
	defer c.Close()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	armedFor := "" // the source the link was up to when armed
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		text, err := c.Info(ctx, "replication").Result()
		if err != nil {
			continue // loading, busy or stopping: the next tick
		}
		info := probe.ParseInfo(text)
		master := ""
		if info["role"] == "slave" {
			master = net.JoinHostPort(info["master_host"], info["master_port"])
		}
		linkUp := info["master_link_status"] == "up" && info["master_sync_in_progress"] == "0"
		switch {
		case armedFor == "" && master != "" && linkUp:
			if err := c.ConfigSet(ctx, "masterauth", standInPoison).Err(); err != nil {
				logf("arming for %s: %v", master, err)
				continue
			}
			armedFor = master
			r.set(func(s *StandInResync) { s.Armed = true })
			logf("link to %s up: a reconnect will be refused until it starts over", master)
		case armedFor != "" && master == armedFor && !linkUp:
			host, port, _ := net.SplitHostPort(master)
			_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.SlaveOf(ctx, "NO", "ONE")
				p.ConfigSet(ctx, "masterauth", "")
				p.SlaveOf(ctx, host, port)
				return nil
			})
			if err != nil {
				logf("starting over with %s: %v", master, err)
				continue
			}
			armedFor = ""
			r.set(func(s *StandInResync) { s.Armed = false; s.Restarts++ })
			logf("link to %s dropped: REPLICAOF NO ONE, REPLICAOF %s %s: a new full sync, as Dragonfly", master, host, port)
		case armedFor != "" && master != armedFor:
			// Promoted, or pointed elsewhere: its own credentials back.
			if err := c.ConfigSet(ctx, "masterauth", "").Err(); err != nil {
				logf("disarming: %v", err)
				continue
			}
			armedFor = ""
			r.set(func(s *StandInResync) { s.Armed = false })
			logf("no longer a replica of the same source (role %s, master %q): disarmed", info["role"], master)
		}
	}
}

func (r *standInResync) set(f func(*StandInResync)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.state)
}
