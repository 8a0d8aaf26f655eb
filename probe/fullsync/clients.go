package fullsync

import (
	"fmt"
	"strconv"
	"strings"
)

// What the source's poll reads about full syncs beyond INFO, as probe
// reads it: its replica clients' output buffers (CLIENT LIST TYPE
// replica) and its buffer limits (CONFIG GET).

// SourceSync is what one poll of the source read about its full syncs.
type SourceSync struct {
	// ForkUsec is latest_fork_usec: the last fork's stall.
	ForkUsec int64 `json:"latest_fork_usec"`
	// SyncFull is sync_full: full syncs served since the source started,
	// to any replica.
	SyncFull int64 `json:"sync_full"`
	// InputKbps is instantaneous_input_kbps (KB/s): the rate to fall back
	// on when master_repl_offset has one reading.
	InputKbps float64 `json:"input_kbps"`
	// ClientsRead: CLIENT LIST TYPE replica answered; Clients are its
	// lines. ClientsError is why not.
	ClientsRead  bool            `json:"clients_read"`
	Clients      []ReplicaClient `json:"clients,omitempty"`
	ClientsError string          `json:"clients_error,omitempty"`
	// ClientsSkipped: this poll did not ask (the fleet's brief poll asks
	// only while a full sync goes on): no buffer is known, none carried.
	ClientsSkipped bool `json:"clients_skipped,omitempty"`
	// Limits are the configuration read with CONFIG GET, nil until read;
	// LimitsError says why it could not be (CONFIG renamed, ACL).
	Limits      *BufferLimits `json:"limits,omitempty"`
	LimitsError string        `json:"limits_error,omitempty"`
}

// ReplicaClient is one CLIENT LIST line of type replica (slave).
type ReplicaClient struct {
	ID   int64  `json:"id"`
	Addr string `json:"addr"`
	// AgeSeconds is how long the connection has been open.
	AgeSeconds int64 `json:"age_seconds"`
	// Omem is the output buffer's bytes: what the source holds for the
	// replica and has not sent. TotMem is everything the client uses.
	Omem   int64 `json:"omem"`
	TotMem int64 `json:"tot_mem"`
}

// BufferLimits are the source's client-output-buffer-limit classes and
// repl-timeout.
type BufferLimits struct {
	Replica Limit `json:"replica"`
	Normal  Limit `json:"normal"`
	PubSub  Limit `json:"pubsub"`
	// ReplicaWord is how the server names the class: "slave" before
	// Redis 5, "replica" after (CONFIG SET takes either from 5 on).
	ReplicaWord string `json:"replica_word"`
	// Raw is the value as CONFIG GET printed it: what to restore.
	Raw string `json:"raw"`
	// ReplTimeout is repl-timeout in seconds (0: not read).
	ReplTimeout int64 `json:"repl_timeout"`
}

// ParseReplicaClients reads a CLIENT LIST TYPE replica reply.
func ParseReplicaClients(text string) []ReplicaClient {
	var out []ReplicaClient
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := ClientFields(line)
		out = append(out, ReplicaClient{
			ID: Atoi(f["id"]), Addr: f["addr"], AgeSeconds: Atoi(f["age"]),
			Omem: Atoi(f["omem"]), TotMem: Atoi(f["tot-mem"]),
		})
	}
	return out
}

// ParseBufferLimits reads client-output-buffer-limit as CONFIG GET prints
// it: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608
// 60". Sizes may carry units in a config file (256mb); the server prints
// bytes, but both are read.
func ParseBufferLimits(v string) (BufferLimits, error) {
	b := BufferLimits{Raw: v}
	w := strings.Fields(v)
	if len(w) == 0 || len(w)%4 != 0 {
		return b, fmt.Errorf("client-output-buffer-limit %q: expected groups of <class> <hard> <soft> <seconds>", v)
	}
	seen := false
	for i := 0; i < len(w); i += 4 {
		hard, soft := ParseMemory(w[i+1]), ParseMemory(w[i+2])
		secs, err := strconv.ParseInt(w[i+3], 10, 64)
		if err != nil || (hard == 0 && w[i+1] != "0") || (soft == 0 && w[i+2] != "0") {
			return b, fmt.Errorf("client-output-buffer-limit %q: class %s does not read as <hard> <soft> <seconds>", v, w[i])
		}
		l := Limit{Hard: hard, Soft: soft, SoftSeconds: secs}
		switch strings.ToLower(w[i]) {
		case "slave", "replica":
			b.Replica, b.ReplicaWord, seen = l, strings.ToLower(w[i]), true
		case "normal":
			b.Normal = l
		case "pubsub":
			b.PubSub = l
		}
	}
	if !seen {
		return b, fmt.Errorf("client-output-buffer-limit %q: no replica (slave) class", v)
	}
	return b, nil
}

// LimitWords is a replica buffer limit for people: "256.0 MiB hard, 64.0
// MiB soft for 60 s", or "no limit".
func LimitWords(l Limit) string {
	var parts []string
	if l.Hard > 0 {
		parts = append(parts, Bytes(l.Hard)+" hard")
	}
	if l.Soft > 0 && l.SoftSeconds > 0 {
		parts = append(parts, fmt.Sprintf("%s soft for %d s", Bytes(l.Soft), l.SoftSeconds))
	}
	if len(parts) == 0 {
		return "no limit"
	}
	return strings.Join(parts, ", ")
}
