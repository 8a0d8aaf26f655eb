// Package probe reads the servers: a client per endpoint (client.go,
// with the read-only guard and the Doer every room sends through), the
// Prober that polls a topology, the parsing of INFO, ROLE, Sentinel's
// replies, and the Snapshot it derives (link, lag,
// agreement, and the full sync's watch, which it fills from the figures
// probe/fullsync judges). What a command is (command.go) and what each
// version allows (capabilities.go) live here, for every room to ask.
//
//	probe/access  probe/readiness  probe/sampling  probe/canary  probe/events
//	        └──────────────┴──────────────┴──────────────┴─────────────┴──▶ probe ──▶ probe/fullsync
//
// Of flyover it imports only probe/fullsync (pure, below it). It must
// never import its rooms (above it), steps, the driver, the ui or the
// commands: it reads the world and decides nothing.
package probe
