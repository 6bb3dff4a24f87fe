// Package proctest runs the kiosk and central binaries as subprocesses for
// tests, so that SIGKILL, SIGTERM, full disks and memory are those of a real
// process. Each binary is built once per test binary (go build into a
// folder that Main removes at the end).
package proctest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	binDir    string
	buildMu   sync.Mutex
	built     = map[string]string{}
	buildErrs = map[string]error{}
)

// Main runs the tests and removes the built binaries; call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// Build builds the command with the given import path (once per test
// binary) and returns the binary's path.
func Build(tb testing.TB, pkg string) string {
	tb.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[pkg]; ok {
		return p
	}
	if err, ok := buildErrs[pkg]; ok {
		tb.Fatal(err)
	}
	if binDir == "" {
		dir, err := os.MkdirTemp("", "skm-bin-")
		if err != nil {
			tb.Fatal(err)
		}
		binDir = dir
	}
	out := filepath.Join(binDir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		buildErrs[pkg] = fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		tb.Fatal(buildErrs[pkg])
	}
	built[pkg] = out
	return out
}

// Kiosk returns the kiosk binary.
func Kiosk(tb testing.TB) string { return Build(tb, "github.com/skmkiosk/skm/cmd/kiosk") }

// Central returns the central binary.
func Central(tb testing.TB) string { return Build(tb, "github.com/skmkiosk/skm/cmd/central") }

// FreeAddr returns a loopback address with a port nobody listens on now.
// Restarts of a process reuse it, so that its URL stays the same.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Buffer is an io.Writer safe for a process's output and a test's reads.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Proc is a running service binary.
type Proc struct {
	cmd    *exec.Cmd
	Stdout *Buffer
	Stderr *Buffer
	URL    string
	done   chan struct{}
	state  *os.ProcessState
}

// Start starts bin with args and waits until url+"/healthz" answers
// 200 (polling, with a deadline). The process is killed when the test ends.
func Start(tb testing.TB, url, bin string, args ...string) *Proc {
	tb.Helper()
	p := StartNoWait(tb, url, bin, args...)
	if err := p.WaitHealthy(30 * time.Second); err != nil {
		tb.Fatalf("%s did not become healthy: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(bin), err, Tail(p.Stdout.String()), Tail(p.Stderr.String()))
	}
	return p
}

// StartNoWait starts bin with args without waiting for it.
func StartNoWait(tb testing.TB, url, bin string, args ...string) *Proc {
	tb.Helper()
	p := &Proc{cmd: exec.Command(bin, args...), Stdout: &Buffer{}, Stderr: &Buffer{}, URL: url, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.Stdout, p.Stderr
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.state = p.cmd.ProcessState
		close(p.done)
	}()
	tb.Cleanup(func() { p.Kill() })
	return p
}

// WaitHealthy polls GET /healthz until it answers 200, the process exits or timeout passes.
func (p *Proc) WaitHealthy(timeout time.Duration) error {
	return p.WaitHealth(timeout, http.StatusOK)
}

// WaitHealth polls GET /healthz until it answers want, the process exits or timeout passes.
func (p *Proc) WaitHealth(timeout time.Duration, want int) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("the process exited (%v)", p.state)
		default:
		}
		resp, err := client.Get(p.URL + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == want {
				return nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		time.Sleep(20 * time.Millisecond) // polling /healthz, bounded by the deadline
	}
	return fmt.Errorf("/healthz did not answer %d within %s (last: %s)", want, timeout, last)
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.done
}

// Signal sends sig.
func (p *Proc) Signal(tb testing.TB, sig os.Signal) {
	tb.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		tb.Fatalf("signal %v: %v", sig, err)
	}
}

// Wait waits at most timeout for the process to exit and returns its exit
// code (-1 for a signal); it fails the test if the process is still running.
func (p *Proc) Wait(tb testing.TB, timeout time.Duration) int {
	tb.Helper()
	select {
	case <-p.done:
		return p.state.ExitCode()
	case <-time.After(timeout):
		p.Kill()
		tb.Fatalf("the process did not exit within %s\nstdout:\n%s\nstderr:\n%s", timeout, Tail(p.Stdout.String()), Tail(p.Stderr.String()))
		return -1
	}
}

// Stop sends SIGTERM and requires a clean exit (code 0) within 30 s.
func (p *Proc) Stop(tb testing.TB) {
	tb.Helper()
	p.Signal(tb, syscall.SIGTERM)
	if code := p.Wait(tb, 30*time.Second); code != 0 {
		tb.Fatalf("exit code %d after SIGTERM, want 0\nstderr:\n%s", code, Tail(p.Stderr.String()))
	}
}

// MaxRSS returns the peak resident memory of the exited process, in bytes.
func (p *Proc) MaxRSS() int64 {
	if ru, ok := p.state.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}

// PeakRSS returns the running process's peak resident memory (VmHWM), in bytes.
func (p *Proc) PeakRSS(tb testing.TB) int64 {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		tb.Skipf("no /proc on this system: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb * 1024
		}
	}
	tb.Fatal("VmHWM missing from /proc status")
	return 0
}

// MustRun runs a command of bin to completion and returns its output; it fails on a non-zero exit.
func MustRun(tb testing.TB, bin string, args ...string) string {
	tb.Helper()
	out, code := Run(tb, bin, args...)
	if code != 0 {
		tb.Fatalf("%s %s: exit code %d\n%s", filepath.Base(bin), strings.Join(args, " "), code, out)
	}
	return out
}

// Run runs a command of bin (at most two minutes) and returns its combined output and exit code.
func Run(tb testing.TB, bin string, args ...string) (string, int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		tb.Fatalf("%s %s: %v", filepath.Base(bin), strings.Join(args, " "), err)
	}
	return string(out), 0
}

// Tail returns the last lines of a process's output for a failure message.
func Tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

// RunMeasured runs a command of bin (at most timeout) and returns its
// combined output, exit code and peak resident memory in bytes.
func RunMeasured(tb testing.TB, timeout time.Duration, bin string, args ...string) (out string, code int, maxRSS int64) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	b, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		tb.Fatalf("%s %s: %v", filepath.Base(bin), strings.Join(args, " "), err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss * 1024
	}
	return string(b), cmd.ProcessState.ExitCode(), maxRSS
}
