package checks

import (
	"context"
	"fmt"
	"time"

	"flyover/probe/sampling"
	"flyover/steps"
	"flyover/steps/auditlog"
)

// DefaultSampleKeys is how many keys a guided sample compares, at
// sampling.DefaultSampleRate keys a second: about a second of reads, each
// key about four reads on each side (TYPE, PTTL, the value in pieces)
// plus a RANDOMKEY on the source.
const DefaultSampleKeys = 200

// RunSample compares DefaultSampleKeys keys between the source and the
// target and records the result in the session and, as one entry, in the
// audit log. Every command is a read, sent directly with each endpoint's
// timeout, like the poll's: hundreds of key reads would bury the audit
// log, so the summary stands for them. After the cutover the new primary
// (the target) is compared with the old one.
func RunSample(ctx context.Context, r *steps.Runner, step steps.StepID, AfterCutover bool, progress func(steps.Progress)) steps.SampleRun {
	src, tgt := r.Prober.Source, r.Prober.Target
	run := steps.SampleRun{Step: step, AfterCutover: AfterCutover, Source: src.Addr, Target: tgt.Addr}
	what := "the source with the target"
	if AfterCutover {
		what = "the old primary with the new one"
	}
	progress(steps.Progress{Phase: "sampling", Message: fmt.Sprintf("comparing %d keys of %s (reads only)", DefaultSampleKeys, what), Fraction: 0})
	run.Result = sampling.SampleDatabases(ctx, nil, src, tgt, sampling.SampleOptions{
		Keys: DefaultSampleKeys, Rate: sampling.DefaultSampleRate,
		Progress: func(p sampling.SampleProgress) {
			progress(steps.Progress{Phase: "sampling", Message: fmt.Sprintf("compared %d of %d keys of %s, %d differ", p.Done, p.Total, what, p.Mismatches),
				Fraction: float64(p.Done) / float64(max(1, p.Total))})
		},
	})
	run.At = time.Now()
	r.Session.SetSample(run)
	r.Audit.Log(auditlog.Entry{Kind: auditlog.KindResult, Step: step, Message: "sample", Data: auditlog.MustJSON(run)}, false)
	progress(steps.Progress{Phase: "sampled", Message: run.Summary(), Fraction: 1})
	return run
}

// SampleCheck judges the latest sample before the cutover: a key that
// still differs once the target caught up is divergence, and blocks.
func SampleCheck(f steps.Facts) steps.Check {
	const id, title = "sample", "a sample of keys is the same on the target"
	s := f.Sample
	switch {
	case s == nil:
		return steps.WarnCheck(id, title, fmt.Sprintf("no sample has run in this session since the target's last full sync: the cutover compares %d keys before it pauses writes", DefaultSampleKeys))
	case len(s.Result.Mismatches) > 0:
		return steps.BlockCheck(id, title, fmt.Sprintf("at %s, %d of %d sampled keys differ on the target: %s",
			s.At.Format("15:04:05"), len(s.Result.Mismatches), s.Result.Compared, s.Mismatched(5)),
			"find what writes to the target or what it dropped (the divergence check, the target's log); then detach it and attach it again (a full sync), and sample again")
	case s.Result.Compared == 0:
		return steps.WarnCheck(id, title, "the last sample compared no key: "+s.Summary())
	}
	return steps.PassCheck(id, title, "at "+s.At.Format("15:04:05")+": "+s.Summary())
}
