package sampling

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"flyover/probe"
)

// Reading one key on one side, type by type, values in bounded pieces.

// read reads one key's type, TTL and value digest on one side.
func (s *sampler) read(ctx context.Context, e *probe.Endpoint, key string) (keyState, error) {
	for range 3 {
		k, err := s.readOnce(ctx, e, key)
		if errors.Is(err, errChanged) {
			continue
		}
		return k, err
	}
	// Its type changes under us every time: a value of its own, which
	// the comparison reports as a type that differs and re-reads.
	return keyState{Type: "changing", At: time.Now()}, nil
}

func (s *sampler) readOnce(ctx context.Context, e *probe.Endpoint, key string) (keyState, error) {
	var k keyState
	side := "source"
	if e == s.target {
		side = "target"
	}
	send := func(args ...any) (any, error) {
		v, err := s.do(ctx, e, args...)
		if err != nil {
			if strings.Contains(err.Error(), "WRONGTYPE") {
				return nil, errChanged
			}
			return nil, fmt.Errorf("%s: %s %q: %s", side, args[0], key, probe.Describe(e.Addr, err))
		}
		return v, nil
	}
	v, err := send("TYPE", key)
	if err != nil {
		return k, err
	}
	k.Type, k.At = probe.AsString(v), time.Now()
	if k.Type == "none" {
		k.PTTL = -2
		return k, nil
	}
	if v, err = send("PTTL", key); err != nil {
		return k, err
	}
	k.PTTL, _ = probe.AsInt(v)
	h := sha256.New()
	put := func(b string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write([]byte(b))
	}
	piece := int64(s.o.Piece)
	card := func(cmd string) (bool, error) { // true: too big, size only
		v, err := send(cmd, key)
		if err != nil {
			return false, err
		}
		k.Size, _ = probe.AsInt(v)
		if k.Size > s.o.MaxElements {
			k.SizeOnly = true
			return true, nil
		}
		return false, nil
	}
	switch k.Type {
	case "string":
		const chunk = 64 << 10
		for off := int64(0); ; off += chunk {
			if off >= s.o.MaxElements<<10 {
				v, err := send("STRLEN", key)
				if err != nil {
					return k, err
				}
				k.Size, _ = probe.AsInt(v)
				k.SizeOnly = true
				break
			}
			v, err := send("GETRANGE", key, off, off+chunk-1)
			if err != nil {
				return k, err
			}
			b := probe.AsString(v)
			h.Write([]byte(b))
			k.Size += int64(len(b))
			if len(b) < chunk {
				break
			}
		}
	case "list":
		if big, err := card("LLEN"); err != nil || big {
			return k, err
		}
		for i := int64(0); i < k.Size; i += piece {
			v, err := send("LRANGE", key, i, i+piece-1)
			if err != nil {
				return k, err
			}
			arr, _ := v.([]any)
			for _, x := range arr {
				put(probe.AsString(x))
			}
			if int64(len(arr)) < piece {
				break
			}
		}
	case "hash", "set":
		cmd, scan := "HLEN", "HSCAN"
		if k.Type == "set" {
			cmd, scan = "SCARD", "SSCAN"
		}
		if big, err := card(cmd); err != nil || big {
			return k, err
		}
		seen := map[string]string{}
		cursor := "0"
		for {
			v, err := send(scan, key, cursor, "COUNT", piece)
			if err != nil {
				return k, err
			}
			arr, _ := v.([]any)
			if len(arr) != 2 {
				return k, fmt.Errorf("%s: %s %q: unexpected reply", side, scan, key)
			}
			cursor = probe.AsString(arr[0])
			items, _ := arr[1].([]any)
			if k.Type == "hash" {
				for i := 0; i+1 < len(items); i += 2 {
					seen[probe.AsString(items[i])] = probe.AsString(items[i+1])
				}
			} else {
				for _, x := range items {
					seen[probe.AsString(x)] = ""
				}
			}
			if cursor == "0" {
				break
			}
		}
		names := make([]string, 0, len(seen))
		for n := range seen {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			put(n)
			put(seen[n])
		}
		k.Size = int64(len(seen)) // what was read: a scan under writes may see a different count
	case "zset":
		if big, err := card("ZCARD"); err != nil || big {
			return k, err
		}
		for i := int64(0); i < k.Size; i += piece {
			v, err := send("ZRANGE", key, i, i+piece-1, "WITHSCORES")
			if err != nil {
				return k, err
			}
			arr, _ := v.([]any)
			for j := 0; j+1 < len(arr); j += 2 {
				put(probe.AsString(arr[j]))
				// Scores are printed by each server its own way: compare numbers.
				f, _ := strconv.ParseFloat(probe.AsString(arr[j+1]), 64)
				put(strconv.FormatFloat(f, 'g', -1, 64))
			}
			if int64(len(arr)/2) < piece {
				break
			}
		}
	case "stream":
		if big, err := card("XLEN"); err != nil || big {
			return k, err
		}
		start := "-"
		for {
			v, err := send("XRANGE", key, start, "+", "COUNT", piece)
			if err != nil {
				return k, err
			}
			arr, _ := v.([]any)
			last := ""
			for _, e := range arr {
				entry, _ := e.([]any)
				if len(entry) != 2 {
					continue
				}
				last = probe.AsString(entry[0])
				put(last)
				fields, _ := entry[1].([]any)
				for _, f := range fields {
					put(probe.AsString(f))
				}
			}
			if int64(len(arr)) < piece || last == "" {
				break
			}
			start = nextStreamID(last)
		}
	default:
		k.SizeOnly = true // module types: type and TTL only
	}
	copy(k.Digest[:], h.Sum(nil))
	return k, nil
}

// nextStreamID is the smallest ID after id ("ms-seq"), for reading a
// stream in pieces without the exclusive "(" syntax older servers lack.
func nextStreamID(id string) string {
	ms, seq, ok := strings.Cut(id, "-")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil {
		return id
	}
	if n == math.MaxUint64 {
		m, _ := strconv.ParseUint(ms, 10, 64)
		return strconv.FormatUint(m+1, 10) + "-0"
	}
	return ms + "-" + strconv.FormatUint(n+1, 10)
}
