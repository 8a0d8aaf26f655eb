package probe

import (
	"strconv"
	"strings"
)

// Info is the text of an INFO reply split into its fields. Section headers
// are dropped: field names are unique across sections in both Redis and
// Dragonfly.
type Info map[string]string

// ParseInfo splits the texts of INFO replies (one, or one a section) into
// fields, CRLF or LF, without comments and blank lines; no copies.
func ParseInfo(texts ...string) Info {
	lines := 0
	for _, text := range texts {
		lines += strings.Count(text, "\n") + 1
	}
	info := make(Info, lines)
	for _, text := range texts {
		for len(text) > 0 {
			var line string
			line, text, _ = strings.Cut(text, "\n")
			if k, v, ok := strings.Cut(strings.TrimSuffix(line, "\r"), ":"); ok && k != "" && k[0] != '#' {
				info[k] = v
			}
		}
	}
	return info
}

// Has reports whether the field is present at all. Dragonfly omits some
// fields Redis always prints (slave_repl_offset before full sync), and the
// difference between "absent" and "zero" matters.
func (i Info) Has(key string) bool {
	_, ok := i[key]
	return ok
}

// Int returns the field as an integer, or 0 when absent or malformed.
func (i Info) Int(key string) int64 {
	n, _ := strconv.ParseInt(i[key], 10, 64)
	return n
}

// Float returns the field as a float, or 0 when absent or malformed.
func (i Info) Float(key string) float64 {
	f, _ := strconv.ParseFloat(i[key], 64)
	return f
}

// ReplicaLine is one "slaveN:" line of a primary's INFO replication, the
// primary's view of one replica.
type ReplicaLine struct {
	Index int    `json:"index"`
	IP    string `json:"ip"`
	Port  int    `json:"port"`
	State string `json:"state"` // online, wait_bgsave, send_bulk, ... (Dragonfly: preparation, full_sync, stable_sync)
	// Offset is the replication offset the replica last acknowledged.
	// HasOffset is false on a Dragonfly primary, which prints none.
	Offset    int64 `json:"offset"`
	HasOffset bool  `json:"has_offset"`
	// Lag is seconds since the replica's last ACK on Redis; on a Dragonfly
	// primary it counts journal records, so it is kept raw and not shown as
	// seconds there.
	Lag int64 `json:"lag"`
}

// Addr is the replica's address as the primary lists it, which is what
// Sentinel discovers.
func (r ReplicaLine) Addr() string { return JoinHostPort(r.IP, r.Port) }

// ReplicaLines returns the primary's replica lines in index order.
func (i Info) ReplicaLines() []ReplicaLine {
	n := int(i.Int("connected_slaves"))
	var out []ReplicaLine
	// connected_slaves may disagree with the lines printed when a replica
	// comes or goes between the two; scan a little past it.
	for idx := 0; idx < n+4; idx++ {
		v, ok := i["slave"+strconv.Itoa(idx)]
		if !ok {
			continue
		}
		out = append(out, parseReplicaLine(idx, v))
	}
	return out
}

// parseReplicaLine parses "ip=127.0.0.1,port=6380,state=online,offset=14,lag=0".
func parseReplicaLine(idx int, v string) ReplicaLine {
	r := ReplicaLine{Index: idx}
	for _, kv := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(kv, "=")
		switch k {
		case "ip":
			r.IP = val
		case "port":
			r.Port, _ = strconv.Atoi(val)
		case "state":
			r.State = val
		case "offset":
			r.Offset, _ = strconv.ParseInt(val, 10, 64)
			r.HasOffset = true
		case "lag":
			r.Lag, _ = strconv.ParseInt(val, 10, 64)
		}
	}
	return r
}

// DBKeys is one "dbN:keys=..,expires=..,avg_ttl=.." line of INFO keyspace.
type DBKeys struct {
	Keys    int64 `json:"keys"`
	Expires int64 `json:"expires"`
}

// Keyspace returns keys and expires per database number.
func (i Info) Keyspace() map[int]DBKeys {
	out := map[int]DBKeys{}
	for k, v := range i {
		if !strings.HasPrefix(k, "db") {
			continue
		}
		db, err := strconv.Atoi(k[2:])
		if err != nil {
			continue
		}
		var d DBKeys
		for _, kv := range strings.Split(v, ",") {
			name, val, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(val, 10, 64)
			switch name {
			case "keys":
				d.Keys = n
			case "expires":
				d.Expires = n
			}
		}
		out[db] = d
	}
	return out
}
