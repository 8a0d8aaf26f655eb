package commands

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"flyover/probe"
	"flyover/probe/access"
	"flyover/probe/readiness"
	"flyover/probe/sampling"
	"flyover/steps"
	"flyover/steps/checks"
)

// `flyover preflight` and `flyover verify`: the readiness checks and the
// sampled comparison as one-shot commands for scripts and for a second
// terminal. Both only read: every endpoint passes the --read-only guard.

// PreflightDoc is the schema of `flyover preflight --json`.
type PreflightDoc struct {
	At     time.Time `json:"at"`
	Master string    `json:"master"`
	// Checks are the preflight checks, then the readiness checks, then
	// the divergence check (since the target started).
	Checks    []steps.Check             `json:"checks"`
	Readiness *readiness.ReadinessFacts `json:"readiness"`
	// Blocked: some check blocks or some endpoint did not answer.
	Blocked bool `json:"blocked"`
}

// VerifyDoc is the schema of `flyover verify --json`.
type VerifyDoc struct {
	At         time.Time             `json:"at"`
	Sample     sampling.SampleResult `json:"sample"`
	Divergence steps.Check           `json:"divergence"`
	// Diverged: a sampled key differs, the target dropped commands, or
	// an endpoint did not answer.
	Diverged bool `json:"diverged"`
}

func cmdPreflight(args []string, stdout, stderr io.Writer) int {
	cmd, fs, c := oneShot("preflight", stderr)
	asJSON := fs.Bool("json", false, "print the checks and the facts as JSON (schema in the README)")
	allowNonempty := fs.Bool("allow-nonempty-target", false, "do not block on a target that holds keys")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		return cmd.fail(2, fmt.Errorf("unexpected arguments %q", fs.Args()))
	}
	ctx, p, done := cmd.connectUntilSignal(c, true)
	defer done()
	if p == nil {
		return 2
	}

	snap := p.Poll(ctx)
	pf := readiness.GatherPreflight(ctx, nil, p.Topo, p.Source, p.Target)
	ra := access.GatherReplicationAuth(ctx, nil, p.Source, p.Target)
	pf.Replication = &ra
	pf.ACL = access.GatherACLs(ctx, nil, p.Topo.MasterName, p.Source, p.Target, p.Sentinels)
	pf.Sentinels = probe.GatherSentinelServers(ctx, nil, p.Sentinels)
	session := steps.NewSession()
	session.Observe(snap)
	session.SetPreflight(pf)
	found := checks.Preflight(session.Facts(p.Topo, snap), steps.Options{AllowNonemptyTarget: *allowNonempty})

	rf := readiness.ReadReadiness(ctx, nil, p.Source, p.Target)
	found = append(found, checks.ReadinessChecks(rf)...)
	if rf.Target.Reachable {
		found = append(found, steps.DivergenceCheck(probe.DivergenceCounters{}, rf.Target.Counters))
	}
	doc := PreflightDoc{At: snap.At, Master: p.Topo.MasterName, Checks: found, Readiness: &rf,
		Blocked: steps.AnyBlock(found) || !snap.AllReachable()}
	var err error
	if *asJSON {
		err = writeJSON(stdout, doc)
	} else {
		err = writeChecks(stdout, fmt.Sprintf("flyover preflight · master %q · %s", doc.Master, doc.At.Format("2006-01-02 15:04:05")), found)
	}
	return cmd.exit(err, doc.Blocked)
}

// writeChecks prints checks one a line, a block's fix under it.
func writeChecks(w io.Writer, header string, checks []steps.Check) error {
	var b strings.Builder
	b.WriteString(header + "\n\n")
	counts := map[steps.Level]int{}
	for _, c := range checks {
		counts[c.Level]++
		fmt.Fprintf(&b, "%-5s  %s", strings.ToUpper(string(c.Level)), c.Title)
		if c.Detail != "" {
			b.WriteString(": " + c.Detail)
		}
		b.WriteByte('\n')
		if c.Fix != "" {
			b.WriteString("       fix: " + c.Fix + "\n")
		}
	}
	fmt.Fprintf(&b, "\n%d pass, %d warn, %d block\n", counts[steps.Pass], counts[steps.Warn], counts[steps.Block])
	_, err := io.WriteString(w, b.String())
	return err
}

