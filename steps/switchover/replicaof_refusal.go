package switchover

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"flyover/probe"
	"flyover/probe/access"
	"flyover/steps"
)

// REPLICAOF is sent one way wherever flyover sends it (the attach, the
// abort's detach, the fence, and the HA steps to come) and a failure is
// read one way.
//
// Dragonfly does the first handshake (connect, AUTH, PING, REPLCONF)
// before it answers REPLICAOF. Pointed at a primary it cannot reach or
// authenticate to, it answers "ERR replication cancelled" within
// milliseconds (its source can also answer "could not connect to master:
// ...", "could not resolve master dns", "could not greet master") and
// stays a master; the reason is only in its log. Redis answers OK and
// retries in the background, so the same problem shows as a replica that
// never gets past the handshake (handshakeDone). Either way flyover says
// what it means and checks, reading only, what it can from where it
// stands: whether it reaches the primary at that address, whether the
// primary requires a password, and whether the replica's masteruser and
// masterauth (CONFIG GET) are accepted there.

// LabelReplicaOfAddress names, in the audit log, the short-lived
// connection flyover opens to a primary at the address given to
// REPLICAOF, when that is not an address it already polls.
const LabelReplicaOfAddress = "replicaof-address"

// refusedReplicaOf reports whether err is a replica's refusal of
// REPLICAOF because its first handshake with the primary failed
// (Dragonfly's answers).
func refusedReplicaOf(err error) bool {
	var re redis.Error
	if !errors.As(err, &re) {
		return false
	}
	m := strings.ToLower(re.Error())
	for _, s := range []string{"replication cancelled", "could not connect to master", "could not resolve master dns", "could not greet master"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// HandshakeDone reports whether a target told to follow the source got
// past the handshake, that is, reached and authenticated to it: the
// source lists it (a replica is listed only after it authenticated), or
// the target's link is up, its transfer has begun, or it loads. Dragonfly
// answers REPLICAOF OK only after the handshake.
func HandshakeDone(f steps.Facts) bool {
	s := &f.Snapshot
	t := &s.Target
	switch {
	case s.Link.ListedBySource, t.Kind == probe.KindDragonfly:
		return true
	case t.LinkStatus == "up", t.SyncInProgress, t.Loading:
		return true
	}
	return t.LinkState == "sync" || t.LinkState == "connected"
}

// linkDiagnosis is what flyover found out, from where it stands, about a
// replica's way to its primary. It holds no password.
type linkDiagnosis struct {
	// Primary is the address given to REPLICAOF.
	Primary string
	// Unreachable is why flyover could not reach Primary either; "" when
	// it could.
	Unreachable string
	// Auth is whether the primary needs a password and takes the
	// replica's; nil when not read (the primary did not answer).
	Auth *access.ReplicationAuth
	// TLS: flyover speaks TLS to the primary, so the replica must too.
	TLS bool
}

// cause is the finding that explains the failure, "" when flyover saw
// nothing wrong from where it stands.
func (d linkDiagnosis) cause() string {
	switch {
	case d.Unreachable != "":
		return "flyover cannot reach " + d.Primary + " either: " + d.Unreachable
	case d.Auth == nil:
		return ""
	case d.Auth.Verdict == access.ReplAuthMissing || d.Auth.Verdict == access.ReplAuthRefused:
		return d.Auth.Detail
	}
	return ""
}

// findings are the checks flyover made, one phrase each.
func (d linkDiagnosis) findings() []string {
	var out []string
	if d.Unreachable == "" {
		out = append(out, "flyover reaches "+d.Primary)
	} else {
		out = append(out, "flyover cannot reach "+d.Primary+" either: "+d.Unreachable)
	}
	if d.Auth != nil {
		out = append(out, d.Auth.Detail)
	}
	if d.TLS {
		out = append(out, "flyover speaks TLS to it, so the replica must too")
	}
	return out
}

// ReplicaOfError is a REPLICAOF after which the replica does not follow
// its primary: refused at once (Dragonfly), or answered OK and stuck in
// the handshake (Redis).
type ReplicaOfError struct {
	Replica, ReplicaAddr string // "target", and its address
	PrimaryName          string // "source"
	Primary              string // the address given to REPLICAOF
	Kind                 probe.Kind
	// Reply is the refusal; "" when the replica answered OK and stuck.
	Reply string
	// Stuck is how long the replica stayed in the handshake after OK.
	Stuck     time.Duration
	Diagnosis linkDiagnosis
	Err       error
}

func (e *ReplicaOfError) Unwrap() error { return e.Err }

func (e *ReplicaOfError) Error() string {
	var b strings.Builder
	who := e.Replica + " " + e.ReplicaAddr
	cmd := "REPLICAOF " + strings.Replace(e.Primary, ":", " ", 1)
	if h, p, err := net.SplitHostPort(e.Primary); err == nil {
		cmd = "REPLICAOF " + h + " " + p
	}
	if e.Reply != "" {
		fmt.Fprintf(&b, "%s refused %s (%q): ", who, cmd, e.Reply)
		if e.Kind == probe.KindDragonfly || e.Kind == probe.KindUnknown {
			b.WriteString("Dragonfly tries the first handshake before it answers, so ")
		}
		fmt.Fprintf(&b, "the %s could not reach or authenticate to the %s at %s (its log says which); it stays a master and nothing else was sent",
			e.Replica, e.PrimaryName, e.Primary)
	} else {
		fmt.Fprintf(&b, "%s answered OK to %s but has not got past the handshake after %s (link down, the %s does not list it): "+
			"it cannot reach or authenticate to the %s at %s, and keeps retrying",
			who, cmd, e.Stuck.Round(100*time.Millisecond), e.PrimaryName, e.PrimaryName, e.Primary)
	}
	fmt.Fprintf(&b, ". What flyover sees from where it stands: %s", strings.Join(e.Diagnosis.findings(), "; "))
	if c := e.Diagnosis.cause(); c != "" {
		b.WriteString(". That is the likely cause")
	} else {
		fmt.Fprintf(&b, ". Nothing flyover can check from here is wrong, so the %s's own view differs", e.Replica)
	}
	fmt.Fprintf(&b, ". Check on the %s: masterauth/masteruser (the %s's password, and its ACL user if replicas log in as one; %s), "+
		"the address %s as the %s sees it (DNS, routes, firewalls between them), and TLS (%s)",
		e.Replica, e.PrimaryName, masterauthHow(e.Kind), e.Primary, e.Replica, tlsReplicationHow(e.Kind))
	if e.Reply != "" {
		b.WriteString("; then run the step again")
	} else {
		fmt.Fprintf(&b, "; once fixed it syncs by itself, or abort to detach it")
	}
	return b.String()
}

func masterauthHow(k probe.Kind) string {
	if k == probe.KindDragonfly {
		return "Dragonfly: --masterauth, --masteruser, or CONFIG SET masterauth"
	}
	return "CONFIG SET masterauth, masteruser"
}

func tlsReplicationHow(k probe.Kind) string {
	if k == probe.KindDragonfly {
		return "Dragonfly: --tls_replication when the primary speaks TLS, with --tls_ca_cert_file to trust it"
	}
	return "tls-replication yes when the primary speaks TLS"
}

// SendReplicaOf sends REPLICAOF host port (or NO ONE) to replica through
// the audited path. A refusal comes back as a *ReplicaOfError with what
// flyover could check; primaryName names the primary for the operator
// ("source") and creds is the endpoint whose credentials and TLS settings
// reach it.
func SendReplicaOf(ctx context.Context, r *steps.Runner, replica *probe.Endpoint, host, port, primaryName string, creds *probe.Endpoint) error {
	_, err := r.Send(ctx, replica, "REPLICAOF", host, port)
	return explainReplicaOf(ctx, r, replica, host, port, primaryName, creds, err)
}

// explainReplicaOf turns a refused REPLICAOF into a *ReplicaOfError; any
// other error, or nil, comes back as it is. For callers that send
// REPLICAOF their own way (the fence retries on a closed connection).
func explainReplicaOf(ctx context.Context, r *steps.Runner, replica *probe.Endpoint, host, port, primaryName string, creds *probe.Endpoint, err error) error {
	if err == nil || strings.EqualFold(host, "NO") || !refusedReplicaOf(err) {
		return err
	}
	var re redis.Error
	errors.As(err, &re)
	primary := net.JoinHostPort(host, port)
	return &ReplicaOfError{Replica: r.EndpointName(replica), ReplicaAddr: replica.Addr, PrimaryName: primaryName, Primary: primary,
		Kind: kindOf(ctx, r, replica), Reply: re.Error(), Diagnosis: diagnoseLink(ctx, r, replica, primary, creds), Err: err}
}

// AttachStuck explains an attach whose wait ran out: the target follows
// the source but never got past the handshake, or does not follow it.
func AttachStuck(ctx context.Context, r *steps.Runner, f steps.Facts, host, port string, waited time.Duration) error {
	primary := net.JoinHostPort(host, port)
	if steps.Attached(f) && !HandshakeDone(f) {
		return &ReplicaOfError{Replica: "target", ReplicaAddr: r.Prober.Target.Addr, PrimaryName: "source", Primary: primary,
			Kind: f.Snapshot.Target.Kind, Stuck: waited, Diagnosis: diagnoseLink(ctx, r, r.Prober.Target, primary, r.Prober.Source)}
	}
	return fmt.Errorf("REPLICAOF was accepted but the target does not follow the source after %s: read the target's log (masterauth? can it reach %s?)",
		waited, primary)
}

// kindOf is what the replica says it is (a poll: INFO and ROLE).
func kindOf(ctx context.Context, r *steps.Runner, e *probe.Endpoint) probe.Kind {
	return e.PollNode(ctx).Kind
}

// diagnoseLink checks, reading only and through the audited path, what
// flyover can about replica's way to the primary at addr: a PING there
// with creds' credentials and TLS settings, then whether the primary
// requires a password and accepts the replica's masteruser/masterauth
// (access.GatherReplicationAuth).
func diagnoseLink(ctx context.Context, r *steps.Runner, replica *probe.Endpoint, addr string, creds *probe.Endpoint) linkDiagnosis {
	d := linkDiagnosis{Primary: addr}
	if creds == nil {
		return d
	}
	o := creds.Client().Options()
	d.TLS = o.TLSConfig != nil
	primary := creds
	if !probe.SameAddr(addr, creds.Addr) {
		primary = probe.NewEndpoint(addr, probe.Auth{Username: o.Username, Password: o.Password}, o.TLSConfig, creds.Timeout)
		primary.Label = LabelReplicaOfAddress
		defer primary.Close()
	}
	if _, err := r.Send(ctx, primary, "PING"); err != nil {
		var re redis.Error
		if !errors.As(err, &re) {
			var ce *steps.CommandError
			if errors.As(err, &ce) {
				d.Unreachable = probe.Describe(addr, ce.Err)
			} else {
				d.Unreachable = err.Error()
			}
			return d
		}
		// It answered: reachable, whatever it thinks of flyover's
		// credentials.
	}
	ra := access.GatherReplicationAuth(ctx, r.Doer(), primary, replica)
	d.Auth = &ra
	return d
}
