package lab

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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
	for _, env := range []string{"FLYOVER_REDIS_SERVER", "FLYOVER_REDIS_SENTINEL", "FLYOVER_REDIS_BIN_DIR"} {
		t.Setenv(env, "")
	}
	_, err := Start(context.Background(), Options{})
	var missing *MissingBinaryError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "apt-get install redis-server redis-sentinel") {
		t.Fatalf("err = %v", err)
	}
}

func TestTLSAndACLTopologiesStart(t *testing.T) {
	cases := map[string]Options{
		"tls": {TLS: true, Password: "pw-data"},
		"acl": {Password: "pw-default", SentinelPassword: "pw-sentinel",
			Users:           []User{{Name: "repl", Password: "pw-repl", Rules: "+@all"}, {Name: "watcher", Password: "pw-watch", Rules: "-@all +info +ping +role"}},
			ReplicationUser: "repl"},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			l, err := Start(ctx, o)
			var ue *UnsupportedError
			if errors.As(err, &ue) {
				t.Skip(err) // this version lacks it (FLYOVER_REDIS_BIN_DIR)
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(l.Stop)
			if err := l.AttachTarget(ctx); err != nil {
				t.Fatal(err)
			}
			// The target syncs over TLS / as the replication user.
			c := l.Target.Client()
			defer c.Close()
			err = WaitFor(ctx, 20*time.Second, func() bool {
				info, err := c.Info(ctx, "replication").Result()
				return err == nil && strings.Contains(info, "master_link_status:up")
			})
			if err != nil {
				t.Fatalf("target never synced")
			}
			if o.TLS {
				// Plain text is refused on a TLS-only port.
				plain := &Server{Port: l.Source.Port, password: o.Password}
				pc := plain.Client()
				defer pc.Close()
				if pc.Ping(ctx).Err() == nil {
					t.Error("a plain-text PING succeeded on a TLS port")
				}
			}
		})
	}
}

func TestMain(m *testing.M) {
	redis.SetLogger(quiet{})
	os.Exit(m.Run())
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}
