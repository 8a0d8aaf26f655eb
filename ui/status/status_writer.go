// The non-TUI status writer: `flyover status` as a table or JSON, from one
// Snapshot.

package status

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/switchover"
	"flyover/ui/common"
)

// StatusDoc is the schema of `flyover status --json`. It is documented in
// the README; fields are only ever added.
type StatusDoc struct {
	At             time.Time     `json:"at"`
	Master         string        `json:"master"`
	Source         NodeDoc       `json:"source"`
	Target         NodeDoc       `json:"target"`
	Link           LinkDoc       `json:"link"`
	Sentinels      []SentinelDoc `json:"sentinels"`
	SentinelsAgree bool          `json:"sentinels_agree"`
	AllReachable   bool          `json:"all_reachable"`
	// SwitchComplete: the target is a primary and every Sentinel's own
	// record names it with no failover in progress (switchover.SwitchComplete).
	SwitchComplete bool `json:"switch_complete"`
	// FullSync is the full sync as the source and the target show it
	// (status_fullsync.go).
	FullSync FullSyncDoc `json:"full_sync"`
}

// NodeDoc is one data node in StatusDoc. A figure flyover does not know
// (the node did not answer) is null, never 0.
type NodeDoc struct {
	Addr      string `json:"addr"`
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
	Kind      string `json:"kind"`
	Version   string `json:"version"`
	Role      string `json:"role"`
	// ReplOffset is master_repl_offset for a primary, the replica's own
	// offset for a replica (null when the server does not report a
	// trustworthy one).
	ReplOffset *int64           `json:"repl_offset"`
	Keys       *int64           `json:"keys"`
	Keyspace   map[string]int64 `json:"keyspace,omitempty"`
	Following  string           `json:"following,omitempty"`
	UsedMemory *int64           `json:"used_memory"`
	MaxMemory  *int64           `json:"max_memory"`
	OpsPerSec  *int64           `json:"ops_per_sec"`
	Clients    *int64           `json:"clients"`
}

// LinkDoc is the replication link in StatusDoc. A lag flyover does not
// know is null, never 0; LagFrom says whose word a known lag is.
type LinkDoc struct {
	ListedBySource bool     `json:"listed_by_source"`
	State          string   `json:"state"`
	Phase          string   `json:"phase"`
	AckedOffset    *int64   `json:"acked_offset"`
	LagBytes       *int64   `json:"lag_bytes"`
	LagSeconds     *float64 `json:"lag_seconds"`
	// LagFrom is LagFromBoth or LagFromSource; null with the lag.
	LagFrom *string `json:"lag_from"`
	// TargetSilentSeconds is how long the target has not answered: null
	// while it answers, and when flyover never saw it answer (it cannot
	// tell since when).
	TargetSilentSeconds *float64 `json:"target_silent_seconds"`
	// AckAgeSeconds is how long ago the target last acknowledged, as the
	// source's slaveN line says (a Redis source); null when unknown.
	AckAgeSeconds *float64 `json:"ack_age_seconds"`
	InSync        bool     `json:"in_sync"`
}

// The values of LinkDoc.LagFrom: plain words, stable for scripts.
const (
	// LagFromBoth: the source and the target both answered; the lag is
	// the target's own offset where it is trustworthy, else its
	// acknowledgement as the source lists it.
	LagFromBoth = "both"
	// LagFromSource: the target does not answer; the lag is what the
	// source's slaveN line says the target last acknowledged.
	LagFromSource = "source_view"
)

// SentinelDoc is one Sentinel in StatusDoc. Its counts are null unless it
// answered and monitors the master name.
type SentinelDoc struct {
	Addr         string `json:"addr"`
	Reachable    bool   `json:"reachable"`
	Error        string `json:"error,omitempty"`
	Monitors     bool   `json:"monitors"`
	MasterAddr   string `json:"master_addr"`
	RecordAddr   string `json:"record_addr,omitempty"`
	Failover     string `json:"failover_state,omitempty"`
	Switched     bool   `json:"switched"`
	KnowsTarget  bool   `json:"knows_target"`
	QuorumOK     bool   `json:"quorum_ok"`
	Quorum       *int   `json:"quorum"`
	Sentinels    *int   `json:"sentinels"`
	Replicas     *int   `json:"replicas"`
	Flags        string `json:"flags"`
	WouldPromote string `json:"would_promote,omitempty"`
}

