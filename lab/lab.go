// Package lab starts real local Redis + Sentinel topologies on free
// loopback ports, for the demo, the tests and the benchmarks.
package lab

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"flyover/probe"
)

// Options describe a topology. The zero value is a source, a target and
// three Sentinels with quorum 2.
type Options struct {
	MasterName      string        // default "flyover"
	Sentinels       int           // default 3
	Quorum          int           // default Sentinels/2+1
	ExtraReplicas   int           // Redis replicas of the source besides the target
	Password        string        // requirepass/masterauth on data nodes and Sentinel's auth-pass
	PreloadKeys     int           // keys written to the source before the Sentinels start
	DownAfter       time.Duration // Sentinel down-after-milliseconds, default 5 s
	FailoverTimeout time.Duration // Sentinel failover-timeout, default 60 s
	// SyncDelay is the source's repl-diskless-sync-delay (Redis's default
	// is 5 s; the lab's is 0 so tests attach fast).
	SyncDelay time.Duration
	// ValueSize is the size in bytes of each preloaded value; 0 keeps the
	// small "value-N" values. With a size the preload is one DEBUG
	// POPULATE (lab/preload.go), fast enough for gigabytes.
	ValueSize int
	// SourceReplicaBufferLimit, when set, is the source's
	// client-output-buffer-limit for replicas ("0 0 0", "256mb 64mb 60"):
	// a sync at size under writes needs more than Redis's default.
	SourceReplicaBufferLimit string
	// StandIn forces a redis-server stand-in for the target even when a
	// dragonfly binary is on PATH.
	StandIn bool
	// StandInAcceptsRedisReplicas lets Redis replicas sync from the
	// stand-in target. By default it refuses SYNC and PSYNC to them, as
	// Dragonfly does (lab/replicas.go): after the cutover the old primary
	// and the old replicas never resync, and Sentinel's leader stays in
	// its failover for them, as with a real Dragonfly.
	StandInAcceptsRedisReplicas bool
	// StandInResumes lets the stand-in target resume a dropped link with a
	// partial resync, as Redis does. By default it starts over with a
	// whole new full sync after every drop, as Dragonfly does
	// (lab/standin_resync.go).
	StandInResumes bool

	// TLS serves every server on TLS only (a throwaway CA in the lab's
	// directory; see Lab.TLS).
	TLS bool
	// Users are ACL users created on every data node, besides the default
	// user (which keeps Password).
	Users []User
	// ReplicationUser, when set, is the ACL user replicas authenticate as
	// (masteruser); it must be one of Users.
	ReplicationUser string
	// SentinelPassword is the Sentinels' own requirepass (and what they
	// use with each other), separate from the data nodes'.
	SentinelPassword string
	// TargetNoMasterAuth starts the target without masterauth/masteruser:
	// it cannot authenticate to a source that requires a password.
	TargetNoMasterAuth bool
	// TargetAnnounceIP and TargetAnnouncePort are what the target tells
	// its primary to list it as (replica-announce-ip/port; Dragonfly
	// --replica_announce_ip/--announce_port, which it takes only at start).
	TargetAnnounceIP   string
	TargetAnnouncePort int
	// Hostnames: every node goes by a name instead of an IP, end to end.
	// The Sentinels monitor the source as Hostname and resolve and
	// announce names (resolve-hostnames, announce-hostnames), the target
	// and the replicas announce themselves as Hostname, and FlyoverArgs
	// name every endpoint by it. Hostname is "localhost", a name every
	// machine resolves: nothing to add to /etc/hosts.
	Hostnames bool
	// SourceDatabases, when set, is the source's databases (Redis's
	// default is 16), for a source with keys beyond the target's db15.
	SourceDatabases int
	// Partitions puts every server, flyover, the writer and the lab's
	// observer in network namespaces of their own (lab/netns.go), so a
	// test can cut and heal any link (Lab.Net). It needs root; without
	// it Start fails with a PartitionsUnavailableError.
	Partitions bool
}

// User is an ACL user: Rules are ACL SETUSER rules such as "+@all" or
// "-@all +info +ping".
type User struct {
	Name, Password, Rules string
}

