package confirm

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/steps"
	"flyover/ui/common"
)

// Confirm is an open question, with its state, its keys and its view: the
// confirmations asked before a step runs, in order, over the facts the
// operator saw when they pressed enter; or, while a step runs, whether to
// quit. It acts only on the bindings its help shows (y, n for an optional
// part, enter on a typed name); any other key cancels. It ends by sending
// a confirmDoneMsg.
type Confirm struct {
	*common.Common
	Keys common.ConfirmKeyMap

	Kind    Kind
	ID      steps.StepID
	step    *steps.Step
	Facts   steps.Facts
	confs   []steps.Confirmation
	Index   int
	Answers steps.Answers
	Typed   []rune // the typed answer (master name)
	Done    bool   // answered: keys that follow are not for it

	// opened is when the typed question became the open one. Keys that
	// arrive within promptSettle of it were typed before the operator
	// could see it (the y of the question before, a y out of habit
	// after enter): early counts them, and they are dropped.
	opened time.Time
	Early  int
	// wrong says why the last name submitted was refused; the field is
	// empty again for another try.
	wrong string
}

// PromptSettle is how long a typed question ignores keys after it opens.
// The screen shows it within a frame (33 ms); nobody reads a prompt and
// answers it in a fifth of a second, so what comes sooner was typed
// before it was there.
const PromptSettle = 200 * time.Millisecond

// SettledMsg redraws a typed question once it takes keys: the
// cursor appears.
type SettledMsg struct {
	Dialog *Confirm
	Index  int
}

// confirmKind says what a Confirm asks about.
type Kind int

const (
	KindStep Kind = iota // the questions before a step
	KindQuit             // quit while a step runs?
)

// DoneMsg is how a Confirm ended: go ahead (every question
// answered, or y to quit), or cancelled with why.
type DoneMsg struct {
	Dialog *Confirm
	OK     bool
	Why    string
}

// NewStep asks step's confirmations before it runs with f.
func NewStep(c *common.Common, step *steps.Step, f steps.Facts, confs []steps.Confirmation) *Confirm {
	d := &Confirm{Common: c, Keys: common.DefaultConfirmKeyMap(), Kind: KindStep, ID: step.ID, step: step,
		Facts: f, confs: confs, Answers: steps.Answers{}}
	d.opened = c.Cfg.Now()
	return d
}

// Settle is the command that redraws a typed question once it takes
// keys; nil for any other question.
func (d *Confirm) Settle() tea.Cmd {
	if !d.Typing() {
		return nil
	}
	i := d.Index
	return tea.Tick(PromptSettle, func(time.Time) tea.Msg { return SettledMsg{Dialog: d, Index: i} })
}

// Settled reports whether the typed question takes keys at now.
func (d *Confirm) Settled(now time.Time) bool { return !now.Before(d.opened.Add(PromptSettle)) }

// NewQuit asks whether to quit while step id runs.
func NewQuit(c *common.Common, id steps.StepID) *Confirm {
	return &Confirm{Common: c, Keys: common.DefaultConfirmKeyMap(), Kind: KindQuit, ID: id}
}

func (d *Confirm) Question() steps.Confirmation { return d.confs[d.Index] }

// Typing reports whether the open question wants a typed answer.
func (d *Confirm) Typing() bool {
	return d.Kind == KindStep && d.Question().Kind == steps.ConfirmTypeName
}

// Mode is the keyboard mode the question needs.
func (d *Confirm) Mode() common.Mode {
	if d.Typing() {
		return common.ModePrompt
	}
	return common.ModeConfirm
}

// Help is the question's keys, for the footer.
func (d *Confirm) Help() []key.Binding {
	k := d.Keys
	switch {
	case d.Kind == KindQuit:
		return []key.Binding{k.Yes, k.Cancel}
	case d.Typing():
		return []key.Binding{k.Submit, k.Escape}
	case d.Question().Optional:
		return []key.Binding{k.Yes, k.No, k.Cancel}
	}
	return []key.Binding{k.Yes, k.Cancel}
}

