package commands

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"flyover/fleet"
)

// fleetCollector turns the fleet's latest polls into Prometheus series at
// scrape time: nothing is polled for a scrape, and nothing is kept
// between scrapes. A lag that is not known is left out, never 0.
type fleetCollector struct {
	f     *fleet.Fleet
	st    *fleet.State
	turns *fleet.Turns

	lagBytes, lagSeconds, phase, keys, verdicts, stall, syncs, maxSyncs, sentinelUp *prometheus.Desc
	// The full sync (fullsync.Watch).
	syncBuffer, syncLimit, fullSyncs, syncRestarts, forkSeconds *prometheus.Desc
}

func newFleetCollector(f *fleet.Fleet, st *fleet.State, turns *fleet.Turns) *fleetCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("flyover_"+name, help, labels, nil)
	}
	return &fleetCollector{f: f, st: st, turns: turns,
		lagBytes:   d("master_lag_bytes", "Replication lag of the target behind its source, in bytes (absent when unknown).", "master"),
		lagSeconds: d("master_lag_seconds", "How long ago the source was where the target is (absent when unknown).", "master"),
		phase:      d("master_phase", "1 for the master's current migration phase.", "master", "phase"),
		keys:       d("master_keys", "Keys on the source or the target (absent when it does not answer).", "master", "side"),
		verdicts:   d("master_preflight_checks", "The master's preflight checks by level, once its preflight has run.", "master", "level"),
		stall:      d("master_last_stall_seconds", "Write stall of the master's last cutover.", "master"),
		syncs:      d("fleet_syncs_running", "Attaches and full syncs running now."),
		maxSyncs:   d("fleet_max_syncs", "--max-syncs: full syncs allowed at once."),
		sentinelUp: d("sentinel_up", "1 when the Sentinel answered its last poll in time.", "sentinel"),

		syncBuffer:   d("master_sync_buffer_bytes", "The source's output buffer for the target (CLIENT LIST omem; absent when not listed, or not read: the fleet reads it while a full sync goes on).", "master"),
		syncLimit:    d("master_sync_buffer_limit_bytes", "The source's client-output-buffer-limit replica, hard and soft (absent when unknown; 0 is no limit).", "master", "half"),
		fullSyncs:    d("master_full_syncs_since_attach", "The source's full syncs since the target was attached (sync_full delta).", "master"),
		syncRestarts: d("master_sync_restarts", "Times the source dropped and restarted the target's sync since the attach.", "master"),
		forkSeconds:  d("master_source_fork_seconds", "The source's last fork's stall (latest_fork_usec).", "master"),
	}
}

func (c *fleetCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.lagBytes, c.lagSeconds, c.phase, c.keys, c.verdicts, c.stall, c.syncs, c.maxSyncs, c.sentinelUp,
		c.syncBuffer, c.syncLimit, c.fullSyncs, c.syncRestarts, c.forkSeconds} {
		ch <- d
	}
}

func (c *fleetCollector) Collect(ch chan<- prometheus.Metric) {
	g := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, r := range c.st.Rows() {
		l := r.Snapshot.Link
		if r.Polled && l.LagKnown {
			g(c.lagBytes, float64(l.LagBytes), r.Master)
			if l.LagSeconds >= 0 {
				g(c.lagSeconds, l.LagSeconds, r.Master)
			}
		}
		for _, p := range fleet.Phases {
			v := 0.0
			if p == r.Phase {
				v = 1
			}
			g(c.phase, v, r.Master, string(p))
		}
		if r.Snapshot.Source.Reachable {
			g(c.keys, float64(r.Snapshot.Source.Keys()), r.Master, "source")
			g(c.forkSeconds, float64(r.Snapshot.Source.Sync.ForkUsec)/1e6, r.Master)
		}
		if w := &r.Snapshot.FullSync; r.Polled {
			if w.Client != nil {
				g(c.syncBuffer, float64(w.Client.Omem), r.Master)
			}
			if w.Limit != nil {
				g(c.syncLimit, float64(w.Limit.Hard), r.Master, "hard")
				g(c.syncLimit, float64(w.Limit.Soft), r.Master, "soft")
			}
			if w.Attached {
				g(c.fullSyncs, float64(w.FullSyncs), r.Master)
				g(c.syncRestarts, float64(w.Restarts()), r.Master)
			}
		}
		if r.Snapshot.Target.Reachable {
			g(c.keys, float64(r.Snapshot.Target.Keys()), r.Master, "target")
		}
		if v := r.Verdicts; v.Known {
			g(c.verdicts, float64(v.Pass), r.Master, "pass")
			g(c.verdicts, float64(v.Warn), r.Master, "warn")
			g(c.verdicts, float64(v.Block), r.Master, "block")
		}
		if r.Stall > 0 {
			g(c.stall, r.Stall.Seconds(), r.Master)
		}
	}
	g(c.syncs, float64(len(c.turns.Syncs())))
	g(c.maxSyncs, float64(c.turns.MaxSyncs))
	for _, e := range c.f.Sentinels {
		up := 0.0
		if seen := e.LastSeen(); !seen.IsZero() && time.Since(seen) < 10*time.Second+e.Timeout {
			up = 1
		}
		g(c.sentinelUp, up, e.Addr)
	}
}

// serveMetrics serves /metrics on addr until the returned function is
// called, and says where it listens (addr with port 0: a free port). Its
// errors go to the log, never to the screen.
func serveMetrics(addr string, f *fleet.Fleet, st *fleet.State, turns *fleet.Turns, logger *log.Logger) (string, func(), error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newFleetCollector(f, st, turns))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: logger}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: logger}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && logger != nil {
			logger.Printf("metrics: %v", err)
		}
	}()
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
