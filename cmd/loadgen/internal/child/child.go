// Package child holds what loadgen's child processes share: the context
// that ends when the parent closes their standard input, the listener the
// parent hands over, a CPU profile and an execution trace, and reading a
// process's peak memory.
// It depends on nothing heavy, so the kiosk's helper binary (kioskd) stays
// the size of the kiosk itself.
package child

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"time"
)

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

// StartTrace writes a one-second execution trace to path, starting after
// delay (for `go tool trace`, e.g. -pprof=sched for the time goroutines
// waited for a CPU); the returned function, called once, stops it early.
// With an empty path it does nothing.
func StartTrace(path string, delay time.Duration) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("execution trace: %w", err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		defer f.Close()
		select {
		case <-time.After(delay):
		case <-stop:
			return
		}
		if err := trace.Start(f); err != nil {
			return
		}
		select {
		case <-time.After(time.Second):
		case <-stop:
		}
		trace.Stop()
	}()
	return func() {
		close(stop)
		<-done
	}, nil
}

// Server is what Serve runs: the kiosk's and central's Fiber servers.
type Server interface {
	Serve(ln net.Listener) error
	Shutdown(timeout time.Duration) error
}

// Serve runs srv on ln until ctx ends, then shuts it down within timeout.
// A server that stops by itself is an error naming what.
func Serve(ctx context.Context, what string, srv Server, ln net.Listener, timeout time.Duration) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("%s stopped: %w", what, err)
	}
	if err := srv.Shutdown(timeout); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	<-served
	return nil
}

// Context returns a context that ends when the parent closes the
// child's standard input (or dies), for the hidden modes' main loop.
func Context(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return ctx
}

// Listener returns the listener the parent handed over as file descriptor 3.
func Listener() (net.Listener, error) {
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

// PeakRSS reads a process's peak resident set (VmHWM in /proc/<pid>/status), in bytes.
func PeakRSS(pid int) (int64, error) {
	return procStatusKB(pid, "VmHWM:")
}

// RSSParts returns the two parts of the process's resident set now: its
// anonymous memory (heap, stacks, SQLite's caches) and the file pages mapped
// in it, mostly its own binary's code and read-only data, which a kernel
// that keeps files in large page-cache folios maps whole.
func RSSParts(pid int) (anon, file int64, err error) {
	if anon, err = procStatusKB(pid, "RssAnon:"); err != nil {
		return 0, 0, err
	}
	file, err = procStatusKB(pid, "RssFile:")
	return anon, file, err
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

// CheckLoopback refuses an address that is not on this machine's loopback.
func CheckLoopback(host string) error {
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address: loadgen only talks to this machine", host)
}
