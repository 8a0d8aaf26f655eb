package probe

import "strings"

// What a command is, in one place: its name as an operator says it, and
// whether it only reads. The audited path in steps, the read-only guard on
// every connection, the ACL preflight and the checklist's summaries all ask
// here.

// subcommandParents are the commands whose first argument is a subcommand
// that decides what they do (CONFIG GET reads, CONFIG SET writes).
var subcommandParents = map[string]bool{
	"ACL": true, "CLIENT": true, "CLUSTER": true, "COMMAND": true, "CONFIG": true,
	"DEBUG": true, "FUNCTION": true, "LATENCY": true, "MEMORY": true, "MODULE": true,
	"OBJECT": true, "PUBSUB": true, "SCRIPT": true, "SENTINEL": true, "SLOWLOG": true,
	"XGROUP": true, "XINFO": true,
}

// CommandName is the command as an operator says it, in capitals, with
// its subcommand where one decides what it does: "INFO", "CLIENT PAUSE",
// "SENTINEL CONFIG GET". It is "" for no arguments.
func CommandName(args []string) string {
	if len(args) == 0 {
		return ""
	}
	name := strings.ToUpper(args[0])
	if !subcommandParents[name] || len(args) < 2 {
		return name
	}
	name += " " + strings.ToUpper(args[1])
	if name == "SENTINEL CONFIG" && len(args) > 2 {
		name += " " + strings.ToUpper(args[2])
	}
	return name
}

// readCommands are the commands that only read: the only ones flyover
// sends in read-only mode. Multi-word commands are listed as CommandName
// names them.
var readCommands = map[string]bool{
	"INFO": true, "ROLE": true, "PING": true, "DBSIZE": true, "TIME": true, "ECHO": true,
	"LASTSAVE":    true,
	"CONFIG GET":  true,
	"CLIENT LIST": true, "CLIENT INFO": true, "CLIENT GETNAME": true, "CLIENT ID": true,
	"MEMORY USAGE": true, "MEMORY STATS": true, "MEMORY DOCTOR": true,
	"SLOWLOG GET": true, "SLOWLOG LEN": true, "LATENCY LATEST": true, "LATENCY HISTORY": true,
	"GET": true, "MGET": true, "EXISTS": true, "TTL": true, "PTTL": true, "TYPE": true,
	"STRLEN": true, "SCAN": true,
	"SENTINEL MASTER": true, "SENTINEL MASTERS": true, "SENTINEL REPLICAS": true,
	"SENTINEL SLAVES": true, "SENTINEL SENTINELS": true, "SENTINEL GET-MASTER-ADDR-BY-NAME": true,
	"SENTINEL CKQUORUM": true, "SENTINEL INFO-CACHE": true, "SENTINEL MYID": true,
	"SENTINEL PENDING-SCRIPTS": true, "SENTINEL CONFIG GET": true,
	// Preflight's permission checks: DRYRUN only evaluates the command.
	"ACL DRYRUN": true, "ACL GETUSER": true, "ACL WHOAMI": true, "ACL CAT": true,
	// Readiness: what the source runs, and the sampled comparison of keys
	// (Sample), values read in pieces.
	"FUNCTION LIST": true, "MODULE LIST": true, "PUBSUB NUMPAT": true, "PUBSUB CHANNELS": true,
	"RANDOMKEY": true, "GETRANGE": true, "HLEN": true, "HSCAN": true, "LLEN": true, "LRANGE": true,
	"SCARD": true, "SSCAN": true, "ZCARD": true, "ZRANGE": true, "XLEN": true, "XRANGE": true,
}

// IsRead reports whether a command only reads.
func IsRead(args []string) bool {
	if isLuaProbe(args) {
		return true // exactly the readiness probe, nothing like it
	}
	name := CommandName(args)
	if name == "COMMAND" || strings.HasPrefix(name, "COMMAND ") {
		// COMMAND, COMMAND INFO, COMMAND COUNT, COMMAND DOCS: all reads.
		return true
	}
	return readCommands[name]
}

// handshake are the commands go-redis sends to set up a connection. They
// change that connection only (protocol, credentials, database, name),
// never the server's data or configuration.
var handshake = map[string]bool{
	"HELLO": true, "AUTH": true, "SELECT": true,
	"CLIENT SETNAME": true, "CLIENT SETINFO": true,
}

// AllowedReadOnly reports whether a command may be sent in read-only mode:
// a read, or the connection's own handshake.
func AllowedReadOnly(args []string) bool {
	return IsRead(args) || handshake[CommandName(args)]
}

// isLuaProbe reports whether args are exactly the readiness Lua probe,
// which reads one undeclared key: the only EVAL flyover calls a read.
func isLuaProbe(args []string) bool {
	return len(args) == 3 && strings.EqualFold(args[0], "EVAL") &&
		args[1] == LuaProbeScript && args[2] == "0"
}

// LuaProbeScript is the one script flyover runs, on the target only, to
// learn whether scripts may touch keys they did not declare: it reads one
// key named in the script and writes nothing. Dragonfly's
// default_lua_flags cannot be read with CONFIG GET; this answer can.
const LuaProbeScript = "return redis.call('EXISTS', 'flyover:probe')"
