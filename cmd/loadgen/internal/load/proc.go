// Package load holds cmd/loadgen's measurements: HTTP load on the kiosk
// against SQLite's own ceiling, start-up time and page weight, the sync of a
// large backlog, and a national night of many kiosks against one central.
// Every server runs in a child process so that its memory is measured
// alone: the kiosk's server and uploader in kioskd (a helper loadgen builds,
// with the kiosk's dependencies only), central in loadgen re-executed in a
// hidden mode. Everything listens and connects on loopback only, and every
// measurement is bounded in count and time.
package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/skmkiosk/skm/cmd/loadgen/internal/child"
)

// Child is a server or worker running as a child process of loadgen.
type Child struct {
	Mode    string
	Addr    string    // the loopback address it serves, if it was given a listener
	Started time.Time // just before the process was started
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stdout  *capped
	stderr  *capped
	done    chan struct{}
	waitErr error
	once    sync.Once
}

// capped keeps the first 1 MiB written to it.
type capped struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := 1<<20 - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// StartChild runs `exe mode args...`. With listen, it
// first opens a listener on 127.0.0.1 and hands it over as file descriptor 3,
// so the address is known before the child runs and a first request waits
// in the kernel's accept queue until the child serves. The child stops when
// its standard input closes (Stop, or loadgen's own exit) or ctx ends.
//
// exe is the program to run: "" for this executable (central's side), or
// kioskd's path (the kiosk's side, see BuildKioskd).
func StartChild(ctx context.Context, exe, mode string, args []string, listen bool) (*Child, error) {
	if exe == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find loadgen's executable: %w", err)
		}
		exe = self
	}
	var err error
	c := &Child{Mode: mode, stdout: &capped{}, stderr: &capped{}, done: make(chan struct{})}
	c.cmd = exec.CommandContext(ctx, exe, append([]string{mode}, args...)...)
	c.cmd.Stdout, c.cmd.Stderr = c.stdout, c.stderr
	c.cmd.WaitDelay = 10 * time.Second
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("start %s: %w", mode, err)
	}
	if listen {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("listen on loopback: %w", err)
		}
		f, err := ln.(*net.TCPListener).File()
		ln.Close() // the duplicate in f keeps the socket listening
		if err != nil {
			return nil, fmt.Errorf("hand over the listener: %w", err)
		}
		defer f.Close() // the child has its own copy once started
		c.Addr = ln.Addr().String()
		c.cmd.ExtraFiles = []*os.File{f}
	}
	c.Started = time.Now()
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", mode, err)
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// Pid returns the child's process id.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// RSSParts returns the child's anonymous and file-backed resident memory now, in bytes.
func (c *Child) RSSParts() (anon, file int64, err error) { return child.RSSParts(c.Pid()) }

// PeakRSS returns the child's peak resident set so far (VmHWM), in bytes.
func (c *Child) PeakRSS() (int64, error) { return child.PeakRSS(c.Pid()) }

// Done is closed when the child has exited.
func (c *Child) Done() <-chan struct{} { return c.done }

// Stdout returns what the child wrote to its standard output (up to 1 MiB).
func (c *Child) Stdout() string { return c.stdout.String() }

// Wait waits for the child to exit by itself, up to timeout, and returns its error.
func (c *Child) Wait(timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("%s did not finish within %s and was killed; its output:\n%s", c.Mode, timeout, c.stderr.String())
	}
	return c.exitError()
}

// Stop asks the child to stop (closing its standard input), waits up to 30 s,
// then kills it. It returns the child's failure, if any.
func (c *Child) Stop() error {
	c.once.Do(func() { c.stdin.Close() })
	return c.Wait(30 * time.Second)
}

// MaxRSS returns the peak resident set of the exited child (from wait4's rusage), in bytes.
func (c *Child) MaxRSS() int64 {
	if ru, ok := c.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}

func (c *Child) exitError() error {
	if c.waitErr != nil {
		return fmt.Errorf("%s failed: %w; its output:\n%s", c.Mode, c.waitErr, tail(c.stderr.String(), 4000))
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// CPUTime returns the child's user plus system CPU time so far.
func (c *Child) CPUTime() (time.Duration, error) { return cpuTime(c.Pid()) }

// cpuTime reads utime and stime from /proc/<pid>/stat (in clock ticks of
// 1/100 s, USER_HZ on Linux).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("read CPU time of process %d: %w", pid, err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// PostgresCPU returns the CPU time used so far by this machine's PostgreSQL
// processes (every process named postgres), or 0 when there is none.
func PostgresCPU() time.Duration {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + d.Name() + "/comm")
		if err != nil || !strings.HasPrefix(string(comm), "postgres") {
			continue
		}
		if t, err := cpuTime(pid); err == nil {
			total += t
		}
	}
	return total
}

// LoadAverage returns the 1-minute load average from /proc/loadavg.
func LoadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f, err := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	if err != nil {
		return -1
	}
	return f
}

// CheckLoopback refuses an address that is not on this machine's loopback.
func CheckLoopback(host string) error { return child.CheckLoopback(host) }

// kioskdPackage is the kiosk-side helper's import path.
const kioskdPackage = "github.com/skmkiosk/skm/cmd/loadgen/internal/kioskd"

// BuildKioskd builds kioskd, the kiosk-side helper, into dir and returns its
// path. The kiosk's server and uploader run in it rather than in loadgen,
// whose binary also holds central, pgx and the XLSX library: their code and
// package initialisation would add some 10 MB to the kiosk's measured memory.
// It needs the go command and the repository (run loadgen from it).
func BuildKioskd(ctx context.Context, dir string) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("build the kiosk-side helper: the go command is not on PATH: %w", err)
	}
	out := filepath.Join(dir, "kioskd")
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", out, kioskdPackage)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the kiosk-side helper (%s: run loadgen from the repository, with the go command on PATH): %w\n%s", kioskdPackage, err, msg)
	}
	return out, nil
}
