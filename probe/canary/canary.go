package canary

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"flyover/probe"
)

// CanaryOptions configure a canary writer.
type CanaryOptions struct {
	MasterName   string
	Sentinels    []string
	Auth         probe.Auth // the data nodes'
	SentinelAuth probe.Auth // the Sentinels' own requirepass, if any
	TLS          *tls.Config
	// Rate is writes per second; 0 means DefaultCanaryRate.
	Rate int
	// Namespace prefixes every key; empty means "flyover:canary:<start ms>".
	Namespace string
	// TTL is every key's expiry; 0 means DefaultCanaryTTL.
	TTL time.Duration
	// Dialer opens the canary's connections (EndpointOptions.Dialer).
	Dialer probe.Dialer
	// Conns writers share Rate, each on its own connection; 0 means 1.
	// Pipeline is how many SETs each sends at once (one round trip);
	// 0 means 1, one SET at a time. canary_writers.go.
	Conns, Pipeline int
	// ValueSize pads every value to this many bytes (the sequence number
	// first); 0: the sequence number alone.
	ValueSize int
}

// Defaults for a canary against a real system: light, and gone by itself.
const (
	DefaultCanaryRate = 100
	DefaultCanaryTTL  = 15 * time.Minute
)

// Canary writes like an application does: through go-redis's Sentinel
// client (NewFailoverClient) with its default retries, one SET at a time at
// a steady rate, each key new (<namespace>:<seq>, value <seq>). It keeps a
// ledger of every acknowledged write, measures stalls and failures, and
// afterwards reads every acknowledged key back from the primary Sentinel
// names (Verify).
//
// The ledger is compact: sequence numbers are issued in order, so the
// ledger is the next number plus the few that were not acknowledged, and a
// mark per second of which number was written when (to skip keys whose TTL
// may have run out by the time Verify reads them).
type Canary struct {
	opts   CanaryOptions
	client *redis.Client
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	started time.Time
	stopped time.Time
	next    int64              // the next sequence number to write
	unacked map[int64]struct{} // failed or abandoned: not in the ledger
	// inFlight are the writes sent and not yet answered, as ranges of
	// sequence numbers (first -> end): not acknowledged yet, so a Verify
	// while the canary runs must not count them.
	inFlight  map[int64]int64
	failed    int64
	acked     int64
	marks     []seqMark // (seq, time) about once a second
	lastAck   time.Time
	stallFrom time.Time // start of the oldest write since the last ack; zero when none
	longest   time.Duration
	longestAt time.Time
	lastErr   string
	lastErrAt time.Time
	rate      []seqMark // (acked, time) samples for writes/s
}

type seqMark struct {
	n  int64
	at time.Time
}

// CanaryStats is a consistent copy of a canary's counters, safe to read
// from any goroutine.
type CanaryStats struct {
	Namespace string    `json:"namespace"`
	Started   time.Time `json:"started"`
	Running   bool      `json:"running"`
	Attempted int64     `json:"attempted"`
	Acked     int64     `json:"acked"`
	// Failed writes returned an error after go-redis's retries. They may
	// or may not have been applied; they are not in the ledger.
	Failed       int64   `json:"failed"`
	WritesPerSec float64 `json:"writes_per_sec"`
	// CurrentStall is how long the oldest write since the last
	// acknowledgement has waited; LongestStall is the longest such wait
	// that ended in an acknowledgement.
	CurrentStall   time.Duration `json:"current_stall_ns"`
	LongestStall   time.Duration `json:"longest_stall_ns"`
	LongestStallAt time.Time     `json:"longest_stall_at,omitempty"`
	LastError      string        `json:"last_error,omitempty"`
	LastErrorAt    time.Time     `json:"last_error_at,omitempty"`
}

