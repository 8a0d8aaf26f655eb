// Package events is Sentinel's voice: one Pub/Sub subscription per
// Sentinel (PSUBSCRIBE *, reconnected by go-redis), relayed onto one
// channel that never blocks its subscriptions (watch.go), and the parsing
// of each event's message (events.go). The polls say what the Sentinels
// think; the events say when they changed their minds.
//
//	ui, commands, steps ──▶ probe/events ──▶ probe
//
// It may import probe. It must never import probe's other rooms, steps,
// the driver, the ui or the commands.
package events
