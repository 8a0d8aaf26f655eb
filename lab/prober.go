package lab

import (
	"context"
	"fmt"
	"time"

	"flyover/probe"
)

// Prober opens flyover's view of the lab the way an operator's flags would:
// the lab's data-node password, the Sentinels' own password, and its TLS
// client settings when the lab serves TLS. timeout bounds each poll.
func (l *Lab) Prober(timeout time.Duration) *probe.Prober {
	data, sentinel := probe.Auth{Password: l.Opts.Password}, probe.Auth{Password: l.Opts.SentinelPassword}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	p, err := probe.NewProber(ctx, probe.ProberOptions{
		MasterName: l.Opts.MasterName, Source: l.Source.Addr(), Target: l.Target.Addr(), Sentinels: l.SentinelAddrs(),
		SourceAuth: data, TargetAuth: data, SentinelAuth: sentinel,
		SourceTLS: l.tlsClient, TargetTLS: l.tlsClient, SentinelTLS: l.tlsClient,
		Timeout: timeout, Dialer: l.Dialer(NodeFlyover),
	})
	if err != nil {
		// A started lab always has a master name, two servers on
		// different ports and at least one Sentinel.
		panic(fmt.Sprintf("lab: %v", err))
	}
	return p
}
