package lab_test

import (
	"context"
	"strconv"
	"testing"

	"flyover/lab"
	"flyover/lab/labtest"
)

func TestFleetLabStartsEveryMasterUnderOneSentinelSet(t *testing.T) {
	ctx := context.Background()
	f := labtest.StartFleet(t, lab.FleetOptions{Masters: 3, PreloadKeys: 10})
	if len(f.Sources) != 3 || len(f.Targets) != 3 || len(f.Sentinels) != 3 {
		t.Fatalf("sources %d targets %d sentinels %d", len(f.Sources), len(f.Targets), len(f.Sentinels))
	}
	c := f.Sentinels[0].Client()
	defer c.Close()
	for i, name := range f.Names {
		addr, err := c.Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", name).StringSlice()
		if err != nil || addr[1] != strconv.Itoa(f.Sources[i].Port) {
			t.Errorf("%s: sentinel names %v (%v), want port %d", name, addr, err, f.Sources[i].Port)
		}
	}
}
