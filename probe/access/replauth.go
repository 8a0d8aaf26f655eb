package access

import (
	"context"
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"

	"flyover/probe"
)

// ReplicationAuthVerdict says whether the target, once attached, can
// authenticate to the source.
type ReplicationAuthVerdict string

const (
	// ReplAuthOpen: the source takes connections without credentials, so
	// the target needs none.
	ReplAuthOpen ReplicationAuthVerdict = "open"
	// ReplAuthOK: the source accepted the target's masteruser/masterauth.
	ReplAuthOK ReplicationAuthVerdict = "ok"
	// ReplAuthMissing: the source requires credentials and the target has
	// no masterauth.
	ReplAuthMissing ReplicationAuthVerdict = "missing"
	// ReplAuthRefused: the source refused the target's credentials.
	ReplAuthRefused ReplicationAuthVerdict = "refused"
	// ReplAuthUnknown: flyover could not tell; Detail says why.
	ReplAuthUnknown ReplicationAuthVerdict = "unknown"
)

// ReplicationAuth is what preflight found out about the target's
// credentials for the source. No password is kept: only the verdict, the
// target's masteruser (a user name) and words for the operator.
type ReplicationAuth struct {
	Verdict ReplicationAuthVerdict `json:"verdict"`
	// MasterUser is the target's masteruser ("" for the default user).
	MasterUser string `json:"masteruser,omitempty"`
	Detail     string `json:"detail,omitempty"`
}

// Labels of the short-lived endpoints GatherReplicationAuth opens to the
// source, for the audit log.
const (
	LabelSourceAnonymous = "source-as-anonymous"
	LabelSourceAsTarget  = "source-as-target"
)

// GatherReplicationAuth finds out, reading only, whether the target will
// be able to authenticate to the source: it connects to the source without
// credentials (a source that answers needs none), else reads the target's
// masteruser and masterauth (CONFIG GET) and connects to the source with
// them, as the target will. The password read from the target is used for
// that connection and dropped; it is never returned or logged (the audited
// path redacts CONFIG GET masterauth). Every command goes through do.
func GatherReplicationAuth(ctx context.Context, do probe.Doer, source, target *probe.Endpoint) ReplicationAuth {
	do = probe.OrDirect(do)
	opts := source.ClientOptions()
	if opts.Username == "" && opts.Password == "" {
		// flyover itself reaches the source without credentials.
		return ReplicationAuth{Verdict: ReplAuthOpen, Detail: "the source takes connections without a password"}
	}
	anon := probe.NewEndpoint(source.Addr, probe.Auth{}, opts.TLSConfig, source.Timeout)
	anon.Label = LabelSourceAnonymous
	_, err := do(ctx, anon, "PING")
	anon.Close()
	switch {
	case err == nil:
		return ReplicationAuth{Verdict: ReplAuthOpen, Detail: "the source answers a connection without a password"}
	case !needsAuth(err):
		return ReplicationAuth{Verdict: ReplAuthUnknown, Detail: "connecting to the source without a password: " + probe.Describe(source.Addr, err)}
	}

	user, uok, uerr := probe.ConfigGet(ctx, do, target, "masteruser")
	if uerr != nil && !probe.IsReply(uerr) {
		return ReplicationAuth{Verdict: ReplAuthUnknown, Detail: "the source requires a password and the target does not answer: " + probe.Describe(target.Addr, uerr)}
	}
	pass, pok, perr := probe.ConfigGet(ctx, do, target, "masterauth")
	ra := ReplicationAuth{MasterUser: user}
	switch {
	case perr != nil:
		ra.Verdict, ra.Detail = ReplAuthUnknown, "the source requires a password and CONFIG GET masterauth on the target failed: "+probe.Describe(target.Addr, perr)
		return ra
	case !pok:
		ra.Verdict, ra.Detail = ReplAuthUnknown, "the source requires a password and the target does not say whether masterauth is set (CONFIG GET masterauth answered an empty list)"
		return ra
	case pass == "":
		ra.Verdict, ra.Detail = ReplAuthMissing, "the source requires a password and the target has no masterauth: its sync would fail with NOAUTH"
		return ra
	}
	if uerr != nil || !uok {
		user = "" // masteruser unknown to this server: the default user
	}
	as := probe.NewEndpoint(source.Addr, probe.Auth{Username: user, Password: pass}, opts.TLSConfig, source.Timeout)
	as.Label = LabelSourceAsTarget
	_, err = do(ctx, as, "PING")
	as.Close()
	who := "masterauth"
	if user != "" {
		who = "masteruser " + user + " and masterauth"
	}
	switch {
	case err == nil:
		ra.Verdict, ra.Detail = ReplAuthOK, "the source accepts the target's "+who
	case authRefused(err):
		ra.Verdict, ra.Detail = ReplAuthRefused, "the source refuses the target's "+who+" ("+firstLine(replyText(err))+"): its sync would fail"
	default:
		ra.Verdict, ra.Detail = ReplAuthUnknown, "connecting to the source with the target's "+who+": "+probe.Describe(source.Addr, err)
	}
	// The password may appear in no detail, whatever a server answered.
	ra.Detail = probe.Redact(ra.Detail, pass)
	return ra
}

func needsAuth(err error) bool {
	m := replyText(err)
	return strings.Contains(m, "NOAUTH") || strings.Contains(m, "Authentication required")
}

func authRefused(err error) bool {
	m := replyText(err)
	return strings.Contains(m, "WRONGPASS") || strings.Contains(m, "invalid password") ||
		strings.Contains(m, "invalid username-password") || needsAuth(err)
}

// replyText is the server's error reply inside err (the audited path
// wraps it with the endpoint and plain words), else err's text.
func replyText(err error) string {
	var re redis.Error
	if errors.As(err, &re) {
		return re.Error()
	}
	return err.Error()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
