package probe

import (
	"context"
	"net"
	"time"
)

// Topology names the endpoints a Snapshot is about.
type Topology struct {
	MasterName string
	Source     string
	Target     string
	// TargetIPs are the addresses the target's host resolves to, so that
	// a target given by name can be found in the source's replica list.
	TargetIPs []string
}

// ResolveTarget is lookupTarget bounded by timeout alone, for callers
// that build a Prober by hand; NewProber looks the target up itself.
func (t *Topology) ResolveTarget(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	t.lookupTarget(ctx)
}

// lookupTarget fills TargetIPs, bounded by ctx. A name that does not
// resolve leaves them empty: the target's own poll then says so.
func (t *Topology) lookupTarget(ctx context.Context) {
	t.TargetIPs = HostIPs(ctx, t.Target)
}

// hostIPs are the addresses addr's host stands for: itself when it is an
// IP, else what it resolves to within ctx; none when it does not resolve.
func HostIPs(ctx context.Context, addr string) []string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil {
		return []string{ip.String()}
	}
	ips, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		return nil
	}
	return ips
}

// IsTarget reports whether addr (as a server or Sentinel lists it) is the target.
func (t *Topology) IsTarget(addr string) bool {
	if SameAddr(addr, t.Target) {
		return true
	}
	_, port, err := net.SplitHostPort(t.Target)
	return err == nil && AddrIn(addr, t.TargetIPs, port)
}