// CanaryVerdict is what Verify found.
type CanaryVerdict struct {
	Primary string `json:"primary"` // where the keys were read from
	// At is when the ledger was read: Acked counts the writes
	// acknowledged by then; those acknowledged after are not in it.
	At      time.Time `json:"at"`
	Acked   int64     `json:"acked"`   // acknowledged writes in the ledger
	Checked int64     `json:"checked"` // of those, read back
	// Expired were not checked: their TTL may have run out.
	Expired int64 `json:"expired"`
	// Lost acknowledged writes are missing or hold another value.
	Lost       int64    `json:"lost"`
	LostSample []string `json:"lost_sample,omitempty"`
}

// StartCanary starts writing in the background until Stop or ctx ends.
func StartCanary(ctx context.Context, opts CanaryOptions) (*Canary, error) {
	if opts.MasterName == "" || len(opts.Sentinels) == 0 {
		return nil, errors.New("canary: a master name and at least one Sentinel are required")
	}
	if opts.Rate <= 0 {
		opts.Rate = DefaultCanaryRate
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultCanaryTTL
	}
	opts.writerDefaults()
	now := time.Now()
	if opts.Namespace == "" {
		opts.Namespace = "flyover:canary:" + strconv.FormatInt(now.UnixMilli(), 10)
	}
	client := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:       opts.MasterName,
		SentinelAddrs:    opts.Sentinels,
		Username:         opts.Auth.Username,
		Password:         opts.Auth.Password,
		SentinelUsername: opts.SentinelAuth.Username,
		SentinelPassword: opts.SentinelAuth.Password,
		TLSConfig:        opts.TLS,
		Dialer:           probe.TLSDialer(opts.Dialer, opts.TLS),
		OnConnect:        probe.NameConnection("flyover-canary"),
		DisableIdentity:  true,
		PoolSize:         canaryPoolSize(opts.Conns),
	})
	ctx, cancel := context.WithCancel(ctx)
	c := &Canary{opts: opts, client: client, cancel: cancel, done: make(chan struct{}),
		started: now, unacked: map[int64]struct{}{}, inFlight: map[int64]int64{}}
	go c.run(ctx)
	return c, nil
}

// Namespace is the key prefix the canary writes under.
func (c *Canary) Namespace() string { return c.opts.Namespace }

// Key is the key for sequence number seq.
func (c *Canary) Key(seq int64) string { return c.opts.Namespace + ":" + strconv.FormatInt(seq, 10) }

// Stop ends the writing and waits for the write in flight. Stats and
// Verify keep working afterwards.
func (c *Canary) Stop() {
	c.cancel()
	<-c.done
}

// Close stops the canary and releases its connections.
func (c *Canary) Close() error {
	c.Stop()
	return c.client.Close()
}

// Stats returns the canary's counters.
func (c *Canary) Stats() CanaryStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	running := c.stopped.IsZero()
	s := CanaryStats{
		Namespace: c.opts.Namespace, Started: c.started, Running: running,
		Attempted: c.next, Acked: c.acked, Failed: c.failed,
		LongestStall: c.longest, LongestStallAt: c.longestAt,
		LastError: c.lastErr, LastErrorAt: c.lastErrAt,
	}
	if running && !c.stallFrom.IsZero() {
		s.CurrentStall = now.Sub(c.stallFrom)
	}
	// Writes per second over the last second or so of samples; zero when
	// nothing was acknowledged lately.
	if n := len(c.rate); n > 0 && running {
		last := c.rate[n-1]
		if now.Sub(last.at) < 2*time.Second {
			for i := n - 2; i >= 0; i-- {
				if dt := last.at.Sub(c.rate[i].at); dt >= 900*time.Millisecond || i == 0 {
					if dt > 0 {
						s.WritesPerSec = float64(last.n-c.rate[i].n) / dt.Seconds()
					}
					break
				}
			}
		}
	}
	return s
}

