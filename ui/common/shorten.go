package common

import "github.com/charmbracelet/x/ansi"

// ShortenUnique is what each of names shows in w cells: whole when it
// fits; else its start and its end with "…" between (names that share a
// start, "payments-cache-prod-", differ at the end, "-eu-1", "-us-2"),
// the ellipsis where no two names read the same: the middle when that is
// unique, else the nearest place for every name that is, else each
// name's own nearest. Only names that are the same for w-1 cells at both
// ends and differ in between can still read the same.
func ShortenUnique(names []string, w int) map[string]string {
	out := make(map[string]string, len(names))
	used := make(map[string]bool, len(names))
	var long []string
	for _, n := range names {
		if Width(n) <= w {
			out[n], used[n] = n, true
		} else {
			long = append(long, n)
		}
	}
	if len(long) == 0 {
		return out
	}
	if w < 3 {
		for _, n := range long {
			out[n] = Clip(n, w)
		}
		return out
	}
	// The heads to try, nearest the middle first.
	var heads []int
	for d, mid := 0, (w-1)/2; d < w; d++ {
		for _, h := range []int{mid - d, mid + d} {
			if h >= 1 && h <= w-2 && (d > 0 || h == mid) {
				heads = append(heads, h)
			}
		}
	}
	try := make(map[string]bool, len(long))
	for _, h := range heads {
		clear(try)
		unique := true
		for _, n := range long {
			s := middle(n, h, w)
			if used[s] || try[s] {
				unique = false
				break
			}
			try[s] = true
		}
		if unique {
			for _, n := range long {
				out[n] = middle(n, h, w)
			}
			return out
		}
	}
	for _, n := range long {
		s := middle(n, heads[0], w)
		for _, h := range heads {
			if c := middle(n, h, w); !used[c] {
				s = c
				break
			}
		}
		out[n], used[s] = s, true
	}
	return out
}

// middle is s in w cells: its first head cells, "…", and as much of its
// end as fits.
func middle(s string, head, w int) string {
	start := ansi.Truncate(s, head, "")
	tail := w - 1 - Width(start)
	r := []rune(s)
	i := len(r)
	for n := 0; i > 0; i-- {
		if n += Width(string(r[i-1])); n > tail {
			break
		}
	}
	return start + "…" + string(r[i:])
}
