package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"flyover/lab"
	"flyover/probe"
)

// waitSettled waits until every Sentinel names the target and the target
// reports role master.
func (t *trial) waitSettled(ctx context.Context, limit time.Duration) error {
	target := t.lab.Target.Addr()
	why := "no reading yet"
	err := lab.WaitFor(ctx, limit, func() bool {
		s := t.runner.Poll(ctx)
		n := s.SentinelsNaming(target)
		if n < len(s.Sentinels) || s.Target.Role != probe.RolePrimary {
			why = fmt.Sprintf("%d of %d Sentinels name the target, which reports role %q", n, len(s.Sentinels), s.Target.Role)
			return false
		}
		return true
	})
	if err != nil {
		if ctx.Err() != nil {
			return stopped(ctx, "waiting for the topology to settle: "+why)
		}
		return fmt.Errorf("the topology did not settle on the target within %s: %s", limit, why)
	}
	return nil
}

// waitWriting waits until the canary's writes are acknowledged again.
func (t *trial) waitWriting(ctx context.Context) error {
	before := t.canary.Stats().Acked
	need := before + max(int64(t.s.Rate/10), 5)
	err := lab.WaitFor(ctx, writingLimit, func() bool {
		st := t.canary.Stats()
		return st.Acked >= need && st.CurrentStall < 100*time.Millisecond
	})
	if err != nil {
		if ctx.Err() != nil {
			return stopped(ctx, "waiting for the canary's writes to flow again")
		}
		st := t.canary.Stats()
		return fmt.Errorf("the canary's writes did not flow again within %s after the topology settled: %d acknowledged since, stalled %s, last error %q",
			writingLimit, st.Acked-before, st.CurrentStall.Round(time.Millisecond), st.LastError)
	}
	return nil
}

func (t *trial) recordStats(r *RunResult) {
	if t.canary == nil {
		return
	}
	st := t.canary.Stats()
	r.LongestStall, r.FailedWrites = ms(st.LongestStall), st.Failed
	if r.Acked == 0 {
		r.Acked = st.Acked
	}
}

// targetName is the target as it reported itself.
func targetName(l *lab.Lab, n probe.Node) string {
	if l.TargetStandIn {
		return fmt.Sprintf("redis-server %s standing in for Dragonfly", n.Version)
	}
	return fmt.Sprintf("%s %s", n.Kind, n.Version)
}

// promotionWatch polls every Sentinel's GET-MASTER-ADDR-BY-NAME every
// 10 ms and records when a majority first names the target: Sentinel's
// own promotion, seen from outside, the same way for every method.
type promotionWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	at     time.Time
}

func watchPromotion(ctx context.Context, l *lab.Lab) *promotionWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &promotionWatch{cancel: cancel, done: make(chan struct{})}
	target := l.Target.Addr()
	majority := len(l.Sentinels)/2 + 1
	go func() {
		defer close(w.done)
		clients := make([]*redis.Client, len(l.Sentinels))
		for i, s := range l.Sentinels {
			clients[i] = s.Client()
			defer clients[i].Close()
		}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			naming := 0
			for _, c := range clients {
				v, err := c.Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", l.Opts.MasterName).Result()
				if err != nil {
					continue
				}
				if a, err := probe.ParseMasterAddr(v); err == nil && probe.SameAddr(a, target) {
					naming++
				}
			}
			if naming >= majority {
				w.mu.Lock()
				w.at = time.Now()
				w.mu.Unlock()
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// settled ends the watch once the run has settled. A majority names the
// target by then, but the settle check can see it before the watcher's
// next poll does (on a loaded machine, by a lot): give the watcher a
// bounded moment to record it rather than cancel it mid-poll.
func (w *promotionWatch) settled() time.Time {
	select {
	case <-w.done:
	case <-time.After(3 * time.Second):
	}
	return w.stop()
}

// stop ends the watch and returns when a majority first named the
// target (zero if it has not).
func (w *promotionWatch) stop() time.Time {
	w.cancel()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.at
}

// stopped says why a wait ended early: the bench was interrupted, or the
// run went past its overall limit.
func stopped(ctx context.Context, while string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("the run went past its overall time limit while %s", while)
	}
	return fmt.Errorf("interrupted while %s", while)
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return stopped(ctx, fmt.Sprintf("letting the canary write for %s", d))
	case <-time.After(d):
		return nil
	}
}
