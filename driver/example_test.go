package driver_test

import (
	"context"
	"fmt"

	"flyover/driver"
	"flyover/driver/drivertest"
	"flyover/steps"
)

// An owner without a screen (an unattended run) drives the same loop the
// checklist does: facts in, what is next, answers, the start, its end.
// Here the runner sends nothing and every step fails at once, so the loop
// stops at the first failure.
func Example() {
	r := &drivertest.Runner{}
	d := driver.New(context.Background(), driver.Config{Runner: r})
	d.Observe(steps.Facts{}, true) // a poll of the source and the target

	id, ok := d.Auto() // a wait or a survey starts without a question
	if !ok {
		n := d.Next()
		if n.Kind != driver.Run && n.Kind != driver.Ask {
			fmt.Println("nothing to run:", n.Why)
			return
		}
		id = n.Step.ID
	}
	if _, err := d.RunNow(id, *d.Facts(), nil); err != nil {
		fmt.Println("not started:", err)
		return
	}
	job, _ := d.Running()
	job.(*drivertest.Job).End(fmt.Errorf("the target is not empty"))
	last, _ := d.Follow(func(p steps.Progress) { fmt.Println(p.Phase) })
	fmt.Printf("%s: %v\n", driver.Title(last.ID), last.Err)
	// Output: Preflight: the target is not empty
}
