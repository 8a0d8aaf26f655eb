package sampling

import (
	"reflect"
	"testing"

	"flyover/probe"
)

// The keys of a sample are shared among the databases with keys in
// proportion, every database with keys getting at least one while there
// are keys to share.
func TestShareKeysAmongDatabases(t *testing.T) {
	for _, c := range []struct {
		name string
		n    int
		ks   map[int]probe.DBKeys
		want []dbShare
	}{
		{"none", 200, map[int]probe.DBKeys{}, nil},
		{"db0 only", 200, map[int]probe.DBKeys{0: {Keys: 10}}, []dbShare{{0, 200}}},
		{"even", 200, map[int]probe.DBKeys{0: {Keys: 500}, 3: {Keys: 500}}, []dbShare{{0, 100}, {3, 100}}},
		{"a small database still gets one", 200, map[int]probe.DBKeys{0: {Keys: 1_000_000}, 3: {Keys: 12}}, []dbShare{{0, 199}, {3, 1}}},
		{"empty databases get none", 10, map[int]probe.DBKeys{0: {Keys: 30}, 1: {Keys: 0}, 2: {Keys: 70}}, []dbShare{{0, 3}, {2, 7}}},
		{"more databases than keys", 2, map[int]probe.DBKeys{0: {Keys: 5}, 1: {Keys: 50}, 2: {Keys: 5}}, []dbShare{{0, 1}, {1, 1}}},
	} {
		got := shareKeys(c.n, c.ks)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		sum := 0
		for _, s := range got {
			sum += s.keys
		}
		if len(c.want) > 0 && sum != c.n {
			t.Errorf("%s: %d keys shared, want %d", c.name, sum, c.n)
		}
	}
}
