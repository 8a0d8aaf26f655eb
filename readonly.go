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
// the guard makes that a guarantee for observers and demos, whatever code
// runs later (the checklist's steps included).

// readOnlyCommands are allowed whatever their arguments.
var readOnlyCommands = map[string]bool{
	"info": true, "role": true, "ping": true, "echo": true, "dbsize": true,
	"hello": true, "auth": true, "select": true, // connection handshake, this connection only
	"type": true, "ttl": true, "pttl": true, "exists": true, "get": true, "scan": true,
}

// readOnlySubcommands are allowed for these commands only with these
// subcommands.
var readOnlySubcommands = map[string]map[string]bool{
	"sentinel": {
		"master": true, "masters": true, "replicas": true, "slaves": true, "sentinels": true,
		"get-master-addr-by-name": true, "ckquorum": true, "myid": true, "info-cache": true,
	},
	"client": {"setname": true, "setinfo": true, "getname": true, "id": true, "info": true},
	"config": {"get": true},
}

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
	name := strings.ToLower(fmt.Sprint(args[0]))
	if readOnlyCommands[name] {
		return nil
	}
	if subs, ok := readOnlySubcommands[name]; ok && len(args) > 1 {
		sub := strings.ToLower(fmt.Sprint(args[1]))
		if subs[sub] {
			return nil
		}
		name += " " + sub
	}
	return &readOnlyRefusal{addr: addr, cmd: strings.ToUpper(name)}
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
