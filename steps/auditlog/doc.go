// Package auditlog is the audit trail: every command flyover sends, its
// reply, every confirmation and every step's result, one JSON line each,
// written (and for a write, fsync'd) before the command goes out; a
// fleet's masters share one log through their views (ForMaster), each
// with its own report path.
//
//	steps ──▶ steps/auditlog ──▶ probe
//
// It may import probe (a snapshot it records, the redaction of secrets).
// It must never import steps (which writes through it), probe's rooms,
// the driver, the ui or the commands: it records, it decides nothing.
package auditlog
