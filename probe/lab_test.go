package probe_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flyover/lab"
	"flyover/lab/labtest"
	"flyover/probe"
	"flyover/probe/events"
)

func TestMain(m *testing.M) { labtest.Main(m) }

// startProbed starts a lab and a prober of it without a password,
// closed when the test ends.
func startProbed(t *testing.T, o lab.Options) (*lab.Lab, *probe.Prober) {
	t.Helper()
	l := labtest.Start(t, o)
	p := labtest.ProberFor(l, probe.Auth{})
	t.Cleanup(p.Close)
	return l, p
}

func TestHealthyTopologyBeforeAttach(t *testing.T) {
	t.Parallel()
	l, p := startProbed(t, lab.Options{PreloadKeys: 500})
	s := p.Poll(context.Background())
	if !s.AllReachable() {
		t.Fatalf("unreachable: %+v / %+v / %+v", s.Source.Error, s.Target.Error, s.Sentinels)
	}
	server, _, _ := lab.Binaries() // the kind the lab runs: redis, or valkey (its own, not its redis_version)
	if s.Source.Role != probe.RolePrimary || s.Source.Kind != server.Kind || s.Source.Version != server.Version || s.Source.Keys() != 500 {
		t.Errorf("source %+v", s.Source)
	}
	if s.Target.Role != probe.RolePrimary || s.Target.Keys() != 0 {
		t.Errorf("target %+v", s.Target)
	}
	if s.Link.Phase != probe.PhaseDetached || s.Link.ListedBySource || s.Link.InSync {
		t.Errorf("link %+v", s.Link)
	}
	if !s.SentinelsAgree || s.AgreedMaster != l.Source.Addr() {
		t.Errorf("sentinels agree=%v on %q", s.SentinelsAgree, s.AgreedMaster)
	}
	for _, v := range s.Sentinels {
		if !v.QuorumOK || v.Quorum != 2 || v.NumOtherSentinels != 2 || v.KnowsTarget {
			t.Errorf("sentinel %+v", v)
		}
	}
}

func TestAttachSyncInSyncUnderWritesAndSentinelListsTarget(t *testing.T) {
	t.Parallel()
	l, p := startProbed(t, lab.Options{PreloadKeys: 20000})
	ctx := context.Background()

	// An application writing steadily to the source.
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := l.Source.Client()
		defer c.Close()
		for i := 0; !stop.Load(); i++ {
			c.Set(ctx, fmt.Sprintf("app:%d", i%5000), i, 0)
			time.Sleep(time.Millisecond)
		}
	}()
	defer func() { stop.Store(true); wg.Wait() }()

	if err := l.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	phases := map[probe.Phase]bool{}
	s := labtest.WaitSnap(t, p, 30*time.Second, "in sync under writes", func(s probe.Snapshot) bool {
		phases[s.Link.Phase] = true
		return s.Link.InSync
	})
	t.Logf("phases seen: %v; in sync with lag %d B (%.2f s) at %.0f B/s", phases, s.Link.LagBytes, s.Link.LagSeconds, s.Link.RateBytes)
	if !s.Link.ListedBySource || !s.Link.FollowsSource || s.Link.Phase != probe.PhaseOnline || s.Link.State != "online" {
		t.Errorf("link %+v", s.Link)
	}
	if s.Target.Role != probe.RoleReplica || !s.Target.OffsetTrusted {
		t.Errorf("target %+v", s.Target)
	}

	stop.Store(true)
	wg.Wait()
	s = labtest.WaitSnap(t, p, 15*time.Second, "lag 0 and keys equal once writes stop", func(s probe.Snapshot) bool {
		return s.Link.LagBytes == 0 && s.Source.Keys() == s.Target.Keys() && s.Link.InSync
	})
	if s.Target.Keys() < 20000 {
		t.Errorf("target has %d keys", s.Target.Keys())
	}

	// Sentinel discovers the replica from the primary's INFO (every 10 s).
	// It is eligible for promotion only once Sentinel has its INFO.
	labtest.WaitSnap(t, p, 40*time.Second, "every Sentinel lists the target and would promote it", func(s probe.Snapshot) bool {
		for _, v := range s.Sentinels {
			if !v.KnowsTarget || !v.WouldPromoteTarget {
				return false
			}
		}
		return true
	})
}