func (o *Options) defaults() {
	if o.MasterName == "" {
		o.MasterName = "flyover"
	}
	if o.Sentinels <= 0 {
		o.Sentinels = 3
	}
	if o.Quorum <= 0 {
		o.Quorum = o.Sentinels/2 + 1
	}
	if o.DownAfter <= 0 {
		o.DownAfter = 5 * time.Second
	}
	if o.FailoverTimeout <= 0 {
		o.FailoverTimeout = 60 * time.Second
	}
}

// Server is one process the lab started.
type Server struct {
	Name string // source, target, replica-1, sentinel-1, ...
	Port int
	// Program is the binary: redis-server, redis-sentinel or dragonfly.
	Program string
	Dir     string
	LogPath string

	password string
	tls      *tls.Config
	// host is the address the server listens on: 127.0.0.1, or its
	// namespace's address in a partition lab, where dial reaches it
	// from the lab's observer.
	host   string
	dial   probe.Dialer
	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// Lab is a running topology.
type Lab struct {
	Opts      Options
	Dir       string
	Source    *Server
	Target    *Server
	Replicas  []*Server
	Sentinels []*Server
	// TargetStandIn is true when the target is a redis-server standing in
	// for Dragonfly.
	TargetStandIn bool
	// TLS has the lab's certificate files when Options.TLS is set.
	TLS *TLSFiles
	// tlsClient is the client side of TLS, for the lab's own connections.
	tlsClient *tls.Config
	// Net is the partition lab's network (Options.Partitions), else nil.
	Net *Net

	// extra are servers started after Start (StartStandalone).
	extraMu sync.Mutex
	extra   []*Server

	// resync makes the stand-in start over after a link drop.
	resync *standInResync

	stopOnce sync.Once
}

// MissingBinaryError names a program the lab needs and how to get it.
type MissingBinaryError struct{ Program string }

func (e *MissingBinaryError) Error() string {
	return fmt.Sprintf("%s not found on PATH: install it (Debian/Ubuntu: apt-get install redis-server redis-sentinel)", e.Program)
}

// Check reports whether the binaries the lab needs are there (see
// Binaries: the environment, else PATH).
func Check() error {
	_, _, err := Binaries()
	return err
}

// prepare fills in o's defaults, makes sure the servers are installed and
// makes the lab's directory, named after pattern (os.MkdirTemp).
func (o *Options) prepare(pattern string) (dir string, err error) {
	o.defaults()
	if err := Check(); err != nil {
		return "", err
	}
	if err := versionCanServe(*o); err != nil {
		return "", err
	}
	if dir, err = os.MkdirTemp("", pattern); err != nil {
		return "", fmt.Errorf("lab: temp dir: %w", err)
	}
	return dir, nil
}

// Start starts a topology and waits, bounded, until it is ready: every
// server answers, every Sentinel knows the others and CKQUORUM passes.
// On any failure it stops what it started.
func Start(ctx context.Context, opts Options) (l *Lab, err error) {
	dir, err := opts.prepare("flyover-lab-")
	if err != nil {
		return nil, err
	}
	if opts.Hostnames && opts.TargetAnnounceIP == "" {
		opts.TargetAnnounceIP = Hostname
	}
	l = &Lab{Opts: opts, Dir: dir}
	defer func() {
		if err != nil {
			l.Stop()
			l = nil
		}
	}()
	if opts.Partitions {
		// The Dragonfly lab binds 127.0.0.1 (lab/dragonfly.go): the
		// partition lab stands in with redis-server.
		l.Opts.StandIn = true
		if l.Net, err = newNet(); err != nil {
			return l, err
		}
		for _, n := range []string{NodeLab, NodeFlyover, NodeWriter} {
			if _, err = l.Net.node(n); err != nil {
				return l, err
			}
		}
	}
	if opts.TLS {
		if l.TLS, err = makeTLSFiles(filepath.Join(dir, "tls")); err != nil {
			return l, err
		}
		if l.tlsClient, err = l.TLS.ClientConfig(); err != nil {
			return l, err
		}
	}

	if l.Source, err = l.startRedis(ctx, "source", ""); err != nil {
		return l, err
	}
	for i := 1; i <= opts.ExtraReplicas; i++ {
		r, err := l.startRedis(ctx, fmt.Sprintf("replica-%d", i), l.Source.Addr())
		if err != nil {
			return l, err
		}
		l.Replicas = append(l.Replicas, r)
	}
	if l.Target, err = l.startTarget(ctx); err != nil {
		return l, err
	}
	if err := l.refuseRedisReplicas(ctx); err != nil { // lab/replicas.go
		return l, err
	}
	if opts.PreloadKeys > 0 {
		if err := preloadOn(ctx, l.Source, opts.PreloadKeys, opts.ValueSize); err != nil { // lab/preload.go
			return l, err
		}
	}
	if err := l.superviseStandIn(); err != nil { // lab/standin_resync.go
		return l, err
	}
	for i := 1; i <= opts.Sentinels; i++ {
		s, err := l.startSentinel(ctx, i)
		if err != nil {
			return l, err
		}
		l.Sentinels = append(l.Sentinels, s)
	}
	if err := l.waitSentinels(ctx); err != nil {
		return l, err
	}
	return l, nil
}

// Stop stops every server (SIGTERM, then SIGKILL after 5 s) and removes the
// lab's directory. It is safe to call more than once and from a test's
// cleanup.
func (l *Lab) Stop() {
	l.stopOnce.Do(func() {
		if l.resync != nil {
			l.resync.stop()
		}
		var wg sync.WaitGroup
		for _, s := range l.servers() {
			wg.Add(1)
			go func() { defer wg.Done(); s.Stop() }()
		}
		wg.Wait()
		if l.Net != nil {
			l.Net.Close()
		}
		if l.Dir != "" {
			os.RemoveAll(l.Dir)
		}
	})
}

func (l *Lab) servers() []*Server {
	var out []*Server
	l.extraMu.Lock()
	extra := append([]*Server(nil), l.extra...)
	l.extraMu.Unlock()
	for _, s := range append(append([]*Server{l.Source, l.Target}, append(l.Replicas, l.Sentinels...)...), extra...) {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

// SentinelAddrs lists the Sentinels' addresses.
func (l *Lab) SentinelAddrs() []string {
	out := make([]string, len(l.Sentinels))
	for i, s := range l.Sentinels {
		out[i] = s.Addr()
	}
	return out
}

// Hostname is the name every node goes by in a lab with Hostnames.
const Hostname = "localhost"

// nameOf is what the Sentinels and flyover call node s.
func (l *Lab) nameOf(s *Server) string {
	if l.Opts.Hostnames {
		return Hostname
	}
	return s.Host()
}

// Named is s's address as the Sentinels and flyover name it: by
// Hostname in a lab with Hostnames, else its IP address (Addr).
func (l *Lab) Named(s *Server) string {
	return net.JoinHostPort(l.nameOf(s), strconv.Itoa(s.Port))
}

// FlyoverArgs are the flags that point flyover at this lab.
func (l *Lab) FlyoverArgs() []string {
	var sentinels []string
	for _, s := range l.Sentinels {
		sentinels = append(sentinels, l.Named(s))
	}
	return []string{
		"--source", l.Named(l.Source),
		"--target", l.Named(l.Target),
		"--sentinel", strings.Join(sentinels, ","),
		"--master", l.Opts.MasterName,
	}
}

// Dialer dials from node's namespace in a partition lab (NodeFlyover,
// NodeWriter, NodeLab); nil, a plain dial, in any other lab.
func (l *Lab) Dialer(node string) probe.Dialer {
	if l.Net == nil {
		return nil
	}
	return l.Net.Dialer(node)
}

// host is the address server name listens on.
func (l *Lab) host(name string) (string, error) {
	if l.Net == nil {
		return "127.0.0.1", nil
	}
	return l.Net.IP(name)
}

// TargetLabel says what the target is, for screens and logs.
func (l *Lab) TargetLabel() string {
	if l.TargetStandIn {
		return "redis-server standing in for Dragonfly"
	}
	return "dragonfly"
}

// Servers lists every server the lab started.
func (l *Lab) Servers() []*Server { return l.servers() }

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