// ptr is a figure flyover knows, for a nullable field.
func ptr[T any](v T) *T { return &v }

func nodeDoc(n probe.Node) NodeDoc {
	d := NodeDoc{Addr: n.Addr, Reachable: n.Reachable, Error: n.Error, Kind: string(n.Kind),
		Version: n.Version, Role: string(n.Role)}
	if !n.Reachable {
		return d // nothing it said is known: every figure null
	}
	d.Keys, d.UsedMemory, d.MaxMemory = ptr(n.Keys()), ptr(n.UsedMemory), ptr(n.MaxMemory)
	d.OpsPerSec, d.Clients = ptr(n.OpsPerSec), ptr(n.Clients)
	switch {
	case n.Role == probe.RolePrimary:
		off := n.ReplOffset
		d.ReplOffset = &off
	case n.OffsetTrusted:
		off := n.Offset
		d.ReplOffset = &off
	}
	if n.Role == probe.RoleReplica {
		d.Following = fmt.Sprintf("%s:%d", n.MasterHost, n.MasterPort)
	}
	if len(n.Keyspace) > 0 {
		d.Keyspace = map[string]int64{}
		for db, k := range n.Keyspace {
			d.Keyspace[fmt.Sprintf("db%d", db)] = k.Keys
		}
	}
	return d
}

// NewStatusDoc builds the JSON document for a snapshot.
func NewStatusDoc(s probe.Snapshot) StatusDoc {
	d := StatusDoc{At: s.At, Master: s.MasterName, Source: nodeDoc(s.Source), Target: nodeDoc(s.Target),
		SentinelsAgree: s.SentinelsAgree, AllReachable: s.AllReachable(),
		SwitchComplete: switchover.SwitchComplete(steps.Facts{Snapshot: s}), FullSync: fullSyncDoc(s)}
	l := &s.Link
	d.Link = LinkDoc{ListedBySource: l.ListedBySource, State: l.State, Phase: string(l.Phase), InSync: l.InSync}
	if l.HasAckedOffset {
		d.Link.AckedOffset = ptr(l.AckedOffset)
	}
	if l.LagKnown {
		d.Link.LagBytes = ptr(l.LagBytes)
		if secs, ok := common.LagSecondsOf(*l); ok {
			d.Link.LagSeconds = ptr(secs)
		}
		d.Link.LagFrom = ptr(LagFromBoth)
		if l.SourceView {
			d.Link.LagFrom = ptr(LagFromSource)
		}
	}
	if l.TargetSilent > 0 {
		d.Link.TargetSilentSeconds = ptr(l.TargetSilent.Seconds())
	}
	if l.AckAge >= 0 {
		d.Link.AckAgeSeconds = ptr(l.AckAge.Seconds())
	}
	d.Sentinels = []SentinelDoc{}
	for _, v := range s.Sentinels {
		sd := SentinelDoc{Addr: v.Addr, Reachable: v.Reachable, Error: v.Error,
			Monitors: v.Monitors, MasterAddr: v.MasterAddr, RecordAddr: v.RecordAddr, Failover: v.FailoverState, Switched: v.SwitchedToTarget,
			KnowsTarget: v.KnowsTarget, QuorumOK: v.QuorumOK,
			Flags: strings.Join(v.MasterFlags, ","), WouldPromote: v.WouldPromote}
		if v.Reachable && v.Monitors {
			sd.Quorum, sd.Sentinels, sd.Replicas = ptr(v.Quorum), ptr(v.NumOtherSentinels+1), ptr(v.NumReplicas)
		}
		d.Sentinels = append(d.Sentinels, sd)
	}
	return d
}

// WriteStatusJSON writes the snapshot as StatusDoc JSON.
func WriteStatusJSON(w io.Writer, s probe.Snapshot) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(NewStatusDoc(s))
}

