// Package fleet is every master a Sentinel set monitors: discovered with
// SENTINEL MASTERS, mapped to their Dragonfly targets by a targets file,
// polled together, and migrated one after another.
package fleet

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
)

// TargetsError is a bad line of a targets file, named file:line so the
// operator can go straight to it.
type TargetsError struct {
	File string
	Line int
	Text string
	Why  string
}

func (e *TargetsError) Error() string {
	return fmt.Sprintf("%s:%d: %s (%q); each line is `master-name host:port`, # starts a comment", e.File, e.Line, e.Why, e.Text)
}

// ReadTargets reads a targets file (see ParseTargets).
func ReadTargets(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--targets: %w", err)
	}
	defer f.Close()
	return ParseTargets(f, path)
}

// ParseTargets parses a targets file: one `master-name host:port` a line,
// blank lines and # comments (whole-line or trailing) ignored. A master
// named twice, a line with more or fewer than two fields, or an address
// that is not HOST:PORT is an error naming file:line.
func ParseTargets(r io.Reader, file string) (map[string]string, error) {
	out := map[string]string{}
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		raw := sc.Text()
		text, _, _ := strings.Cut(raw, "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		bad := func(why string) error {
			return &TargetsError{File: file, Line: n, Text: strings.TrimSpace(raw), Why: why}
		}
		if len(fields) != 2 {
			return nil, bad(fmt.Sprintf("%d fields, want 2", len(fields)))
		}
		name, addr := fields[0], fields[1]
		if host, port, err := net.SplitHostPort(addr); err != nil || host == "" || port == "" {
			return nil, bad(fmt.Sprintf("%q is not HOST:PORT", addr))
		}
		if prev, dup := seen[name]; dup {
			return nil, bad(fmt.Sprintf("master %q already has a target on line %d", name, prev))
		}
		seen[name] = n
		out[name] = addr
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return out, nil
}
