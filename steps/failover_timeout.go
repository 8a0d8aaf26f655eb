package steps

import (
	"fmt"
	"strconv"
	"time"
)

// Sentinel's failover-timeout is the guarded cutover's worst case: when
// the Sentinels lose the target between SENTINEL FAILOVER and its
// promotion, the failover stays in flight until failover-timeout ends
// it, and flyover keeps the application's writes paused that long
// rather than fence on a guess or let the old primary take writes that a
// late promotion would lose (measured: 60.6 s with the lab's 60 s).

// LongFailoverTimeout is where preflight warns. Past about 30 s a stall
// is no longer a blip the application rides out: most clients' command
// timeouts and request budgets have long run out, so the worst case is
// an outage of the write path.
const LongFailoverTimeout = 30 * time.Second

// SuggestedFailoverTimeout is what preflight suggests for the migration
// window: about ten times Sentinel's usual promotion (1-2 s, up to a few
// -NOGOODSLAVE retries), so a normal switch never reaches it, while the
// worst case stays a short stall.
const SuggestedFailoverTimeout = 15 * time.Second

// CutoverWorstCase is the sentence the cutover's confirmation and an
// unattended run say before the point of no return; "" when the pause
// cannot be held (a source without CLIENT PAUSE WRITE: its pause lifts by
// itself).
func CutoverWorstCase(f Facts, o Options) string {
	if p := PlanCutover(f, o); p.PauseAllClients || p.FenceOnly {
		return ""
	}
	ft := FailoverTimeout(f)
	if ft <= 0 {
		return "If Sentinel loses the target mid-switch, writes stay paused up to Sentinel's failover-timeout (not read: SENTINEL MASTER did not say)."
	}
	return fmt.Sprintf("If Sentinel loses the target mid-switch, writes stay paused up to failover-timeout (%s).", Secs(ft))
}

// FailoverTimeoutCheck is preflight's line on the worst case: a warning
// with the SENTINEL SET that lowers failover-timeout for the migration
// window and the one that puts it back, when it is long.
func FailoverTimeoutCheck(f Facts) (Check, bool) {
	const id, title = "failover-timeout", "the longest write stall if Sentinel loses the target mid-switch"
	ft := FailoverTimeout(f)
	if ft <= 0 {
		return Check{}, false
	}
	if ft <= LongFailoverTimeout {
		return PassCheck(id, title, fmt.Sprintf("failover-timeout %s: writes stay paused at most that long", Secs(ft))), true
	}
	var lower, restore []Command
	for i, v := range f.Snapshot.Sentinels {
		if !v.Reachable || v.FailoverTimeout <= SuggestedFailoverTimeout {
			continue
		}
		set := func(d time.Duration) Command {
			return Command{Endpoint: EndpointLabel(i), Addr: v.Addr,
				Args: []string{"SENTINEL", "SET", f.Topo.MasterName, "failover-timeout", strconv.FormatInt(d.Milliseconds(), 10)}}
		}
		lower, restore = append(lower, set(SuggestedFailoverTimeout)), append(restore, set(v.FailoverTimeout))
	}
	c := WarnCheck(id, title, fmt.Sprintf("failover-timeout is %s: if the Sentinels lose the target between SENTINEL FAILOVER and its promotion, "+
		"the application's writes stay paused that long (flyover keeps them paused rather than lose any). For the migration window, "+
		"lower it to %s on each Sentinel (%s), and put it back afterwards (%s)",
		Secs(ft), Secs(SuggestedFailoverTimeout), CommandList(lower), CommandList(restore)))
	c.FixCommands = lower
	return c, true
}

// Secs is a duration in whole seconds, as Sentinel's settings read.
func Secs(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}
