package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultTimeout bounds one poll of one endpoint: dial, send, and read.
const DefaultTimeout = time.Second

// Auth is how flyover authenticates to one endpoint group. Username is
// empty for password-only (requirepass) servers.
type Auth struct {
	Username string
	Password string
}

// Endpoint is one server flyover talks to. It owns a small connection pool
// and remembers when the server last answered.
type Endpoint struct {
	Addr    string
	Timeout time.Duration
	// Label names a short-lived endpoint in the audit log (see
	// GatherReplicationAuth); the prober's own endpoints need none.
	Label  string
	client *redis.Client
	tls    bool
	// reach is how the endpoint was made, for WithAddr. A pointer, so
	// that printing an Endpoint never prints its password.
	reach *EndpointOptions
	// commandStats: PollNode also reads INFO commandstats.
	commandStats bool
	// buffers: PollNode also reads the replica clients' output buffers
	// and, once per full sync, the limits (see pollBuffers).
	buffers *bufferPoll

	mu       sync.Mutex
	lastSeen time.Time
	// caps: what the server's kind and version allow, from the last poll
	// that read them.
	caps Capabilities
	// last is the last node a poll read, for a poll refused with
	// -LOADING (lastNode).
	last Node
}

// lastNode is the node as the last successful poll read it.
func (e *Endpoint) lastNode() Node {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last
}

// EndpointOptions are how flyover reaches one endpoint.
type EndpointOptions struct {
	Auth Auth
	TLS  *tls.Config // nil: plain text
	// Timeout bounds one poll: dial, send and read (DefaultTimeout when
	// zero).
	Timeout time.Duration
	// ReadOnly refuses, before anything is written to the socket, every
	// command but a read or the connection's own handshake
	// (AllowedReadOnly): flyover --read-only.
	ReadOnly bool
	// CommandStats makes PollNode read INFO commandstats in the same
	// pipeline: the target's count of replicated commands it did not know
	// (the divergence watch), at no extra round trip.
	CommandStats bool
	// ReplicaBuffers makes PollNode read CLIENT LIST TYPE replica in the
	// same pipeline, and CONFIG GET client-output-buffer-limit and
	// repl-timeout when a new full sync started (the source's poll).
	ReplicaBuffers bool
	// DB is the database the connections select (0 unless WithDB).
	DB int
	// Dialer, when set, opens the connections (the partition lab dials
	// from a network namespace of its own); nil is a plain TCP dial.
	Dialer Dialer
}

// Dialer opens a connection to addr, as go-redis's Options.Dialer.
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// NewEndpoint prepares a client for addr with credentials, TLS and a
// timeout, and no read-only guard.
func NewEndpoint(addr string, auth Auth, tlsConf *tls.Config, timeout time.Duration) *Endpoint {
	return EndpointOptions{Auth: auth, TLS: tlsConf, Timeout: timeout}.Endpoint(addr)
}

// Endpoint prepares a client for addr. Nothing is dialled until the first
// command. The options make every failure come back within the timeout:
// one dial attempt, no command retries, and the context's deadline
// applied to socket reads and writes.
func (o EndpointOptions) Endpoint(addr string) *Endpoint {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := redis.NewClient(&redis.Options{
		Addr:                  addr,
		Username:              o.Auth.Username,
		Password:              o.Auth.Password,
		DB:                    o.DB,
		TLSConfig:             o.TLS,
		Dialer:                TLSDialer(o.Dialer, o.TLS),
		OnConnect:             NameConnection("flyover"),
		Protocol:              2, // flat replies for SENTINEL and ROLE, on every server
		DisableIdentity:       true,
		DialTimeout:           timeout,
		ReadTimeout:           timeout,
		WriteTimeout:          timeout,
		DialerRetries:         1,
		MaxRetries:            -1,
		ContextTimeoutEnabled: true,
		PoolSize:              2,
		PoolTimeout:           timeout,
		MaxIdleConns:          2,
		// go-redis's 32 KiB each way per connection is 128 KiB a master
		// (source and target) in a fleet; replies of any size still read
		// whole (a longer one takes more reads), commands are small.
		ReadBufferSize:  8 << 10,
		WriteBufferSize: 4 << 10,
	})
	if o.ReadOnly {
		c.AddHook(readOnlyHook{addr: addr})
	}
	e := &Endpoint{Addr: addr, Timeout: timeout, client: c, tls: o.TLS != nil, reach: &o, commandStats: o.CommandStats}
	if o.ReplicaBuffers {
		e.buffers = newBufferPoll()
	}
	return e
}

