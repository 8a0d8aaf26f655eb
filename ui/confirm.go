package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"flyover/steps"
)

// Confirm is an open question, with its state, its keys and its view: the
// confirmations asked before a step runs, in order, over the facts the
// operator saw when they pressed enter; or, while a step runs, whether to
// quit. It acts only on the bindings its help shows (y, n for an optional
// part, enter on a typed name); any other key cancels. It ends by sending
// a confirmDoneMsg.
type Confirm struct {
	*common
	keys ConfirmKeyMap

	kind    confirmKind
	id      steps.StepID
	step    *steps.Step
	facts   steps.Facts
	confs   []steps.Confirmation
	i       int
	answers steps.Answers
	typed   []rune // the typed answer (master name)
	done    bool   // answered: keys that follow are not for it

	// opened is when the typed question became the open one. Keys that
	// arrive within promptSettle of it were typed before the operator
	// could see it (the y of the question before, a y out of habit
	// after enter): early counts them, and they are dropped.
	opened time.Time
	early  int
	// wrong says why the last name submitted was refused; the field is
	// empty again for another try.
	wrong string
}

// promptSettle is how long a typed question ignores keys after it opens.
// The screen shows it within a frame (33 ms); nobody reads a prompt and
// answers it in a fifth of a second, so what comes sooner was typed
// before it was there.
const promptSettle = 200 * time.Millisecond

// promptSettledMsg redraws a typed question once it takes keys: the
// cursor appears.
type promptSettledMsg struct {
	dlg *Confirm
	i   int
}

// confirmKind says what a Confirm asks about.
type confirmKind int

const (
	confirmStep confirmKind = iota // the questions before a step
	confirmQuit                    // quit while a step runs?
)

// confirmDoneMsg is how a Confirm ended: go ahead (every question
// answered, or y to quit), or cancelled with why.
type confirmDoneMsg struct {
	dlg *Confirm
	ok  bool
	why string
}

// newStepConfirm asks step's confirmations before it runs with f.
func newStepConfirm(c *common, step *steps.Step, f steps.Facts, confs []steps.Confirmation) *Confirm {
	d := &Confirm{common: c, keys: DefaultConfirmKeyMap(), kind: confirmStep, id: step.ID, step: step,
		facts: f, confs: confs, answers: steps.Answers{}}
	d.opened = c.cfg.Now()
	return d
}

// settle is the command that redraws a typed question once it takes
// keys; nil for any other question.
func (d *Confirm) settle() tea.Cmd {
	if !d.typing() {
		return nil
	}
	i := d.i
	return tea.Tick(promptSettle, func(time.Time) tea.Msg { return promptSettledMsg{dlg: d, i: i} })
}

// settled reports whether the typed question takes keys at now.
func (d *Confirm) settled(now time.Time) bool { return !now.Before(d.opened.Add(promptSettle)) }

// newQuitConfirm asks whether to quit while step id runs.
func newQuitConfirm(c *common, id steps.StepID) *Confirm {
	return &Confirm{common: c, keys: DefaultConfirmKeyMap(), kind: confirmQuit, id: id}
}

func (d *Confirm) conf() steps.Confirmation { return d.confs[d.i] }

// typing reports whether the open question wants a typed answer.
func (d *Confirm) typing() bool {
	return d.kind == confirmStep && d.conf().Kind == steps.ConfirmTypeName
}

// Mode is the keyboard mode the question needs.
func (d *Confirm) Mode() Mode {
	if d.typing() {
		return ModePrompt
	}
	return ModeConfirm
}

// Help is the question's keys, for the footer.
func (d *Confirm) Help() []key.Binding {
	k := d.keys
	switch {
	case d.kind == confirmQuit:
		return []key.Binding{k.Yes, k.Cancel}
	case d.typing():
		return []key.Binding{k.Submit, k.Escape}
	case d.conf().Optional:
		return []key.Binding{k.Yes, k.No, k.Cancel}
	}
	return []key.Binding{k.Yes, k.Cancel}
}

