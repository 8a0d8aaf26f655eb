package commands

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"flyover/probe"
)

// connFlags are the flags that name a topology and how to reach it.
type connFlags struct {
	source, target, sentinels, master string
	timeout                           time.Duration

	// Per endpoint group: source, target, sentinel.
	groups [3]groupFlags
	// TLS flags without a group prefix apply to every group that does not
	// set its own.
	allTLS tlsFlags
	fs     *flag.FlagSet
}

// groupFlags are one endpoint group's credentials and TLS settings.
type groupFlags struct {
	name         string // source, target, sentinel
	user         string
	passwordFile string
	password     string // on the command line: works, but warned about
	tls          tlsFlags
}

type tlsFlags struct {
	on                        bool
	ca, cert, key, serverName string
	skipVerify                bool
}

const (
	groupSource = iota
	groupTarget
	groupSentinel
)

// screenFlags are the flags of a session on screen, the dashboard's and
// the demo's alike: how often to poll, and where the logs go.
type screenFlags struct {
	tick               time.Duration
	logPath, auditPath string
	debug              bool
}

// defaultLogPath is where the log goes when --log is not given.
func defaultLogPath() string { return filepath.Join(os.TempDir(), "flyover.log") }

// logFile is where the log goes: --log, else the default, except in
// read-only mode, where nothing is written unless asked for ("").
func (s *screenFlags) logFile(readOnly bool) string {
	switch {
	case s.logPath != "":
		return s.logPath
	case readOnly:
		return ""
	}
	return defaultLogPath()
}

func (s *screenFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&s.tick, "tick", 500*time.Millisecond, "pause between two polls of one endpoint")
	fs.StringVar(&s.logPath, "log", "", "append flyover's and go-redis's log lines to this file (default "+defaultLogPath()+"; none with --read-only)")
	fs.StringVar(&s.auditPath, "audit-log", "", "the audit log (JSON lines; default flyover-audit-YYYYMMDD-HHMMSS.jsonl here); the report goes next to it")
	fs.BoolVar(&s.debug, "debug", false, "also log every message the dashboard handles")
}

func (c *connFlags) register(fs *flag.FlagSet) {
	c.fs = fs
	fs.StringVar(&c.source, "source", "", "source Redis primary HOST:PORT")
	fs.StringVar(&c.target, "target", "", "target (Dragonfly) HOST:PORT")
	fs.StringVar(&c.sentinels, "sentinel", "", "Sentinels, comma-separated HOST:PORT list")
	fs.StringVar(&c.master, "master", "", "the master name Sentinel monitors")
	fs.DurationVar(&c.timeout, "timeout", probe.DefaultTimeout, "deadline for one poll of one endpoint")
	registerTLS(fs, "", "every endpoint", &c.allTLS)
	for i, name := range []string{"source", "target", "sentinel"} {
		g := &c.groups[i]
		g.name = name
		fs.StringVar(&g.user, name+"-user", "", "ACL user for the "+name+" (default: $FLYOVER_"+strings.ToUpper(name)+"_USER)")
		fs.StringVar(&g.passwordFile, name+"-password-file", "", "file holding the "+name+"'s password")
		fs.StringVar(&g.password, name+"-password", "", "the "+name+"'s password (visible in ps: prefer the environment or a file)")
		registerTLS(fs, name+"-", "the "+name, &g.tls)
	}
}

func registerTLS(fs *flag.FlagSet, prefix, who string, t *tlsFlags) {
	fs.BoolVar(&t.on, prefix+"tls", false, "connect to "+who+" over TLS")
	fs.StringVar(&t.ca, prefix+"tls-ca", "", "CA bundle (PEM) to verify "+who+" with")
	fs.StringVar(&t.cert, prefix+"tls-cert", "", "client certificate (PEM) for "+who)
	fs.StringVar(&t.key, prefix+"tls-key", "", "client key (PEM) for "+who)
	fs.StringVar(&t.serverName, prefix+"tls-server-name", "", "name to verify "+who+"'s certificate against")
	fs.BoolVar(&t.skipVerify, prefix+"tls-skip-verify", false, "accept any certificate from "+who+" (insecure: warned about)")
}

// validate checks the flags and returns the Sentinel list. Errors name the
// flag and what is wrong with it.
func (c *connFlags) validate() ([]string, error) {
	var problems []string
	check := func(flagName, v string) {
		if v == "" {
			problems = append(problems, "--"+flagName+" is required")
			return
		}
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			problems = append(problems, fmt.Sprintf("--%s %q is not HOST:PORT", flagName, v))
		}
	}
	check("source", c.source)
	check("target", c.target)
	var sentinels []string
	if c.sentinels == "" {
		problems = append(problems, "--sentinel is required")
	}
	for _, s := range strings.Split(c.sentinels, ",") {
		if s = strings.TrimSpace(s); s != "" {
			check("sentinel", s)
			sentinels = append(sentinels, s)
		}
	}
	if c.master == "" {
		problems = append(problems, "--master is required")
	}
	if c.source != "" && c.source == c.target {
		problems = append(problems, "--source and --target are the same address: the target must be a different server")
	}
	if c.timeout <= 0 {
		problems = append(problems, "--timeout must be positive")
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return sentinels, nil
}

// wasSet reports whether a flag was given on the command line.
func (c *connFlags) wasSet(name string) bool {
	set := false
	if c.fs != nil {
		c.fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	}
	return set
}

