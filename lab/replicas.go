package lab

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
)

// Replicas beyond the target: a stand-in that refuses Redis replicas the
// way Dragonfly does, and new replicas for restore HA.

// haUser is the ACL user new replicas replicate as when the stand-in
// target refuses the lab's Redis replicas.
const haUser = "flyover-ha"

func (l *Lab) haPassword() string {
	if l.Opts.Password != "" {
		return l.Opts.Password
	}
	return "flyover-ha-pw"
}

// refuseRedisReplicas makes a redis-server stand-in target refuse SYNC and
// PSYNC to the default user, as Dragonfly refuses Redis replicas: once
// Sentinel points the old primary and the other replicas at it, they
// never sync and keep their old data. New replicas (StartNewReplica)
// replicate as haUser, which keeps them. Nothing to do for a Dragonfly
// target, which refuses them by itself.
func (l *Lab) refuseRedisReplicas(ctx context.Context) error {
	if l.Opts.StandInAcceptsRedisReplicas || !l.TargetStandIn {
		return nil
	}
	c := l.Target.Client()
	defer c.Close()
	if err := c.Do(ctx, "ACL", "SETUSER", "default", "-sync", "-psync").Err(); err != nil {
		return fmt.Errorf("lab: refusing SYNC on the stand-in target: %w", err)
	}
	args := []any{"ACL", "SETUSER", haUser, "on", ">" + l.haPassword(), "~*", "&*", "+@all"}
	if server, _, _ := Binaries(); !server.AtLeast(6, 2) {
		args = slices.Delete(args, 6, 7) // no channel rules before 6.2: every user has every channel
	}
	if err := c.Do(ctx, args...).Err(); err != nil {
		return fmt.Errorf("lab: ACL SETUSER %s on the stand-in target: %w", haUser, err)
	}
	return nil
}

// StartNewReplica starts an empty instance that restore HA can attach to
// the new primary: a Dragonfly when the target is one, else a
// redis-server (replicating as haUser when the stand-in refuses Redis
// replicas). It has the lab's password and stops with the lab.
func (l *Lab) StartNewReplica(ctx context.Context, name string) (*Server, error) {
	for _, s := range l.servers() {
		if s.Name == name {
			return nil, fmt.Errorf("lab: a server named %s is already running", name)
		}
	}
	var s *Server
	var err error
	if l.TargetStandIn {
		s, err = l.onFreePort(func(port int) (*Server, error) {
			conf, err := l.redisConf(name, port)
			if err != nil {
				return nil, err
			}
			var keep []string
			for _, line := range strings.Split(conf, "\n") {
				if !l.Opts.StandInAcceptsRedisReplicas && (strings.HasPrefix(line, "masterauth ") || strings.HasPrefix(line, "masteruser ")) {
					continue
				}
				keep = append(keep, line)
			}
			if !l.Opts.StandInAcceptsRedisReplicas {
				keep = append(keep, "masteruser "+haUser, "masterauth "+l.haPassword())
			}
			return l.startWithConf(ctx, name, serverPath(), port, strings.Join(keep, "\n")+"\n")
		})
	} else {
		df, lerr := exec.LookPath("dragonfly")
		if lerr != nil {
			return nil, lerr
		}
		s, err = l.onFreePort(func(port int) (*Server, error) {
			args, env := l.dragonflyArgs(port)
			s, err := l.startEnv(name, df, port, env, args...)
			if err != nil {
				return nil, err
			}
			return s, s.waitReady(ctx)
		})
	}
	if s != nil {
		l.extraMu.Lock()
		l.extra = append(l.extra, s)
		l.extraMu.Unlock()
	}
	return s, err
}
