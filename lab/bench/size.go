package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"flyover/lab"
	"flyover/probe"
)

// The bench at size: a source of gigabytes (--keys x --value-size,
// preloaded by the lab with DEBUG POPULATE), a writer of several
// connections and pipelined SETs (--conns, --pipeline) whose achieved rate
// is reported next to the rate asked for, and with --measure-sync the full
// sync itself measured under those writes: flyover's own process (`flyover
// migrate --until steady-state`, the binary running the bench) attaches the
// target and waits for steady state while the bench samples the source
// every 100 ms (CLIENT LIST TYPE replica: the target's omem; INFO stats:
// sync_full) and the target (INFO replication), and the kernel reports
// flyover's CPU time and peak RSS when it exits.

// SyncFigures are the full sync's figures, measured with --measure-sync.
type SyncFigures struct {
	// SourceUsedMemory and SourceKeys are the dataset when the sync began.
	SourceUsedMemory int64 `json:"source_used_memory_bytes"`
	SourceKeys       int64 `json:"source_keys"`
	// FullSync is from the source first listing the target's replica
	// connection to the target reporting its link up with no sync in
	// progress (fork, transfer, load), to within the 100 ms sampling.
	FullSync float64 `json:"full_sync_ms"`
	// ToSteadyState is flyover migrate's whole run: preflight, attach, the
	// full sync and the steady state it waits for.
	ToSteadyState float64 `json:"to_steady_state_ms"`
	// BufferPeak is the highest omem the source showed for its replica
	// connection (CLIENT LIST TYPE replica), BufferPeakAt when, from the
	// start of the sync.
	BufferPeak   int64   `json:"buffer_peak_bytes"`
	BufferPeakAt float64 `json:"buffer_peak_at_ms"`
	// FullSyncs is how many full syncs the source ran (INFO stats
	// sync_full): 1 unless the sync looped.
	FullSyncs int64 `json:"full_syncs"`
	// ForkUsec is the source's latest_fork_usec after the sync.
	ForkUsec int64 `json:"latest_fork_usec"`
	// Flyover's own process over its run: CPU time (user+system), that
	// over the run's wall time, and its peak resident memory.
	FlyoverCPU        float64 `json:"flyover_cpu_ms"`
	FlyoverCPUPercent float64 `json:"flyover_cpu_percent"`
	FlyoverMaxRSS     int64   `json:"flyover_max_rss_bytes"`
	// WritesPerSec is what the writer achieved during the sync.
	WritesPerSec float64 `json:"writes_per_sec"`
	Samples      int     `json:"samples"`
}

// FlyoverRSSGoal is what flyover's memory must stay under during a sync:
// it never reads the dataset.
const FlyoverRSSGoal = 60 << 20

// syncLimit bounds flyover migrate's run to steady state at size.
const syncLimit = 20 * time.Minute