// Update takes a key: the answer to the open question.
func (d *Confirm) Update(k tea.KeyPressMsg) tea.Cmd {
	if d.Done {
		return nil
	}
	if d.Kind == KindQuit {
		if !key.Matches(k, d.Keys.Yes) {
			return d.end(false, "quit cancelled: "+common.StepTitle(d.ID)+" keeps running")
		}
		return d.end(true, "")
	}
	q := d.Question()
	if q.Kind == steps.ConfirmTypeName {
		switch {
		case key.Matches(k, d.Keys.Escape):
			return d.end(false, "cancelled, nothing sent")
		case !d.Settled(d.Cfg.Now()):
			d.Early++ // typed before the prompt was on screen
		case key.Matches(k, d.Keys.Submit):
			if string(d.Typed) != q.Expect {
				d.wrong = fmt.Sprintf("that is not the master name: you typed %q. Type %s exactly, or esc to cancel; nothing was sent.", string(d.Typed), q.Expect)
				if len(d.Typed) == 0 {
					d.wrong = fmt.Sprintf("nothing typed: type %s, or esc to cancel; nothing was sent.", q.Expect)
				}
				d.Typed = nil
				return d.refused(q)
			}
			d.Answers[q.ID] = string(d.Typed)
			return d.next()
		case key.Matches(k, d.Keys.Erase):
			if len(d.Typed) > 0 {
				d.Typed = d.Typed[:len(d.Typed)-1]
			}
		case key.Matches(k, d.Keys.Clear):
			d.Typed = nil
		default:
			if t := k.Text; t != "" && len(d.Typed) < 200 {
				d.Typed = append(d.Typed, []rune(t)...)
				d.wrong = ""
			}
		}
		return nil
	}
	switch {
	case key.Matches(k, d.Keys.Yes):
		d.Answers[q.ID] = "y"
	case key.Matches(k, d.Keys.No) && q.Optional:
		d.Answers[q.ID] = "n"
	default:
		return d.end(false, "cancelled, nothing sent")
	}
	return d.next()
}

// next moves to the next question, or ends once all are answered. A
// typed question opens now: the y that answered the one before is not
// for it.
func (d *Confirm) next() tea.Cmd {
	if d.Index+1 < len(d.confs) {
		d.Index++
		d.Typed, d.wrong, d.Early = nil, "", 0
		d.opened = d.Cfg.Now()
		return d.Settle()
	}
	return d.end(true, "")
}

// RefusedMsg: a typed answer was wrong; the question stays open.
// The checklist records the refusal as it does a cancel.
type RefusedMsg struct {
	Dialog   *Confirm
	Question steps.Confirmation
	Why      string
}

func (d *Confirm) refused(q steps.Confirmation) tea.Cmd {
	why := d.wrong
	return func() tea.Msg { return RefusedMsg{Dialog: d, Question: q, Why: why} }
}

func (d *Confirm) end(ok bool, why string) tea.Cmd {
	d.Done = true
	return func() tea.Msg { return DoneMsg{Dialog: d, OK: ok, Why: why} }
}

// ---- view ----

// View is the step's questions in h lines, full width, under top (the
// application line); for a quit, the question alone.
func (d *Confirm) View(W, H int, top []string) []string {
	if d.Kind == KindQuit {
		return d.quitLines(W)
	}
	secs := d.sections(W, top, true)
	if common.SectionsHeight(secs, prioCommands) > H {
		// The commands with their notes and the question do not fit: the
		// commands alone, one line each, so that every one is on screen,
		// and then without the application's panel above them.
		secs = d.sections(W, top, false)
		if common.SectionsHeight(secs, prioCommands) > H {
			secs = d.sections(W, nil, false)
		}
	}
	return common.FitSections(secs, H)
}

// prioCommands is the commands' place among the sections: above it only
// the step's name and the question itself.
const prioCommands = 95

// Need is how many lines the questions need at width W, leaving out what
// may go (the step's why).
func (d *Confirm) Need(W int, top []string) int {
	for _, cmd := range d.Question().Commands {
		cmd.Note = ""
		if common.Width(cmd.String())+2 > W {
			return 1 << 20 // a command would wrap: give it the whole width
		}
	}
	n, k := 0, 0
	for _, s := range d.sections(W, top, true) {
		if s.Whole || len(s.Lines) == 0 {
			continue
		}
		n += len(s.Lines)
		k++
	}
	return n + k - 1
}

