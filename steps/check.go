package steps

// Level is a check's verdict.
type Level string

const (
	Pass  Level = "pass"
	Warn  Level = "warn"  // proceed, but read why
	Block Level = "block" // the plan stops here until it is fixed
)

// Check is one line of a checklist: what was checked, the verdict, what was
// found (for a warning, why it matters), and for a block, the fix.
type Check struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Level  Level  `json:"level"`
	Detail string `json:"detail,omitempty"`
	Fix    string `json:"fix,omitempty"`
	// FixCommands are commands that would fix it, when flyover can say
	// exactly which (shown to the operator; a step may offer to run them).
	FixCommands []Command `json:"fix_commands,omitempty"`
	// Clears: a block that may clear by itself (clears.go).
	Clears bool `json:"clears,omitempty"`
}

func PassCheck(id, title, detail string) Check {
	return Check{ID: id, Title: title, Level: Pass, Detail: detail}
}

func WarnCheck(id, title, detail string) Check {
	return Check{ID: id, Title: title, Level: Warn, Detail: detail}
}

func BlockCheck(id, title, detail, fix string) Check {
	return Check{ID: id, Title: title, Level: Block, Detail: detail, Fix: fix}
}

// AsBlocks are the checks that do not pass, as blocks: a precondition
// made of another step's checks. One without a fix of its own gets fix.
func AsBlocks(checks []Check, fix string) []Check {
	var out []Check
	for _, c := range checks {
		if c.Level != Pass {
			// What another step only warns of is a wait there (a
			// replica not listed yet, flagged down for now).
			c.Clears = c.Clears || c.Level == Warn
			c.Level = Block
			if c.Fix == "" {
				c.Fix = fix
			}
			out = append(out, c)
		}
	}
	return out
}

// AnyBlock reports whether any check blocks.
func AnyBlock(cs []Check) bool {
	for _, c := range cs {
		if c.Level == Block {
			return true
		}
	}
	return false
}

// FirstBlock returns the first blocking check, or nil.
func FirstBlock(cs []Check) *Check {
	for i := range cs {
		if cs[i].Level == Block {
			return &cs[i]
		}
	}
	return nil
}

func AnyNotPass(cs []Check) bool {
	for _, c := range cs {
		if c.Level != Pass {
			return true
		}
	}
	return false
}

// WaitingOn is the checks that do not pass yet, each as "title: detail",
// for a wait's progress line and its timeout error.
func WaitingOn(cs []Check) []string {
	var out []string
	for _, c := range cs {
		if c.Level != Pass {
			out = append(out, c.Title+": "+c.Detail)
		}
	}
	return out
}
