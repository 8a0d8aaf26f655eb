package canary

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// The canary's writers: Conns goroutines share the rate, each sending
// Pipeline SETs per round trip on its own connection of the one
// NewFailoverClient. Every SET gets its own sequence number, reserved in
// order under the canary's lock before it is sent, and its own answer:
// a SET answered OK is in the ledger, any other answer is not (a pipeline
// that fails as a whole, a connection lost mid-batch after go-redis's
// retries, fails every SET it held). So the ledger is exact with any
// number of writers and any batch: what Verify reads back is exactly the
// writes an application was told had succeeded.

func (o *CanaryOptions) writerDefaults() {
	if o.Conns <= 0 {
		o.Conns = 1
	}
	if o.Pipeline <= 0 {
		o.Pipeline = 1
	}
}

// canaryPoolSize leaves go-redis's default pool (10 a CPU) unless the
// writers need more connections than that.
func canaryPoolSize(conns int) int {
	return max(conns, 10*runtime.GOMAXPROCS(0))
}

// batchInterval is how often one writer sends its batch so that conns
// writers of pipeline SETs each make rate writes a second together.
func batchInterval(rate, conns, pipeline int) time.Duration {
	return time.Duration(float64(time.Second) * float64(conns*pipeline) / float64(max(rate, 1)))
}

func (c *Canary) run(ctx context.Context) {
	defer close(c.done)
	defer func() {
		c.mu.Lock()
		c.stopped = time.Now()
		c.mu.Unlock()
	}()
	var wg sync.WaitGroup
	interval := batchInterval(c.opts.Rate, c.opts.Conns, c.opts.Pipeline)
	for i := range c.opts.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Spread the writers over one interval rather than all at once.
			c.pace(ctx, interval, time.Now().Add(interval*time.Duration(i)/time.Duration(c.opts.Conns)))
		}()
	}
	wg.Wait()
}

// pace sends one batch every interval from next on, until ctx ends.
func (c *Canary) pace(ctx context.Context, interval time.Duration, next time.Time) {
	for {
		if d := time.Until(next); d > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(d):
			}
		} else if ctx.Err() != nil {
			return
		}
		c.writeBatch(ctx, c.opts.Pipeline)
		next = next.Add(interval)
		// After a stall, carry on at the rate rather than bursting to
		// catch up: an application's requests would have timed out.
		if behind := time.Since(next); behind > 100*time.Millisecond {
			next = time.Now()
		}
	}
}

// value is what the write with sequence number seq stores.
func (c *Canary) value(seq int64) string {
	v := strconv.FormatInt(seq, 10)
	if pad := c.opts.ValueSize - len(v); pad > 0 {
		v += ":" + strings.Repeat("x", pad-1)
	}
	return v
}

// writeBatch sends n SETs, one round trip when n > 1, and records each
// answer.
func (c *Canary) writeBatch(ctx context.Context, n int) {
	c.mu.Lock()
	first := c.next
	c.next += int64(n)
	c.inFlight[first] = first + int64(n)
	start := time.Now()
	if c.stallFrom.IsZero() {
		c.stallFrom = start
	}
	if len(c.marks) == 0 || start.Sub(c.marks[len(c.marks)-1].at) >= time.Second {
		c.marks = append(c.marks, seqMark{n: first, at: start})
	}
	c.mu.Unlock()

	errs := make([]error, n)
	if n == 1 {
		errs[0] = c.client.Set(ctx, c.Key(first), c.value(first), c.opts.TTL).Err()
	} else {
		cmds, err := c.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := range n {
				seq := first + int64(i)
				p.Set(ctx, c.Key(seq), c.value(seq), c.opts.TTL)
			}
			return nil
		})
		for i := range errs {
			switch {
			case i < len(cmds):
				errs[i] = cmds[i].Err()
			default:
				errs[i] = err
			}
		}
	}
	end := time.Now()

	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.inFlight, first)
	abandoned := ctx.Err() != nil
	acked := 0
	for i, err := range errs {
		seq := first + int64(i)
		if err != nil {
			c.unacked[seq] = struct{}{}
			if !abandoned { // abandoned by Stop: neither acknowledged nor failed
				c.failed++
				c.lastErr, c.lastErrAt = err.Error(), end
			}
			continue
		}
		acked++
	}
	if acked == 0 {
		return
	}
	c.acked += int64(acked)
	c.lastAck = end
	// Another writer's answer may have ended the stall already.
	if stall := end.Sub(c.stallFrom); !c.stallFrom.IsZero() && stall > c.longest {
		c.longest, c.longestAt = stall, end
	}
	c.stallFrom = time.Time{}
	if len(c.rate) == 0 || end.Sub(c.rate[len(c.rate)-1].at) >= 250*time.Millisecond {
		c.rate = append(c.rate, seqMark{n: c.acked, at: end})
		if len(c.rate) > 8 {
			c.rate = c.rate[len(c.rate)-8:]
		}
	}
}