func TestExtraReplicaIsListedAndWouldBePromoted(t *testing.T) {
	t.Parallel()
	l, p := startProbed(t, lab.Options{ExtraReplicas: 1})
	s := labtest.WaitSnap(t, p, 15*time.Second, "replica known", func(s probe.Snapshot) bool {
		return len(s.Source.Replicas) == 1 && s.Sentinels[0].WouldPromote != ""
	})
	if s.Source.Replicas[0].Port != l.Replicas[0].Port || s.Link.ListedBySource {
		t.Errorf("replicas %+v listed=%v", s.Source.Replicas, s.Link.ListedBySource)
	}
	if s.Sentinels[0].WouldPromote != l.Replicas[0].Addr() || s.Sentinels[0].WouldPromoteTarget {
		t.Errorf("would promote %q", s.Sentinels[0].WouldPromote)
	}
}

func TestStoppedAndSilentEndpointsAnswerWithinTheDeadline(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{})

	// A listener that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()

	p := labtest.ProberFor(l, probe.Auth{})
	defer p.Close()
	silent := probe.NewEndpoint(ln.Addr().String(), probe.Auth{}, nil, 300*time.Millisecond)
	p.Target = silent
	p.Sentinels = append(p.Sentinels, probe.NewEndpoint(ln.Addr().String(), probe.Auth{}, nil, 300*time.Millisecond))
	first := p.Poll(context.Background())
	if !first.Source.Reachable {
		t.Fatal("the source must answer although the target is silent")
	}
	l.Source.Stop()

	done := make(chan probe.Snapshot, 1)
	go func() { done <- p.Poll(context.Background()) }()
	var s probe.Snapshot
	select {
	case s = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a poll with a silent endpoint did not return (hang)")
	}
	if s.Target.Reachable || !strings.Contains(s.Target.Error, "no answer within the deadline") {
		t.Errorf("silent target: %q", s.Target.Error)
	}
	if s.Source.Reachable || !strings.Contains(s.Source.Error, "connection refused") {
		t.Errorf("stopped source: %q", s.Source.Error)
	}
	if s.Source.LastSeen.IsZero() || !s.Source.LastSeen.Equal(first.Source.LastSeen) {
		t.Errorf("a stopped endpoint keeps when it was last seen: %v vs %v", s.Source.LastSeen, first.Source.LastSeen)
	}
	if v := s.Sentinels[len(s.Sentinels)-1]; v.Reachable || !strings.Contains(v.Error, "no answer") {
		t.Errorf("silent sentinel: %+v", v)
	}
	if !s.Sentinels[0].Reachable {
		t.Errorf("real sentinels still answer: %+v", s.Sentinels[0])
	}
	if s.AllReachable() {
		t.Error("AllReachable with dead endpoints")
	}
}

func TestWrongMasterNameAndWrongPassword(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{Password: "s3cret-lab-pw"})

	p := labtest.ProberFor(l, probe.Auth{Password: "s3cret-lab-pw"})
	defer p.Close()
	p.Topo.MasterName = "no-such-master"
	s := p.Poll(context.Background())
	if !s.Source.Reachable || !s.Target.Reachable {
		t.Fatalf("right password: %q %q", s.Source.Error, s.Target.Error)
	}
	for _, v := range s.Sentinels {
		if !v.Reachable || v.Monitors || !strings.Contains(v.Error, `does not monitor a master named "no-such-master"`) {
			t.Errorf("sentinel %+v", v)
		}
	}
	if s.AllReachable() {
		t.Error("a Sentinel that does not monitor the name is not a healthy endpoint")
	}

	wrong := labtest.ProberFor(l, probe.Auth{Password: "wrong"})
	defer wrong.Close()
	s = wrong.Poll(context.Background())
	if s.Source.Reachable || !strings.Contains(s.Source.Error, "authentication failed") {
		t.Errorf("wrong password: %q", s.Source.Error)
	}
	none := labtest.ProberFor(l, probe.Auth{})
	defer none.Close()
	if s = none.Poll(context.Background()); !strings.Contains(s.Source.Error, "requires a password") {
		t.Errorf("no password: %q", s.Source.Error)
	}
	if strings.Contains(s.Source.Error, "s3cret") {
		t.Error("errors must not contain the password")
	}
}

