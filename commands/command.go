package commands

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"flyover/fleet"
	"flyover/probe"
)

// command is what every subcommand shares: its name in messages
// ("flyover verify") and where they go.
type command struct {
	name   string
	stderr io.Writer
}

// oneShot starts a one-shot command against one master ("status",
// "preflight", "verify"): its flag set, whose errors go to stderr, with the
// connection flags registered.
func oneShot(name string, stderr io.Writer) (command, *flag.FlagSet, *connFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c connFlags
	c.register(fs)
	return command{name: "flyover " + name, stderr: stderr}, fs, &c
}

// session starts a command that runs a session on a topology for a while
// (fleet, migrate): its flag set, whose errors and usage go to stderr,
// with the connection and the session flags registered.
func session(name, usage string, stderr io.Writer) (*flag.FlagSet, *connFlags, *screenFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	var c connFlags
	c.register(fs)
	var sf screenFlags
	sf.register(fs)
	return fs, &c, &sf
}

// signalContext ends on Ctrl-C, SIGTERM, or SIGHUP (the terminal or the
// SSH session went away): every command that runs for a while stops on
// any, the running step stopped as when the operator quits (the cutover
// unpauses before SENTINEL FAILOVER) and a lab's servers and files
// removed, rather than dying where it stands. A SIGHUP ignored when
// flyover started (nohup) stays ignored.
func signalContext() (context.Context, context.CancelFunc) {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return signal.NotifyContext(context.Background(), sigs...)
}

// fail prints err under the command's name and returns code, the exit
// status.
func (cmd command) fail(code int, err error) int {
	fmt.Fprintf(cmd.stderr, "%s: %v\n", cmd.name, err)
	return code
}

// warn prints each warning under the command's name.
func (cmd command) warn(warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(cmd.stderr, "%s: warning: %s\n", cmd.name, w)
	}
}

// connect connects a one-shot command to the endpoints c names and
// prints the connection's warnings. On an error it prints it and returns
// nil: the command exits 2.
func (cmd command) connect(ctx context.Context, c *connFlags, readOnly bool) *probe.Prober {
	p, conn, err := c.setup(ctx, readOnly)
	if err != nil {
		cmd.fail(2, err)
		return nil
	}
	cmd.warn(conn.warnings)
	return p
}

// connectUntilSignal is connect under a context that ends on Ctrl-C or
// SIGTERM; done closes the connection and ends the context. A nil prober:
// connecting failed (printed), the command exits 2.
func (cmd command) connectUntilSignal(c *connFlags, readOnly bool) (ctx context.Context, p *probe.Prober, done func()) {
	ctx, stop := signalContext()
	if p = cmd.connect(ctx, c, readOnly); p == nil {
		return ctx, nil, stop
	}
	return ctx, p, func() { p.Close(); stop() }
}

// connectFleet is connect for every master the Sentinels monitor. On an
// error it prints it and returns the exit status: 1 when no Sentinel
// answered, 2 for bad usage (a bad targets file, a bad flag).
func (cmd command) connectFleet(ctx context.Context, c *connFlags, targetsPath string, readOnly bool) (*fleet.Fleet, resolved, int) {
	f, conn, err := fleetSetup(ctx, c, targetsPath, readOnly)
	if err != nil {
		cmd.fail(2, err)
		var te *fleet.TargetsError
		if errors.As(err, &te) || !strings.HasPrefix(err.Error(), "fleet: no Sentinel answered") {
			return nil, conn, 2
		}
		return nil, conn, 1
	}
	return f, conn, 0
}

// exit is a one-shot command's exit status once its output is written
// (err is the write's error): 1 when the write failed (printed) or the
// result did (failed), else 0.
func (cmd command) exit(err error, failed bool) int {
	if err != nil {
		return cmd.fail(1, err)
	}
	if failed {
		return 1
	}
	return 0
}

// writeJSON writes v as indented JSON: every --json document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// openLog opens the log file and sends every logger there, go-redis's
// included: nothing may reach the screen while the dashboard runs.
func openLog(path string) (*log.Logger, func(), error) {
	if path == "" {
		// Nowhere, but never the terminal the dashboard draws on.
		probe.SetLogOutput(io.Discard)
		log.SetOutput(io.Discard)
		return log.New(io.Discard, "", 0), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("log file: %w (choose another with --log)", err)
	}
	probe.SetLogOutput(f)
	log.SetOutput(f)
	return log.New(f, "flyover: ", log.LstdFlags|log.Lmicroseconds), func() { f.Close() }, nil
}