func cmdVerify(args []string, stdout, stderr io.Writer) int {
	cmd, fs, c := oneShot("verify", stderr)
	asJSON := fs.Bool("json", false, "print the result as JSON (schema in the README)")
	n := fs.Int("sample", 0, "keys to compare (required; at or above the source's DBSIZE, every key of db0 once)")
	rate := fs.Int("rate", sampling.DefaultSampleRate, "keys compared per second (each costs the source about four reads)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return cmd.fail(2, fmt.Errorf("unexpected arguments %q", fs.Args()))
	case *n <= 0:
		return cmd.fail(2, errors.New("--sample N is required and must be positive"))
	case *rate <= 0:
		return cmd.fail(2, errors.New("--rate must be positive"))
	}
	ctx, p, done := cmd.connectUntilSignal(c, true)
	defer done()
	if p == nil {
		return 2
	}

	at := time.Now()
	counters, cerr := readiness.ReadDivergence(ctx, nil, p.Target)
	lastReport := time.Now()
	res := sampling.SampleDatabases(ctx, nil, p.Source, p.Target, sampling.SampleOptions{Keys: *n, Rate: *rate,
		Progress: func(sp sampling.SampleProgress) {
			if !*asJSON && time.Since(lastReport) >= 2*time.Second {
				lastReport = time.Now()
				fmt.Fprintf(stderr, "flyover verify: %d/%d keys, %d differ\n", sp.Done, sp.Total, sp.Mismatches)
			}
		}})
	div := steps.DivergenceCheck(probe.DivergenceCounters{}, counters)
	if cerr != nil {
		div = steps.Check{ID: div.ID, Title: div.Title, Level: steps.Block, Detail: cerr.Error(),
			Fix: "flyover must read the target's INFO commandstats: fix the address, the server or its credentials"}
	}
	doc := VerifyDoc{At: at, Sample: res, Divergence: div,
		Diverged: len(res.Mismatches) > 0 || res.Error != "" || div.Level == steps.Block}
	var err error
	if *asJSON {
		err = writeJSON(stdout, doc)
	} else {
		err = writeVerify(stdout, doc)
	}
	return cmd.exit(err, doc.Diverged)
}

func writeVerify(w io.Writer, d VerifyDoc) error {
	var b strings.Builder
	r := d.Sample
	fmt.Fprintf(&b, "flyover verify · %s\n\n", d.At.Format("2006-01-02 15:04:05"))
	how := "random keys (RANDOMKEY)"
	if r.Mode == "scan" {
		how = "every key (SCAN)"
	}
	how += " of " + sampling.DatabaseList(r.Databases)
	fmt.Fprintf(&b, "compared %d of %d requested, %s, in %s (%.0f keys/s)\n", r.Compared, r.Requested, how,
		r.Elapsed.Round(time.Millisecond), r.KeysPerSecond)
	fmt.Fprintf(&b, "matched %d · differ %d · re-read %d · still changing %d · gone before read %d · by size only %d\n",
		r.Matched, len(r.Mismatches), r.Rechecked, len(r.Unsettled), r.Vanished, r.SizeOnly)
	if !r.TargetReplicating {
		b.WriteString("the target does not replicate from the source: differences were not re-read after it caught up\n")
	}
	if r.Error != "" {
		b.WriteString("stopped early: " + r.Error + "\n")
	}
	if len(r.Mismatches) > 0 {
		b.WriteString("\nkeys that differ:\n")
		for _, m := range r.Mismatches {
			b.WriteString("  " + m.String() + "\n")
		}
	}
	fmt.Fprintf(&b, "\n%-5s  %s: %s\n", strings.ToUpper(string(d.Divergence.Level)), d.Divergence.Title, d.Divergence.Detail)
	if d.Divergence.Fix != "" {
		b.WriteString("       fix: " + d.Divergence.Fix + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
