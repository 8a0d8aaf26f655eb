package lab

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStopEndsEveryProcessAndRemovesTheDirectory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := Start(ctx, Options{ExtraReplicas: 1, PreloadKeys: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Stop)
	servers := l.Servers()
	if len(servers) != 6 {
		t.Fatalf("want source, target, replica, 3 sentinels; got %d", len(servers))
	}
	for _, s := range servers {
		if s.Port == 6379 || s.Port == 26379 {
			t.Errorf("%s on a default port %d", s.Name, s.Port)
		}
	}
	if !l.TargetStandIn && l.TargetLabel() != "dragonfly" {
		t.Error("label")
	}
	l.Source.Freeze() // a frozen server must still be stopped
	l.Stop()
	for _, s := range servers {
		if s.Running() || syscall.Kill(s.PID(), 0) == nil {
			t.Errorf("%s (pid %d) still running after Stop", s.Name, s.PID())
		}
	}
	if _, err := os.Stat(l.Dir); !os.IsNotExist(err) {
		t.Errorf("lab dir %s left behind: %v", l.Dir, err)
	}
	l.Stop() // idempotent
}

func TestMissingBinaryNamesTheInstallCommand(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Start(context.Background(), Options{})
	var missing *MissingBinaryError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "apt-get install redis-server redis-sentinel") {
		t.Fatalf("err = %v", err)
	}
}
