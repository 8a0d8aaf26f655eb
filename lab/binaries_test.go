package lab

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"flyover/probe"
)

func TestVersionOutputNamesKindAndVersion(t *testing.T) {
	for out, want := range map[string]Binary{
		"Redis server v=6.0.20 sha=00000000:0 malloc=libc bits=64 build=c5cde4ae9f48a63a":   {Kind: probe.KindRedis, Version: "6.0.20"},
		"Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c97": {Kind: probe.KindRedis, Version: "7.0.15"},
		"Valkey server v=8.0.1 sha=00000000:0 malloc=libc bits=64 build=1f2b3c":             {Kind: probe.KindValkey, Version: "8.0.1"},
		// Valkey 7.2 names no kind, whatever the file's name: identify
		// asks the server (INFO server).
		"Server v=7.2.7 sha=00000000:0 malloc=libc bits=64 build=edc1ddfc39a5a751": {Kind: probe.KindUnknown, Version: "7.2.7"},
	} {
		b, err := parseVersionOutput("/opt/valkey/bin/redis-server", out)
		if err != nil || b.Kind != want.Kind || b.Version != want.Version {
			t.Errorf("%q: %+v, %v", out, b, err)
		}
	}
	if _, err := parseVersionOutput("/bin/true", "hello"); err == nil || !strings.Contains(err.Error(), "/bin/true") {
		t.Errorf("a program that is not a server: %v", err)
	}
}

// The lab's config uses a directive only where the version has it:
// enable-debug-command is 7.0+ (6.2 stops with FATAL CONFIG FILE ERROR).
func TestDirectivesFollowTheVersion(t *testing.T) {
	for _, c := range []struct {
		b         Binary
		debug, ch bool
	}{
		{Binary{Kind: probe.KindRedis, Version: "6.0.20"}, false, false},
		{Binary{Kind: probe.KindRedis, Version: "6.2.16"}, false, true},
		{Binary{Kind: probe.KindRedis, Version: "7.0.15"}, true, true},
		{Binary{Kind: probe.KindValkey, Version: "7.2.7"}, true, true},
		{Binary{Kind: probe.KindValkey, Version: "8.0.1"}, true, true},
	} {
		if got := c.b.AtLeast(7, 0); got != c.debug {
			t.Errorf("%s: enable-debug-command %t, want %t", c.b.Version, got, c.debug)
		}
		if got := c.b.AtLeast(6, 2); got != c.ch {
			t.Errorf("%s: channel rules %t, want %t", c.b.Version, got, c.ch)
		}
	}
}

func TestBinDirWithoutServersSaysWhich(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("FLYOVER_REDIS_SERVER", "")
	t.Setenv("FLYOVER_REDIS_SENTINEL", "")
	t.Setenv("FLYOVER_REDIS_BIN_DIR", dir)
	err := Check()
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "redis-server") {
		t.Fatalf("err = %v", err)
	}
	dir = t.TempDir()
	t.Setenv("FLYOVER_REDIS_BIN_DIR", dir)
	_ = os.WriteFile(filepath.Join(dir, "redis-server"), []byte("#!/bin/sh\necho 'Redis server v=6.2.16 sha=0'\n"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "redis-sentinel"), []byte("#!/bin/sh\necho 'Redis server v=6.2.16 sha=0'\n"), 0o755)
	server, sentinel, err := Binaries()
	if err != nil || server.Version != "6.2.16" || !strings.HasPrefix(sentinel.String(), "redis-sentinel 6.2.16") {
		t.Fatalf("%v, %v, %v", server, sentinel, err)
	}
}

// A lab option the binaries' version cannot serve is refused before
// anything starts, naming the version, so that a test asking for it skips.
func TestOptionsAVersionCannotServeNameIt(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"redis-server", "redis-sentinel"} {
		_ = os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\necho 'Redis server v=6.0.20 sha=0'\n"), 0o755)
	}
	t.Setenv("FLYOVER_REDIS_SERVER", "")
	t.Setenv("FLYOVER_REDIS_SENTINEL", "")
	t.Setenv("FLYOVER_REDIS_BIN_DIR", dir)
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{ReplicationUser: "repl", Users: []User{{Name: "repl", Rules: "+@all"}}}, "redis-sentinel 6.0.20 cannot authenticate to the data nodes as an ACL user"},
		{Options{SentinelPassword: "x"}, "sentinel sentinel-pass is Redis 6.2+"},
		{Options{Users: []User{{Name: "u", Rules: "&* +@all"}}}, "redis-server 6.0.20 cannot take ACL user \"u\"'s channel rules"},
		{Options{Users: []User{{Name: "u", Rules: "+@all -config|set"}}}, "taking a subcommand away is Redis 7.0+"},
	} {
		err := versionCanServe(c.o)
		var ue *UnsupportedError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c.o, err)
		}
	}
	if err := versionCanServe(Options{Password: "pw"}); err != nil {
		t.Errorf("a password alone: %v", err)
	}
}
