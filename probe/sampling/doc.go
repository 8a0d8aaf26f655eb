// Package sampling compares keys on both sides: a sample of the
// source's keys (or all of them) read on the source and the target,
// type, TTL and value in pieces, in every database with keys, and
// rechecked where a write may have raced the read.
//
//	steps ──▶ probe/sampling ──▶ probe
//
// It may import probe. It must never import probe's other rooms, steps,
// the driver, the ui or the commands.
package sampling
