package probe

import "strings"

// ClientFields are one CLIENT LIST line's key=value fields.
func ClientFields(line string) map[string]string {
	f := map[string]string{}
	for _, kv := range strings.Fields(line) {
		k, v, _ := strings.Cut(kv, "=")
		f[k] = v
	}
	return f
}
