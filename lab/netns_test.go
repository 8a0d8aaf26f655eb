package lab_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"flyover/lab"
	"flyover/lab/labtest"
)

// TestPartitionLabCutsAndHealsOneDirection pins the partition lab: a cut
// link drops packets one way while everything else keeps talking, a heal
// restores it, and stopping the lab removes every namespace it made.
func TestPartitionLabCutsAndHealsOneDirection(t *testing.T) {
	l := labtest.StartPartitioned(t, lab.Options{Sentinels: 1})
	flyover := redis.NewClient(&redis.Options{Addr: l.Source.Addr(), Dialer: l.Dialer(lab.NodeFlyover),
		DialerRetries: 1, MaxRetries: -1, DialTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond,
		Protocol: 2, DisableIdentity: true})
	defer flyover.Close()
	ctx := context.Background()
	if !strings.HasPrefix(l.Source.Addr(), "10.77.0.") {
		t.Fatalf("source at %s, want an address inside the lab's namespaces", l.Source.Addr())
	}
	if err := flyover.Ping(ctx).Err(); err != nil {
		t.Fatalf("flyover -> source before any cut: %v", err)
	}
	if err := l.Net.Cut(lab.NodeFlyover, "source"); err != nil {
		t.Fatal(err)
	}
	if err := flyover.Ping(ctx).Err(); err == nil {
		t.Fatal("flyover reached the source across a cut link")
	}
	// The observer and the Sentinel still reach it.
	obs := l.Source.Client()
	defer obs.Close()
	if err := obs.Ping(ctx).Err(); err != nil {
		t.Fatalf("the lab's observer lost the source: %v", err)
	}
	if err := l.Net.Heal(lab.NodeFlyover, "source"); err != nil {
		t.Fatal(err)
	}
	labtest.Wait(t, 5*time.Second, "flyover reaches the source after the heal", func() bool { return flyover.Ping(ctx).Err() == nil })

	mine := namespacesOf(t, l)
	if len(mine) == 0 {
		t.Fatal("no namespace found for the lab")
	}
	l.Stop()
	if left := namespacesOf(t, l); len(left) > 0 {
		t.Fatalf("namespaces left after Stop: %v", left)
	}
}

func namespacesOf(t *testing.T, l *lab.Lab) []string {
	t.Helper()
	entries, err := os.ReadDir("/run/netns")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), l.Net.Prefix()) {
			out = append(out, e.Name())
		}
	}
	return out
}