// Update takes a key: the answer to the open question.
func (d *Confirm) Update(k tea.KeyPressMsg) tea.Cmd {
	if d.done {
		return nil
	}
	if d.kind == confirmQuit {
		if !key.Matches(k, d.keys.Yes) {
			return d.end(false, "quit cancelled: "+stepTitle(d.id)+" keeps running")
		}
		return d.end(true, "")
	}
	q := d.conf()
	if q.Kind == steps.ConfirmTypeName {
		switch {
		case key.Matches(k, d.keys.Escape):
			return d.end(false, "cancelled, nothing sent")
		case !d.settled(d.cfg.Now()):
			d.early++ // typed before the prompt was on screen
		case key.Matches(k, d.keys.Submit):
			if string(d.typed) != q.Expect {
				d.wrong = fmt.Sprintf("that is not the master name: you typed %q. Type %s exactly, or esc to cancel; nothing was sent.", string(d.typed), q.Expect)
				if len(d.typed) == 0 {
					d.wrong = fmt.Sprintf("nothing typed: type %s, or esc to cancel; nothing was sent.", q.Expect)
				}
				d.typed = nil
				return d.refused(q)
			}
			d.answers[q.ID] = string(d.typed)
			return d.next()
		case key.Matches(k, d.keys.Erase):
			if len(d.typed) > 0 {
				d.typed = d.typed[:len(d.typed)-1]
			}
		case key.Matches(k, d.keys.Clear):
			d.typed = nil
		default:
			if t := k.Text; t != "" && len(d.typed) < 200 {
				d.typed = append(d.typed, []rune(t)...)
				d.wrong = ""
			}
		}
		return nil
	}
	switch {
	case key.Matches(k, d.keys.Yes):
		d.answers[q.ID] = "y"
	case key.Matches(k, d.keys.No) && q.Optional:
		d.answers[q.ID] = "n"
	default:
		return d.end(false, "cancelled, nothing sent")
	}
	return d.next()
}

// next moves to the next question, or ends once all are answered. A
// typed question opens now: the y that answered the one before is not
// for it.
func (d *Confirm) next() tea.Cmd {
	if d.i+1 < len(d.confs) {
		d.i++
		d.typed, d.wrong, d.early = nil, "", 0
		d.opened = d.cfg.Now()
		return d.settle()
	}
	return d.end(true, "")
}

// confirmRefusedMsg: a typed answer was wrong; the question stays open.
// The checklist records the refusal as it does a cancel.
type confirmRefusedMsg struct {
	dlg *Confirm
	q   steps.Confirmation
	why string
}

func (d *Confirm) refused(q steps.Confirmation) tea.Cmd {
	why := d.wrong
	return func() tea.Msg { return confirmRefusedMsg{dlg: d, q: q, why: why} }
}

func (d *Confirm) end(ok bool, why string) tea.Cmd {
	d.done = true
	return func() tea.Msg { return confirmDoneMsg{dlg: d, ok: ok, why: why} }
}

// ---- view ----

// View is the step's questions in h lines, full width, under top (the
// application line); for a quit, the question alone.
func (d *Confirm) View(W, H int, top []string) []string {
	if d.kind == confirmQuit {
		return d.quitLines(W)
	}
	secs := d.sections(W, top, true)
	if sectionsHeight(secs, prioCommands) > H {
		// The commands with their notes and the question do not fit: the
		// commands alone, one line each, so that every one is on screen,
		// and then without the application's panel above them.
		secs = d.sections(W, top, false)
		if sectionsHeight(secs, prioCommands) > H {
			secs = d.sections(W, nil, false)
		}
	}
	return fitSections(secs, H)
}

// prioCommands is the commands' place among the sections: above it only
// the step's name and the question itself.
const prioCommands = 95

// need is how many lines the questions need at width W, leaving out what
// may go (the step's why).
func (d *Confirm) need(W int, top []string) int {
	for _, cmd := range d.conf().Commands {
		cmd.Note = ""
		if width(cmd.String())+2 > W {
			return 1 << 20 // a command would wrap: give it the whole width
		}
	}
	n, k := 0, 0
	for _, s := range d.sections(W, top, true) {
		if s.whole || len(s.lines) == 0 {
			continue
		}
		n += len(s.lines)
		k++
	}
	return n + k - 1
}

