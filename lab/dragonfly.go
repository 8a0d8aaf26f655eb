package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A Dragonfly target takes the lab's options its own way, read from its
// source (v1.34-v1.40): passwords and announce addresses as start flags
// (--requirepass, --masterauth, --masteruser, --replica_announce_ip,
// --announce_port; it has no replica-announce-ip in CONFIG SET), TLS as
// --tls, --tls_cert_file, --tls_key_file, --tls_ca_cert_file and
// --tls_replication for its connection to the source, and ACL users with
// ACL SETUSER once it answers. Passwords go in DFLY_<flag> environment
// variables, which Dragonfly reads like flags, so that none is in the
// process list.

// UnsupportedError says that the options ask a Dragonfly target for
// something Dragonfly cannot do. Tests skip with it: the reason names
// what Dragonfly lacks.
type UnsupportedError struct {
	What, Why string
	// Server is who cannot ("redis-sentinel 6.0.20"); empty for a
	// Dragonfly target.
	Server string
}

func (e *UnsupportedError) Error() string {
	who := e.Server
	if who == "" {
		who = "a Dragonfly target"
	}
	return "lab: " + who + " cannot " + e.What + ": " + e.Why
}

// dragonflyCanServe checks the options against what Dragonfly can do,
// before anything starts.
func (l *Lab) dragonflyCanServe() error {
	for _, u := range l.Opts.Users {
		for _, r := range strings.Fields(u.Rules) {
			if (strings.HasPrefix(r, "+") || strings.HasPrefix(r, "-")) && strings.Contains(r, "|") {
				return &UnsupportedError{
					What: fmt.Sprintf("take ACL user %q's rule %s", u.Name, r),
					Why:  "Dragonfly's ACLs have no subcommand rules (ACL SETUSER answers \"Unrecognized parameter\")",
				}
			}
		}
	}
	return nil
}

// replicationCreds are the user and password the target authenticates
// to the source with (masteruser, masterauth); both empty when the source
// needs none.
func (l *Lab) replicationCreds() (user, password string) {
	for _, u := range l.Opts.Users {
		if u.Name == l.Opts.ReplicationUser {
			return u.Name, u.Password
		}
	}
	return "", l.Opts.Password
}

// targetAnnounceConf is the announce part of a redis-server target's
// config.
func (l *Lab) targetAnnounceConf() []string {
	var out []string
	if ip := l.Opts.TargetAnnounceIP; ip != "" {
		out = append(out, "replica-announce-ip "+ip)
	}
	if p := l.Opts.TargetAnnouncePort; p != 0 {
		out = append(out, "replica-announce-port "+strconv.Itoa(p))
	}
	return out
}

// dragonflyArgs are the target's flags, and the environment that carries
// its passwords.
func (l *Lab) dragonflyArgs(port int) (args, env []string) {
	args = []string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dbfilename=", "--version_check=false", "--logtostderr",
		"--proactor_threads", "2", "--dir", ".",
	}
	if pw := l.Opts.Password; pw != "" {
		env = append(env, "DFLY_requirepass="+pw)
	}
	if !l.Opts.TargetNoMasterAuth {
		if user, pw := l.replicationCreds(); pw != "" {
			env = append(env, "DFLY_masterauth="+pw)
			if user != "" {
				args = append(args, "--masteruser="+user)
			}
		}
	}
	if ip := l.Opts.TargetAnnounceIP; ip != "" {
		args = append(args, "--replica_announce_ip="+ip)
	}
	if p := l.Opts.TargetAnnouncePort; p != 0 {
		args = append(args, "--announce_port="+strconv.Itoa(p))
	}
	if f := l.TLS; f != nil {
		// Every server of the lab speaks TLS only, the source too: the
		// target's own connection to it (--tls_replication) presents the
		// server certificate, which is also a client certificate.
		args = append(args, "--tls", "--tls_cert_file="+f.ServerCert, "--tls_key_file="+f.ServerKey,
			"--tls_ca_cert_file="+f.CA, "--tls_replication")
	}
	return args, env
}

func (l *Lab) startDragonfly(ctx context.Context, df string, port int) (*Server, error) {
	if err := os.MkdirAll(filepath.Join(l.Dir, "target"), 0o700); err != nil {
		return nil, err
	}
	args, env := l.dragonflyArgs(port)
	s, err := l.startEnv("target", df, port, env, args...)
	if err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx); err != nil {
		return s, err
	}
	return s, l.dragonflyUsers(ctx, s)
}

// dragonflyUsers creates the ACL users on a Dragonfly target, as the
// redis-server config's user lines do on the others.
func (l *Lab) dragonflyUsers(ctx context.Context, s *Server) error {
	if len(l.Opts.Users) == 0 {
		return nil
	}
	c := s.Client()
	defer c.Close()
	for _, u := range l.Opts.Users {
		args := []any{"ACL", "SETUSER", u.Name, "on", ">" + u.Password, "~*", "&*"}
		for _, r := range strings.Fields(u.Rules) {
			args = append(args, r)
		}
		if err := c.Do(ctx, args...).Err(); err != nil {
			// The reply may not echo the password; say which user only.
			return fmt.Errorf("lab: ACL SETUSER %s on the Dragonfly target: %v", u.Name, err)
		}
	}
	return nil
}
