// Package auditlog is the audit trail: every command flyover sends, its
// reply, every confirmation and every step's result, one JSON line each,
// written (and for a write, fsync'd) before the command goes out; a
// fleet's masters share one log through their views (ForMaster), each
// with its own report path.
//
//	steps ──▶ steps/auditlog
//
// It imports nothing of flyover. It must never import steps (which
// writes through it), the driver, the ui or the commands: it records, it
// decides nothing.
package auditlog