// sections are the question's parts; without notes, the commands are one
// line each.
func (d *Confirm) sections(W int, top []string, notes bool) []section {
	st := d.styles
	q := d.conf()
	right := cell{text: fmt.Sprintf("question %d of %d", d.i+1, len(d.confs)), tone: toneMuted}
	name := strings.ToUpper(d.step.Title)
	if n := stepNumber(d.id); n > 0 {
		name = fmt.Sprintf("STEP %d OF %d · %s", n, len(steps.Steps()), name)
	}
	head := append(append([]string(nil), top...), d.titleRight(st.title.Render(name), right, W))
	secs := []section{{lines: head, prio: 100}}
	secs = append(secs, section{lines: d.wrapText(d.step.Why, W, 0, toneMuted), prio: 10, whole: true})

	var before []string
	for i := 0; i < d.i; i++ {
		p := d.confs[i]
		ans := "yes"
		if !p.Yes(d.answers[p.ID]) {
			ans = "no"
		}
		before = append(before, st.paint(toneOK, "✓ ")+st.paint(toneMuted, clip(p.Prompt, W-10)+"  ")+st.paint(toneStrong, ans))
	}
	if len(before) > 0 {
		secs = append(secs, section{lines: before, prio: 50, min: 1})
	}
	if q.Warning != "" {
		label := st.BadgeBad.Render(" POINT OF NO RETURN ")
		lw := lipgloss.Width(label)
		lines := d.wrapText(q.Warning, W, lw+1, toneBad)
		lines[0] = label + strings.TrimPrefix(lines[0], strings.Repeat(" ", lw))
		first, _, _ := strings.Cut(q.Warning, ". ")
		secs = append(secs, section{lines: lines, prio: 90, min: 1, more: func(int) string {
			// Short of room: the badge and the first sentence, never nothing.
			return label + " " + st.paint(toneBad, clip(strings.TrimSuffix(first, ".")+".", W-lw-1))
		}})
	}
	if len(q.Commands) > 0 {
		head := "flyover will send, in this order:"
		if len(q.Commands) == 1 {
			head = "flyover will send:"
		}
		if d.cfg.ReadOnly {
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
		secs = append(secs, section{lines: append([]string{st.paint(toneMuted, head)}, d.commandLines(cmds, W)...), prio: prioCommands, min: 2,
			more: func(n int) string {
				return st.paint(toneWarn, clip(fmt.Sprintf("  … %d more lines: make the window taller to see every command", n), W))
			}})
	}
	secs = append(secs, section{lines: d.questionLines(q, W), prio: 99})
	return secs
}

// commandLines are commands exactly as they will be sent, aligned:
// endpoint, arguments, and when or how often (muted), wrapped, never cut.
func (d *Confirm) commandLines(cmds []steps.Command, W int) []string {
	st := d.styles
	type row struct{ at, args, note string }
	rows := make([]row, len(cmds))
	aw, gw := 0, 0
	for i, cmd := range cmds {
		note := cmd.Note
		cmd.Note = ""
		s := cmd.String()
		at, args, _ := strings.Cut(s, "> ")
		rows[i] = row{at: at + ">", args: args, note: note}
		aw = max(aw, width(rows[i].at))
		gw = max(gw, width(args))
	}
	const indent = 2
	noteCol := indent + aw + 1 + gw + 3
	inline := W-noteCol >= 30
	noteIndent := indent + aw + 1
	if W < 80 {
		noteIndent = indent + 4
	}
	var out []string
	for _, r := range rows {
		head := strings.Repeat(" ", indent) + st.paint(toneMuted, fitRight(r.at, aw)) + " " + st.paint(toneStrong, r.args)
		if argCol := indent + aw + 1; argCol+width(r.args) > W {
			// A very long command wraps under its arguments rather than
			// being cut: every byte of it is what will be sent.
			pad := strings.Repeat(" ", argCol)
			if W-argCol < 20 {
				argCol, pad = indent+4, strings.Repeat(" ", indent+4)
			}
			args := strings.Split(ansi.Wrap(r.args, W-argCol, ""), "\n")
			out = append(out, strings.Repeat(" ", indent)+st.paint(toneMuted, fitRight(r.at, aw)))
			if argCol == indent+aw+1 {
				out[len(out)-1] += " " + st.paint(toneStrong, strings.TrimRight(args[0], " "))
				args = args[1:]
			}
			for _, a := range args {
				out = append(out, pad+st.paint(toneStrong, strings.TrimRight(a, " ")))
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
			out = append(out, fit(head, noteCol)+st.paint(toneMuted, notes[0]))
			for _, n := range notes[1:] {
				out = append(out, strings.Repeat(" ", noteCol)+st.paint(toneMuted, n))
			}
			continue
		}
		if head != "" {
			out = append(out, head)
		}
		out = append(out, d.wrapText(r.note, W, noteIndent, toneMuted)...)
	}
	return out
}

// questionLines are the prompt and the keys that answer it.
func (d *Confirm) questionLines(q steps.Confirmation, W int) []string {
	st := d.styles
	k := d.keys
	lines := d.wrapText(q.Prompt, W, 0, toneStrong)
	switch {
	case q.Kind == steps.ConfirmTypeName:
		typed := string(d.typed)
		tt := toneText
		if typed != "" && !strings.HasPrefix(q.Expect, typed) {
			tt = toneWarn
		}
		field := "  " + st.paint(toneAccent, "> ") + st.paint(tt, typed)
		if d.settled(d.cfg.Now()) {
			field += st.paint(toneAccent, "█") // the cursor: it takes keys now
		}
		lines = append(lines, field)
		if d.wrong != "" {
			lines = append(lines, d.wrapText(d.wrong, W, 2, toneBad)...)
		}
		if d.early > 0 {
			lines = append(lines, d.wrapText(fmt.Sprintf("ignored %d key%s typed before this question was on screen", d.early, plural(d.early)), W, 2, toneMuted)...)
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
	return d.styles.paint(toneAccent, b.Help().Key) + " " + d.styles.paint(toneMuted, what)
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
	if s := steps.Lookup(d.id); s != nil && s.PointOfNoReturn {
		what = "flyover stops it first: before SENTINEL FAILOVER it unpauses the source and nothing changes; after it, it finishes the fence and the unpause, then quits."
	}
	lines := d.wrapText(fmt.Sprintf("%s is running. Quit? %s", stepTitle(d.id), what), W, 0, toneStrong)
	return append(lines, "  "+d.hint(d.keys.Yes, "quit")+"   "+d.hint(d.keys.Cancel, "keep it running"))
}
