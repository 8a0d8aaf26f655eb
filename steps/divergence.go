package steps

import (
	"fmt"
	"strings"

	"flyover/probe"
	"flyover/probe/readiness"
)

// DivergenceCheck blocks the cutover when the target, since base, failed
// to run replicated commands it does not know: Dragonfly drops them
// without a word to anyone, so the target no longer holds what the source
// holds. A zero base counts everything since the target started.
func DivergenceCheck(base, now probe.DivergenceCounters) Check {
	const id, title = "divergence", "the target ran every replicated command"
	if !now.Known {
		return WarnCheck(id, title, "the target's INFO commandstats could not be read: whether it dropped commands is unknown")
	}
	d := readiness.DivergenceGrowth(base, now)
	since := "since the target started"
	if base.Known && !d.Restarted {
		since = "since " + base.At.Format("15:04:05")
	}
	if d.Restarted {
		since = "since the target restarted (after " + base.At.Format("15:04:05") + ": what came before the restart is not known)"
	}
	if total := d.Total(); total > 0 {
		names := d.Names()
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = fmt.Sprintf("%s %s times", n, probe.Thousands(d.ByCommand[n]))
		}
		return BlockCheck(id, title, fmt.Sprintf("%s the target did not run %s replicated command(s) it does not know: %s. Their writes are not on the target: it has diverged from the source",
			since, probe.Thousands(total), strings.Join(parts, ", ")),
			"stop the application sending these commands, then detach the target and attach it again (a full sync) before the cutover")
	}
	if d.UnknownCmd > 0 {
		return WarnCheck(id, title, fmt.Sprintf("%s the target refused %s direct call(s) to unknown commands (INFO errorstats unknown_cmd): a client talks to the target directly with commands it does not know", since, probe.Thousands(d.UnknownCmd)))
	}
	return PassCheck(id, title, since+" no replicated command was unknown to the target")
}
