package events_test

import (
	"context"
	"net"
	"testing"
	"time"

	"flyover/probe"
	"flyover/probe/events"
)

// Stop, or the end of the watcher's context, closes Events once every
// subscription has returned, so a reader ranging over it ends (the
// fleet's event fan-out waits for that on quit).
func TestWatcherClosesEventsWhenStopped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: the subscriptions retry with backoff
	for _, how := range []string{"Stop", "context"} {
		ctx, cancel := context.WithCancel(context.Background())
		e := probe.NewEndpoint(addr, probe.Auth{}, nil, 200*time.Millisecond)
		w := events.WatchSentinels(ctx, []*probe.Endpoint{e})
		ended := make(chan struct{})
		go func() {
			for range w.Events {
			}
			close(ended)
		}()
		if how == "Stop" {
			w.Stop()
		} else {
			cancel()
		}
		select {
		case <-ended:
		case <-time.After(5 * time.Second):
			t.Errorf("%s: Events still open 5 s later", how)
		}
		cancel()
		w.Stop()
		e.Close()
	}
}
