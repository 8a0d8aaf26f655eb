// The non-TUI status writer: `flyover status` as a table or JSON, from one
// Snapshot.

package ui

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"flyover/probe"
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
}

// NodeDoc is one data node in StatusDoc.
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
	Keys       int64            `json:"keys"`
	Keyspace   map[string]int64 `json:"keyspace,omitempty"`
	Following  string           `json:"following,omitempty"`
	UsedMemory int64            `json:"used_memory"`
	MaxMemory  int64            `json:"max_memory"`
	OpsPerSec  int64            `json:"ops_per_sec"`
	Clients    int64            `json:"clients"`
}

// LinkDoc is the replication link in StatusDoc.
type LinkDoc struct {
	ListedBySource bool    `json:"listed_by_source"`
	State          string  `json:"state"`
	Phase          string  `json:"phase"`
	AckedOffset    *int64  `json:"acked_offset"`
	LagBytes       int64   `json:"lag_bytes"`
	LagSeconds     float64 `json:"lag_seconds"`
	InSync         bool    `json:"in_sync"`
}

// SentinelDoc is one Sentinel in StatusDoc.
type SentinelDoc struct {
	Addr         string `json:"addr"`
	Reachable    bool   `json:"reachable"`
	Error        string `json:"error,omitempty"`
	Monitors     bool   `json:"monitors"`
	MasterAddr   string `json:"master_addr"`
	KnowsTarget  bool   `json:"knows_target"`
	QuorumOK     bool   `json:"quorum_ok"`
	Quorum       int    `json:"quorum"`
	Sentinels    int    `json:"sentinels"`
	Replicas     int    `json:"replicas"`
	Flags        string `json:"flags"`
	WouldPromote string `json:"would_promote,omitempty"`
}

func nodeDoc(n probe.Node) NodeDoc {
	d := NodeDoc{Addr: n.Addr, Reachable: n.Reachable, Error: n.Error, Kind: string(n.Kind),
		Version: n.Version, Role: string(n.Role), Keys: n.Keys(), UsedMemory: n.UsedMemory,
		MaxMemory: n.MaxMemory, OpsPerSec: n.OpsPerSec, Clients: n.Clients}
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
		SentinelsAgree: s.SentinelsAgree, AllReachable: s.AllReachable()}
	d.Link = LinkDoc{ListedBySource: s.Link.ListedBySource, State: s.Link.State, Phase: string(s.Link.Phase),
		LagBytes: s.Link.LagBytes, LagSeconds: s.Link.LagSeconds, InSync: s.Link.InSync}
	if s.Link.HasAckedOffset {
		off := s.Link.AckedOffset
		d.Link.AckedOffset = &off
	}
	d.Sentinels = []SentinelDoc{}
	for _, v := range s.Sentinels {
		d.Sentinels = append(d.Sentinels, SentinelDoc{Addr: v.Addr, Reachable: v.Reachable, Error: v.Error,
			Monitors: v.Monitors, MasterAddr: v.MasterAddr, KnowsTarget: v.KnowsTarget, QuorumOK: v.QuorumOK,
			Quorum: v.Quorum, Sentinels: v.NumOtherSentinels + 1, Replicas: v.NumReplicas,
			Flags: strings.Join(v.MasterFlags, ","), WouldPromote: v.WouldPromote})
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
// terminals, logs and scripts.
func WriteStatusTable(w io.Writer, s probe.Snapshot, targetLabel string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "flyover status · master %q · %s\n\n", s.MasterName, s.At.Format("2006-01-02 15:04:05"))
	fmt.Fprintln(tw, "NODE\tADDRESS\tSERVER\tROLE\tKEYS\tOFFSET\tMEMORY\tOPS/S\tCLIENTS")
	row := func(name string, n probe.Node, label string) {
		if !n.Reachable {
			fmt.Fprintf(tw, "%s\t%s\tunreachable\t\t\t\t\t\t\n", name, n.Addr)
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
		off := "-"
		if d := nodeDoc(n); d.ReplOffset != nil {
			off = fmt.Sprint(*d.ReplOffset)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%d\t%d\n", name, n.Addr, server, role, n.Keys(), off,
			memory(n.UsedMemory, n.MaxMemory), n.OpsPerSec, n.Clients)
	}
	row("source", s.Source, "")
	row("target", s.Target, targetLabel)
	tw.Flush()

	l := s.Link
	fmt.Fprintln(w)
	switch {
	case l.Phase == probe.PhaseUnknown:
		fmt.Fprintln(w, "link      unknown (an endpoint did not answer)")
	case l.Phase == probe.PhaseDetached:
		fmt.Fprintf(w, "link      target not attached to the source (listed by source: %s)\n", yesNo(l.ListedBySource))
	default:
		acked := "-"
		if l.HasAckedOffset {
			acked = fmt.Sprint(l.AckedOffset)
		}
		verdict := "not in sync"
		if l.InSync {
			verdict = "IN SYNC"
		}
		fmt.Fprintf(w, "link      phase %s · source says %s · acked %s · lag %s (%s) · %s\n",
			l.Phase, l.State, acked, probe.Bytes(l.LagBytes), seconds(l.LagSeconds), verdict)
	}
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Addr, "yes", v.MasterAddr, q, yesNo(v.KnowsTarget),
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

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func seconds(s float64) string {
	if s < 0 {
		return "? s"
	}
	return fmt.Sprintf("%.1f s", s)
}

func memory(used, limit int64) string {
	if limit <= 0 {
		return probe.Bytes(used) + " / no limit"
	}
	return probe.Bytes(used) + " / " + probe.Bytes(limit)
}
