package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"flyover/lab"
)

// Report is a whole bench: what ran where, every run, and per method a
// summary. Durations are in milliseconds unless the name says otherwise.
type Report struct {
	Command     string         `json:"command"`
	Machine     Machine        `json:"machine"`
	Settings    ReportSettings `json:"settings"`
	Started     time.Time      `json:"started"`
	Elapsed     float64        `json:"elapsed_s"`
	Interrupted bool           `json:"interrupted,omitempty"`
	Runs        []RunResult    `json:"runs"`
	Summary     []Summary      `json:"summary"`
	// Goals are the guarded cutover's goals on the lab, when it ran.
	Goals *Goals `json:"goals,omitempty"`
}

// Machine is where the bench ran.
type Machine struct {
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	CPUs        int    `json:"cpus"`
	CPUModel    string `json:"cpu_model,omitempty"`
	Go          string `json:"go"`
	RedisServer string `json:"redis_server"` // its version, as before
	// Server and Sentinel are the lab's binaries as they name themselves
	// ("valkey-server 8.0.1 (/opt/...)"): the source's and the Sentinels'.
	Server   string `json:"server"`
	Sentinel string `json:"sentinel"`
	// Target is what the lab starts as the target; TargetServer is how
	// the first run's target reported itself.
	Target       string `json:"target"`
	TargetServer string `json:"target_server,omitempty"`
}

// ReportSettings are the bench's parameters, as reported.
type ReportSettings struct {
	Runs            int      `json:"runs"`
	Rate            int      `json:"rate"`
	Keys            int      `json:"keys"`
	Methods         []Method `json:"methods"`
	Window          float64  `json:"window_ms"`
	DownAfter       float64  `json:"down_after_ms"`
	FailoverTimeout float64  `json:"failover_timeout_ms"`
	Sentinels       int      `json:"sentinels"`
	Quorum          int      `json:"quorum"`
	Writer          string   `json:"writer"`
	// At size (lab/bench/size.go).
	ValueSize int `json:"value_size"`
	Conns     int `json:"conns"`
	Pipeline  int `json:"pipeline"`
	// ReplicaBufferLimit is the source's client-output-buffer-limit for
	// replicas the runs had.
	ReplicaBufferLimit string `json:"replica_buffer_limit"`
	MeasureSync        bool   `json:"measure_sync,omitempty"`
}

// Summary is one method over its runs. The figures are over the runs that
// completed; the per-run lists are in run order.
type Summary struct {
	Method      Method   `json:"method"`
	Title       string   `json:"title"`
	Runs        int      `json:"runs"`
	Completed   int      `json:"completed"`
	StallMedian float64  `json:"longest_stall_median_ms"`
	StallMax    float64  `json:"longest_stall_max_ms"`
	Failed      []int64  `json:"failed_writes"`
	Lost        []int64  `json:"acked_lost"`
	Acked       []int64  `json:"acked"`
	Promotion   *float64 `json:"promotion_median_ms,omitempty"`
	// OverPromotion is the longest stall minus Sentinel's promotion
	// time, per run: what the method adds to Sentinel's own switch.
	OverPromotion []float64 `json:"stall_over_promotion_ms,omitempty"`
}

// Goals are the guarded cutover's goals on the lab (issue 5).
type Goals struct {
	Runs      int `json:"runs"`
	Completed int `json:"completed"`
	// LostNothing: every run completed and lost no acknowledged write.
	LostNothing bool `json:"lost_nothing_every_run"`
	// OverPromotionMax is the largest longest-stall minus promotion time;
	// StallWithinBudget says it is at most StallBudget.
	OverPromotionMax float64 `json:"stall_over_promotion_max_ms"`
	StallBudget      float64 `json:"stall_budget_ms"`
	StallWithin      bool    `json:"stall_within_budget"`
}

// StallBudget is how much longer than Sentinel's own promotion the
// guarded cutover's longest stall may be.
const StallBudget = 300 * time.Millisecond

