package common

// Section is a run of lines the layout may shorten: the lowest prio is
// cut first, down to min lines; more says what was cut.
type Section struct {
	Lines []string
	Prio  int
	Min   int
	More  func(n int) string
	Whole bool // all of it or none (a paragraph cut short reads wrong)
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
		if s.Whole {
			s.Lines = nil
			continue
		}
		cut := min(total()-h, len(s.Lines)-s.Min)
		keep := len(s.Lines) - cut
		if s.More != nil && keep > 0 {
			hidden := len(s.Lines) - keep + 1
			s.Lines = append(s.Lines[:keep-1:keep-1], s.More(hidden))
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