// WriteStatusTable writes the snapshot as a plain, uncoloured table for
// terminals, logs and scripts. A figure flyover does not know is "—".
func WriteStatusTable(w io.Writer, s probe.Snapshot, targetLabel string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "flyover status · master %q · %s\n\n", s.MasterName, s.At.Format("2006-01-02 15:04:05"))
	fmt.Fprintln(tw, "NODE\tADDRESS\tSERVER\tROLE\tKEYS\tOFFSET\tMEMORY\tOPS/S\tCLIENTS")
	row := func(name string, n probe.Node, label string) {
		if !n.Reachable {
			fmt.Fprintf(tw, "%s\t%s\tunreachable\t%s\t%s\t%s\t%s\t%s\t%s\n", name, n.Addr, common.Unknown, common.Unknown, common.Unknown, common.Unknown, common.Unknown, common.Unknown)
			return
		}
		server := string(n.Kind) + " " + n.Version
		if label != "" {
			server += " (" + label + ")"
		}
		role := string(n.Role)
		if n.Role == probe.RoleReplica {
			role = fmt.Sprintf("replica of %s:%d", n.MasterHost, n.MasterPort)
		}
		off := common.Unknown
		if d := nodeDoc(n); d.ReplOffset != nil {
			off = fmt.Sprint(*d.ReplOffset)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%d\t%d\n", name, n.Addr, server, role, n.Keys(), off,
			memory(n.UsedMemory, n.MaxMemory), n.OpsPerSec, n.Clients)
	}
	row("source", s.Source, "")
	row("target", s.Target, targetLabel)
	tw.Flush()

	fmt.Fprintln(w)
	fmt.Fprintln(w, "link      "+linkLine(s.Link))
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SENTINEL\tREACHABLE\tMASTER ADDR\tQUORUM\tKNOWS TARGET\tWOULD PROMOTE\tFLAGS")
	for _, v := range s.Sentinels {
		if !v.Reachable || !v.Monitors {
			fmt.Fprintf(tw, "%s\t%s\t\t\t\t\t\n", v.Addr, yesNo(v.Reachable))
			continue
		}
		q := "ok"
		if !v.QuorumOK {
			q = "NO"
		}
		q = fmt.Sprintf("%s (%d of %d)", q, v.Quorum, v.NumOtherSentinels+1)
		master := v.MasterAddr
		if v.RecordAddr != "" && !probe.SameAddr(v.RecordAddr, v.MasterAddr) {
			// Mid-failover, or a Sentinel reset back onto an old primary.
			master += " (own record " + v.RecordAddr + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Addr, "yes", master, q, yesNo(v.KnowsTarget),
			orDash(v.WouldPromote), strings.Join(v.MasterFlags, ","))
	}
	tw.Flush()
	if !s.SentinelsAgree {
		fmt.Fprintln(w, "\nwarning: the Sentinels do not agree on the master address")
	}

	var errs []string
	for _, n := range []probe.Node{s.Source, s.Target} {
		if n.Error != "" {
			errs = append(errs, n.Error)
		}
	}
	for _, v := range s.Sentinels {
		if v.Error != "" {
			errs = append(errs, v.Error)
		}
	}
	sort.Strings(errs)
	if len(errs) > 0 {
		fmt.Fprintln(w, "\nerrors:")
		for _, e := range errs {
			fmt.Fprintln(w, "  "+e)
		}
	}
	return nil
}

// linkLine is the link in one line: its phase, what the source says, the
// lag and whose word it is, the verdict.
func linkLine(l probe.Link) string {
	acked := common.Unknown
	if l.HasAckedOffset {
		acked = fmt.Sprint(l.AckedOffset)
	}
	verdict := "not in sync"
	if l.InSync {
		verdict = "IN SYNC"
	}
	lag := "lag " + common.LagText(l)
	if from := common.LagFrom(l); from != "" {
		lag += " (" + from + ")"
	}
	switch {
	case l.SourceView:
		return fmt.Sprintf("target not answering · source says %s · acked %s · %s · %s", l.State, acked, lag, verdict)
	case l.Phase == probe.PhaseUnknown:
		return "unknown (an endpoint did not answer)"
	case l.Phase == probe.PhaseDetached:
		return fmt.Sprintf("target not attached to the source (listed by source: %s)", yesNo(l.ListedBySource))
	}
	return fmt.Sprintf("phase %s · source says %s · acked %s · %s · %s", l.Phase, l.State, acked, lag, verdict)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return common.Unknown
	}
	return s
}

func memory(used, limit int64) string {
	if limit <= 0 {
		return probe.Bytes(used) + " / no limit"
	}
	return probe.Bytes(used) + " / " + probe.Bytes(limit)
}