// Passed reports whether every run completed and the guarded cutover, if
// it ran, lost nothing. The stall goal is a measurement, not a pass.
func (r *Report) Passed() bool {
	if r.Interrupted || len(r.Runs) == 0 {
		return false
	}
	for _, run := range r.Runs {
		if !run.OK {
			return false
		}
	}
	return r.Goals == nil || r.Goals.LostNothing
}

func (r *Report) summarize(methods []Method) {
	r.Summary = nil
	r.Goals = nil
	for _, m := range methods {
		s := Summary{Method: m, Title: m.Title(), Failed: []int64{}, Lost: []int64{}, Acked: []int64{}}
		var stalls, promos []float64
		for _, run := range r.Runs {
			if run.Method != m {
				continue
			}
			s.Runs++
			if !run.OK {
				continue
			}
			s.Completed++
			stalls = append(stalls, run.LongestStall)
			s.Failed = append(s.Failed, run.FailedWrites)
			if run.Lost != nil { // an OK run has read every write back
				s.Lost = append(s.Lost, *run.Lost)
			}
			s.Acked = append(s.Acked, run.Acked)
			if run.Promotion != nil {
				promos = append(promos, *run.Promotion)
				s.OverPromotion = append(s.OverPromotion, round2(run.LongestStall-*run.Promotion))
			}
		}
		if len(stalls) > 0 {
			s.StallMedian, s.StallMax = median(stalls), slices.Max(stalls)
		}
		if len(promos) > 0 {
			p := median(promos)
			s.Promotion = &p
		}
		r.Summary = append(r.Summary, s)

		if m == MethodGuarded && s.Runs > 0 {
			g := &Goals{Runs: s.Runs, Completed: s.Completed, StallBudget: ms(StallBudget)}
			g.LostNothing = s.Completed == s.Runs && len(s.Lost) == s.Completed
			for _, n := range s.Lost {
				if n != 0 {
					g.LostNothing = false
				}
			}
			if len(s.OverPromotion) > 0 {
				g.OverPromotionMax = slices.Max(s.OverPromotion)
				g.StallWithin = len(s.OverPromotion) == s.Runs && g.OverPromotionMax <= g.StallBudget
			}
			r.Goals = g
		}
	}
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report for people: the settings, the machine, a
// table per method, every run, and the goals.
func (r *Report) WriteTable(w io.Writer) error {
	bw := bufio.NewWriter(w)
	st := r.Settings
	fmt.Fprintf(bw, "flyover bench cutover: %d run(s) per method, each on a fresh lab\n", st.Runs)
	fmt.Fprintf(bw, "load:    %s at %d writes/s; %d keys preloaded; %d Sentinels, quorum %d, down-after %s, failover-timeout %s\n",
		st.Writer, st.Rate, st.Keys, st.Sentinels, st.Quorum, fmtSetting(st.DownAfter), fmtSetting(st.FailoverTimeout))
	fmt.Fprintf(bw, "source:  client-output-buffer-limit replica %s\n", st.ReplicaBufferLimit)
	m := r.Machine
	cpu := fmt.Sprintf("%d CPUs", m.CPUs)
	if m.CPUModel != "" {
		cpu = fmt.Sprintf("%d x %s", m.CPUs, m.CPUModel)
	}
	target := m.Target
	if m.TargetServer != "" {
		target = m.TargetServer
	}
	fmt.Fprintf(bw, "machine: %s, %s/%s, %s\nservers: source %s; Sentinels %s; target: %s\n", cpu, m.OS, m.Arch, m.Go, m.Server, m.Sentinel, target)
	fmt.Fprintf(bw, "command: %s (took %s)\n\n", r.Command, (time.Duration(r.Elapsed * float64(time.Second))).Round(time.Second))

	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "method\truns\tlongest stall: median\tmax\tfailed writes\tacked writes lost\tSentinel's promotion: median")
	for _, s := range r.Summary {
		stallMed, stallMax, promo := "-", "-", "-"
		if s.Completed > 0 {
			stallMed, stallMax = fmtMS(s.StallMedian), fmtMS(s.StallMax)
		}
		if s.Promotion != nil {
			promo = fmtMS(*s.Promotion)
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%s\t%s\t%s\t%s\t%s\n", s.Title, s.Completed, s.Runs, stallMed, stallMax,
			joinInts(s.Failed), joinInts(s.Lost), promo)
	}
	tw.Flush()

	fmt.Fprintln(bw, "\nruns:")
	for _, run := range r.Runs {
		if run.OK {
			fmt.Fprintf(bw, "  %-12s #%d  %s\n", run.Method, run.Run, run.line())
		} else {
			fmt.Fprintf(bw, "  %-12s #%d  FAILED after %.0f s: %s\n", run.Method, run.Run, run.Elapsed, run.Error)
		}
	}
	if r.Interrupted {
		fmt.Fprintln(bw, "  (interrupted: the remaining runs were not run)")
	}

	r.writeSize(bw) // lab/bench/size_report.go

	if g := r.Goals; g != nil {
		fmt.Fprintln(bw, "\ngoals for the guarded cutover:")
		var lost []int64
		for _, s := range r.Summary {
			if s.Method == MethodGuarded {
				lost = s.Lost
			}
		}
		fmt.Fprintf(bw, "  0 acknowledged writes lost in every run: %s (%d of %d runs completed; lost: %s)\n",
			verdict(g.LostNothing), g.Completed, g.Runs, joinInts(lost))
		if g.Completed > 0 {
			fmt.Fprintf(bw, "  longest stall within %s of Sentinel's own promotion time: %s (at most %+.0f ms)\n",
				fmtMS(g.StallBudget), verdict(g.StallWithin), g.OverPromotionMax)
		}
	}
	return bw.Flush()
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func settingsOf(s Settings) ReportSettings {
	return ReportSettings{
		Runs: s.Runs, Rate: s.Rate, Keys: s.Keys, Methods: s.Methods,
		Window: ms(s.Window), DownAfter: ms(s.DownAfter), FailoverTimeout: ms(s.FailoverTimeout),
		Sentinels: 3, Quorum: 2, // lab.Options' defaults, which the bench uses
		Writer:    writerLabel(s),
		ValueSize: s.ValueSize, Conns: max(s.Conns, 1), Pipeline: max(s.Pipeline, 1),
		ReplicaBufferLimit: bufferLimitLabel(s.ReplicaBufferLimit), MeasureSync: s.MeasureSync,
	}
}

// readMachine describes this machine and the servers the lab will start.
func readMachine(s Settings) Machine {
	m := Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), Go: runtime.Version(),
		CPUModel: cpuModel(), RedisServer: "unknown", Server: "unknown", Sentinel: "unknown"}
	if server, sentinel, err := lab.Binaries(); err == nil {
		m.RedisServer, m.Server, m.Sentinel = server.Version, server.String(), sentinel.String()
	}
	switch path, err := exec.LookPath("dragonfly"); {
	case s.StandIn:
		m.Target = "redis-server standing in for Dragonfly (--stand-in)"
	case err != nil:
		m.Target = "redis-server standing in for Dragonfly (no dragonfly on PATH)"
	default:
		m.Target = "dragonfly (" + path + ")"
	}
	return m
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

// ms is a duration in milliseconds, to the hundredth.
func ms(d time.Duration) float64 { return round2(float64(d) / float64(time.Millisecond)) }

func seconds(d time.Duration) float64 { return round2(d.Seconds()) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// fmtMS shows milliseconds the way people read them: 7.4 ms, 51 ms, 1.17 s.
func fmtMS(v float64) string {
	switch a := math.Abs(v); {
	case a < 10:
		return fmt.Sprintf("%.1f ms", v)
	case a < 1000:
		return fmt.Sprintf("%.0f ms", v)
	default:
		return fmt.Sprintf("%.2f s", v/1000)
	}
}

// fmtSetting shows a configured duration in milliseconds as Go writes
// durations: 5s, 1m0s, 500ms.
func fmtSetting(v float64) string { return time.Duration(v * float64(time.Millisecond)).String() }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return round2((s[n/2-1] + s[n/2]) / 2)
}

func joinInts(v []int64) string {
	if len(v) == 0 {
		return "-"
	}
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(s, ", ")
}
