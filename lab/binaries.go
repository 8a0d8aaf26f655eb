package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"flyover/probe"
)

// Which redis-server and redis-sentinel the lab runs comes from the
// environment, so that the suite, the demo and the benchmarks run against
// any version (Redis 6.0 to 8.x, Valkey 7.2 and 8.x):
//
//	FLYOVER_REDIS_SERVER    the data nodes' binary (source, replicas, a stand-in target)
//	FLYOVER_REDIS_SENTINEL  the Sentinels' binary
//	FLYOVER_REDIS_BIN_DIR   a directory holding redis-server and
//	                        redis-sentinel (or valkey-server and valkey-sentinel)
//
// Each variable wins over the directory; without them, PATH's
// redis-server and redis-sentinel.

// Binary is one server program the lab runs, and what it is.
type Binary struct {
	Path string
	// Kind is redis or valkey; Version its own version ("6.2.16", Valkey's
	// "8.0.1"), from --version.
	Kind    probe.Kind
	Version string
}

// String is "redis-server 6.2.16 (/opt/redis/6.2.16/redis-server)".
func (b Binary) String() string {
	name := "redis-server"
	if strings.Contains(filepath.Base(b.Path), "sentinel") {
		name = "redis-sentinel"
	}
	if b.Kind == probe.KindValkey {
		name = strings.Replace(name, "redis", "valkey", 1)
	}
	return fmt.Sprintf("%s %s (%s)", name, b.Version, b.Path)
}

// AtLeast reports whether the binary's version is at least major.minor.
// Every Valkey is a Redis 7.2 or later in what the lab's config uses.
func (b Binary) AtLeast(major, minor int) bool {
	if b.Kind == probe.KindValkey {
		return 7 > major || (major == 7 && minor <= 2)
	}
	return probe.VersionAtLeast(b.Version, major, minor)
}

type resolved struct {
	server, sentinel Binary
	err              error
}

var (
	binMu    sync.Mutex
	binCache = map[string]resolved{}
)

// Binaries are the lab's redis-server and redis-sentinel, resolved from
// the environment (see above), once per value of it.
func Binaries() (server, sentinel Binary, err error) {
	key := strings.Join([]string{os.Getenv("FLYOVER_REDIS_SERVER"), os.Getenv("FLYOVER_REDIS_SENTINEL"),
		os.Getenv("FLYOVER_REDIS_BIN_DIR"), os.Getenv("PATH")}, "\x00")
	binMu.Lock()
	defer binMu.Unlock()
	r, ok := binCache[key]
	if !ok {
		r.server, r.sentinel, r.err = resolveBinaries()
		binCache[key] = r
	}
	return r.server, r.sentinel, r.err
}

// BinariesIn are the redis-server and redis-sentinel (or valkey-server
// and valkey-sentinel) in dir, whatever the environment says: the
// version matrix test finds each version's this way.
func BinariesIn(dir string) (server, sentinel Binary, err error) {
	var paths [2]string
	for i, names := range [][]string{{"redis-server", "valkey-server"}, {"redis-sentinel", "valkey-sentinel"}} {
		for _, n := range names {
			if p := filepath.Join(dir, n); isExecutable(p) {
				paths[i] = p
				break
			}
		}
		if paths[i] == "" {
			return server, sentinel, fmt.Errorf("%s holds none of %s", dir, strings.Join(names, ", "))
		}
	}
	if server, err = identify(paths[0]); err != nil {
		return server, sentinel, err
	}
	sentinel, err = identify(paths[1])
	return server, sentinel, err
}

