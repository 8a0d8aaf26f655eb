package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"flyover/probe"
	"flyover/probe/readiness"
	"flyover/probe/sampling"
	"flyover/steps/auditlog"
)

// Sampled verification in the guided migration: counting keys cannot
// tell a target that holds every key from one that holds some of them
// wrong (DRAGONFLY.md), so the steady-state step compares a sample of keys
// once the target keeps up, the cutover samples before its pause when
// this session has not, and the verify step samples the new primary
// against the old one. Each sample is one summary entry in the audit log.

// DefaultSampleKeys is how many keys a guided sample compares, at
// sampling.DefaultSampleRate keys a second: about a second of reads, each
// key about four reads on each side (TYPE, PTTL, the value in pieces)
// plus a RANDOMKEY on the source.
const DefaultSampleKeys = 200

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

// RunSample compares DefaultSampleKeys keys between the source and the
// target and records the result in the session and, as one entry, in the
// audit log. Every command is a read, sent directly with each endpoint's
// timeout, like the poll's: hundreds of key reads would bury the audit
// log, so the summary stands for them. After the cutover the new primary
// (the target) is compared with the old one.
func (r *Runner) RunSample(ctx context.Context, step StepID, AfterCutover bool, progress func(Progress)) SampleRun {
	src, tgt := r.Prober.Source, r.Prober.Target
	run := SampleRun{Step: step, AfterCutover: AfterCutover, Source: src.Addr, Target: tgt.Addr}
	what := "the source with the target"
	if AfterCutover {
		what = "the old primary with the new one"
	}
	progress(Progress{Phase: "sampling", Message: fmt.Sprintf("comparing %d keys of %s (reads only)", DefaultSampleKeys, what), Fraction: 0})
	run.Result = sampling.SampleDatabases(ctx, nil, src, tgt, sampling.SampleOptions{
		Keys: DefaultSampleKeys, Rate: sampling.DefaultSampleRate,
		Progress: func(p sampling.SampleProgress) {
			progress(Progress{Phase: "sampling", Message: fmt.Sprintf("compared %d of %d keys of %s, %d differ", p.Done, p.Total, what, p.Mismatches),
				Fraction: float64(p.Done) / float64(max(1, p.Total))})
		},
	})
	run.At = time.Now()
	r.Session.setSample(run)
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: step, Message: "sample", Data: auditlog.MustJSON(run)}, false)
	progress(Progress{Phase: "sampled", Message: run.Summary(), Fraction: 1})
	return run
}

// SampleCheck judges the latest sample before the cutover: a key that
// still differs once the target caught up is divergence, and blocks.
func SampleCheck(f Facts) Check {
	const id, title = "sample", "a sample of keys is the same on the target"
	s := f.Sample
	switch {
	case s == nil:
		return WarnCheck(id, title, fmt.Sprintf("no sample has run in this session since the target's last full sync: the cutover compares %d keys before it pauses writes", DefaultSampleKeys))
	case len(s.Result.Mismatches) > 0:
		return BlockCheck(id, title, fmt.Sprintf("at %s, %d of %d sampled keys differ on the target: %s",
			s.At.Format("15:04:05"), len(s.Result.Mismatches), s.Result.Compared, s.Mismatched(5)),
			"find what writes to the target or what it dropped (the divergence check, the target's log); then detach it and attach it again (a full sync), and sample again")
	case s.Result.Compared == 0:
		return WarnCheck(id, title, "the last sample compared no key: "+s.Summary())
	}
	return PassCheck(id, title, "at "+s.At.Format("15:04:05")+": "+s.Summary())
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
