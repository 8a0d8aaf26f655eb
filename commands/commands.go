package commands

import (
	"fmt"
	"io"
	"strings"

	"flyover/lab/bench"
	"flyover/probe"
)

// usage is what flyover prints for help and for a wrong command line.
const usage = `flyover supervises a live migration of a Redis primary onto Dragonfly through Redis Sentinel.

Usage:
  flyover        --source HOST:PORT --target HOST:PORT --sentinel HOST:PORT[,...] --master NAME
                 [--audit-log FILE] [--allow-nonempty-target] [--canary] [--read-only]
                 [--tick 500ms] [--log FILE] [--debug]
  flyover status --source HOST:PORT --target HOST:PORT --sentinel HOST:PORT[,...] --master NAME [--json]
  flyover preflight --source ... (as status) [--json] [--allow-nonempty-target]
  flyover verify --source ... (as status) --sample N [--rate 200] [--json]
  flyover lab    [--sentinels 3] [--replicas 0] [--keys 0] [--password-env VAR] [--masters N]
  flyover fleet  --sentinel HOST:PORT[,...] --targets FILE [--max-syncs 1] [--metrics-addr HOST:PORT]
  flyover status --sentinel HOST:PORT[,...] [--targets FILE] [--json]   (every master: no --master)
  flyover migrate --source ... (as status) [--until STEP] [--confirm-master NAME] [--json] ...
                 (the checklist without a terminal: flyover migrate --help)
  flyover demo   [--rate 2000] [--keys 10000] [--autoplay [--linger 0s]] [--audit-log FILE]
  flyover bench  cutover [--runs 3] [--rate 2000] [--methods failover,stop-primary,guarded] [--json]
  flyover version [--json]   (or flyover --version)

Passwords come from the environment or a file:
  FLYOVER_SOURCE_PASSWORD, FLYOVER_TARGET_PASSWORD (default: REDISCLI_AUTH)
  FLYOVER_SENTINEL_PASSWORD (Sentinels' own requirepass, if any)
  --source-password-file FILE (and --target-, --sentinel-)
--source-password PW works too, but shows in ps and shell history: every
screen then carries a warning. Passwords never appear on screen or in logs.

The first form opens the live dashboard and the guided checklist (it needs a
terminal); its log, go-redis's included, goes to --log, never to the screen.
Every command a step sends is written to the audit log first (default:
flyover-audit-YYYYMMDD-HHMMSS.jsonl in the current directory); the report
goes next to it.

Exit status of status: 0 every endpoint answered, 1 some did not, 2 bad usage.
Of preflight and verify: 0 nothing blocks (no key differs), 1 something
blocks (differs) or an endpoint did not answer, 2 bad usage.
`

// Run runs the flyover command line args and returns its exit status.
func Run(args []string, stdout, stderr io.Writer) int {
	// go-redis logs to stderr by default; nothing of it may reach a screen.
	probe.SetLogOutput(io.Discard)
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "status":
		return cmdStatus(args[1:], stdout, stderr)
	case "preflight":
		return cmdPreflight(args[1:], stdout, stderr)
	case "verify":
		return cmdVerify(args[1:], stdout, stderr)
	case "lab":
		return cmdLab(args[1:], stdout, stderr)
	case "fleet":
		return cmdFleet(args[1:], stderr)
	case "migrate":
		return cmdMigrate(args[1:], stdout, stderr)
	case "bench":
		ctx, stop := signalContext()
		defer stop()
		return bench.Main(ctx, args[1:], stdout, stderr)
	case "demo":
		return cmdDemo(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		return cmdVersion(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	if strings.HasPrefix(args[0], "-") {
		return cmdDashboard(args, stderr)
	}
	fmt.Fprintf(stderr, "flyover: unknown command %q\n\n%s", args[0], usage)
	return 2
}
