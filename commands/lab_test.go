package commands

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"flyover/lab"
	"flyover/probe"
)

// The test binary doubles as flyover: with FLYOVER_TEST_MAIN=1 it runs the
// command line it was given, so signal handling is tested in a real process.
func TestMain(m *testing.M) {
	if os.Getenv("FLYOVER_TEST_MAIN") == "1" {
		os.Exit(Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	probe.SetLogOutput(io.Discard) // the lab's readiness probes dial servers not yet up
	os.Exit(m.Run())
}

// startFlyoverLab runs `flyover lab` as a child process and returns it with
// the lab's directory and every address it printed, once it is ready.
func startFlyoverLab(t *testing.T) (*exec.Cmd, string, []string) {
	t.Helper()
	return startFlyoverLabAs(t, exec.Command(os.Args[0], "lab"))
}

// startFlyoverLabAs is startFlyoverLab through cmd (a shell that ignores
// a signal first, say).
func startFlyoverLabAs(t *testing.T, cmd *exec.Cmd) (*exec.Cmd, string, []string) {
	t.Helper()
	cmd.Env = append(os.Environ(), "FLYOVER_TEST_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var dir string
	var addrs []string
	addrRe := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	deadline := time.After(time.Minute)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("flyover lab exited before it was ready")
			}
			if d, found := strings.CutPrefix(l, "lab running in "); found {
				dir = strings.Fields(d)[0]
			}
			if strings.HasPrefix(l, "  source") || strings.HasPrefix(l, "  target") || strings.HasPrefix(l, "  sentinels") {
				addrs = append(addrs, addrRe.FindAllString(l, -1)...)
			}
			if strings.HasPrefix(l, "Ctrl-C stops") {
				go func() {
					for range lines {
					}
				}()
				return cmd, dir, addrs
			}
		case <-deadline:
			t.Fatal("flyover lab not ready within a minute")
		}
	}
}

func allClosed(addrs []string) bool {
	for _, a := range addrs {
		if c, err := net.DialTimeout("tcp", a, 200*time.Millisecond); err == nil {
			c.Close()
			return false
		}
	}
	return true
}

func TestFlyoverLabStopsEverythingOnSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, dir, addrs := startFlyoverLab(t)
			if len(addrs) != 5 || dir == "" {
				t.Fatalf("dir %q addrs %v", dir, addrs)
			}
			if allClosed(addrs) {
				t.Fatal("lab servers not listening")
			}
			cmd.Process.Signal(sig)
			cmd.Wait()
			// With SIGKILL nothing in flyover runs: the servers die with
			// their parent (Pdeathsig), and the directory stays.
			if err := lab.WaitFor(t.Context(), 15*time.Second, func() bool { return allClosed(addrs) }); err != nil {
				t.Fatalf("servers still listening after %v: %v", sig, addrs)
			}
			if sig == syscall.SIGKILL {
				os.RemoveAll(dir)
				return
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("lab directory %s left behind after %v", dir, sig)
			}
		})
	}
}

// Under nohup (SIGHUP ignored when flyover starts) a hang-up changes
// nothing: the lab runs on until it is stopped.
func TestFlyoverLabUnderNohupIgnoresHangUps(t *testing.T) {
	cmd, dir, addrs := startFlyoverLabAs(t, exec.Command("sh", "-c", `trap "" HUP; exec "$0" lab`, os.Args[0]))
	t.Cleanup(func() { os.RemoveAll(dir) })
	cmd.Process.Signal(syscall.SIGHUP)
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	select {
	case <-exited:
		t.Fatal("flyover lab ended on a SIGHUP it was started ignoring")
	case <-time.After(2 * time.Second):
	}
	if allClosed(addrs) {
		t.Fatal("the lab's servers stopped on an ignored SIGHUP")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	<-exited
	if err := lab.WaitFor(t.Context(), 15*time.Second, func() bool { return allClosed(addrs) }); err != nil {
		t.Fatalf("servers still listening after SIGTERM: %v", addrs)
	}
}
