package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Starting the servers: their configuration files, free ports, the
// processes, and the bounded waits until they answer.

// start launches program with args, output to a log file in the server's
// directory. The process gets its own process group (a terminal's Ctrl-C
// reaches flyover, which stops the lab in order) and dies with its parent.
func (l *Lab) start(name, program string, port int, args ...string) (*Server, error) {
	return l.startEnv(name, program, port, nil, args...)
}

// startEnv is start with extra environment variables (name=value), for
// settings that must not show in the process list, such as passwords.
func (l *Lab) startEnv(name, program string, port int, env []string, args ...string) (*Server, error) {
	dir := filepath.Join(l.Dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &Server{Name: name, Port: port, Program: program, Dir: dir, LogPath: filepath.Join(dir, "server.log"),
		password: l.Opts.Password, tls: l.tlsClient, exited: make(chan struct{})}
	cmd := exec.Command(program, args...)
	if l.Net != nil {
		var err error
		if s.host, err = l.Net.IP(name); err != nil {
			return nil, err
		}
		if cmd, err = l.Net.command(name, program, args...); err != nil {
			return nil, err
		}
		s.dial = l.Net.Dialer(NodeLab)
	}
	logf, err := os.Create(s.LogPath)
	if err != nil {
		return nil, err
	}
	cmd.Dir = dir
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = serverProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("lab: start %s (%s): %w", name, program, err)
	}
	s.cmd = cmd
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	return s, nil
}

// listen is the listening part of a config: plain or TLS-only.
func (l *Lab) listen(port int) []string {
	if l.TLS != nil {
		return l.TLS.conf(port)
	}
	return []string{"port " + strconv.Itoa(port)}
}

func (l *Lab) redisConf(name string, port int, extra ...string) (string, error) {
	host, err := l.host(name)
	if err != nil {
		return "", err
	}
	lines := append(l.listen(port),
		"bind "+host,
		"daemonize no",
		`logfile ""`,
		`save ""`,
		"appendonly no",
		"protected-mode no",
		"repl-diskless-sync yes",
		"repl-diskless-sync-delay "+strconv.Itoa(int(l.Opts.SyncDelay/time.Second)),
	)
	server, _, _ := Binaries()
	if server.AtLeast(7, 0) {
		// 7.0+ refuses DEBUG without it; 6.x refuses the directive itself.
		lines = append(lines, "enable-debug-command local")
	}
	if l.Opts.Password != "" {
		lines = append(lines, "requirepass "+l.Opts.Password, "masterauth "+l.Opts.Password)
	}
	channels := "&* " // channel rules are 6.2+; 6.0 lets every user publish and subscribe
	if !server.AtLeast(6, 2) {
		channels = ""
	}
	for _, u := range l.Opts.Users {
		lines = append(lines, fmt.Sprintf("user %s on >%s ~* %s%s", u.Name, u.Password, channels, u.Rules))
		if u.Name == l.Opts.ReplicationUser {
			lines = append(lines, "masteruser "+u.Name, "masterauth "+u.Password)
		}
	}
	return strings.Join(append(lines, extra...), "\n") + "\n", nil
}

func (l *Lab) startRedis(ctx context.Context, name, replicaOf string) (*Server, error) {
	var extra []string
	if replicaOf != "" {
		h, p, _ := net.SplitHostPort(replicaOf)
		extra = append(extra, "replicaof "+h+" "+p)
	}
	if name == "target" {
		extra = append(extra, l.targetAnnounceConf()...)
	} else if name != "source" && l.Opts.Hostnames {
		extra = append(extra, "replica-announce-ip "+Hostname)
	}
	if name == "source" && l.Opts.SourceReplicaBufferLimit != "" {
		extra = append(extra, "client-output-buffer-limit replica "+l.Opts.SourceReplicaBufferLimit)
	}
	if name == "source" && l.Opts.SourceDatabases > 0 {
		extra = append(extra, "databases "+strconv.Itoa(l.Opts.SourceDatabases))
	}
	return l.onFreePort(func(port int) (*Server, error) {
		conf, err := l.redisConf(name, port, extra...)
		if err != nil {
			return nil, err
		}
		if name == "target" && l.Opts.TargetNoMasterAuth {
			var keep []string
			for _, line := range strings.Split(conf, "\n") {
				if !strings.HasPrefix(line, "masterauth ") && !strings.HasPrefix(line, "masteruser ") {
					keep = append(keep, line)
				}
			}
			conf = strings.Join(keep, "\n")
		}
		return l.startWithConf(ctx, name, serverPath(), port, conf)
	})
}

// onFreePort runs start on a free port, and again on another one if some
// other process took the port between the kernel handing it out and the
// server binding it.
func (l *Lab) onFreePort(start func(port int) (*Server, error)) (*Server, error) {
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		var s *Server
		s, err = start(port)
		if err == nil || s == nil || !strings.Contains(tail(s.LogPath), "Address already in use") {
			return s, err
		}
		s.Stop()
	}
	return nil, err
}

func (l *Lab) startWithConf(ctx context.Context, name, program string, port int, conf string) (*Server, error) {
	return l.startWithConfAs(ctx, name, program, port, conf, l.Opts.Password)
}