func resolveBinaries() (server, sentinel Binary, err error) {
	dir := os.Getenv("FLYOVER_REDIS_BIN_DIR")
	pick := func(env string, names ...string) (string, error) {
		if p := os.Getenv(env); p != "" {
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("%s=%s: %w", env, p, err)
			}
			return p, nil
		}
		if dir != "" {
			for _, n := range names {
				if p := filepath.Join(dir, n); isExecutable(p) {
					return p, nil
				}
			}
			return "", fmt.Errorf("FLYOVER_REDIS_BIN_DIR=%s holds none of %s", dir, strings.Join(names, ", "))
		}
		p, err := exec.LookPath(names[0])
		if err != nil {
			return "", &MissingBinaryError{Program: names[0]}
		}
		return p, nil
	}
	sp, err := pick("FLYOVER_REDIS_SERVER", "redis-server", "valkey-server")
	if err != nil {
		return server, sentinel, err
	}
	tp, err := pick("FLYOVER_REDIS_SENTINEL", "redis-sentinel", "valkey-sentinel")
	if err != nil {
		return server, sentinel, err
	}
	if server, err = identify(sp); err != nil {
		return server, sentinel, err
	}
	sentinel, err = identify(tp)
	return server, sentinel, err
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// versionOutput matches "Redis server v=6.2.16 sha=...", "Valkey server
// v=8.0.1 sha=..." and Valkey 7.2's "Server v=7.2.7 sha=...".
var versionOutput = regexp.MustCompile(`(?i)^(?:(redis|valkey) )?server v=(\S+)`)

// identify runs path --version and reads its kind and version.
func identify(path string) (Binary, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return Binary{Path: path}, fmt.Errorf("lab: %s --version: %w", path, err)
	}
	b, err := parseVersionOutput(path, string(out))
	if err != nil || b.Kind != probe.KindUnknown {
		return b, err
	}
	// Valkey 7.2 says "Server v=7.2.7", under any name (its install links
	// redis-server to valkey-server): what it is, only the server says.
	if b.Kind, b.Version, err = askKind(path); err != nil {
		return b, fmt.Errorf("lab: %s --version said %q, naming no kind, and INFO could not be read: %w", path, strings.TrimSpace(string(out)), err)
	}
	return b, nil
}

// parseVersionOutput reads the kind and version --version names; the
// kind is probe.KindUnknown where it names none (Valkey 7.2).
func parseVersionOutput(path, out string) (Binary, error) {
	m := versionOutput.FindStringSubmatch(strings.TrimSpace(out))
	if m == nil {
		return Binary{Path: path}, fmt.Errorf("lab: %s --version said %q, not a Redis or Valkey server", path, strings.TrimSpace(out))
	}
	b := Binary{Path: path, Kind: probe.KindUnknown, Version: m[2]}
	switch {
	case strings.EqualFold(m[1], "valkey"):
		b.Kind = probe.KindValkey
	case strings.EqualFold(m[1], "redis"):
		b.Kind = probe.KindRedis
	}
	return b, nil
}

// serverPath and sentinelPath are the programs to start; Check has
// already failed where they are missing.
func serverPath() string {
	s, _, _ := Binaries()
	return s.Path
}

func sentinelPath() string {
	_, s, _ := Binaries()
	return s.Path
}

// versionCanServe checks the options against what the lab's binaries'
// version can do, before anything starts: tests skip with the reason.
func versionCanServe(o Options) error {
	server, sentinel, err := Binaries()
	if err != nil {
		return err
	}
	short := func(b Binary) string { return strings.SplitN(b.String(), " (", 2)[0] }
	if o.ReplicationUser != "" && !sentinel.AtLeast(6, 2) {
		return &UnsupportedError{Server: short(sentinel), What: "authenticate to the data nodes as an ACL user",
			Why: "sentinel auth-user is Redis 6.2+"}
	}
	if o.SentinelPassword != "" && !sentinel.AtLeast(6, 2) {
		return &UnsupportedError{Server: short(sentinel), What: "authenticate to the other Sentinels with their own password",
			Why: "sentinel sentinel-pass is Redis 6.2+"}
	}
	for _, u := range o.Users {
		if !server.AtLeast(6, 2) && strings.Contains(u.Rules, "&") {
			return &UnsupportedError{Server: short(server), What: fmt.Sprintf("take ACL user %q's channel rules", u.Name),
				Why: "ACL channel rules are Redis 6.2+"}
		}
		for _, r := range strings.Fields(u.Rules) {
			if strings.HasPrefix(r, "-") && strings.Contains(r, "|") && !server.AtLeast(7, 0) {
				return &UnsupportedError{Server: short(server), What: fmt.Sprintf("take ACL user %q's rule %s", u.Name, r),
					Why: "taking a subcommand away is Redis 7.0+ (\"Unknown command or category name in ACL\")"}
			}
		}
	}
	return nil
}
