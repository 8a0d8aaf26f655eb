package bench

import (
	"fmt"
	"io"
	"slices"
)

// bufferLimitLabel says which replica buffer limit the source had.
func bufferLimitLabel(v string) string {
	if v == "" {
		return "256mb 64mb 60 (Redis's default)"
	}
	if v == "0 0 0" {
		return "0 0 0 (no limit)"
	}
	return v
}

// writeSize writes the writer's achieved rates and, with --measure-sync,
// the full sync's figures per run and their goals.
func (r *Report) writeSize(w io.Writer) {
	var rates []float64
	var syncs []RunResult
	for _, run := range r.Runs {
		if run.WritesPerSec > 0 {
			rates = append(rates, run.WritesPerSec)
		}
		if run.Sync != nil {
			syncs = append(syncs, run)
		}
	}
	if len(rates) > 0 {
		lo, hi := slices.Min(rates), slices.Max(rates)
		fmt.Fprintf(w, "\nwriter: %d writes/s asked, %.0f-%.0f achieved before the cutover", r.Settings.Rate, lo, hi)
		if lo < 0.95*float64(r.Settings.Rate) {
			fmt.Fprint(w, " (BELOW the rate asked: more --conns or --pipeline, or a quieter machine)")
		}
		fmt.Fprintln(w)
	}
	if len(syncs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nfull sync under the writes (flyover migrate --until steady-state attaching the target):")
	rssOK, loops := true, false
	for _, run := range syncs {
		f := run.Sync
		fmt.Fprintf(w, "  %-12s #%d  source %s in %d keys; full sync %s (steady state after %s), %d full sync(s); buffer peak %s at %s; fork %s; flyover %s CPU (%.1f%% of a core), max RSS %s; writes %.0f/s\n",
			run.Method, run.Run, fmtBytes(f.SourceUsedMemory), f.SourceKeys, fmtMS(f.FullSync), fmtMS(f.ToSteadyState), f.FullSyncs,
			fmtBytes(f.BufferPeak), fmtMS(f.BufferPeakAt), fmtMS(float64(f.ForkUsec)/1000), fmtMS(f.FlyoverCPU), f.FlyoverCPUPercent,
			fmtBytes(f.FlyoverMaxRSS), f.WritesPerSec)
		rssOK = rssOK && f.FlyoverMaxRSS > 0 && f.FlyoverMaxRSS < FlyoverRSSGoal
		loops = loops || f.FullSyncs != 1
	}
	fmt.Fprintf(w, "  flyover's peak RSS under %d MB in every run: %s\n", FlyoverRSSGoal>>20, verdict(rssOK))
	fmt.Fprintf(w, "  one full sync per run (no loop): %s\n", verdict(!loops))
}