// startWithConfAs starts a server whose clients authenticate with password.
func (l *Lab) startWithConfAs(ctx context.Context, name, program string, port int, conf, password string) (*Server, error) {
	dir := filepath.Join(l.Dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	confPath := filepath.Join(dir, name+".conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	s, err := l.start(name, program, port, confPath)
	if err != nil {
		return nil, err
	}
	s.password = password
	return s, s.waitReady(ctx)
}

// startTarget starts Dragonfly when it is on PATH, else a redis-server
// standing in for it.
func (l *Lab) startTarget(ctx context.Context) (*Server, error) {
	df, err := exec.LookPath("dragonfly")
	if err != nil || l.Opts.StandIn {
		l.TargetStandIn = true
		return l.startRedis(ctx, "target", "")
	}
	if err := l.dragonflyCanServe(); err != nil {
		return nil, err
	}
	return l.onFreePort(func(port int) (*Server, error) { return l.startDragonfly(ctx, df, port) })
}

func (l *Lab) startSentinel(ctx context.Context, i int) (*Server, error) {
	return l.onFreePort(func(port int) (*Server, error) { return l.startSentinelOn(ctx, i, port) })
}

func (l *Lab) startSentinelOn(ctx context.Context, i, port int) (*Server, error) {
	name := l.Opts.MasterName
	host, err := l.host(fmt.Sprintf("sentinel-%d", i))
	if err != nil {
		return nil, err
	}
	lines := append(l.listen(port),
		"bind "+host,
		"daemonize no",
		`logfile ""`,
		"protected-mode no",
	)
	if l.Opts.Hostnames {
		// Before the monitor line: Sentinel reads its config in order, and
		// resolves the source's name only with resolve-hostnames on.
		lines = append(lines, "sentinel resolve-hostnames yes", "sentinel announce-hostnames yes", "sentinel announce-ip "+Hostname)
	}
	lines = append(lines,
		fmt.Sprintf("sentinel monitor %s %s %d %d", name, l.nameOf(l.Source), l.Source.Port, l.Opts.Quorum),
		fmt.Sprintf("sentinel down-after-milliseconds %s %d", name, l.Opts.DownAfter.Milliseconds()),
		fmt.Sprintf("sentinel failover-timeout %s %d", name, l.Opts.FailoverTimeout.Milliseconds()),
		fmt.Sprintf("sentinel parallel-syncs %s 1", name),
	)
	if u := l.Opts.ReplicationUser; u != "" {
		// Sentinel authenticates to the data nodes as the replication
		// user: it needs INFO, REPLICAOF, CONFIG and friends.
		for _, x := range l.Opts.Users {
			if x.Name == u {
				lines = append(lines, fmt.Sprintf("sentinel auth-user %s %s", name, u), fmt.Sprintf("sentinel auth-pass %s %s", name, x.Password))
			}
		}
	} else if l.Opts.Password != "" {
		lines = append(lines, fmt.Sprintf("sentinel auth-pass %s %s", name, l.Opts.Password))
	}
	if pw := l.Opts.SentinelPassword; pw != "" {
		lines = append(lines, "requirepass "+pw, "sentinel sentinel-pass "+pw)
	}
	// The Sentinel's own password is not the data nodes'.
	conf := strings.Join(lines, "\n") + "\n"
	s, err := l.startWithConfAs(ctx, fmt.Sprintf("sentinel-%d", i), sentinelPath(), port, conf, l.Opts.SentinelPassword)
	return s, err
}

// waitSentinels waits until every Sentinel knows all the others, lists the
// extra replicas, and CKQUORUM passes.
func (l *Lab) waitSentinels(ctx context.Context) error {
	var why string
	err := waitFor(ctx, 30*time.Second, func() bool {
		for _, s := range l.Sentinels {
			c := s.Client()
			m, err := c.Do(ctx, "SENTINEL", "MASTER", l.Opts.MasterName).Slice()
			if err != nil {
				c.Close()
				why = s.Name + ": " + err.Error()
				return false
			}
			f := map[string]string{}
			for i := 0; i+1 < len(m); i += 2 {
				f[fmt.Sprint(m[i])] = fmt.Sprint(m[i+1])
			}
			if f["num-other-sentinels"] != strconv.Itoa(len(l.Sentinels)-1) {
				c.Close()
				why = s.Name + " knows " + f["num-other-sentinels"] + " other Sentinels"
				return false
			}
			if f["num-slaves"] != strconv.Itoa(len(l.Replicas)) {
				c.Close()
				why = s.Name + " lists " + f["num-slaves"] + " replicas"
				return false
			}
			err = c.Do(ctx, "SENTINEL", "CKQUORUM", l.Opts.MasterName).Err()
			c.Close()
			if err != nil {
				why = s.Name + ": " + err.Error()
				return false
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("lab: Sentinels not ready after 30s: %s", why)
	}
	return nil
}

// AttachTarget makes the target a replica of the source (REPLICAOF), for
// tests that need an attached target without going through flyover's steps.
func (l *Lab) AttachTarget(ctx context.Context) error {
	c := l.Target.Client()
	defer c.Close()
	return c.Do(ctx, "REPLICAOF", l.Source.Host(), strconv.Itoa(l.Source.Port)).Err()
}

// WaitFor polls cond every 50 ms until it returns true, ctx ends, or limit
// passes.
func WaitFor(ctx context.Context, limit time.Duration, cond func() bool) error {
	return waitFor(ctx, limit, cond)
}

func waitFor(ctx context.Context, limit time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// freePort asks the kernel for a free loopback port, never Redis's or
// Sentinel's default ones.
func freePort() (int, error) {
	for range 10 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("lab: no free port: %w", err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if p != 6379 && p != 26379 {
			return p, nil
		}
	}
	return 0, errors.New("lab: no free port")
}

func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return path
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = "..." + s[len(s)-600:]
	}
	return s
}
