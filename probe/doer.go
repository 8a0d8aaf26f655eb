package probe

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// Sending through a Doer, which every room of probe that reads more than
// a poll takes: preflight, readiness, ACLs and the sampler.

// Doer sends one command to one endpoint and returns its reply. Preflight
// takes one so that steps can pass its audited path and every command
// preflight sends is recorded; nil sends straight to the endpoint.
type Doer func(ctx context.Context, e *Endpoint, args ...any) (any, error)

func OrDirect(do Doer) Doer {
	if do != nil {
		return do
	}
	return func(ctx context.Context, e *Endpoint, args ...any) (any, error) {
		ctx, cancel := context.WithTimeout(ctx, e.Timeout)
		defer cancel()
		return e.Do(ctx, args...)
	}
}

// isReply reports whether err is the server's error reply (it answered),
// as opposed to a network failure.
func IsReply(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}

// configGet sends CONFIG GET param and returns the value; ok is false when
// the server does not know the parameter (an empty reply).
func ConfigGet(ctx context.Context, do Doer, e *Endpoint, param string) (string, bool, error) {
	v, err := do(ctx, e, "CONFIG", "GET", param)
	if err != nil {
		return "", false, err
	}
	m, err := Pairs(v)
	if err != nil {
		return "", false, err
	}
	val, ok := m[param]
	return val, ok, nil
}
