// Package lab starts real local Redis + Sentinel topologies on free
// loopback ports, for the demo, the tests and the benchmarks.
package lab

import (
	"context"
	"crypto/tls"
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
