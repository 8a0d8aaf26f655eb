package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"flyover/probe"
)

// askKind starts the binary at path once, as a Sentinel on a free
// loopback port in a directory of its own (every redis-server and
// redis-sentinel runs as one, with nothing to save), reads INFO server,
// and stops it. Its kind and version are what flyover itself reads from
// INFO (probe.NodeFromInfo): a Valkey 7.2, whose --version says only
// "Server v=7.2.7" and which `make install` also links as redis-server
// and redis-sentinel, says server_name:valkey and valkey_version there.
func askKind(path string) (probe.Kind, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dir, err := os.MkdirTemp("", "flyover-identify-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(dir)
	l := &Lab{Dir: dir}
	s, err := l.onFreePort(func(port int) (*Server, error) {
		conf := filepath.Join(dir, "identify.conf")
		text := "port " + strconv.Itoa(port) + "\nbind 127.0.0.1\ndaemonize no\nlogfile \"\"\n"
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			return nil, err
		}
		s, err := l.start("identify", path, port, conf, "--sentinel")
		if err != nil {
			return nil, err
		}
		return s, s.waitReady(ctx)
	})
	if s != nil {
		defer s.Stop()
	}
	if err != nil {
		return "", "", err
	}
	c := s.Client()
	defer c.Close()
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		return "", "", fmt.Errorf("INFO server: %w", err)
	}
	n := probe.NodeFromInfo(probe.ParseInfo(info), nil)
	if n.Kind == probe.KindUnknown {
		return "", "", fmt.Errorf("INFO server names no kind: %q", info)
	}
	return n.Kind, n.Version, nil
}
