package steps

import "strings"

// What --read-only lets through, in one place: the reads the audited path
// sends (IsRead) and, for the guard on every connection, the client
// library's own connection handshake.

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
	if IsRead(args) {
		return true
	}
	if len(args) == 0 {
		return false
	}
	name := strings.ToUpper(args[0])
	if name == "CLIENT" && len(args) > 1 {
		name += " " + strings.ToUpper(args[1])
	}
	return handshake[name]
}
