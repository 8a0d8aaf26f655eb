// Package readiness reads the facts that preflight and the readiness
// checks judge, beyond a poll: the configuration both sides answer
// (preflight.go), the source's other replicas and clients
// (replicas.go), whether the data and the application fit Dragonfly,
// and the target's divergence counters read fresh (readiness.go), and
// the parsing of the replies those read (parse.go: INFO commandstats and
// errorstats, CONFIG GET, COMMAND INFO, FUNCTION LIST, MODULE LIST, the
// Lua probe, cache_mode). probe keeps what its poll parses itself
// (UnknownCommands) and the one script it vets (LuaProbeScript).
//
//	steps ──▶ probe/readiness ──▶ probe/access, probe
//
// It may import probe and probe/access. It must never import the
// sampler or the canary, steps, the driver, the ui or the commands.
package readiness