// Verify reads every acknowledged key back from the primary the Sentinels
// name now and counts the ones missing or changed. Keys old enough that
// their TTL may have run out are skipped and counted as Expired.
// ledger is what Verify reads back: sequence numbers first to end, less
// unacked (failed, abandoned, or still in flight); those before first may
// have expired.
func (c *Canary) ledger() (first, end int64, unacked map[int64]struct{}) {
	c.mu.Lock()
	end = c.next
	unacked = make(map[int64]struct{}, len(c.unacked))
	for k := range c.unacked {
		unacked[k] = struct{}{}
	}
	for from, to := range c.inFlight {
		// Sent, not answered: it may or may not land, and nobody was told
		// it did. Verify while the canary runs reads only what was acked.
		for seq := from; seq < to; seq++ {
			unacked[seq] = struct{}{}
		}
	}
	// The first sequence number whose key cannot have expired yet, with a
	// margin for the time Verify itself takes. A mark is the first write
	// of its second, so everything from the first mark at or after the
	// cutoff on is young enough; what lies between the marks around the
	// cutoff is skipped, which errs towards checking less, never towards
	// calling an expired key lost.
	cutoff := time.Now().Add(-c.opts.TTL + 30*time.Second)
	first = end
	for _, m := range c.marks {
		if !m.at.Before(cutoff) {
			first = m.n
			break
		}
	}
	c.mu.Unlock()
	return min(first, end), end, unacked
}

func (c *Canary) Verify(ctx context.Context) (CanaryVerdict, error) {
	first, end, unacked := c.ledger()

	v := CanaryVerdict{At: time.Now()}
	for seq := int64(0); seq < end; seq++ {
		if _, no := unacked[seq]; !no {
			v.Acked++
			if seq < first {
				v.Expired++
			}
		}
	}

	primary, err := c.primary(ctx)
	if err != nil {
		return v, err
	}
	v.Primary = primary
	rc := redis.NewClient(&redis.Options{
		Addr: primary, Username: c.opts.Auth.Username, Password: c.opts.Auth.Password,
		TLSConfig: c.opts.TLS, Dialer: probe.TLSDialer(c.opts.Dialer, c.opts.TLS), Protocol: 2, DisableIdentity: true, DialerRetries: 1,
		DialTimeout: 2 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		MaxRetries: 2, ContextTimeoutEnabled: true,
	})
	defer rc.Close()

	const batch = 1000
	keys := make([]string, 0, batch)
	seqs := make([]int64, 0, batch)
	flush := func() error {
		if len(keys) == 0 {
			return nil
		}
		vals, err := rc.MGet(ctx, keys...).Result()
		if err != nil {
			return fmt.Errorf("canary verify: MGET on %s: %w", primary, err)
		}
		for i, val := range vals {
			v.Checked++
			if s, ok := val.(string); !ok || s != c.value(seqs[i]) {
				v.Lost++
				if len(v.LostSample) < 10 {
					v.LostSample = append(v.LostSample, keys[i])
				}
			}
		}
		keys, seqs = keys[:0], seqs[:0]
		return nil
	}
	for seq := first; seq < end; seq++ {
		if _, no := unacked[seq]; no {
			continue
		}
		keys = append(keys, c.Key(seq))
		seqs = append(seqs, seq)
		if len(keys) == batch {
			if err := flush(); err != nil {
				return v, err
			}
		}
	}
	if err := flush(); err != nil {
		return v, err
	}
	sort.Strings(v.LostSample)
	return v, nil
}

// primary asks the Sentinels, in order, for the master's address.
func (c *Canary) primary(ctx context.Context) (string, error) {
	var errs []string
	for _, addr := range c.opts.Sentinels {
		sc := redis.NewSentinelClient(&redis.Options{
			Addr: addr, Username: c.opts.SentinelAuth.Username, Password: c.opts.SentinelAuth.Password,
			TLSConfig: c.opts.TLS, Dialer: probe.TLSDialer(c.opts.Dialer, c.opts.TLS), Protocol: 2, DisableIdentity: true, DialerRetries: 1,
			DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
			MaxRetries: -1, ContextTimeoutEnabled: true,
		})
		a, err := sc.GetMasterAddrByName(ctx, c.opts.MasterName).Result()
		sc.Close()
		if err == nil && len(a) == 2 {
			return probe.JoinHostPort(a[0], int(probe.Atoi(a[1]))), nil
		}
		errs = append(errs, probe.Describe(addr, err))
	}
	return "", fmt.Errorf("canary verify: no Sentinel named the primary: %v", errs)
}
