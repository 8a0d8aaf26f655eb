package lab

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The source's keys before the Sentinels start.
//
// Small values (valueSize 0) are written as pipelined SETs of
// "preload:%08d" = "value-N", which the tests read by name. At size
// (valueSize > 0) the source makes them itself with one DEBUG POPULATE n
// preload valueSize: keys "preload:N", values "value:N" padded to
// valueSize bytes. Nothing crosses the network and no client spends a
// core making requests: on the shared 2-core machine this was written on,
// 400,000 keys of 512 B took 3.8 s with DEBUG POPULATE and 6.5 s with
// redis-benchmark's pipelined SETs (-P 1000, a C client; go-redis is
// slower), and 2,000,000 keys of 512 B (1.34 GB used_memory) 20 s. The lab enables
// DEBUG for local connections (redisConf); where it is refused (a source
// reached from another namespace, a build without it) the preload falls
// back to pipelined SETs of padded values.

// PreloadBytes is roughly what n keys of valueSize bytes take on the
// source (the values alone; Redis adds about 60 bytes a key).
func PreloadBytes(n, valueSize int) int64 { return int64(n) * int64(valueSize) }

// preloadLimit bounds the preload: a gigabyte takes a few seconds.
const preloadLimit = 10 * time.Minute

func preloadOn(ctx context.Context, s *Server, n, valueSize int) error {
	if valueSize <= 0 {
		return preloadSets(ctx, s, n, func(j int) string { return "value-" + strconv.Itoa(j) })
	}
	c := s.longClient(preloadLimit)
	defer c.Close()
	err := c.Do(ctx, "DEBUG", "POPULATE", n, "preload", valueSize).Err()
	if err == nil {
		return nil
	}
	var refused redis.Error
	if !errors.As(err, &refused) { // not a refusal: the server or the link failed
		return fmt.Errorf("lab: preload %s (DEBUG POPULATE %d preload %d): %w", s.Name, n, valueSize, err)
	}
	pad := strings.Repeat("x", valueSize)
	return preloadSets(ctx, s, n, func(j int) string {
		v := "value-" + strconv.Itoa(j)
		if len(v) < valueSize {
			v += pad[:valueSize-len(v)]
		}
		return v
	})
}

// preloadSets writes n keys to s in pipelined batches.
func preloadSets(ctx context.Context, s *Server, n int, value func(int) string) error {
	c := s.Client()
	defer c.Close()
	const batch = 1000
	for i := 0; i < n; i += batch {
		pipe := c.Pipeline()
		for j := i; j < min(i+batch, n); j++ {
			pipe.Set(ctx, fmt.Sprintf("preload:%08d", j), value(j), 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("lab: preload %s: %w", s.Name, err)
		}
	}
	return nil
}

// longClient is Client with a read timeout for commands that keep the
// server busy for a while (DEBUG POPULATE of a gigabyte).
func (s *Server) longClient(read time.Duration) *redis.Client {
	c := s.Client()
	o := *c.Options()
	c.Close()
	o.ReadTimeout = read
	return redis.NewClient(&o)
}
