package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"flyover/lab"
	"flyover/steps"
)

func TestReadinessCommandsBadUsageExit2(t *testing.T) {
	ok := []string{"--source", "127.0.0.1:1", "--target", "127.0.0.1:2", "--sentinel", "127.0.0.1:3", "--master", "m"}
	for name, args := range map[string][]string{
		"preflight missing flags": {"preflight"},
		"preflight stray arg":     append([]string{"preflight", "extra"}, ok...),
		"verify without --sample": append([]string{"verify"}, ok...),
		"verify zero rate":        append([]string{"verify", "--sample", "5", "--rate", "0"}, ok...),
	} {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := Run(args, &out, &errb); code != 2 {
				t.Errorf("exit %d, want 2; stderr %q", code, errb.String())
			}
		})
	}
}

func TestReadinessPreflightAndVerifyAgainstLab(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := lab.Start(ctx, lab.Options{PreloadKeys: 200, StandIn: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Stop)

	// A clean lab: nothing blocks.
	var out, errb bytes.Buffer
	if code := Run(append([]string{"preflight", "--json"}, l.FlyoverArgs()...), &out, &errb); code != 0 {
		t.Fatalf("clean preflight exit %d: %s\n%s", code, errb.String(), out.String())
	}
	var doc PreflightDoc
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]steps.Level{}
	for _, c := range doc.Checks {
		ids[c.ID] = c.Level
	}
	if ids["ready-commands"] != steps.Pass || ids["divergence"] != steps.Pass || ids["source-primary"] != steps.Pass || doc.Blocked {
		t.Errorf("checks %v blocked %t", ids, doc.Blocked)
	}

	// A Function loaded on the source blocks, with the fix on screen.
	src := l.Source.Client()
	defer src.Close()
	if err := src.Do(ctx, "FUNCTION", "LOAD", "#!lua name=flylib\nredis.register_function('hello', function() return 1 end)").Err(); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := Run(append([]string{"preflight"}, l.FlyoverArgs()...), &out, &errb); code != 1 {
		t.Errorf("preflight with a Function: exit %d, want 1", code)
	}
	if !strings.Contains(out.String(), "BLOCK  no Redis Functions on the source") || !strings.Contains(out.String(), "fix: move these functions") {
		t.Errorf("output:\n%s", out.String())
	}
	if err := src.Do(ctx, "FUNCTION", "FLUSH").Err(); err != nil {
		t.Fatal(err)
	}

	// Attached and in sync: verify finds nothing, then a key deleted on
	// the target behind flyover's back.
	if err := l.AttachTarget(ctx); err != nil {
		t.Fatal(err)
	}
	tgt := l.Target.Client()
	defer tgt.Close()
	if err := lab.WaitFor(ctx, 30*time.Second, func() bool {
		info, _ := tgt.Info(ctx, "replication").Result()
		return strings.Contains(info, "master_link_status:up") && !strings.Contains(info, "master_sync_in_progress:1")
	}); err != nil {
		t.Fatal("target not in sync")
	}
	verify := append([]string{"verify", "--sample", "1000", "--rate", "5000"}, l.FlyoverArgs()...)
	out.Reset()
	errb.Reset()
	if code := Run(verify, &out, &errb); code != 0 {
		t.Fatalf("verify in sync: exit %d\n%s%s", code, out.String(), errb.String())
	}
	for _, cmd := range [][]any{{"CONFIG", "SET", "replica-read-only", "no"}, {"DEL", "preload:00000042"}} {
		if err := tgt.Do(ctx, cmd...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	if code := Run(append(verify, "--json"), &out, &errb); code != 1 {
		t.Errorf("verify after a DEL on the target: exit %d, want 1", code)
	}
	var vd VerifyDoc
	if err := json.Unmarshal(out.Bytes(), &vd); err != nil {
		t.Fatal(err)
	}
	if len(vd.Sample.Mismatches) != 1 || vd.Sample.Mismatches[0].Key != "preload:00000042" || !vd.Diverged {
		t.Errorf("verify: %+v", vd.Sample)
	}

	// An endpoint that does not answer: exit 1.
	args := l.FlyoverArgs()
	for i := range args {
		if args[i] == "--target" {
			args[i+1] = "127.0.0.1:" + strconv.Itoa(closedPort(t))
		}
	}
	if code := Run(append([]string{"verify", "--sample", "5"}, args...), &out, &errb); code != 1 {
		t.Errorf("unreachable target: exit %d, want 1", code)
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}
