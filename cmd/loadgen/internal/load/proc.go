// Package load holds cmd/loadgen's measurements: HTTP load on the kiosk
// against SQLite's own ceiling, start-up time and page weight, the sync of a
// large backlog, and a national night of many kiosks against one central.
// Every server runs in a child process (loadgen re-executed in a hidden
// mode) so that its memory is measured alone; everything listens and
// connects on loopback only, and every measurement is bounded in count and
// time.
package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
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

// StartChild runs this executable as `loadgen mode args...`. With listen, it
// first opens a listener on 127.0.0.1 and hands it over as file descriptor 3,
// so the address is known before the child runs and a first request waits
// in the kernel's accept queue until the child serves. The child stops when
// its standard input closes (Stop, or loadgen's own exit) or ctx ends.
func StartChild(ctx context.Context, mode string, args []string, listen bool) (*Child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find loadgen's executable: %w", err)
	}
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

// PeakRSS returns the child's peak resident set so far (VmHWM), in bytes.
func (c *Child) PeakRSS() (int64, error) { return peakRSS(c.Pid()) }

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

// peakRSS reads VmHWM from /proc/<pid>/status.
func peakRSS(pid int) (int64, error) {
	return procStatusKB(pid, "VmHWM:")
}

func procStatusKB(pid int, key string) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("read %s of process %d: %w", key, pid, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", key, pid)
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

// StartProfile writes a CPU profile to path until the returned function is
// called; with an empty path it does nothing.
func StartProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// ChildContext returns a context that ends when the parent closes the
// child's standard input (or dies), for the hidden modes' main loop.
func ChildContext(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return ctx
}

// InheritedListener returns the listener the parent handed over as file descriptor 3.
func InheritedListener() (net.Listener, error) {
	f := os.NewFile(3, "listener")
	if f == nil {
		return nil, errors.New("no listener was handed over (file descriptor 3)")
	}
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("use the handed-over listener: %w", err)
	}
	return ln, nil
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

// checkLoopback refuses an address that is not on this machine's loopback.
func checkLoopback(host string) error {
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address: loadgen only talks to this machine", host)
}