// tlsFor is a group's TLS settings: its own flags where given, else the
// ungrouped ones.
func (c *connFlags) tlsFor(g *groupFlags) probe.TLSOptions {
	pick := func(flagSuffix string, own, all string) string {
		if c.wasSet(g.name + "-" + flagSuffix) {
			return own
		}
		return all
	}
	pickBool := func(flagSuffix string, own, all bool) bool {
		if c.wasSet(g.name + "-" + flagSuffix) {
			return own
		}
		return all
	}
	if !pickBool("tls", g.tls.on, c.allTLS.on) {
		// TLS off for this group: common TLS settings do not apply, but
		// the group's own stray ones are an error worth saying.
		return probe.TLSOptions{CAFile: g.tls.ca, CertFile: g.tls.cert, KeyFile: g.tls.key,
			ServerName: g.tls.serverName, SkipVerify: g.tls.skipVerify}
	}
	return probe.TLSOptions{
		Enabled:    true,
		CAFile:     pick("tls-ca", g.tls.ca, c.allTLS.ca),
		CertFile:   pick("tls-cert", g.tls.cert, c.allTLS.cert),
		KeyFile:    pick("tls-key", g.tls.key, c.allTLS.key),
		ServerName: pick("tls-server-name", g.tls.serverName, c.allTLS.serverName),
		SkipVerify: pickBool("tls-skip-verify", g.tls.skipVerify, c.allTLS.skipVerify),
	}
}

// groupConn is how to reach one endpoint group, resolved.
type groupConn struct {
	auth probe.Auth
	tls  *tls.Config
}

// resolved is every group's connection settings, the warnings to show the
// operator (a password in argv, TLS verification off) and the secrets to
// redact from everything flyover writes.
type resolved struct {
	groups   [3]groupConn
	warnings []string
	secrets  []string
}

// resolve reads passwords (file, argv, environment) and builds TLS
// configurations. Errors name the flag or file at fault.
func (c *connFlags) resolve(getenv func(string) string) (resolved, error) {
	var r resolved
	// Passwords in argv: one warning naming every flag, not one a group.
	var argvFlags []string
	var argvWarn string
	for i := range c.groups {
		g := &c.groups[i]
		up := strings.ToUpper(g.name)
		env := []string{"FLYOVER_" + up + "_PASSWORD"}
		if i != groupSentinel {
			env = append(env, "REDISCLI_AUTH") // as redis-cli does; Sentinel auth is separate
		}
		pw, warn, err := probe.ResolvePassword(probe.SecretSource{File: g.passwordFile, Env: env, Argv: g.password}, getenv)
		if err != nil {
			return r, fmt.Errorf("--%s-password-file: %w", g.name, err)
		}
		if warn != "" {
			argvFlags = append(argvFlags, "--"+g.name+"-password")
			argvWarn = warn
		}
		user := g.user
		if user == "" {
			user = getenv("FLYOVER_" + up + "_USER")
		}
		t := c.tlsFor(g)
		conf, err := t.Config()
		if err != nil {
			return r, fmt.Errorf("%s: %w", g.name, err)
		}
		if t.SkipVerify {
			r.warnings = append(r.warnings, "TLS certificate verification is OFF for the "+g.name+": anyone on the path can impersonate it")
		}
		r.groups[i] = groupConn{auth: probe.Auth{Username: user, Password: pw}, tls: conf}
		if pw != "" {
			r.secrets = append(r.secrets, pw)
		}
	}
	if len(argvFlags) > 0 {
		r.warnings = append([]string{strings.Join(argvFlags, ", ") + ": " + argvWarn}, r.warnings...)
	}
	return r, nil
}

// setup validates the flags and builds the prober, guarded when readOnly:
// the common start of every command that talks to a topology. ctx, bounded
// by --timeout here, bounds the lookup of the target's host name.
func (c *connFlags) setup(ctx context.Context, readOnly bool) (*probe.Prober, resolved, error) {
	sentinels, err := c.validate()
	if err != nil {
		return nil, resolved{}, err
	}
	r, err := c.resolve(os.Getenv)
	if err != nil {
		return nil, r, err
	}
	src, tgt, sen := r.groups[groupSource], r.groups[groupTarget], r.groups[groupSentinel]
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	p, err := probe.NewProber(ctx, probe.ProberOptions{
		MasterName: c.master, Source: c.source, Target: c.target, Sentinels: sentinels,
		SourceAuth: src.auth, TargetAuth: tgt.auth, SentinelAuth: sen.auth,
		SourceTLS: src.tls, TargetTLS: tgt.tls, SentinelTLS: sen.tls,
		Timeout: c.timeout, ReadOnly: readOnly,
	})
	return p, r, err
}

// args are the flags that name the same topology, for suggesting another
// subcommand. Passwords are never repeated.
func (c *connFlags) args() string {
	a := fmt.Sprintf("--source %s --target %s --sentinel %s --master %s", c.source, c.target, c.sentinels, c.master)
	if c.timeout != probe.DefaultTimeout {
		a += " --timeout " + c.timeout.String()
	}
	return a
}

// addrList is a repeatable host:port flag (--new-replica).
type addrList []string

func (a *addrList) String() string { return strings.Join(*a, ",") }

func (a *addrList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
			return fmt.Errorf("%q is not host:port", s)
		}
		*a = append(*a, s)
	}
	return nil
}