// measureSync runs flyover migrate --until steady-state against the lab
// and samples the sync while it runs. The canary must be writing.
func (t *trial) measureSync(ctx context.Context, n int) (*SyncFigures, error) {
	l := t.lab
	src, tgt := l.Source.Client(), l.Target.Client()
	defer src.Close()
	defer tgt.Close()
	f := &SyncFigures{}
	mem := probe.ParseInfo(src.Info(ctx, "memory").Val())
	f.SourceUsedMemory, f.SourceKeys = mem.Int("used_memory"), src.DBSize(ctx).Val()
	syncsBefore := probe.ParseInfo(src.Info(ctx, "stats").Val()).Int("sync_full")

	dir := t.s.AuditDir
	if dir == "" {
		dir = l.Dir
	}
	stamp := time.Now().Format("20060102-150405")
	args := append([]string{"migrate"}, l.FlyoverArgs()...)
	args = append(args, "--until", "steady-state",
		"--audit-log", filepath.Join(dir, fmt.Sprintf("flyover-bench-migrate-%s-%d-%s.jsonl", t.m, n, stamp)),
		"--log", filepath.Join(l.Dir, "flyover-migrate.log"))
	outPath := filepath.Join(l.Dir, "flyover-migrate.out")
	out, err := os.Create(outPath)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	mctx, cancel := context.WithTimeout(ctx, syncLimit)
	defer cancel()
	cmd := exec.CommandContext(mctx, t.s.Flyover, args...)
	cmd.Stdout, cmd.Stderr = out, out
	t.logf("measuring the full sync: %s %s", t.s.Flyover, strings.Join(args, " "))

	ackedBefore := t.canary.Stats().Acked
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", t.s.Flyover, err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var connectedAt, syncedAt time.Time
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			f.Samples++
			if v, err := src.Do(ctx, "CLIENT", "LIST", "TYPE", "replica").Text(); err == nil {
				if conns := strings.Count(v, "\n"); conns > 0 && connectedAt.IsZero() {
					connectedAt = time.Now()
				}
				if m := maxOmem(v); m > f.BufferPeak {
					f.BufferPeak, f.BufferPeakAt = m, ms(time.Since(start))
				}
			}
			if !connectedAt.IsZero() && syncedAt.IsZero() {
				i := probe.ParseInfo(tgt.Info(ctx, "replication").Val())
				if i["master_link_status"] == "up" && i["master_sync_in_progress"] == "0" {
					syncedAt = time.Now()
				}
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	werr := cmd.Wait()
	close(done)
	wg.Wait()
	wall := time.Since(start)
	f.ToSteadyState = ms(wall)
	if !connectedAt.IsZero() && !syncedAt.IsZero() {
		f.FullSync = ms(syncedAt.Sub(connectedAt))
		if f.BufferPeakAt > 0 {
			f.BufferPeakAt = round2(f.BufferPeakAt - ms(connectedAt.Sub(start)))
		}
	}
	f.WritesPerSec = round2(float64(t.canary.Stats().Acked-ackedBefore) / wall.Seconds())
	if ps := cmd.ProcessState; ps != nil {
		cpu := ps.UserTime() + ps.SystemTime()
		f.FlyoverCPU = ms(cpu)
		f.FlyoverCPUPercent = round2(100 * cpu.Seconds() / wall.Seconds())
		f.FlyoverMaxRSS = maxRSS(ps)
	}
	stats := probe.ParseInfo(src.Info(ctx, "stats").Val())
	f.FullSyncs, f.ForkUsec = stats.Int("sync_full")-syncsBefore, stats.Int("latest_fork_usec")
	t.logf("full sync %s, buffer peak %s, %d full sync(s); flyover %s CPU (%.1f%% of a core), max RSS %s; writes %.0f/s",
		fmtMS(f.FullSync), fmtBytes(f.BufferPeak), f.FullSyncs, fmtMS(f.FlyoverCPU), f.FlyoverCPUPercent, fmtBytes(f.FlyoverMaxRSS), f.WritesPerSec)
	if werr != nil {
		if errors.Is(mctx.Err(), context.DeadlineExceeded) {
			return f, fmt.Errorf("flyover migrate did not reach steady state within %s; its output (%s): %s", syncLimit, outPath, lastLines(outPath, 6))
		}
		return f, fmt.Errorf("flyover migrate --until steady-state: %v; its output (%s): %s", werr, outPath, lastLines(outPath, 6))
	}
	return f, nil
}

// maxOmem is the largest omem= of a CLIENT LIST reply.
func maxOmem(list string) int64 {
	var peak int64
	for _, line := range strings.Split(list, "\n") {
		for _, field := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(field, "omem="); ok {
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > peak {
					peak = n
				}
			}
		}
	}
	return peak
}

// maxRSS is a finished process's peak resident memory in bytes: Linux
// reports kilobytes, macOS bytes.
func maxRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}

// lastLines is the end of a file, on one line.
func lastLines(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// fmtBytes shows a size the way people read it: 812 kB, 37.4 MB, 1.02 GB.
func fmtBytes(b int64) string {
	switch v := float64(b); {
	case v >= 1e9:
		return fmt.Sprintf("%.2f GB", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.1f MB", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.0f kB", v/1e3)
	}
	return fmt.Sprintf("%d B", b)
}

// writerLabel says what the writer is, for the report.
func writerLabel(s Settings) string {
	w := "one go-redis v9 NewFailoverClient"
	switch {
	case s.Conns <= 1 && s.Pipeline <= 1:
		w += ", one SET at a time"
	default:
		w += fmt.Sprintf(", %d connection(s), %d SET(s) per round trip", max(s.Conns, 1), max(s.Pipeline, 1))
	}
	if s.ValueSize > 0 {
		w += fmt.Sprintf(", values of %d B", s.ValueSize)
	}
	return w
}

// labOptions are the lab a run starts.
func labOptions(s Settings) lab.Options {
	return lab.Options{PreloadKeys: s.Keys, ValueSize: s.ValueSize, SourceReplicaBufferLimit: s.ReplicaBufferLimit,
		DownAfter: s.DownAfter, FailoverTimeout: s.FailoverTimeout, StandIn: s.StandIn}
}

// validBufferLimit checks a client-output-buffer-limit class's three
// values: two sizes (bytes, or with kb, mb, gb) and seconds.
func validBufferLimit(v string) bool {
	f := strings.Fields(strings.ToLower(v))
	if len(f) != 3 {
		return false
	}
	for i, x := range f {
		if i < 2 {
			for _, u := range []string{"gb", "mb", "kb", "g", "m", "k", "b"} {
				if s, ok := strings.CutSuffix(x, u); ok {
					x = s
					break
				}
			}
		}
		if n, err := strconv.ParseInt(x, 10, 64); err != nil || n < 0 {
			return false
		}
	}
	return true
}