// sections are the question's parts; without notes, the commands are one
// line each.
func (d *Confirm) sections(W int, top []string, notes bool) []common.Section {
	st := d.Styles
	q := d.Question()
	head := append(append([]string(nil), top...), d.heading(W))
	secs := []common.Section{{Lines: head, Prio: 100}}
	secs = append(secs, common.Section{Lines: d.WrapText(d.step.Why, W, 0, common.ToneMuted), Prio: 10, Whole: true})

	var before []string
	for i := 0; i < d.Index; i++ {
		p := d.confs[i]
		ans := "yes"
		if !p.Yes(d.Answers[p.ID]) {
			ans = "no"
		}
		// The question as asked, to its question mark; words that do
		// not fit go whole (an address is never cut), the answer stays.
		asked, _, ok := strings.Cut(p.Prompt, "?")
		if ok {
			asked += "?"
		}
		asked = common.ClipWords(asked, W-2-2-len(ans))
		before = append(before, st.Paint(common.ToneOK, "✓ ")+st.Paint(common.ToneMuted, asked+"  ")+st.Paint(common.ToneStrong, ans))
	}
	if len(before) > 0 {
		secs = append(secs, common.Section{Lines: before, Prio: 50, Min: 1})
	}
	if q.Warning != "" {
		label := st.BadgeBad.Render(" POINT OF NO RETURN ")
		lw := lipgloss.Width(label)
		lines := d.WrapText(q.Warning, W, lw+1, common.ToneBad)
		lines[0] = label + strings.TrimPrefix(lines[0], strings.Repeat(" ", lw))
		first, _, _ := strings.Cut(q.Warning, ". ")
		secs = append(secs, common.Section{Lines: lines, Prio: 90, Min: 1, More: func(int) string {
			// Short of room: the badge and the first sentence, never nothing.
			return label + " " + st.Paint(common.ToneBad, common.ClipWords(strings.TrimSuffix(first, ".")+".", W-lw-1))
		}})
	}
	if q.WorstCase != "" {
		lines := d.WrapText(q.WorstCase, W, 0, common.ToneWarn)
		secs = append(secs, common.Section{Lines: lines, Prio: 92, Min: len(lines)})
	}
	if len(q.Commands) > 0 {
		head := "flyover will send, in this order:"
		if len(q.Commands) == 1 {
			head = "flyover will send:"
		}
		if d.Cfg.ReadOnly {
			head = "read-only: flyover would send (and will not):"
		}
		cmds := q.Commands
		if !notes {
			cmds = make([]steps.Command, len(q.Commands))
			for i, c := range q.Commands {
				c.Note = ""
				cmds[i] = c
			}
		}
		lines, units := d.commandLines(cmds, W)
		for i := range units {
			units[i]++ // under the heading
		}
		secs = append(secs, common.Section{Lines: append([]string{st.Paint(common.ToneMuted, head)}, lines...), Prio: prioCommands, Min: 2, Units: units,
			More: func(n int) string {
				return st.Paint(common.ToneWarn, common.FirstFit(W,
					fmt.Sprintf("  … %d more command%s: make the window taller to see every one", n, common.Plural(n)),
					fmt.Sprintf("  … %d more: make the window taller", n), fmt.Sprintf("  … %d more", n)))
			}})
	}
	secs = append(secs, common.Section{Lines: d.questionLines(q, W), Prio: 99})
	return secs
}

// commandLines are commands exactly as they will be sent, aligned:
// endpoint, arguments, and when or how often (muted), wrapped, never cut;
// and the line where each command begins.
func (d *Confirm) commandLines(cmds []steps.Command, W int) ([]string, []int) {
	st := d.Styles
	type row struct{ at, args, note string }
	rows := make([]row, len(cmds))
	aw, gw := 0, 0
	for i, cmd := range cmds {
		note := cmd.Note
		cmd.Note = ""
		rows[i] = row{at: cmd.Prompt(), args: cmd.Line(), note: note}
		aw = max(aw, common.Width(rows[i].at))
		gw = max(gw, common.Width(rows[i].args))
	}
	const indent = 2
	noteCol := indent + aw + 1 + gw + 3
	inline := W-noteCol >= 30
	noteIndent := indent + aw + 1
	if W < 80 {
		noteIndent = indent + 4
	}
	var out []string
	starts := make([]int, 0, len(rows))
	for _, r := range rows {
		starts = append(starts, len(out))
		head := strings.Repeat(" ", indent) + st.Paint(common.ToneMuted, common.FitRight(r.at, aw)) + " " + st.Paint(common.ToneStrong, r.args)
		if argCol := indent + aw + 1; argCol+common.Width(r.args) > W {
			// A very long command wraps under its arguments rather than
			// being cut: every byte of it is what will be sent.
			pad := strings.Repeat(" ", argCol)
			if W-argCol < 20 {
				argCol, pad = indent+4, strings.Repeat(" ", indent+4)
			}
			args := common.WrapWords(r.args, W-argCol)
			out = append(out, strings.Repeat(" ", indent)+st.Paint(common.ToneMuted, common.FitRight(r.at, aw)))
			if argCol == indent+aw+1 {
				out[len(out)-1] += " " + st.Paint(common.ToneStrong, strings.TrimRight(args[0], " "))
				args = args[1:]
			}
			for _, a := range args {
				out = append(out, pad+st.Paint(common.ToneStrong, strings.TrimRight(a, " ")))
			}
			head = ""
		}
		if r.note == "" {
			if head != "" {
				out = append(out, head)
			}
			continue
		}
		if inline && head != "" {
			notes := strings.Split(ansi.Wrap(r.note, W-noteCol, ""), "\n")
			out = append(out, common.Fit(head, noteCol)+st.Paint(common.ToneMuted, notes[0]))
			for _, n := range notes[1:] {
				out = append(out, strings.Repeat(" ", noteCol)+st.Paint(common.ToneMuted, n))
			}
			continue
		}
		if head != "" {
			out = append(out, head)
		}
		out = append(out, d.WrapText(r.note, W, noteIndent, common.ToneMuted)...)
	}
	return out, starts
}

