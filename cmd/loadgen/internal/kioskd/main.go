// Command kioskd is loadgen's kiosk-side helper: the kiosk's HTTP server
// (serve) and its uploader (sync), in a binary with the kiosk's dependencies
// only, so that their memory is measured as cmd/kiosk's would be. loadgen
// builds and starts it; it is not meant to be run by hand.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Asia/Jakarta, as in cmd/kiosk

	"github.com/skmkiosk/skm/cmd/loadgen/internal/kioskside"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := kioskside.Main(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kioskd:", err)
		os.Exit(1)
	}
}
