package switchover

import (
	"reflect"
	"testing"
	"time"

	"flyover/probe"
	"flyover/steps"
	"flyover/steps/stepstest"
)

// holdFacts: three Sentinels of quorum 2 that all answer, read their
// replicas and know each other; none lists the target.
func holdFacts() steps.Facts {
	f := stepstest.Healthy().Facts()
	f.Snapshot.Sentinels = nil
	for _, addr := range []string{"127.0.0.1:26001", "127.0.0.1:26002", "127.0.0.1:26003"} {
		f.Snapshot.Sentinels = append(f.Snapshot.Sentinels, probe.SentinelView{Addr: addr, Reachable: true, Monitors: true,
			ReplicasRead: true, Quorum: 2, NumOtherSentinels: 2})
	}
	return f
}

// The stop resets exactly the Sentinels that list the target among the
// master's replicas: one that never learned of it, one that does not
// answer or does not monitor the master, one whose replicas were not
// read, is left alone (the hold watches for what they do).
func TestTheStopResetsOnlyTheSentinelsThatListTheTarget(t *testing.T) {
	f := holdFacts()
	if got := listingTarget(f); got != nil {
		t.Errorf("no Sentinel lists the target, resets %v", got)
	}
	if anyUnknown(f) {
		t.Error("every Sentinel was read, yet one is unknown")
	}
	f.Snapshot.Sentinels[0].KnowsTarget = true
	f.Snapshot.Sentinels[2].KnowsTarget = true
	if got := listingTarget(f); !reflect.DeepEqual(got, []int{0, 2}) {
		t.Errorf("resets %v, want [0 2]", got)
	}
	f.Snapshot.Sentinels[0].Reachable = false
	f.Snapshot.Sentinels[2].ReplicasRead = false
	f.Snapshot.Sentinels[1].KnowsTarget, f.Snapshot.Sentinels[1].Monitors = true, false
	if got := listingTarget(f); got != nil {
		t.Errorf("resets %v of Sentinels that are gone, unread or monitor something else", got)
	}
	if !anyUnknown(f) {
		t.Error("an unreachable Sentinel and an unread one are not unknown")
	}
}

// A reset Sentinel has settled for the stop once it no longer lists the
// target and knows quorum-1 other Sentinels; past its share of the
// budget the next reset goes anyway, so that the last comes before
// Sentinel's 8 s conversion.
func TestTheStopsResetsBeatTheConversion(t *testing.T) {
	f := holdFacts()
	now := time.Unix(1000, 0)
	due := now.Add(time.Second)
	v := &f.Snapshot.Sentinels[1]
	v.NumOtherSentinels = 0
	if ok, why := settledForStop(f, 1, now, due); ok || why != "knows 0 of the 2 other Sentinels" {
		t.Errorf("a Sentinel that knows no other: %v %q", ok, why)
	}
	v.NumOtherSentinels = 1 // quorum 2: one other is enough
	if ok, _ := settledForStop(f, 1, now, due); !ok {
		t.Error("a Sentinel that knows quorum-1 others has not settled")
	}
	v.KnowsTarget = true
	if ok, why := settledForStop(f, 1, now, due); ok || why != "still lists the target" {
		t.Errorf("a Sentinel that lists the target: %v %q", ok, why)
	}
	v.KnowsTarget, v.Reachable, v.NumOtherSentinels = false, false, 0
	if ok, why := settledForStop(f, 1, now, due); ok || why != "not answering" {
		t.Errorf("a Sentinel gone: %v %q", ok, why)
	}
	if ok, _ := settledForStop(f, 1, due, due); !ok {
		t.Error("past its share the next reset does not go")
	}

	// The shares: three resets go at the detach, +3 s and +6 s at the
	// latest; two at the detach and +6 s.
	for _, c := range []struct {
		k, n int
		want time.Duration
	}{{0, 3, 3 * time.Second}, {1, 3, 6 * time.Second}, {0, 2, 6 * time.Second}, {0, 5, 1500 * time.Millisecond}, {3, 5, 6 * time.Second}} {
		if got := nextResetDue(now, c.k, c.n).Sub(now); got != c.want {
			t.Errorf("after reset %d of %d: the next due at +%s, want +%s", c.k, c.n, got, c.want)
		}
	}
	if forgetBudget >= conversionPeriod {
		t.Errorf("the resets' budget %s is not below Sentinel's conversion period %s", forgetBudget, conversionPeriod)
	}
}
