package fleetview

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/ui/uitest"
)

// longNames are 200 masters whose names share their first 20 characters
// and differ in the middle (the region) and at the end (the shard), the
// longest 40 characters.
func longNames() []string {
	var out []string
	for i := range 100 {
		out = append(out, fmt.Sprintf("payments-cache-prod-eu-west-1-shard-%03d", i))
		out = append(out, fmt.Sprintf("payments-cache-prod-us-east-12-shard-%03d", i))
	}
	return out
}

// masterCells are the MASTER column's cells of the table on screen, and
// the table's lines, below the heading.
func masterCells(t *testing.T, m *Model) (cells, lines []string) {
	t.Helper()
	sc := ansi.Strip(m.View().Content)
	all := strings.Split(sc, "\n")
	head := -1
	for i, l := range all {
		if strings.Contains(l, "MASTER") && strings.Contains(l, "PHASE") {
			head = i
			break
		}
	}
	if head < 0 {
		t.Fatalf("no table heading:\n%s", sc)
	}
	start := len([]rune(all[head][:strings.Index(all[head], "MASTER")]))
	for _, l := range all[head+1:] {
		r := []rune(l)
		f := strings.Fields(string(r[min(start, len(r)):]))
		if len(f) == 0 {
			break
		}
		cells = append(cells, f[0]) // a name has no space; shortened, neither
		lines = append(lines, l)
	}
	return cells, lines
}

// Where the screen has room, the MASTER column is as wide as the longest
// name: every name whole. Where it has not, each is shortened in the
// middle, keeps its start and its end, and no two read the same; the
// columns that always stay (PHASE, LAG) are whole, at every size.
func TestMasterNamesAreWholeOrShortenedInTheMiddleUniquely(t *testing.T) {
	names := longNames()
	m, _ := namedFixtureModel(t, names, 160, 48)
	cells, _ := masterCells(t, m)
	if len(cells) == 0 {
		t.Fatal("no rows")
	}
	for _, c := range cells {
		if !strings.HasPrefix(c, "payments-cache-prod-") || strings.Contains(c, "…") || len(c) < 39 {
			t.Errorf("at 160 columns a name is not whole: %q", c)
		}
	}

	for _, size := range [][2]int{{60, 24}, {70, 24}, {80, 24}, {120, 36}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		m.Update(uitest.Press("g"))
		seen := map[string]bool{}
		for range len(names)/10 + 3 { // down the whole fleet
			cells, lines := masterCells(t, m)
			for k, c := range cells {
				if seen[c] {
					continue
				}
				seen[c] = true
				head, tail, cut := strings.Cut(c, "…")
				ok := false
				for _, n := range names {
					if cut && strings.HasPrefix(n, head) && strings.HasSuffix(n, tail) || !cut && n == c {
						ok = true
					}
				}
				if !ok || cut && (head == "" || tail == "") {
					t.Errorf("%dx%d: %q is not a name's start and end", size[0], size[1], c)
				}
				if !strings.Contains(lines[k], "detached") && !strings.Contains(lines[k], "in sync") && !strings.Contains(lines[k], "—") {
					t.Errorf("%dx%d: PHASE or LAG cut beside %q:\n%s", size[0], size[1], c, lines[k])
				}
			}
			for range 10 {
				m.Update(uitest.Press("j"))
			}
		}
		if len(seen) != len(names) {
			t.Errorf("%dx%d: %d names read differently for %d masters: two read the same, or some were not shown", size[0], size[1], len(seen), len(names))
		}
	}
}