func TestSentinelEventsArriveTyped(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, lab.Options{Sentinels: 1, Quorum: 1})
	eps := []*probe.Endpoint{probe.NewEndpoint(l.Sentinels[0].Addr(), probe.Auth{}, nil, time.Second)}
	w := events.WatchSentinels(context.Background(), eps)
	defer w.Stop()
	want := func(typ string) events.Event {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case e := <-w.Events:
				if e.Type == typ {
					return e
				}
			case <-deadline:
				t.Fatalf("no %s event", typ)
			}
		}
	}
	want("flyover:subscribed")
	// Attaching the target makes the Sentinel discover it: "+slave".
	if err := l.AttachTarget(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := want("+slave")
	if e.Addr() != l.Target.Addr() || e.MasterName != "flyover" || e.Sentinel != l.Sentinels[0].Addr() {
		t.Errorf("%+v", e)
	}
	// A subscription waiting out its quiet (15 s before its PING) ends
	// at Stop: quitting flyover does not wait for it.
	stopped := make(chan struct{})
	go func() { w.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop still waits 5 s later: a quiet subscription holds the quit")
	}
}

func TestTLSEndpointsAndMismatches(t *testing.T) {
	t.Parallel()
	tl := labtest.Start(t, lab.Options{TLS: true, Sentinels: 1, Quorum: 1})
	plain := labtest.Start(t, lab.Options{Sentinels: 1, Quorum: 1})
	good := probe.TLSOptions{Enabled: true, CAFile: tl.TLS.CA, CertFile: tl.TLS.ClientCert, KeyFile: tl.TLS.ClientKey}
	conf := func(o probe.TLSOptions) *tls.Config {
		c, err := o.Config()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	poll := func(addr string, c *tls.Config) probe.Node {
		e := probe.NewEndpoint(addr, probe.Auth{}, c, time.Second)
		defer e.Close()
		return e.PollNode(context.Background())
	}
	if n := poll(tl.Source.Addr(), conf(good)); !n.Reachable {
		t.Fatalf("TLS with the lab's CA: %s", n.Error)
	}
	sv := probe.NewEndpoint(tl.Sentinels[0].Addr(), probe.Auth{}, conf(good), time.Second)
	defer sv.Close()
	if v := sv.PollSentinel(context.Background(), "flyover"); !v.Monitors || !v.QuorumOK {
		t.Errorf("TLS Sentinel: %+v", v)
	}
	if n := poll(tl.Source.Addr(), nil); !strings.Contains(n.Error, "expect TLS") {
		t.Errorf("plain text to a TLS port: %q", n.Error)
	}
	if n := poll(plain.Source.Addr(), conf(good)); !strings.Contains(n.Error, "not speak TLS on this port") {
		t.Errorf("TLS to a plain port: %q", n.Error)
	}
	if n := poll(tl.Source.Addr(), conf(probe.TLSOptions{Enabled: true})); !strings.Contains(n.Error, "unknown authority") {
		t.Errorf("no CA: %q", n.Error)
	}
	wrongName := good
	wrongName.ServerName = "redis.example.com"
	if n := poll(tl.Source.Addr(), conf(wrongName)); !strings.Contains(n.Error, "not for this name") {
		t.Errorf("wrong server name: %q", n.Error)
	}
	skip := probe.TLSOptions{Enabled: true, SkipVerify: true}
	if n := poll(tl.Source.Addr(), conf(skip)); !n.Reachable {
		t.Errorf("skip-verify: %q", n.Error)
	}
	if _, err := (probe.TLSOptions{Enabled: true, CAFile: "/nonexistent/ca.pem"}).Config(); err == nil || !strings.Contains(err.Error(), "/nonexistent/ca.pem") {
		t.Errorf("missing CA file: %v", err)
	}
	if _, err := (probe.TLSOptions{CAFile: "x"}).Config(); err == nil {
		t.Error("TLS settings without --tls are an error")
	}
}
