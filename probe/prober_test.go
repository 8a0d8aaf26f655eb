package probe_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"flyover/probe"
)

// NewProber refuses a topology it cannot supervise, naming what is wrong,
// and dials nothing.
func TestNewProberRefusesWhatNamesNoTopology(t *testing.T) {
	ok := probe.ProberOptions{MasterName: "m", Source: "127.0.0.1:7001", Target: "127.0.0.1:7002", Sentinels: []string{"127.0.0.1:26380"}}
	for name, c := range map[string]struct {
		edit func(*probe.ProberOptions)
		want string
	}{
		"no master name":    {func(o *probe.ProberOptions) { o.MasterName = "" }, "no master name"},
		"no target":         {func(o *probe.ProberOptions) { o.Target = "" }, "no source or no target"},
		"target is source":  {func(o *probe.ProberOptions) { o.Target = "localhost:7001" }, "the same address (127.0.0.1:7001)"},
		"no Sentinel given": {func(o *probe.ProberOptions) { o.Sentinels = nil }, "no Sentinel address"},
	} {
		t.Run(name, func(t *testing.T) {
			o := ok
			c.edit(&o)
			p, err := probe.NewProber(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error saying %q", err, c.want)
			}
			if p != nil {
				t.Errorf("a prober came back with the error")
			}
		})
	}
}

// NewProber names every endpoint as given and knows the target by IP.
func TestNewProberBuildsTheTopology(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	p, err := probe.NewProber(ctx, probe.ProberOptions{MasterName: "m", Source: "127.0.0.1:7001", Target: "127.0.0.1:7002",
		Sentinels: []string{"127.0.0.1:26380", "127.0.0.1:26381"}, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Source.Addr != "127.0.0.1:7001" || p.Target.Addr != "127.0.0.1:7002" || len(p.Sentinels) != 2 || p.Sentinels[1].Addr != "127.0.0.1:26381" {
		t.Errorf("endpoints %s %s %d", p.Source.Addr, p.Target.Addr, len(p.Sentinels))
	}
	replica := p.Source.WithAddr("127.0.0.1:7003")
	defer replica.Close()
	if p.Source.Timeout != 300*time.Millisecond || replica.Timeout != 300*time.Millisecond {
		t.Errorf("timeout %s, want 300ms on every endpoint and its replicas", p.Source.Timeout)
	}
	if p.Topo.MasterName != "m" || !p.Topo.IsTarget("127.0.0.1:7002") || len(p.Topo.TargetIPs) != 1 {
		t.Errorf("topology %+v", p.Topo)
	}
}
