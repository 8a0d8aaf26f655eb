package steps

import (
	"fmt"
	"strings"
	"time"

	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/probe/sampling"
)

// Sampled verification in the guided migration: counting keys cannot
// tell a target that holds every key from one that holds some of them
// wrong (DRAGONFLY.md), so the steady-state step compares a sample of keys
// once the target keeps up, the cutover samples before its pause when
// this session has not, and the verify step samples the new primary
// against the old one. Each sample is one summary entry in the audit log.

// SampleRun is one sampled comparison this session ran.
type SampleRun struct {
	At   time.Time `json:"at"`
	Step StepID    `json:"step"`
	// AfterCutover: compared the new primary (the target) with the old
	// one, whose data stopped at the cutover.
	AfterCutover bool                  `json:"after_cutover"`
	Source       string                `json:"source"`
	Target       string                `json:"target"`
	Result       sampling.SampleResult `json:"result"`
}

// Summary is one line: what was compared and what differed.
func (s SampleRun) Summary() string {
	res := &s.Result
	if res.Compared == 0 && res.Error != "" {
		return "no key compared: " + res.Error
	}
	line := fmt.Sprintf("%d keys compared (%s), %d differ", res.Compared, ModeWord(res.Mode), len(res.Mismatches))
	if len(res.Databases) > 1 {
		line = fmt.Sprintf("%d keys of %s compared (%s), %d differ", res.Compared, sampling.DatabaseList(res.Databases), ModeWord(res.Mode), len(res.Mismatches))
	}
	if len(res.Unsettled) > 0 {
		line += fmt.Sprintf(", %d written too often to compare", len(res.Unsettled))
	}
	if res.Error != "" {
		line += "; stopped early: " + res.Error
	}
	return line
}

func ModeWord(mode string) string {
	if mode == "scan" {
		return "every key"
	}
	return "random sample"
}

// Mismatched lists up to max differing keys, each with how it differs.
func (s SampleRun) Mismatched(max int) string {
	ms := s.Result.Mismatches
	var parts []string
	for i, m := range ms {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(ms)-max))
			break
		}
		parts = append(parts, m.String())
	}
	return strings.Join(parts, "; ")
}

// DivergenceWatch is the divergence check over the target's counters as
// the latest poll carries them, against the session's baseline (taken
// just before REPLICAOF; without one, since the target started). ok is
// false when it does not apply: the target does not follow the source.
func DivergenceWatch(f Facts) (c Check, ok bool) {
	st := StageOf(f)
	if st != StageSyncing && st != StageStreaming {
		return Check{}, false
	}
	t := &f.Snapshot.Target
	if !t.Reachable {
		return Check{}, false
	}
	var base probe.DivergenceCounters
	if f.DivergenceBase != nil {
		base = *f.DivergenceBase
	}
	return DivergenceCheck(base, t.DivergenceCounters()), true
}

// DroppedCommands is what the target dropped since the baseline, short,
// for a status line ("SWAPDB ×2, OBJECT ×1"), or "" when nothing was.
func DroppedCommands(f Facts) string {
	c, ok := DivergenceWatch(f)
	if !ok || c.Level != Block {
		return ""
	}
	var base probe.DivergenceCounters
	if f.DivergenceBase != nil {
		base = *f.DivergenceBase
	}
	d := readiness.DivergenceGrowth(base, f.Snapshot.Target.DivergenceCounters())
	var parts []string
	for _, name := range d.Names() {
		parts = append(parts, fmt.Sprintf("%s ×%s", name, probe.Thousands(d.ByCommand[name])))
	}
	return strings.Join(parts, ", ")
}
