package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"flyover/probe"
)

// The partition lab (Options.Partitions): every node of the topology, and
// each of the test's own sides (flyover, the writer, the lab's observer),
// lives in a network namespace of its own, joined to the others by a veth
// pair on a bridge in one more namespace, the hub. A link is cut by an
// iptables DROP rule in the sending node's namespace (one direction; Cut
// both ways for a full split) and healed by deleting the rule, while every
// process keeps running. The addresses (10.77.0.N) exist only inside the
// lab's namespaces, so labs running side by side never meet.

// PartitionsUnavailableError says why this machine cannot run the
// partition lab. Tests skip with it.
type PartitionsUnavailableError struct{ Why string }

func (e *PartitionsUnavailableError) Error() string {
	return "lab: partitions need network namespaces: " + e.Why
}

// Sides of a partition lab that are not servers: flyover's own
// connections, the application-like writer, and the lab's observer (the
// tests' reads of what each server says), which is never cut.
const (
	NodeFlyover = "flyover"
	NodeWriter  = "writer"
	NodeLab     = "lab"
)

// Net is a partition lab's network.
type Net struct {
	id    string // in every namespace's name: flyover-<pid>-<id>-<node>
	hub   string
	mu    sync.Mutex
	nodes map[string]*netNode
	cuts  map[[2]string]bool
}

type netNode struct {
	name, ns, ip string
}

const netnsPrefix = "flyover-"

// PartitionsAvailable says why partitions cannot run here, or nil.
func PartitionsAvailable() error {
	if err := partitionsOnThisOS(); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return &PartitionsUnavailableError{Why: "not root (ip netns and iptables need it; CI runs as root)"}
	}
	for _, p := range []string{"ip", "iptables"} {
		if _, err := exec.LookPath(p); err != nil {
			return &PartitionsUnavailableError{Why: p + " not found on PATH (Debian: apt-get install iproute2 iptables)"}
		}
	}
	return nil
}

// newNet makes the hub: a namespace holding the bridge every node joins.
func newNet() (*Net, error) {
	if err := PartitionsAvailable(); err != nil {
		return nil, err
	}
	sweepStaleNamespaces()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	n := &Net{id: strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b), nodes: map[string]*netNode{}, cuts: map[[2]string]bool{}}
	n.hub = netnsPrefix + n.id + "-hub"
	if err := run("ip", "netns", "add", n.hub); err != nil {
		return nil, &PartitionsUnavailableError{Why: err.Error()}
	}
	if err := runAll(
		[]string{"ip", "-n", n.hub, "link", "add", "br0", "type", "bridge"},
		[]string{"ip", "-n", n.hub, "link", "set", "br0", "up"},
	); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

// sweepStaleNamespaces deletes the namespaces of labs whose process is
// gone (a test binary killed by its timeout cannot clean up after itself).
func sweepStaleNamespaces() {
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), netnsPrefix)
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
		if err != nil || pid == os.Getpid() || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		_ = run("ip", "netns", "del", e.Name())
	}
}

// node is name's namespace, made on first use: a veth pair from the hub's
// bridge, the node's address on its end.
func (n *Net) node(name string) (*netNode, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if nd, ok := n.nodes[name]; ok {
		return nd, nil
	}
	i := len(n.nodes) + 1
	if i > 250 {
		return nil, errors.New("lab: more than 250 partition nodes")
	}
	nd := &netNode{name: name, ns: netnsPrefix + n.id + "-" + name, ip: "10.77.0." + strconv.Itoa(i)}
	if err := run("ip", "netns", "add", nd.ns); err != nil {
		return nil, err
	}
	veth := "v" + strconv.Itoa(i)
	if err := runAll(
		[]string{"ip", "link", "add", veth, "netns", n.hub, "type", "veth", "peer", "name", "eth0", "netns", nd.ns},
		[]string{"ip", "-n", n.hub, "link", "set", veth, "master", "br0", "up"},
		[]string{"ip", "-n", nd.ns, "addr", "add", nd.ip + "/24", "dev", "eth0"},
		[]string{"ip", "-n", nd.ns, "link", "set", "eth0", "up"},
		[]string{"ip", "-n", nd.ns, "link", "set", "lo", "up"},
	); err != nil {
		_ = run("ip", "netns", "del", nd.ns)
		return nil, err
	}
	n.nodes[name] = nd
	return nd, nil
}

// IP is node's address, making its namespace if needed.
func (n *Net) IP(node string) (string, error) {
	nd, err := n.node(node)
	if err != nil {
		return "", err
	}
	return nd.ip, nil
}

// command is how a server runs inside node's namespace (ip netns exec
// execs the program: the process is the server itself).
func (n *Net) command(node, program string, args ...string) (*exec.Cmd, error) {
	nd, err := n.node(node)
	if err != nil {
		return nil, err
	}
	return exec.Command("ip", append([]string{"netns", "exec", nd.ns, program}, args...)...), nil
}

