package probe

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// closedAddr is a loopback address nothing listens on: a command that
// reaches the network fails with "connection refused", one the guard
// stops fails with its own error.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestReadOnlyRefusesWritesBeforeTheNetwork(t *testing.T) {
	e := EndpointOptions{Timeout: 200 * time.Millisecond, ReadOnly: true}.Endpoint(closedAddr(t))
	defer e.Close()
	ctx := context.Background()

	for _, args := range [][]any{
		{"SET", "k", "v"},
		{"REPLICAOF", "127.0.0.1", "6380"},
		{"SENTINEL", "FAILOVER", "flyover"},
		{"SENTINEL", "RESET", "*"},
		{"CLIENT", "PAUSE", "1000", "WRITE"},
		{"CLIENT", "KILL", "TYPE", "normal"},
		{"CONFIG", "SET", "maxmemory", "1"},
		{"FLUSHALL"},
	} {
		_, err := e.Do(ctx, args...)
		var refusal *readOnlyRefusal
		if !errors.As(err, &refusal) {
			t.Errorf("%v: got %v, want the read-only refusal (and nothing sent)", args, err)
		}
	}
	// Reads pass the guard and meet the closed port.
	for _, args := range [][]any{{"INFO"}, {"ROLE"}, {"SENTINEL", "MASTER", "flyover"}, {"CONFIG", "GET", "maxmemory"}} {
		_, err := e.Do(ctx, args...)
		var refusal *readOnlyRefusal
		if err == nil || errors.As(err, &refusal) {
			t.Errorf("%v: got %v, want a connection error", args, err)
		}
	}
	// A pipeline with one write in it is refused whole.
	pipe := e.Client().Pipeline()
	info := pipe.Info(ctx)
	pipe.Do(ctx, "SET", "k", "v")
	_, err := pipe.Exec(ctx)
	if err == nil || !strings.Contains(err.Error(), "--read-only") || !strings.Contains(info.Err().Error(), "--read-only") {
		t.Errorf("pipeline with a SET: %v / %v, want it refused whole", err, info.Err())
	}
}

func TestReadOnlyCheckNamesTheCommand(t *testing.T) {
	err := readOnlyCheck("127.0.0.1:7001", []any{"sentinel", "failover", "flyover"})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:7001: SENTINEL FAILOVER refused") {
		t.Errorf("got %v", err)
	}
	if err := readOnlyCheck("a", []any{"hello", "2", "setname", "flyover"}); err != nil {
		t.Errorf("the connection handshake is refused: %v", err)
	}
}

// The guard and the audited path share one list (AllowedReadOnly):
// what the steps send as reads passes, the connection's own handshake
// passes, and anything that is not a read is refused whatever its case.
func TestReadOnlyUsesTheStepsList(t *testing.T) {
	for _, args := range [][]any{
		{"CLIENT", "SETINFO", "lib-name", "go-redis"}, {"select", "0"}, {"HELLO", "3"}, {"AUTH", "x"},
		{"CLIENT", "LIST"}, {"ACL", "WHOAMI"}, {"SENTINEL", "CKQUORUM", "m"}, {"DBSIZE"}, {"TIME"},
	} {
		if err := readOnlyCheck("a", args); err != nil {
			t.Errorf("%v refused: %v", args, err)
		}
		s := make([]string, len(args))
		for i, a := range args {
			s[i] = a.(string)
		}
		if !AllowedReadOnly(s) {
			t.Errorf("%v: the guard lets it through but AllowedReadOnly does not", args)
		}
	}
	for _, args := range [][]any{{"shutdown"}, {"Client", "Pause", "10"}, {"acl", "setuser", "u"}, {"SENTINEL", "SET", "m", "quorum", "1"}} {
		if readOnlyCheck("a", args) == nil {
			t.Errorf("%v let through", args)
		}
	}
}

// NewProber with ReadOnly guards every endpoint it makes, and the
// endpoints made from them (the steps' replicas).
func TestReadOnlyProberGuardsEveryEndpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	p, err := NewProber(ctx, ProberOptions{MasterName: "m", Source: closedAddr(t), Target: closedAddr(t),
		Sentinels: []string{closedAddr(t), closedAddr(t)}, Timeout: 200 * time.Millisecond, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	replica := p.Source.WithAddr(closedAddr(t))
	defer replica.Close()
	for _, e := range append([]*Endpoint{p.Source, p.Target, replica}, p.Sentinels...) {
		_, err := e.Do(ctx, "SET", "k", "v")
		var refusal *readOnlyRefusal
		if !errors.As(err, &refusal) {
			t.Errorf("%s: SET got %v, want the read-only refusal", e.Addr, err)
		}
	}
}
