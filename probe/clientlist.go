package probe

import "flyover/probe/fullsync"

// ClientFields are one CLIENT LIST line's key=value fields
// (fullsync.ClientFields).
func ClientFields(line string) map[string]string { return fullsync.ClientFields(line) }
