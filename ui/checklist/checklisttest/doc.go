// Package checklisttest drives the checklist for tests, on the fixtures'
// world: polls delivered by hand, steps that send nothing
// (driver/drivertest), keys typed, a clock that moves when told, and the
// scenes the tests start from (detached, ready for the cutover, the
// cutover running, done). What holds the checklist is a Host: Alone, the
// checklist by itself as the root model would hold it (its own tests),
// or the root model (the wiring's tests and benchmarks, in ui).
//
//	tests of ui/checklist, ui ──▶ ui/checklist/checklisttest ──▶ ui/checklist, ui/dashboard,
//	                                                   ui/confirm, ui/common, ui/uitest,
//	                                                   driver, driver/drivertest, steps, probe
//
// It may import ui/checklist and what lies below it. Only tests import it;
// the checklist's own tests do so from package checklist_test. Alone
// digests the polls with a dashboard, the code that digests them for the
// root model, so the checklist sees what it sees beside one; the
// checklist itself never imports the dashboard.
package checklisttest
