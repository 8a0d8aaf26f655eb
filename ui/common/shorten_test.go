package common_test

import (
	"strings"
	"testing"

	"flyover/ui/common"
)

// A name that fits is whole; a longer one keeps its start and its end
// around "…", exactly w wide; the ellipsis moves from the middle to where
// no two names read the same, for every name at once.
func TestShortenUniqueKeepsBothEndsAndNamesApart(t *testing.T) {
	names := []string{"cache-a", "payments-cache-prod-eu-west-1-shard-07", "payments-cache-prod-us-west-1-shard-07",
		"payments-cache-prod-eu-west-1-shard-08"}
	got := common.ShortenUnique(names, 20)
	if got["cache-a"] != "cache-a" {
		t.Errorf("a name that fits: %q", got["cache-a"])
	}
	seen := map[string]string{}
	for _, n := range names[1:] {
		s := got[n]
		head, tail, ok := strings.Cut(s, "…")
		if !ok || common.Width(s) != 20 || !strings.HasPrefix(n, head) || !strings.HasSuffix(n, tail) || head == "" || tail == "" {
			t.Errorf("%q shows as %q: want its start and its end in 20 cells", n, s)
		}
		if other, dup := seen[s]; dup {
			t.Errorf("%q and %q both read %q", other, n, s)
		}
		seen[s] = n
	}
	// The middle first, where it is unique.
	if s := common.ShortenUnique([]string{"abcdefghij-0001", "abcdefghij-0002"}, 9); s["abcdefghij-0001"] != "abcd…0001" {
		t.Errorf("the middle: %q", s["abcdefghij-0001"])
	}
	// Too narrow for an ellipsis between two ends: cut, never wider.
	if s := common.ShortenUnique([]string{"abcdef"}, 2); common.Width(s["abcdef"]) > 2 {
		t.Errorf("at 2 cells: %q", s["abcdef"])
	}
}
