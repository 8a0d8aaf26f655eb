// Package canary is the application canary: it writes as an application
// does, through go-redis's Sentinel client, keeps a ledger of every
// acknowledged write, measures stalls, and reads every write back
// (Verify) from the primary the Sentinels name afterwards.
//
//	steps, ui, lab/bench, commands ──▶ probe/canary ──▶ probe
//
// It may import probe. It must never import probe's other rooms, steps,
// the driver, the ui or the commands.
package canary
