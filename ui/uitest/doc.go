// Package uitest is what the ui's tests share: the fixtures' topology and
// world (a Redis source, a stand-in target, three Sentinels, reported by
// hand), a clock that moves when told, frame checks, key presses, and
// flyover in tmux for the end-to-end tests.
//
//	tests of ui, ui/fleetview ──▶ ui/uitest ──▶ ui/common, lab, lab/labtest, probe
//
// It may import ui/common, lab, lab/labtest and probe. Only tests import
// it; it never imports a room of ui.
package uitest
