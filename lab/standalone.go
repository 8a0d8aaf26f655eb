package lab

import (
	"context"
	"fmt"
)

// StartStandalone starts one more redis-server: a primary of its own,
// empty, that no Sentinel monitors (a target pointed at it follows
// "another primary"). It has the lab's password, users and TLS, and
// stops with the lab.
func (l *Lab) StartStandalone(ctx context.Context, name string) (*Server, error) {
	for _, s := range l.servers() {
		if s.Name == name {
			return nil, fmt.Errorf("lab: a server named %s is already running", name)
		}
	}
	s, err := l.startRedis(ctx, name, "")
	if s != nil {
		l.extraMu.Lock()
		l.extra = append(l.extra, s)
		l.extraMu.Unlock()
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}
