package common

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestFirstFitSaysAShorterWordingRatherThanCut(t *testing.T) {
	long, short := "○ retired · seen 12 s ago", "○ retired · 12 s ago"
	if got := FirstFit(30, long, short); got != long {
		t.Errorf("room for the whole: %q", got)
	}
	if got := FirstFit(22, long, short); got != short {
		t.Errorf("22 cells: %q, want %q", got, short)
	}
	if got := FirstFit(5, long, short); got != "○ re…" {
		t.Errorf("nothing fits: %q, want the last clipped", got)
	}
}

func TestClipWordsNeverCutsAWord(t *testing.T) {
	s := "Sentinels name different masters: s1 127.0.0.1:7002, s2 127.0.0.1:7001"
	for w := 12; w < len(s); w++ {
		got := ClipWords(s, w)
		if Width(got) > w {
			t.Fatalf("%d cells: %q is wider", w, got)
		}
		kept, ok := strings.CutSuffix(got, " …")
		if !ok || !strings.HasPrefix(s, kept) || (len(kept) < len(s) && !strings.ContainsRune(" ,:;", rune(s[len(kept)]))) {
			t.Errorf("%d cells: %q does not end on a whole word", w, got)
		}
	}
	if got := ClipWords("127.0.0.1:26380", 8); got != "127.0.0…" {
		t.Errorf("one long word: %q", got)
	}
}

// Forty samples in a window of a hundred: the line is drawn over the
// window it is given, and from width samples on it is full.
func TestSparklineOverFillsItsWindow(t *testing.T) {
	r := NewRing[int64](600)
	for range 40 {
		r.Push(1)
	}
	pick := func(v *int64) int64 { return *v }
	if got := SparklineOver(r, 40, 20, pick); strings.Contains(got, " ") {
		t.Errorf("40 samples over 40: %q, want full", got)
	}
	if got := SparklineOver(r, 80, 20, pick); got != strings.Repeat(" ", 10)+strings.Repeat("▇", 10) {
		t.Errorf("40 samples over 80: %q, want the right half", got)
	}
	if got := Sparkline(r, 20, pick); strings.Count(got, "▇") != 2 {
		t.Errorf("40 samples over the whole 600: %q, want a sliver", got)
	}
}

// A section of wrapped commands is shortened to whole commands: the
// one that would be cut in the middle goes, and More counts commands.
func TestFitSectionsKeepsUnitsWhole(t *testing.T) {
	lines := []string{"sends", "a1", "b1", "b2", "b3", "c1"}
	more := func(n int) string { return strings.Repeat("+", n) }
	got := FitSections([]Section{{Lines: lines, Min: 2, More: more, Units: []int{1, 2, 5}}}, 4)
	if want := []string{"sends", "a1", "++"}; !slices.Equal(got, want) {
		t.Errorf("4 lines: %q, want %q", got, want)
	}
	got = FitSections([]Section{{Lines: lines, Min: 2, More: more, Units: []int{1, 2, 5}}}, 5)
	if want := []string{"sends", "a1", "++"}; !slices.Equal(got, want) {
		t.Errorf("5 lines: %q, want %q", got, want)
	}
	got = FitSections([]Section{{Lines: lines, Min: 2, More: more}}, 4)
	if want := []string{"sends", "a1", "b1", "+++"}; !slices.Equal(got, want) {
		t.Errorf("no units, 4 lines: %q, want %q", got, want)
	}
}

// A list that must be cut is summed up in its brief line, not cut
// mid-list; with room it is whole.
func TestFitSectionsSaysTheBriefInsteadOfCuttingAList(t *testing.T) {
	list := Section{Lines: []string{"reads only: CONFIG GET ×16, DBSIZE,", "INFO ×5, FUNCTION LIST"}, Min: 1, Brief: "reads only: 24 commands"}
	if got := FitSections([]Section{list}, 2); !slices.Equal(got, list.Lines) {
		t.Errorf("2 lines: %q, want the whole list", got)
	}
	if got := FitSections([]Section{list}, 1); !slices.Equal(got, []string{"reads only: 24 commands"}) {
		t.Errorf("1 line: %q, want the brief", got)
	}
}

// A table too narrow for a cell's text's shortest wording is cut; one
// between its wordings says the one that fits.
func TestTableSaysTheShortestWordingWhenTheShortDoesNotFit(t *testing.T) {
	st := DefaultStyles(true)
	cols := []Column{
		{Cells: []Cell{{Text: "s3"}}},
		{Cells: []Cell{{Text: "DOWN · seen 2.5 s ago · no answer within the deadline: the server is hung", Short: "DOWN · seen 2.5 s ago · no answer within the deadline", Shortest: "DOWN · seen 2.5 s ago", Span: true}}},
	}
	for w, want := range map[int]string{90: "the server is hung", 60: "within the deadline", 30: "seen 2.5 s ago"} {
		got := ansi.Strip(strings.Join(st.Table(cols, w, 2), "|"))
		if !strings.HasSuffix(strings.TrimRight(got, " "), want) {
			t.Errorf("%d cells: %q, want it to end %q", w, got, want)
		}
	}
}

// A column of cells with a shortest wording narrows to it when the
// table is that tight, and says the short one when there is room for it.
func TestAColumnNarrowsToItsShortestWording(t *testing.T) {
	st := DefaultStyles(true)
	cols := []Column{
		{Cells: []Cell{{Text: "s1"}}},
		{Cells: []Cell{{Text: "master,failover_in_progress", Short: "failover", Shortest: "fo"}}},
		{Cells: []Cell{{Text: "127.0.0.1:7001"}}},
	}
	for w, want := range map[int]string{47: "master,failover_in_progress", 28: "s1  failover  127.0.0.1:7001", 22: "s1  fo  127.0.0.1:7001"} {
		if got := ansi.Strip(strings.Join(st.Table(cols, w, 2), "|")); !strings.Contains(got, want) || strings.Contains(got, "…") {
			t.Errorf("%d cells: %q, want %q whole", w, got, want)
		}
	}
}

// A table too narrow for a cell's text says its shorter wording rather
// than cutting it; with room, the text.
func TestTableSaysTheShortWordingBeforeCutting(t *testing.T) {
	st := DefaultStyles(true)
	cols := []Column{
		{Cells: []Cell{{Text: "s1"}, {Text: "s2"}}},
		{Cells: []Cell{{Text: "master,failover_in_progress", Short: "failover"}, {Text: "master"}}},
	}
	plain := func(lines []string) string { return ansi.Strip(strings.Join(lines, "|")) }
	if got := plain(st.Table(cols, 40, 2)); !strings.Contains(got, "master,failover_in_progress") {
		t.Errorf("40 cells: %q", got)
	}
	got := plain(st.Table(cols, 16, 2))
	if !strings.Contains(got, "s1  failover") || strings.Contains(got, "…") {
		t.Errorf("16 cells: %q, want the short wording whole", got)
	}
}