// Dialer dials from node's namespace: the dial runs on an OS thread that
// joins the namespace, makes the socket (which stays in the namespace it
// was made in) and goes back to its own namespace before any other
// goroutine may run on it. A thread that cannot go back is never handed
// back: its goroutine ends locked to it, which ends the thread. (Ending
// every dial's thread is no option: a server started from that thread
// would get its Pdeathsig.)
func (n *Net) Dialer(node string) probe.Dialer {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		nd, err := n.node(node)
		if err != nil {
			return nil, err
		}
		type dialed struct {
			c   net.Conn
			err error
		}
		ch := make(chan dialed, 1)
		go func() {
			runtime.LockOSThread()
			home, err := os.Open("/proc/thread-self/ns/net")
			if err != nil {
				runtime.UnlockOSThread()
				ch <- dialed{nil, fmt.Errorf("lab: read this thread's network namespace: %w", err)}
				return
			}
			defer home.Close()
			if err := setns(filepath.Join("/run/netns", nd.ns)); err != nil {
				runtime.UnlockOSThread()
				ch <- dialed{nil, fmt.Errorf("lab: join %s's network namespace: %w", node, err)}
				return
			}
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			if joinNetns(home) == nil {
				runtime.UnlockOSThread()
			}
			ch <- dialed{c, err}
		}()
		r := <-ch
		return r.c, r.err
	}
}

// Cut drops every packet from one node to another (one direction): from's
// connections to to, and its replies on to's connections, vanish without
// an error, as on a real network split.
func (n *Net) Cut(from, to string) error { return n.rule(from, to, true) }

// Heal undoes Cut.
func (n *Net) Heal(from, to string) error { return n.rule(from, to, false) }

// Split cuts a and b from each other, both directions.
func (n *Net) Split(a, b string) error {
	return errors.Join(n.Cut(a, b), n.Cut(b, a))
}

// Join heals both directions between a and b.
func (n *Net) Join(a, b string) error {
	return errors.Join(n.Heal(a, b), n.Heal(b, a))
}

// Isolate splits node from every other node but the lab's observer.
func (n *Net) Isolate(node string) error {
	var errs []error
	for _, other := range n.Nodes() {
		if other != node && other != NodeLab {
			errs = append(errs, n.Split(node, other))
		}
	}
	return errors.Join(errs...)
}

// HealAll heals every link.
func (n *Net) HealAll() error {
	n.mu.Lock()
	var links [][2]string
	for l := range n.cuts {
		links = append(links, l)
	}
	n.mu.Unlock()
	var errs []error
	for _, l := range links {
		errs = append(errs, n.Heal(l[0], l[1]))
	}
	return errors.Join(errs...)
}

// Cuts lists the links cut now, as "from->to".
func (n *Net) Cuts() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for l := range n.cuts {
		out = append(out, l[0]+"->"+l[1])
	}
	return out
}

// Nodes lists the nodes made so far.
func (n *Net) Nodes() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for name := range n.nodes {
		out = append(out, name)
	}
	return out
}

// Flap cuts and heals the link from->to (one direction; both when both
// is set) every period until stop is called; stop leaves it healed and
// reports how many times it was cut.
func (n *Net) Flap(from, to string, both bool, period time.Duration) (stop func() (int, error)) {
	done, finished := make(chan struct{}), make(chan struct{})
	var flips int
	var ferr error
	set := func(cut bool) error {
		if both {
			if cut {
				return n.Split(from, to)
			}
			return n.Join(from, to)
		}
		return n.rule(from, to, cut)
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(period)
		defer t.Stop()
		cut := false
		for {
			select {
			case <-done:
				ferr = errors.Join(ferr, set(false))
				return
			case <-t.C:
				cut = !cut
				if cut {
					flips++
				}
				ferr = errors.Join(ferr, set(cut))
			}
		}
	}()
	var once sync.Once
	return func() (int, error) {
		once.Do(func() { close(done) })
		<-finished
		return flips, ferr
	}
}

func (n *Net) rule(from, to string, cut bool) error {
	a, err := n.node(from)
	if err != nil {
		return err
	}
	b, err := n.node(to)
	if err != nil {
		return err
	}
	key := [2]string{from, to}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cuts[key] == cut {
		return nil
	}
	op := "-D"
	if cut {
		op = "-I"
	}
	if err := run("ip", "netns", "exec", a.ns, "iptables", "-w", op, "OUTPUT", "-d", b.ip, "-j", "DROP"); err != nil {
		return fmt.Errorf("lab: cut %s->%s: %w", from, to, err)
	}
	if cut {
		n.cuts[key] = true
	} else {
		delete(n.cuts, key)
	}
	return nil
}

// Close deletes every namespace of the lab (their veths and rules go with
// them). The servers must be stopped first.
func (n *Net) Close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, nd := range n.nodes {
		_ = run("ip", "netns", "del", nd.ns)
	}
	n.nodes = map[string]*netNode{}
	_ = run("ip", "netns", "del", n.hub)
}

func run(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func runAll(cmds ...[]string) error {
	for _, c := range cmds {
		if err := run(c...); err != nil {
			return err
		}
	}
	return nil
}

// Prefix begins the name of every namespace of this lab.
func (n *Net) Prefix() string { return netnsPrefix + n.id + "-" }

func setns(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return joinNetns(f)
}
