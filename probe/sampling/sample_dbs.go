package sampling

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"flyover/probe"
)

// SampleDatabases is Sample over every database the source has keys in
// (INFO keyspace), not only database 0: o.Keys are shared among them in
// proportion to their keys, each database with keys getting at least one
// while there are keys to share, and each is compared on connections
// that select it. The databases are sampled one after the other at o.Rate,
// so the load on the source is Sample's. A source whose keys are all in
// database 0 (or whose INFO keyspace cannot be read) is Sample itself.
func SampleDatabases(ctx context.Context, do probe.Doer, source, target *probe.Endpoint, o SampleOptions) SampleResult {
	do = probe.OrDirect(do)
	var keys map[int]probe.DBKeys
	if v, err := do(ctx, source, "INFO", "keyspace"); err == nil {
		keys = probe.ParseInfo(probe.AsString(v)).Keyspace()
	}
	share := shareKeys(o.Keys, keys)
	if len(share) <= 1 && (len(share) == 0 || share[0].db == 0) {
		res := Sample(ctx, do, source, target, o)
		res.Databases = []int{0}
		return res
	}
	start := time.Now()
	merged := SampleResult{Requested: o.Keys, Mode: "scan", Mismatches: []Mismatch{}}
	done, mismatches := 0, 0
	for _, s := range share {
		one := o
		one.Keys = s.keys
		if o.Progress != nil {
			before, mBefore := done, mismatches
			one.Progress = func(p SampleProgress) {
				o.Progress(SampleProgress{Done: before + p.Done, Total: o.Keys, Mismatches: mBefore + p.Mismatches, Elapsed: time.Since(start)})
			}
		}
		res := sampleDB(ctx, do, source, target, s.db, one)
		merged.Databases = append(merged.Databases, s.db)
		merged.merge(s.db, res)
		done += s.keys
		mismatches += len(res.Mismatches)
		if res.Error != "" {
			break // stopped, or a server stopped answering: the rest would say the same
		}
	}
	merged.Elapsed = time.Since(start)
	if secs := merged.Elapsed.Seconds(); secs > 0 {
		merged.KeysPerSecond = float64(merged.Compared+merged.Vanished) / secs
	}
	return merged
}

// sampleDB is Sample of database db, on connections that select it.
func sampleDB(ctx context.Context, do probe.Doer, source, target *probe.Endpoint, db int, o SampleOptions) SampleResult {
	if db == 0 {
		return Sample(ctx, do, source, target, o)
	}
	se, te := source.WithDB(db), target.WithDB(db)
	defer se.Close()
	defer te.Close()
	return Sample(ctx, do, se, te, o)
}

// merge adds database db's result to r.
func (r *SampleResult) merge(db int, res SampleResult) {
	if res.Mode != "scan" {
		r.Mode = "random"
	}
	r.Compared += res.Compared
	r.Matched += res.Matched
	r.Vanished += res.Vanished
	r.Rechecked += res.Rechecked
	r.SizeOnly += res.SizeOnly
	r.TargetReplicating = r.TargetReplicating || res.TargetReplicating
	for _, m := range res.Mismatches {
		m.DB = db
		r.Mismatches = append(r.Mismatches, m)
	}
	for _, k := range res.Unsettled {
		if db != 0 {
			k = fmt.Sprintf("db%d:%s", db, k)
		}
		r.Unsettled = append(r.Unsettled, k)
	}
	if res.Error != "" && r.Error == "" {
		r.Error = fmt.Sprintf("db%d: %s", db, res.Error)
	}
}

type dbShare struct{ db, keys int }

// shareKeys shares n keys among the databases with keys, in proportion
// to their key counts (largest remainders), each getting at least one
// while n allows, in database order.
func shareKeys(n int, keyspace map[int]probe.DBKeys) []dbShare {
	var dbs []int
	var total int64
	for db, k := range keyspace {
		if k.Keys > 0 {
			dbs = append(dbs, db)
			total += k.Keys
		}
	}
	if n <= 0 || len(dbs) == 0 {
		return nil
	}
	slices.Sort(dbs)
	out := make([]dbShare, len(dbs))
	rest := make([]int64, len(dbs)) // remainders, for the keys left over
	given := 0
	for i, db := range dbs {
		q := int64(n) * keyspace[db].Keys
		out[i] = dbShare{db: db, keys: int(q / total)}
		rest[i] = q % total
		given += out[i].keys
	}
	// What is left is fewer than the databases (the fractions' sum): one
	// more each, to those with none yet, then by the largest remainder.
	better := func(i, j int) bool {
		if (out[i].keys == 0) != (out[j].keys == 0) {
			return out[i].keys == 0
		}
		return rest[i] > rest[j]
	}
	for ; given < n; given++ {
		best := -1
		for i := range out {
			if rest[i] >= 0 && (best < 0 || better(i, best)) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		out[best].keys++
		rest[best] = -1
	}
	return slices.DeleteFunc(out, func(s dbShare) bool { return s.keys == 0 })
}

// DatabaseList names databases for the operator: "db0", "db0 and db3",
// "db0, db3 and db7"; "db0" for none (a result from before SampleDatabases).
func DatabaseList(dbs []int) string {
	if len(dbs) == 0 {
		return "db0"
	}
	names := make([]string, len(dbs))
	for i, db := range dbs {
		names[i] = fmt.Sprintf("db%d", db)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
