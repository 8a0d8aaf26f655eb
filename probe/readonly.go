package probe

import (
	"context"
	"fmt"
	"net"

	"github.com/redis/go-redis/v9"
)

// The read-only guard (EndpointOptions.ReadOnly, flyover --read-only):
// every command to a guarded endpoint passes a go-redis hook that lets
// through reads and the connection's own handshake, and refuses anything
// else before it is written to the socket. The dashboard only ever reads;
// the guard makes that a guarantee for observers, whatever code runs later
// (the checklist's steps included). Which commands pass is AllowedReadOnly:
// the same list the audited path in steps uses.
//
// Sentinel Pub/Sub (PSUBSCRIBE, PING) does not pass through go-redis
// hooks; it is read-only by nature and probe/events' WatchSentinels sends nothing else.

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
		s[i] = AsString(a)
	}
	if AllowedReadOnly(s) {
		return nil
	}
	return &readOnlyRefusal{addr: addr, cmd: CommandName(s)}
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
