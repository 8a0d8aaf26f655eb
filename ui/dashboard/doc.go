// Package dashboard is the live dashboard: the nodes, the replication
// link, the Sentinels and the timeline of events, each a panel of the
// Dashboard, polled through ui/common's tea.Cmds and drawn from the
// snapshot probe derives.
//
//	ui ──▶ ui/dashboard ──▶ ui/common, steps, probe
//
// It may import ui/common, steps and probe. It must never import the
// checklist, the questions, the root ui, the driver or the commands, nor
// read the Guide in its Config: it shows the world, it does not act on
// it. Its tests hold it as the root model does: every poll, then the
// observation (common.Observe).
package dashboard