// nameConnection names each new connection in CLIENT LIST, as a courtesy
// only: go-redis's ClientName sends CLIENT SETNAME in the handshake and
// fails the connection when the ACL user may not run it, so an operator's
// least-privileged user could not connect at all.
func NameConnection(name string) func(context.Context, *redis.Conn) error {
	return func(ctx context.Context, cn *redis.Conn) error {
		_ = cn.ClientSetName(ctx, name).Err()
		return nil
	}
}

// WithAddr is a new endpoint for addr reached as e is: the same
// credentials, TLS, timeout and read-only guard. The steps reach the
// source's other replicas this way.
func (e *Endpoint) WithAddr(addr string) *Endpoint {
	return e.reach.Endpoint(addr)
}

// WithDB is a new endpoint to the same server, reached the same way, whose
// connections select database db: the sampler reads every database the
// source has keys in. The caller closes it.
func (e *Endpoint) WithDB(db int) *Endpoint {
	o := *e.reach
	o.DB = db
	return o.Endpoint(e.Addr)
}

// describe is Describe with what the endpoint knows: a TLS handshake to a
// plain-text Redis port is never answered, so a TLS timeout says so.
func (e *Endpoint) describe(err error) string {
	d := Describe(e.Addr, err)
	if e.tls && (errors.Is(err, context.DeadlineExceeded) || IsTimeout(err)) {
		d += " (with TLS on, this is also what a server that does not speak TLS on this port looks like: if it does not, drop --tls for this endpoint group)"
	}
	return d
}

// Close releases the endpoint's connections.
func (e *Endpoint) Close() error { return e.client.Close() }

// LastSeen is when the endpoint last answered a poll.
func (e *Endpoint) LastSeen() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastSeen
}

// Capabilities is what the server's kind and version allow, as its last
// poll read them (an unknown server's are a modern Redis's).
func (e *Endpoint) Capabilities() Capabilities {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.caps.Kind == KindUnknown {
		return CapabilitiesOf(KindUnknown, "")
	}
	return e.caps
}

func (e *Endpoint) seen(t time.Time) {
	e.mu.Lock()
	e.lastSeen = t
	e.mu.Unlock()
}

// Do sends one command and returns its reply. ctx bounds it; the caller
// (steps' audited path) chooses the deadline.
func (e *Endpoint) Do(ctx context.Context, args ...any) (any, error) {
	return e.client.Do(ctx, args...).Result()
}

// DoTx sends cmds as one MULTI ... EXEC on one connection and returns
// each command's reply. The server runs them with nothing in between:
// CLIENT PAUSE <ms> and INFO in one transaction read the offset at the
// instant the pause began, on a server (Redis 6.0) whose pause would
// stop any later INFO.
func (e *Endpoint) DoTx(ctx context.Context, cmds ...[]any) ([]any, error) {
	var out []*redis.Cmd
	_, err := e.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range cmds {
			out = append(out, p.Do(ctx, c...))
		}
		return nil
	})
	replies := make([]any, len(out))
	for i, c := range out {
		replies[i] = c.Val()
	}
	return replies, err
}

// Client exposes the underlying client for long-lived uses such as Pub/Sub.
func (e *Endpoint) Client() *redis.Client { return e.client }

// PollNode reads a data node in one pipelined round trip (INFO and ROLE,
// and INFO commandstats when the endpoint was made with CommandStats)
// bounded by the endpoint's timeout.
func (e *Endpoint) PollNode(ctx context.Context) Node { return e.pollNode(ctx, false) }

// PollBrief reads what the fleet's rows need: ROLE, five INFO sections (one
// INFO each: Redis 6.0 and older Dragonflies take one), the source's buffers
// only while a full sync goes on, never commandstats (Node.Brief).
func (e *Endpoint) PollBrief(ctx context.Context) Node { return e.pollNode(ctx, true) }

var briefSections = [][]string{{"server"}, {"persistence"}, {"stats"}, {"replication"}, {"keyspace"}}

