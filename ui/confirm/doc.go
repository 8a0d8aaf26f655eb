// Package confirm is the one confirmation component: a step's questions
// (y/N, the master name typed before the point of no return) with the
// exact commands each answer sends, and the question before quitting
// while a step runs. It draws the question and reports its end as a
// DoneMsg; it never starts anything.
//
//	ui/checklist ──▶ ui/confirm ──▶ ui/common, steps
//
// It may import ui/common, steps and probe. It must never import the
// checklist, the dashboard, the root ui or the driver: whoever opens a
// question acts on its answers.
package confirm
