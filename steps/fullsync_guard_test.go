package steps

import (
	"errors"
	"strings"
	"testing"
	"time"

	"flyover/probe"
	"flyover/probe/fullsync"
)

// stopFixture is a loop flyover stopped after two drops for the buffer,
// with the raise that lets the sync finish.
func stopFixture() *SyncStop {
	old := fullsync.Limit{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 5}
	return &SyncStop{At: time.Date(2026, 12, 6, 0, 25, 31, 0, time.UTC), Restarts: 2,
		Drops: []fullsync.SyncDrop{{Cause: fullsync.DropBufferHard, Brief: "the buffer passed its 1.0 MiB hard limit",
			Reason: "the buffer passed its 1.0 MiB hard limit (client-output-buffer-limit replica; 1021.2 KiB at the last look, growing with the writes): the source closed the link"}},
		Fix: &BufferRaise{Old: old, New: fullsync.Limit{Hard: 256 << 20, Soft: 256 << 20, SoftSeconds: 60}, Word: "replica"}, Forgot: 3}
}

// The stop is three short sentences: what happened with its figures,
// what flyover did, and the exact fix; the long reason is the audit
// log's. `flyover migrate` prints it as it is, and then how to go on.
func TestStopMessageSaysWhatHappenedWhatWasDoneAndTheFix(t *testing.T) {
	st := stopFixture()
	msg := StopMessage(st, nil)
	want := `full sync stopped: the source dropped it 2 times; last: the buffer passed its 1.0 MiB hard limit. ` +
		`flyover sent REPLICAOF NO ONE to the target and made the Sentinels forget it. ` +
		`Next: raise the source's limit: CONFIG SET client-output-buffer-limit "replica 268435456 268435456 60" (now "replica 1048576 524288 5"), then attach again.`
	if msg != want {
		t.Errorf("stop:\n%s\nwant:\n%s", msg, want)
	}
	// Short enough for the checklist's 50-column pane at 120x36, where
	// it gets seven lines (its own test renders it); it was about 600
	// characters; the Sentinels' reset added 32.
	if len(msg) > 340 {
		t.Errorf("the stop is %d characters: %s", len(msg), msg)
	}

	// No Sentinel listed the target: nothing to say of them.
	st.Forgot = 0
	if msg := StopMessage(st, nil); !strings.Contains(msg, "flyover sent REPLICAOF NO ONE to the target. Next:") {
		t.Errorf("stop without resets: %s", msg)
	}
	// The resets failed, or a Sentinel sent the target back: said.
	st.ForgetErr = "sentinel-2 has not settled 20s after SENTINEL RESET: not answering"
	if msg := StopMessage(st, nil); !strings.Contains(msg, "to the target, but Sentinel may send it back (sentinel-2 has not settled") ||
		!strings.Contains(msg, "SENTINEL RESET them yourself. Next:") {
		t.Errorf("stop whose resets failed: %s", msg)
	}
	st.ForgetErr, st.Forgot, st.SentBack = "", 4, 1
	if msg := StopMessage(st, nil); !strings.Contains(msg, "made the Sentinels forget it (again after Sentinel sent it back 1×). Next:") {
		t.Errorf("stop held after a Sentinel sent it back: %s", msg)
	}
	st.SentBack = 0

	// One more restart than flyover lets through, no fix known, and the
	// stop refused: each said.
	st.Restarts, st.Fix = 3, nil
	msg = StopMessage(st, errors.New("127.0.0.1:7001: i/o timeout"))
	for _, part := range []string{"dropped it 3 times (1 more than flyover lets through)",
		"flyover could not stop it (REPLICAOF NO ONE on the target: 127.0.0.1:7001: i/o timeout): send it yourself before the source forks again.",
		"Next: read the source's log and the target's, fix the cause, then attach again."} {
		if !strings.Contains(msg, part) {
			t.Errorf("stop %q lacks %q", msg, part)
		}
	}
}

// The report keeps the full sync's history when the operator accepts the
// raise after a stop and the sync then finishes: it stopped at T after N
// restarts, the limit was raised from X to Y at T2, the sync finished,
// and the restore (the command, then that it was put back).
func TestReportKeepsTheStopAfterTheRaiseLetTheSyncFinish(t *testing.T) {
	s := NewSession()
	st := stopFixture()
	s.SetSyncStopped(st)
	// The attach's raise, as RunBufferRaise records it.
	raised := *st.Fix
	raised.At = st.At.Add(time.Minute)
	s.setBufferRaised(&raised)
	s.SetSyncStopped(nil)
	if f := s.Facts(probe.Topology{}, probe.Snapshot{}); f.Sync.Stopped != nil {
		t.Fatal("the stop is still open after its fix: the attach would offer it again")
	}
	s.Observe(probe.Snapshot{At: raised.At.Add(30 * time.Second), Link: probe.Link{Phase: probe.PhaseTransfer}})
	s.Observe(probe.Snapshot{At: raised.At.Add(47 * time.Second), Link: probe.Link{Phase: probe.PhaseOnline}})
	s.Observe(probe.Snapshot{At: raised.At.Add(60 * time.Second), Link: probe.Link{Phase: probe.PhaseOnline}})

	lines := strings.Join(SyncReportLines(s.Facts(probe.Topology{}, probe.Snapshot{})), "\n")
	for _, want := range []string{
		"Full sync stopped by flyover at 2026-12-06T00:25:31Z after 2 restarts (REPLICAOF NO ONE on the target; SENTINEL RESET 3× so the Sentinels forgot it); last cause: the buffer passed its 1.0 MiB hard limit",
		"The source's replica output buffer limit was raised from `replica 1048576 524288 5` to `replica 268435456 268435456 60` at 2026-12-06T00:26:31Z; " +
			"the full sync then finished (the target streamed at 2026-12-06T00:27:18Z).",
		"**Restore the source's buffer limit**: put it back with `CONFIG SET client-output-buffer-limit \"replica 1048576 524288 5\"`",
	} {
		if !strings.Contains(lines, want) {
			t.Errorf("the report lacks\n%s\nin\n%s", want, lines)
		}
	}

	s.setBufferRestored()
	lines = strings.Join(SyncReportLines(s.Facts(probe.Topology{}, probe.Snapshot{})), "\n")
	if !strings.Contains(lines, "Full sync stopped by flyover at") || !strings.Contains(lines, "was put back to `replica 1048576 524288 5`") ||
		strings.Contains(lines, "Restore the source's buffer limit") {
		t.Errorf("the report after the limit was put back:\n%s", lines)
	}
}
