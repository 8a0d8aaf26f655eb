package main

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/redis/go-redis/v9"

	"flyover/probe"
)

// --read-only: every command to every endpoint passes a guard that lets
// through reads and the connection's own handshake, and refuses anything
// else before it is written to the socket. The dashboard only ever reads;
// the guard makes that a guarantee for observers, whatever code runs later
// (the checklist's steps included). Which commands count as reads is
// probe.AllowedReadOnly: the same list the audited path uses.

// readOnlyRefusal explains a refused command.
type readOnlyRefusal struct {
	addr string
	cmd  string
}

func (e *readOnlyRefusal) Error() string {
	return fmt.Sprintf("%s: %s refused: flyover runs with --read-only and sends reads only (restart it without --read-only to act)", e.addr, e.cmd)
}

// readOnlyCheck returns nil when args may be sent in read-only mode.
func readOnlyCheck(addr string, args []any) error {
	if len(args) == 0 {
		return nil
	}
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = fmt.Sprint(a)
	}
	if probe.AllowedReadOnly(s) {
		return nil
	}
	name := strings.ToUpper(s[0])
	if len(s) > 1 && (name == "SENTINEL" || name == "CLIENT" || name == "CONFIG") {
		name += " " + strings.ToUpper(s[1])
	}
	return &readOnlyRefusal{addr: addr, cmd: name}
}

type readOnlyHook struct{ addr string }

func (h readOnlyHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (h readOnlyHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if err := readOnlyCheck(h.addr, cmd.Args()); err != nil {
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func (h readOnlyHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			if err := readOnlyCheck(h.addr, c.Args()); err != nil {
				// Nothing of the pipeline is sent.
				for _, c := range cmds {
					c.SetErr(err)
				}
				return err
			}
		}
		return next(ctx, cmds)
	}
}

// guardReadOnly installs the guard on every endpoint. Sentinel Pub/Sub
// (PSUBSCRIBE, PING) does not pass through go-redis hooks; it is read-only
// by nature and probe.WatchSentinels sends nothing else.
func guardReadOnly(endpoints ...*probe.Endpoint) {
	for _, e := range endpoints {
		e.Client().AddHook(readOnlyHook{addr: e.Addr})
	}
}
