package commands

import (
	"encoding/json"
	"fmt"
	"io"

	"flyover/version"
)

// cmdVersion prints which flyover this is: `flyover version`, `flyover
// --version`; --json for scripts and inventories.
func cmdVersion(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		fmt.Fprintln(stdout, version.Line())
		return 0
	case len(args) == 1 && (args[0] == "--json" || args[0] == "-json"):
		b, _ := json.Marshal(version.Get())
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	fmt.Fprintf(stderr, "flyover version: unexpected %q (flyover version [--json])\n", args)
	return 2
}