func (e *Endpoint) pollNode(ctx context.Context, brief bool) Node {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	pipe := e.client.Pipeline()
	sections, infoCmds := [][]string{nil}, []*redis.StringCmd(nil) // nil: INFO's default sections
	if brief {
		sections = briefSections
	}
	roleCmd := pipe.Do(ctx, "ROLE")
	cmds := []redis.Cmder{roleCmd}
	for _, a := range sections {
		c := pipe.Info(ctx, a...)
		infoCmds, cmds = append(infoCmds, c), append(cmds, c)
	}
	var statsCmd *redis.StringCmd
	if e.commandStats && !brief {
		statsCmd = pipe.Info(ctx, "commandstats")
		cmds = append(cmds, statsCmd)
	}
	var bufCmds *bufferCmds
	if e.buffers != nil {
		if bufCmds = e.buffers.queue(ctx, pipe, brief); bufCmds != nil {
			cmds = append(cmds, bufCmds.all()...)
		}
	}
	_, execErr := pipe.Exec(ctx)

	end := time.Now()
	if err := cmdErr(infoCmds[0], execErr, cmds...); err != nil {
		if IsLoading(err) {
			// A target loading its snapshot may refuse even INFO: that
			// is the full sync going on, not a failure. It is what it
			// was at its last answer, loading.
			e.seen(end)
			n := e.lastNode()
			n.Addr, n.Reachable, n.Loading, n.Error = e.Addr, true, true, ""
			n.PolledAt, n.LastSeen, n.RTT = end, end, end.Sub(start)
			return n
		}
		return Node{Addr: e.Addr, PolledAt: end, LastSeen: e.LastSeen(), Error: e.describe(err),
			Slow: errors.Is(err, context.DeadlineExceeded) || IsTimeout(err)}
	}
	var role *RoleReply
	if v, err := roleCmd.Result(); err == nil {
		if r, err := ParseRole(v); err == nil {
			role = &r
		}
	}
	texts := make([]string, len(infoCmds))
	for i, c := range infoCmds {
		texts[i] = c.Val() // "" for a section that failed
	}
	n := NodeFromInfo(ParseInfo(texts...), role)
	if statsCmd != nil && statsCmd.Err() == nil {
		n.CommandStatsRead = true
		n.UnknownCommands = UnknownCommands(ParseInfo(statsCmd.Val()))
	}
	if e.buffers != nil {
		n.Sync = e.buffers.read(bufCmds, n.Info, e.Addr)
	}
	if brief {
		n.Brief, n.Info = true, nil // a row needs the fields, not the fleet holding every reply
	}
	n.Addr, n.Reachable, n.PolledAt, n.RTT = e.Addr, true, end, end.Sub(start)
	e.seen(end)
	e.mu.Lock()
	if n.Kind != KindUnknown {
		e.caps = n.Capabilities()
	}
	e.last = n
	e.mu.Unlock()
	n.LastSeen = end
	return n
}

// PollSentinel reads one Sentinel's view of master in one pipelined round
// trip bounded by the endpoint's timeout.
func (e *Endpoint) PollSentinel(ctx context.Context, master string) SentinelView {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	pipe := e.client.Pipeline()
	masterCmd := pipe.Do(ctx, "SENTINEL", "MASTER", master)
	replicasCmd := pipe.Do(ctx, "SENTINEL", "REPLICAS", master)
	addrCmd := pipe.Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", master)
	quorumCmd := pipe.Do(ctx, "SENTINEL", "CKQUORUM", master)
	peersCmd := pipe.Do(ctx, "SENTINEL", "SENTINELS", master)
	_, execErr := pipe.Exec(ctx)
	end := time.Now()

	v := SentinelView{Addr: e.Addr, PolledAt: end}
	mv := masterCmd.Val()
	if err := cmdErr(masterCmd, execErr, replicasCmd, addrCmd, quorumCmd, peersCmd); err != nil {
		if isNoSuchMaster(err) {
			// It answered: reachable, but of no use for this master name.
			e.seen(end)
			v.Reachable, v.LastSeen, v.RTT = true, end, end.Sub(start)
			v.Error = fmt.Sprintf("sentinel %s does not monitor a master named %q: check --master, or run SENTINEL MASTERS there to list the names it knows", e.Addr, master)
			return v
		}
		v.LastSeen = e.LastSeen()
		v.Error = e.describe(err)
		return v
	}
	e.seen(end)
	v.Reachable, v.Monitors, v.LastSeen, v.RTT = true, true, end, end.Sub(start)
	if a, err := addrCmd.Result(); err == nil {
		v.MasterAddr, _ = ParseMasterAddr(a)
	}
	if err := ParseSentinelMaster(mv, &v); err != nil {
		v.Error = fmt.Sprintf("sentinel %s: %v", e.Addr, err)
	}
	if rv, err := replicasCmd.Result(); err == nil {
		v.Replicas, _ = ParseSentinelReplicas(rv)
		v.ReplicasRead = true
	}
	if pv, err := peersCmd.Result(); err == nil {
		v.Peers, _ = ParseSentinelPeers(pv)
	}
	if q, err := quorumCmd.Result(); err == nil {
		v.QuorumOK, v.QuorumReply = true, AsString(q)
	} else {
		v.QuorumReply = err.Error()
	}
	return v
}