// heading is the step's name and which question this is, in the words
// that fit whole: the step count, then the word "question", give way.
func (d *Confirm) heading(W int) string {
	name := strings.ToUpper(d.step.Title)
	names := []string{name}
	if n := common.StepNumber(d.ID); n > 0 {
		names = []string{fmt.Sprintf("STEP %d OF %d · %s", n, len(steps.Steps()), name), fmt.Sprintf("STEP %d · %s", n, name)}
	}
	i, n := d.Index+1, len(d.confs)
	rights := []string{fmt.Sprintf("question %d of %d", i, n), fmt.Sprintf("%d of %d", i, n), fmt.Sprintf("%d/%d", i, n)}
	for _, right := range rights {
		for _, name := range names {
			if common.Width(name)+2+common.Width(right) <= W {
				return d.TitleRight(d.Styles.Title.Render(name), common.Cell{Text: right, Tone: common.ToneMuted}, W)
			}
		}
	}
	return d.TitleRight(d.Styles.Title.Render(names[len(names)-1]), common.Cell{Text: rights[len(rights)-1], Tone: common.ToneMuted}, W)
}

// questionLines are the prompt and the keys that answer it.
func (d *Confirm) questionLines(q steps.Confirmation, W int) []string {
	st := d.Styles
	k := d.Keys
	lines := d.WrapText(q.Prompt, W, 0, common.ToneStrong)
	switch {
	case q.Kind == steps.ConfirmTypeName:
		typed := string(d.Typed)
		tt := common.ToneText
		if typed != "" && !strings.HasPrefix(q.Expect, typed) {
			tt = common.ToneWarn
		}
		field := "  " + st.Paint(common.ToneAccent, "> ") + st.Paint(tt, typed)
		if d.Settled(d.Cfg.Now()) {
			field += st.Paint(common.ToneAccent, "█") // the cursor: it takes keys now
		}
		lines = append(lines, field)
		if d.wrong != "" {
			lines = append(lines, d.WrapText(d.wrong, W, 2, common.ToneBad)...)
		}
		if d.Early > 0 {
			lines = append(lines, d.WrapText(fmt.Sprintf("ignored %d key%s typed before this question was on screen", d.Early, common.Plural(d.Early)), W, 2, common.ToneMuted)...)
		}
		lines = append(lines, d.keyLines(W, d.hint(k.Submit, "run it if the name matches exactly"), d.hint(k.Escape, "cancel, nothing is sent"))...)
	case q.Optional:
		lines = append(lines, d.keyLines(W, d.hint(k.Yes, "yes"), d.hint(k.No, "no, go on without it"), d.hint(k.Cancel, "cancel the step, nothing is sent"))...)
	default:
		lines = append(lines, d.keyLines(W, d.hint(k.Yes, "yes, send it"), d.hint(k.Cancel, "cancel, nothing is sent"))...)
	}
	return lines
}

// hint is a binding's key and what it does here, in words fuller than
// the footer's.
func (d *Confirm) hint(b key.Binding, what string) string {
	return d.Styles.Paint(common.ToneAccent, b.Help().Key) + " " + d.Styles.Paint(common.ToneMuted, what)
}

// keyLines sets key hints on one line, or one per line when they do not fit.
func (d *Confirm) keyLines(W int, hints ...string) []string {
	one := "  " + strings.Join(hints, "   ")
	if lipgloss.Width(one) <= W {
		return []string{one}
	}
	out := make([]string, len(hints))
	for i, h := range hints {
		out[i] = "  " + h
	}
	return out
}

// quitLines are the question asked when q is pressed while a step runs.
func (d *Confirm) quitLines(W int) []string {
	what := "flyover stops it first, then quits."
	if s := steps.Lookup(d.ID); s != nil && s.PointOfNoReturn {
		what = "flyover stops it first: before SENTINEL FAILOVER it unpauses the source and nothing changes; after it, it finishes the fence and the unpause, then quits."
	}
	lines := d.WrapText(fmt.Sprintf("%s is running. Quit? %s", common.StepTitle(d.ID), what), W, 0, common.ToneStrong)
	return append(lines, "  "+d.hint(d.Keys.Yes, "quit")+"   "+d.hint(d.Keys.Cancel, "keep it running"))
}
