// Command loadgen measures the kiosk, the sync and central on this machine
// against the hardware's ceiling, side by side in one run. It talks to
// loopback only, runs each server in a child process of its own (so that its
// memory is measured alone) and stops by itself: every mode is bounded in
// count and in time. See docs/benchmarks.md for the figures and commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Asia/Jakarta for the servers, as in cmd/kiosk and cmd/central

	"github.com/skmkiosk/skm/cmd/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
	}
	os.Exit(cli.ExitCode(err))
}