// cmdErr is a pipelined command's error. go-redis (v9.17) reports a failed
// dial or handshake (AUTH) only from Exec and leaves each command's Err
// nil, so an Exec error that no command carries belongs to every command.
func cmdErr(cmd redis.Cmder, execErr error, all ...redis.Cmder) error {
	if err := cmd.Err(); err != nil {
		return err
	}
	if execErr == nil {
		return nil
	}
	for _, c := range all {
		if c.Err() == execErr {
			return nil // a reply to that command alone
		}
	}
	return execErr
}

func isNoSuchMaster(err error) bool {
	return err != nil && strings.Contains(err.Error(), "No such master")
}

// Describe turns a client error into words an operator can act on: which
// endpoint, what happened, what to check next.
func Describe(addr string, err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	switch {
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		return fmt.Sprintf("%s: TLS handshake failed: the server does not speak TLS on this port; drop --tls for this endpoint group", addr)
	case errors.As(err, &hostErr):
		return fmt.Sprintf("%s: TLS: the server's certificate is not for this name (%v); set the TLS server name for this endpoint group", addr, hostErr.Error())
	case errors.As(err, &authErr):
		return fmt.Sprintf("%s: TLS: the server's certificate is signed by an unknown authority; give its CA file", addr)
	case errors.As(err, &certErr):
		return fmt.Sprintf("%s: TLS: certificate not accepted: %v", addr, certErr.Err)
	case strings.Contains(msg, "tls: "):
		return fmt.Sprintf("%s: TLS: %s", addr, msg)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("%s: cannot resolve host %q: check the address", addr, dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("%s: connection refused: is the server running, and is the port right?", addr)
	case errors.Is(err, context.DeadlineExceeded), IsTimeout(err):
		return fmt.Sprintf("%s: no answer within the deadline: the server is hung, overloaded, paused, or this is not a Redis port", addr)
	case strings.Contains(msg, "WRONGPASS"), strings.Contains(msg, "invalid password"), strings.Contains(msg, "invalid username-password"):
		return fmt.Sprintf("%s: authentication failed (wrong user or password): check the password variable or file for this endpoint", addr)
	case strings.Contains(msg, "NOAUTH"):
		return fmt.Sprintf("%s: the server requires a password and none was given: set it in the environment (see flyover --help)", addr)
	case strings.Contains(msg, "NOPERM"):
		return fmt.Sprintf("%s: the ACL user lacks a permission: %s", addr, msg)
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return fmt.Sprintf("%s: the server closed the connection: does it expect TLS (add --tls)? protected mode? maxclients?", addr)
	case errors.As(err, &opErr):
		return fmt.Sprintf("%s: %v", addr, opErr.Err)
	}
	return fmt.Sprintf("%s: %s", addr, msg)
}

// IsTimeout is a network deadline passed: the server did not answer in
// time (busy or gone), not a reply.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// SetLogOutput sends go-redis's own log lines to w. They must never reach
// the terminal while the UI runs. go-redis keeps its logger in a global
// it reads without a lock, so it is set once, before any client exists,
// and only the writer behind it changes here.
func SetLogOutput(w io.Writer) { goRedisLog.set(w) }

// goRedisLog is the one logger go-redis is given (in init); its writer is
// swapped under a lock.
var goRedisLog = &redisLogger{w: io.Discard}

func init() { redis.SetLogger(goRedisLog) }

type redisLogger struct {
	mu sync.Mutex
	w  io.Writer
}

func (r *redisLogger) set(w io.Writer) {
	r.mu.Lock()
	r.w = w
	r.mu.Unlock()
}

func (r *redisLogger) Printf(_ context.Context, format string, v ...any) {
	line := time.Now().Format("2006/01/02 15:04:05.000000") + " go-redis: " + fmt.Sprintf(format, v...)
	if !strings.HasSuffix(line, "\n") {
		line += "\n"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	io.WriteString(r.w, line)
}

// TLSDialer is d with TLS on top when t is set (go-redis applies
// TLSConfig only in its own dialer); nil leaves go-redis's dialer.
func TLSDialer(d Dialer, t *tls.Config) Dialer {
	if d == nil || t == nil {
		return d
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c := t.Clone()
		if c.ServerName == "" {
			c.ServerName, _, _ = net.SplitHostPort(addr)
		}
		return tls.Client(conn, c), nil
	}
}

// User is the ACL user the endpoint authenticates as ("" for the default
// user).
func (e *Endpoint) User() string { return e.client.Options().Username }

// ClientOptions are how the endpoint connects (credentials, TLS): the
// replication-auth check connects as the target will.
func (e *Endpoint) ClientOptions() *redis.Options { return e.client.Options() }
