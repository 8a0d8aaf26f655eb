package lab

import (
	"time"

	"flyover/probe"
)

// Prober opens flyover's view of the lab the way an operator's flags would:
// the lab's data-node password, the Sentinels' own password, and its TLS
// client settings when the lab serves TLS.
func (l *Lab) Prober(timeout time.Duration) *probe.Prober {
	data := probe.Auth{Password: l.Opts.Password}
	p := &probe.Prober{
		Topo:   probe.Topology{MasterName: l.Opts.MasterName, Source: l.Source.Addr(), Target: l.Target.Addr()},
		Source: probe.NewEndpoint(l.Source.Addr(), data, l.tlsClient, timeout),
		Target: probe.NewEndpoint(l.Target.Addr(), data, l.tlsClient, timeout),
	}
	for _, a := range l.SentinelAddrs() {
		p.Sentinels = append(p.Sentinels, probe.NewEndpoint(a, probe.Auth{Password: l.Opts.SentinelPassword}, l.tlsClient, timeout))
	}
	p.Topo.ResolveTarget(timeout)
	return p
}
