package switchover

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"flyover/steps"
)

// failover sends SENTINEL FAILOVER, retrying -NOGOODSLAVE within the
// budget and moving to the next Sentinel only when the command surely did
// not arrive. It returns nil once a Sentinel accepted it.
func (c *cutover) failover(ctx context.Context) error {
	budgetEnd := time.Now().Add(c.o.FailoverBudget)
	if !c.failoverBy.IsZero() && c.failoverBy.Before(budgetEnd) {
		budgetEnd = c.failoverBy
	}
	sentinels := c.r.Prober.Sentinels
	order := c.p.Sentinels
	if len(order) == 0 {
		return errors.New("no Sentinel to ask")
	}
	// SENTINEL FAILOVER is one Sentinel's act alone (a forced failover
	// asks no other Sentinel): send it only while a majority answers, or
	// a minority could promote the target while the rest go on sending
	// clients to the old primary.
	if v := c.readPromotionView(); len(sentinels)-len(v.silent)-len(v.down) < c.p.Majority {
		return &noMajorityError{answering: len(sentinels) - len(v.silent) - len(v.down), total: len(sentinels), majority: c.p.Majority,
			silent: append(v.silent, v.down...), master: c.p.MasterName}
	}
	idx := 0
	for {
		i := order[idx]
		name := steps.EndpointLabel(i)
		c.say(steps.PhaseFailover, fmt.Sprintf("SENTINEL FAILOVER %s on %s (attempt %d)", c.p.MasterName, name, c.res.FailoverAttempts+1), budgetEnd, nil)
		c.res.FailoverAttempts++
		// Sent with the safe context: a cancel in mid-send would leave it
		// unknown whether Sentinel got it. The operator's cancel is
		// honoured between attempts.
		_, err := c.r.Send(c.safe, sentinels[i], "SENTINEL", "FAILOVER", c.p.MasterName)
		if err == nil {
			c.res.FailoverAt = time.Now()
			c.res.FailoverSentinel = name + " " + sentinels[i].Addr
			return nil
		}
		code := steps.ReplyCode(err)
		switch {
		case code == "NOGOODSLAVE":
			if time.Now().Add(200 * time.Millisecond).After(budgetEnd) {
				return ExplainFailoverError(name, err)
			}
			c.res.NoGoodSlaveRetries++
			c.say(steps.PhaseFailover, fmt.Sprintf("%s: no replica it will promote yet (it has not rated the target): retrying until %s",
				name, budgetEnd.Format("15:04:05.000")), budgetEnd, nil)
		case code == "INPROG":
			// A failover started after the precondition was checked (the
			// Sentinels may have seen the paused source as down).
			// Unpausing under it would lose what the old primary takes
			// until clients switch: wait for it instead, and fence if it
			// promotes the target.
			c.res.FailoverAt = time.Now()
			c.res.FailoverSentinel = name + " " + sentinels[i].Addr + " (-INPROG)"
			c.res.Notes = append(c.res.Notes, ExplainFailoverError(name, err).Error()+": waited for that failover instead of starting one")
			return nil
		case code != "":
			return ExplainFailoverError(name, err)
		case notDelivered(err):
			if idx+1 >= len(order) {
				return fmt.Errorf("no Sentinel took SENTINEL FAILOVER: %w", err)
			}
			idx++
			continue
		default:
			// No answer: the Sentinel may have started the failover.
			if c.failoverEvident() {
				c.res.FailoverAt = time.Now()
				c.res.FailoverSentinel = name + " " + sentinels[i].Addr + " (no reply; failover seen under way)"
				c.res.Notes = append(c.res.Notes, name+" did not answer SENTINEL FAILOVER but a failover started")
				return nil
			}
			if idx+1 >= len(order) {
				return fmt.Errorf("%w (if that Sentinel is hung and recovers it may still start the failover: check it)", err)
			}
			c.res.Notes = append(c.res.Notes, name+" did not answer SENTINEL FAILOVER and no failover started: asked the next Sentinel")
			idx++
			continue
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cancelled by the operator: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// failoverEvident polls for a moment for any sign a failover started: a
// Sentinel naming the target or reporting a failover in progress, or the
// target reporting master.
func (c *cutover) failoverEvident() bool {
	end := time.Now().Add(2 * time.Second)
	for time.Now().Before(end) {
		naming, _, targetMaster := c.readPromotion()
		if inProgress, _ := c.anyInProgress(); naming > 0 || targetMaster || inProgress {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// notDelivered reports whether a command surely never reached the server
// (refused connection, unknown host), so trying another Sentinel is safe.
func notDelivered(err error) bool {
	var dnsErr *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr)
}

// sentinelRefusal is a SENTINEL FAILOVER error reply in plain words.
type sentinelRefusal struct {
	Code     string
	Sentinel string
	Reply    string
	Words    string
	Next     string
}

func (e *sentinelRefusal) Error() string {
	return fmt.Sprintf("%s answered %q: %s", e.Sentinel, e.Reply, e.Words)
}

// ExplainFailoverError maps Sentinel's refusals to plain words and a next
// action (SPEC: -NOGOODSLAVE, -INPROG, -NOQUORUM).
func ExplainFailoverError(sentinel string, err error) *sentinelRefusal {
	code := steps.ReplyCode(err)
	var ce *steps.CommandError
	reply := err.Error()
	if errors.As(err, &ce) {
		reply = ce.Err.Error()
	}
	r := &sentinelRefusal{Code: code, Sentinel: sentinel, Reply: reply}
	switch code {
	case "NOGOODSLAVE":
		r.Words = "Sentinel has no replica it is willing to promote (often: it has not rated the new replica yet)"
		r.Next = "wait until every Sentinel lists the target as healthy and would promote it (step 5), then run the cutover again"
	case "INPROG":
		r.Words = "a failover of this master is already running"
		r.Next = "wait for it to end (+failover-end or -failover-abort-*), look at who is the primary, then review the plan"
	case "NOQUORUM":
		r.Words = "the Sentinels cannot reach a majority to authorize a failover"
		r.Next = "check SENTINEL CKQUORUM on each Sentinel and that they reach each other, then run the cutover again"
	case "ERR":
		r.Words = "Sentinel refused the command"
		if strings.Contains(reply, "No such master") {
			r.Words = "this Sentinel does not monitor that master name"
		}
		r.Next = "check --master and the Sentinel's configuration"
	default:
		r.Words = "the command failed"
		r.Next = "check the Sentinel, then run the cutover again"
	}
	return r
}

// noMajorityError: fewer than a majority of Sentinels answered flyover
// just before SENTINEL FAILOVER, which was therefore not sent.
type noMajorityError struct {
	answering, total, majority int
	silent                     []string
	master                     string
}

func (e *noMajorityError) Error() string {
	return fmt.Sprintf("only %d of %d Sentinels answer flyover, not a majority (%d): no answer from %s; SENTINEL FAILOVER not sent: "+
		"one Sentinel would run it alone, and those it cannot reach would go on naming the old primary",
		e.answering, e.total, e.majority, strings.Join(e.silent, ", "))
}

func failoverNext(err error) string {
	var sr *sentinelRefusal
	if errors.As(err, &sr) {
		return sr.Next
	}
	var nm *noMajorityError
	if errors.As(err, &nm) {
		return "restore the network between flyover and the Sentinels (and between them and the data nodes: SENTINEL CKQUORUM " + nm.master + " on each answers OK), then run the cutover again"
	}
	return "check the Sentinels, then run the cutover again"
}
