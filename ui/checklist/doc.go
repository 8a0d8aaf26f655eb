// Package checklist is the guided migration beside the dashboard: the
// plan, the current step with what it checks and sends, the running
// step's progress, the application panel, and autoplay. It is a face of
// the driver: keys become the driver's requests and answers, the driver's
// blocking halves become tea.Cmds, and what the driver holds is drawn.
//
//	ui ──▶ ui/checklist ──▶ ui/confirm, ui/common, driver, steps, probe
//
// It may import ui/confirm, ui/common, driver, steps and probe. It must
// never import the dashboard, the root ui or the commands, and it starts
// a step only through the driver. Its tests run it alone, held as the
// root model holds it, through ui/checklist/checklisttest.
package checklist
