// Command central runs the central appraisal service and its administration commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Asia/Jakarta without a system zone database

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/cmd/internal/cli"
)

func main() {
	central.TuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // from now on a second signal ends the process at once
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "central:", err)
	}
	os.Exit(cli.ExitCode(err))
}
