package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"flyover/probe"
)

// One server of a lab: its address, a client, and its process.

// Addr is the server's loopback address.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host(), strconv.Itoa(s.Port)) }

// Host is the address the server listens on: 127.0.0.1, or its own in a
// partition lab.
func (s *Server) Host() string {
	if s.host == "" {
		return "127.0.0.1"
	}
	return s.host
}

// Client opens a go-redis client to one of the lab's data nodes.
func (s *Server) Client() *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: s.Addr(), Password: s.password, TLSConfig: s.tls, Dialer: probe.TLSDialer(s.dial, s.tls), DialerRetries: 1, MaxRetries: -1,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
		ContextTimeoutEnabled: true, Protocol: 2, DisableIdentity: true,
	})
}

// Stop ends the server (SIGTERM, SIGKILL after 5 s) and waits for it.
func (s *Server) Stop() {
	s.signal(syscall.SIGCONT) // a SIGSTOPped server cannot act on SIGTERM
	s.signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.signal(syscall.SIGKILL)
		<-s.exited
	}
}

// Kill ends the server with SIGKILL and waits for it: a crash.
func (s *Server) Kill() {
	s.signal(syscall.SIGKILL)
	<-s.exited
}

// Freeze stops the process (SIGSTOP): it keeps its sockets and answers
// nothing, like a hung server.
func (s *Server) Freeze() { s.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen server.
func (s *Server) Thaw() { s.signal(syscall.SIGCONT) }

// PID is the server's process id.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Running reports whether the process is still alive.
func (s *Server) Running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil && s.cmd.Process != nil && s.Running() {
		_ = s.cmd.Process.Signal(sig)
	}
}

// waitReady waits, bounded, until the server answers PING.
func (s *Server) waitReady(ctx context.Context) error {
	c := s.Client()
	defer c.Close()
	var last error
	err := waitFor(ctx, 15*time.Second, func() bool {
		if !s.Running() {
			last = errors.New("exited")
			return true
		}
		last = c.Ping(ctx).Err()
		return last == nil
	})
	if !s.Running() {
		log := tail(s.LogPath)
		if strings.Contains(log, "'tls-port") && strings.Contains(log, "Bad directive") || // Redis
			strings.Contains(log, "Failed finding TLS support") { // Valkey
			return &UnsupportedError{Server: s.Program, What: "serve TLS", Why: "it was built without TLS (BUILD_TLS=yes)"}
		}
		return fmt.Errorf("lab: %s (%s on port %d) exited at start; its log: %s", s.Name, s.Program, s.Port, log)
	}
	if err != nil {
		return fmt.Errorf("lab: %s (%s on port %d) not answering after 15s: %v", s.Name, s.Program, s.Port, last)
	}
	return nil
}
