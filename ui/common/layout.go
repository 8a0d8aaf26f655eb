package common

// Section is a run of lines the layout may shorten: the lowest prio is
// cut first, down to min lines; more says what was cut.
type Section struct {
	Lines []string
	Prio  int
	Min   int
	More  func(n int) string
	Whole bool // all of it or none (a paragraph cut short reads wrong)
	// Units, when given, are the lines where each whole unit begins (a
	// command wrapped on several lines): the section is shortened to
	// whole units only, and More is told how many units it hid.
	Units []int
	// Brief, when given, is one line said instead of the lines when the
	// section must be cut (a list summed up rather than cut mid-list).
	Brief string
}

// SectionsHeight is how many lines the sections take, stacked with a
// blank line between them, when those below prio are cut to their
// minimum (0: none cut).
func SectionsHeight(secs []Section, prio int) int {
	n, k := 0, 0
	for _, s := range secs {
		l := len(s.Lines)
		if s.Prio < prio {
			l = min(l, s.Min)
		}
		if l > 0 {
			n += l
			k++
		}
	}
	return n + max(0, k-1)
}

// wholeUnits is how many of n lines to show when room is left for
// shown, and how many lines (or units, when units are given) that hides:
// a unit is shown whole or not at all.
func wholeUnits(units []int, shown, n int) (int, int) {
	if len(units) == 0 || shown < units[0] {
		return shown, n - shown
	}
	k := 0 // units that end within the room
	for k < len(units) {
		end := n
		if k+1 < len(units) {
			end = units[k+1]
		}
		if end > shown {
			break
		}
		k++
	}
	if k == len(units) {
		return n, 0
	}
	return units[k], len(units) - k
}

// FitSections stacks sections, one blank line between them, shortening
// the least important until they fit in h lines.
func FitSections(secs []Section, h int) []string {
	total := func() int { return SectionsHeight(secs, 0) }
	for total() > h {
		worst := -1
		for i, s := range secs {
			if len(s.Lines) > s.Min && (worst < 0 || s.Prio < secs[worst].Prio) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		s := &secs[worst]
		if s.Brief != "" {
			s.Lines, s.Brief = []string{s.Brief}, ""
			continue
		}
		if s.Whole {
			s.Lines = nil
			continue
		}
		cut := min(total()-h, len(s.Lines)-s.Min)
		keep := len(s.Lines) - cut
		if s.More != nil && keep > 0 {
			shown, hidden := wholeUnits(s.Units, keep-1, len(s.Lines))
			s.Lines = append(s.Lines[:shown:shown], s.More(hidden))
		} else {
			s.Lines = s.Lines[:keep]
		}
	}
	var out []string
	for _, s := range secs {
		if len(s.Lines) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, s.Lines...)
	}
	return out
}
