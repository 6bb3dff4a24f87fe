package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/robfig/cron/v3"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/web"
)

// retention runs the kiosk's retention job once at start (front-desk PCs
// are often off at night) and then daily at privacy.purge_schedule.
type retention struct {
	cron   *cron.Cron
	cancel context.CancelFunc
}

type cronLog struct{ log *slog.Logger }

func (l cronLog) Printf(format string, args ...any) { l.log.Debug(fmt.Sprintf(format, args...)) }

// daily are further jobs on the same schedule (the database check).
func startRetention(ctx context.Context, job *kiosk.Retention, spec string, log *slog.Logger, daily ...func(context.Context)) (*retention, error) {
	if _, err := cron.ParseStandard(spec); err != nil {
		return nil, cli.Usagef("privacy.purge_schedule: %q is not a cron expression such as \"30 3 * * *\": %v", spec, err)
	}
	// A failure (a full or read-only disk) is logged by Run and does not stop
	// the kiosk from starting: it serves its pages and says why ratings
	// cannot be saved, and the daily run tries again.
	_, _ = job.Run(ctx)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cl := cron.VerbosePrintfLogger(cronLog{log})
	c := cron.New(cron.WithLocation(web.Jakarta), cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)))
	if _, err := c.AddFunc(spec, func() { _, _ = job.Run(runCtx) }); err != nil { // Run logs its own failure
		cancel()
		return nil, cli.Usagef("privacy.purge_schedule: %v", err)
	}
	for _, f := range daily {
		if _, err := c.AddFunc(spec, func() { f(runCtx) }); err != nil {
			cancel()
			return nil, cli.Usagef("privacy.purge_schedule: %v", err)
		}
	}
	c.Start()
	return &retention{cron: c, cancel: cancel}, nil
}

// Stop stops the schedule and waits for a run in progress.
func (r *retention) Stop() {
	r.cancel()
	<-r.cron.Stop().Done()
}
