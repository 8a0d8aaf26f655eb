package probe

import (
	"fmt"
	"os"
	"strings"
)

// Secret sources for one endpoint group, in the order they are tried.
type SecretSource struct {
	// File holds the password (one line; trailing newline ignored).
	File string
	// Env names environment variables to try, first non-empty wins.
	Env []string
	// Argv is a password given on the command line: it works, but shows
	// in the process list and shell history, so it is warned about.
	Argv string
}

// ResolvePassword finds a password. warn is non-empty when the password
// came from argv. Errors name the file.
func ResolvePassword(src SecretSource, getenv func(string) string) (pw, warn string, err error) {
	if src.File != "" {
		b, err := os.ReadFile(src.File)
		if err != nil {
			return "", "", fmt.Errorf("password file: %w", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
		if pw == "" {
			return "", "", fmt.Errorf("password file %s is empty", src.File)
		}
		return pw, "", nil
	}
	if src.Argv != "" {
		return src.Argv, "a password on the command line is visible in the process list and shell history: prefer an environment variable or a password file", nil
	}
	for _, name := range src.Env {
		if v := getenv(name); v != "" {
			return v, "", nil
		}
	}
	return "", "", nil
}

// Redact replaces every occurrence of each secret in s with "***".
func Redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 1 {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}
