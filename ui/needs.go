package ui

import "flyover/steps"

// What the UI still needs from steps, with a local stand-in until steps
// has it. Each is one fact about a step that the UI must not work out by
// comparing IDs.

// abortStep is the way back, offered before the cutover. It is not in the
// plan, so the UI cannot find it by a field of the plan's steps.
//
// TODO(needs): steps.AbortStep() *Step (or Checklist.Abort) so that this
// lookup by ID goes.
func abortStep() *steps.Step { return steps.Lookup(steps.StepAbort) }
