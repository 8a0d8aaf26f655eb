package common_test

import (
	"testing"

	"flyover/ui/common"
)

func TestRing(t *testing.T) {
	r := common.NewRing[int](3)
	for i := 1; i <= 5; i++ {
		r.Push(i)
	}
	if r.Len() != 3 || r.At(0) != 3 || r.At(2) != 5 {
		t.Errorf("ring holds %d, %d..%d; want 3, 3..5", r.Len(), r.At(0), r.At(2))
	}
	if v, _ := r.Last(); v != 5 {
		t.Errorf("last %d, want 5", v)
	}
}

func TestSparkline(t *testing.T) {
	r := common.NewRing[int64](8)
	for _, v := range []int64{0, 0, 1, 7, -1} {
		r.Push(v)
	}
	got := common.Sparkline(r, 8, func(v *int64) int64 { return *v })
	if got != "   ▁▁▂▇ " {
		t.Errorf("sparkline %q", got)
	}
	// A ring larger than the width: each cell shows the largest of its share.
	r = common.NewRing[int64](16)
	for i := range 16 {
		r.Push(int64(i % 2 * 10))
	}
	if got := common.Sparkline(r, 4, func(v *int64) int64 { return *v }); got != "▇▇▇▇" {
		t.Errorf("bucketed sparkline %q, want the peaks", got)
	}
}
