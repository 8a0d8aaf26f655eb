// Package uitest is what the ui's tests share: the fixtures' topology and
// world (a Redis source, a stand-in target, three Sentinels, reported by
// hand) and a round of their polls as messages, a clock that moves when
// told, pollers for tests that deliver polls by hand (or count them),
// commands run as the program would, frame checks, key presses, and
// flyover in tmux for the end-to-end tests. Each room's harness is built
// on it: the root model's (ui), the dashboard's (in its tests), the
// checklist's (ui/checklist/checklisttest).
//
//	tests of ui and its rooms ──▶ ui/uitest ──▶ ui/common, lab, lab/labtest, probe
//
// It may import ui/common, lab, lab/labtest and probe. Only tests import
// it; it never imports a room of ui.
package uitest
