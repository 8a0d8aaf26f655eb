package lab

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// The Dragonfly target's flags, as Dragonfly's source names them, without
// starting one: passwords only in the environment, never in argv.
func TestDragonflyTargetFlagsSayTheOptionsDragonflysWay(t *testing.T) {
	l := &Lab{Opts: Options{Password: "pw-data-9f", Users: []User{{Name: "repl", Password: "pw-repl-3c", Rules: "+@all"}},
		ReplicationUser: "repl", TargetAnnounceIP: "127.0.0.2", TargetAnnouncePort: 7001},
		TLS: &TLSFiles{CA: "/l/ca.crt", ServerCert: "/l/server.crt", ServerKey: "/l/server.key"}}
	args, env := l.dragonflyArgs(7000)
	argv := strings.Join(args, " ")
	for _, want := range []string{"--port 7000", "--bind 127.0.0.1", "--dbfilename=", "--version_check=false",
		"--masteruser=repl", "--replica_announce_ip=127.0.0.2", "--announce_port=7001",
		"--tls", "--tls_cert_file=/l/server.crt", "--tls_key_file=/l/server.key", "--tls_ca_cert_file=/l/ca.crt", "--tls_replication"} {
		if !strings.Contains(argv, want) {
			t.Errorf("argv lacks %s: %s", want, argv)
		}
	}
	if strings.Contains(argv, "pw-") {
		t.Errorf("a password is in argv: %s", argv)
	}
	if e := strings.Join(env, " "); e != "DFLY_requirepass=pw-data-9f DFLY_masterauth=pw-repl-3c" {
		t.Errorf("env: %s", e)
	}

	l.Opts.TargetNoMasterAuth = true
	args, env = l.dragonflyArgs(7000)
	if strings.Contains(strings.Join(append(args, env...), " "), "master") {
		t.Errorf("TargetNoMasterAuth: %v %v", args, env)
	}
}

func TestDragonflyRefusesSubcommandACLRules(t *testing.T) {
	l := &Lab{Opts: Options{Users: []User{{Name: "migrator", Rules: "+@all -client|pause"}}}}
	var ue *UnsupportedError
	if err := l.dragonflyCanServe(); !errors.As(err, &ue) || !strings.Contains(err.Error(), "no subcommand rules") {
		t.Errorf("%v", err)
	}
	l.Opts.Users[0].Rules = "+@all -flushall"
	if err := l.dragonflyCanServe(); err != nil {
		t.Error(err)
	}
}

// A standalone redis-server: a primary no Sentinel monitors, stopped with
// the lab.
func TestStandaloneStopsWithTheLab(t *testing.T) {
	if err := Check(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	l, err := Start(ctx, Options{Sentinels: 1, Quorum: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Stop)
	s, err := l.StartStandalone(ctx, "other-primary")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	role, err := c.Do(ctx, "ROLE").Slice()
	c.Close()
	if err != nil || len(role) == 0 || role[0] != "master" {
		t.Fatalf("ROLE %v %v", role, err)
	}
	l.Stop()
	if s.Running() {
		t.Error("the standalone server outlived the lab")
	}
}
