package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/cmd/loadgen/internal/load"
	"github.com/skmkiosk/skm/sync/wire"
)

const usage = `Usage: loadgen [command] [flags]

Measurements over loopback; each stops by itself. Without a command: kiosk.

Commands:
  kiosk     POST /api/v1/responses with N keep-alive clients: the group writer, a commit per
            request (MaxBatch = 1), and SQLite's raw ceiling (100 and 1 rows per commit)
  startup   start-up to the first answered request, and the survey page's compressed weight
  sync      upload a backlog kiosk → central (-backend sqlite|postgres), with a raw COPY ceiling
  night     many kiosks uploading to one central inside a jitter window

Run "loadgen COMMAND -h" for a command's flags.
`

// run dispatches to a command, or to a hidden child mode.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	cmd := "kiosk"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "kiosk":
		return kioskCommand(ctx, args, stdout)
	case "startup":
		return startupCommand(ctx, args, stdout)
	case "sync":
		return syncCommand(ctx, args, stdout)
	case "night":
		return nightCommand(ctx, args, stdout)
	// Hidden mode: loadgen re-executes itself as central (the kiosk's side
	// runs in kioskd, a helper it builds).
	case "serve-central":
		return load.ServeCentral(ctx, args)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return cli.Usagef("unknown command %q\n\n%s", cmd, usage)
}

// parse parses a command's flags; -h prints them.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) (bool, error) {
	fs.SetOutput(stdout)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return false, nil
		}
		return false, cli.Usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return false, cli.Usagef("unexpected arguments %q", fs.Args())
	}
	return true, nil
}

// bounded returns ctx with the command's overall time limit.
func bounded(ctx context.Context, limit time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, limit)
}

func machine() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s, load average (1 min) %.2f at start", host, load.LoadAverage())
}

func kioskCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	clients := fs.Int("clients", 64, "concurrent keep-alive clients")
	duration := fs.Duration("duration", 10*time.Second, "measured time of each load")
	warmup := fs.Duration("warmup", 2*time.Second, "unmeasured time before it")
	maxReq := fs.Int64("max", 2_000_000, "requests per load at most")
	runs := fs.Int("runs", 3, "runs of the whole comparison")
	staff := fs.Int("staff", 40, "staff members; each request rates a random one")
	gzip := fs.Bool("gzip", true, "send Accept-Encoding: gzip, as most HTTP clients do")
	naive := fs.Bool("naive", true, "also measure a commit per request (MaxBatch = 1)")
	raw := fs.Bool("raw", true, "also measure SQLite's raw ceiling (100 and 1 rows per commit)")
	discard := fs.Bool("discard", true, "also measure the HTTP path's own ceiling: the same server acknowledging without storing")
	profile := fs.String("cpuprofile", "", "write the grouped server's CPU profile of the last run here")
	traceFile := fs.String("trace", "", "write a one-second execution trace of the grouped server's last run here, from the middle of its load (go tool trace -pprof=sched FILE: the time goroutines waited for a CPU)")
	prebuilt := fs.String("kioskd", "", "a kiosk-side helper already built (go build -o FILE ./cmd/loadgen/internal/kioskd) instead of building one")
	limit := fs.Duration("timeout", 20*time.Minute, "stop everything after this long")
	if ok, err := parse(fs, args, stdout); !ok || err != nil {
		return err
	}
	if *clients < 1 || *clients > 4096 || *runs < 1 || *duration <= 0 {
		return cli.Usagef("-clients must be 1–4096, -runs at least 1, -duration positive")
	}
	ctx, cancel := bounded(ctx, *limit)
	defer cancel()
	work, kioskd, err := workDir(ctx, "", *prebuilt)
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Fprintf(stdout, "kiosk load: %d clients, %s measured after %s warm-up, %d runs; %s\n",
		*clients, *duration, *warmup, *runs, machine())
	l := load.KioskLoad{Clients: *clients, Warmup: *warmup, Duration: *duration, Max: *maxReq, Staff: *staff, Gzip: *gzip, Dir: work, Kioskd: kioskd}
	t := load.NewTable()
	for run := 1; run <= *runs; run++ {
		la := load.LoadAverage()
		t.Add("load average (1 min)", "%.2f", la)
		if run == *runs {
			l.CPUProfile, l.Trace = *profile, *traceFile
		}
		g, err := load.RunKiosk(ctx, l, load.Grouped)
		if err != nil {
			return fmt.Errorf("grouped writer: %w", err)
		}
		l.CPUProfile, l.Trace = "", ""
		fmt.Fprintf(stdout, "run %d (load %.2f)\n  grouped        %s\n", run, la, describe(g))
		t.Add("grouped: throughput", "%.0f req/s", g.Throughput)
		t.Add("grouped: p50", "%.2f ms", ms(g.P50))
		t.Add("grouped: p99", "%.2f ms", ms(g.P99))
		t.Add("grouped: p99.9", "%.2f ms", ms(g.P999))
		t.Add("grouped: server peak RSS", "%.1f MiB", mib(g.PeakRSS))
		t.Add("grouped: RSS at the end, anonymous", "%.1f MiB", mib(g.AnonRSS))
		t.Add("grouped: RSS at the end, file pages", "%.1f MiB", mib(g.FileRSS))
		t.Add("grouped: server CPU per request", "%.0f µs", us(g.ServerCPU))
		if w := g.Writer; w.Commits > 0 {
			t.Add("grouped: responses per commit", "%.1f", w.GroupSize())
			t.Add("grouped: writer busy", "%.0f%%", 100*w.BusyShare())
			t.Add("grouped: writer's time in COMMIT", "%.0f%%", 100*w.CommitShare())
		}
		// The ceiling right after the grouped load, so that the two see the
		// same host: on a shared machine its speed drifts within minutes.
		if *raw {
			for _, per := range []int{100, 1} {
				c, err := load.RunCeiling(ctx, work, per, *warmup, *duration, *staff, *clients)
				if err != nil {
					return fmt.Errorf("raw ceiling: %w", err)
				}
				fmt.Fprintf(stdout, "  raw %3d/commit %.0f rows/s, p99 commit %.2f ms\n", per, c.RowsPerSec, ms(c.P99Commit))
				t.Add(fmt.Sprintf("raw SQLite, %d rows/commit", per), "%.0f rows/s", c.RowsPerSec)
				if per == 100 {
					t.Add("grouped / raw 100", "%.0f%%", 100*g.Throughput/c.RowsPerSec)
				}
			}
		}
		if *naive {
			n, err := load.RunKiosk(ctx, l, load.PerRequest)
			if err != nil {
				return fmt.Errorf("commit per request: %w", err)
			}
			fmt.Fprintf(stdout, "  per-request    %s\n", describe(n))
			t.Add("per-request: throughput", "%.0f req/s", n.Throughput)
			t.Add("per-request: p99", "%.2f ms", ms(n.P99))
			t.Add("per-request: server peak RSS", "%.1f MiB", mib(n.PeakRSS))
			t.Add("grouped / per-request", "%.2f×", g.Throughput/n.Throughput)
		}
		if *discard {
			d, err := load.RunKiosk(ctx, l, load.Discard)
			if err != nil {
				return fmt.Errorf("HTTP path without storage: %w", err)
			}
			fmt.Fprintf(stdout, "  no storage     %s\n", describe(d))
			t.Add("no storage (HTTP path): throughput", "%.0f req/s", d.Throughput)
			t.Add("no storage: server CPU per request", "%.0f µs", us(d.ServerCPU))
			t.Add("grouped / no storage", "%.0f%%", 100*g.Throughput/d.Throughput)
		}
	}
	fmt.Fprintf(stdout, "\nmedian [min–max] over %d runs:\n%s", *runs, t)
	return nil
}

func describe(r load.LoadResult) string {
	s := fmt.Sprintf("%.0f req/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.1f ms, peak RSS %.1f MiB (%.1f before the load, Go runtime %.1f; at the end %.1f anonymous + %.1f file pages), CPU/request server %.0f µs client %.0f µs, %d stored, statuses %v",
		r.Throughput, ms(r.P50), ms(r.P99), ms(r.P999), ms(r.Max), mib(r.PeakRSS), mib(r.IdleRSS), mib(r.GoSys), mib(r.AnonRSS), mib(r.FileRSS), us(r.ServerCPU), us(r.ClientCPU), r.Stored, r.Statuses)
	if w := r.Writer; w.Commits > 0 {
		s += fmt.Sprintf("; writer: %.1f responses per commit, busy %.0f%% of the time, %.0f%% of that in COMMIT", w.GroupSize(), 100*w.BusyShare(), 100*w.CommitShare())
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func startupCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("startup", flag.ContinueOnError)
	runs := fs.Int("runs", 5, "start-ups to measure")
	prebuilt := fs.String("kioskd", "", "a kiosk-side helper already built (go build -o FILE ./cmd/loadgen/internal/kioskd) instead of building one")
	limit := fs.Duration("timeout", 5*time.Minute, "stop everything after this long")
	if ok, err := parse(fs, args, stdout); !ok || err != nil {
		return err
	}
	ctx, cancel := bounded(ctx, *limit)
	defer cancel()
	work, kioskd, err := workDir(ctx, "", *prebuilt)
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Fprintf(stdout, "kiosk start-up to the first answered request (GET /healthz), %d runs; %s\n", *runs, machine())
	t := load.NewTable()
	for run := 1; run <= *runs; run++ {
		r, err := load.MeasureStartup(ctx, work, kioskd)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "run %d (load %.2f): new database %.0f ms, existing database %.0f ms\n", run, load.LoadAverage(), ms(r.Fresh), ms(r.Warm))
		t.Add("start-up, new database", "%.0f ms", ms(r.Fresh))
		t.Add("start-up, existing database", "%.0f ms", ms(r.Warm))
	}
	pw, err := load.MeasurePage(ctx, work, kioskd)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nsurvey page, first visit, Accept-Encoding: gzip (no staff photo):\n")
	for _, r := range pw.Resources {
		fmt.Fprintf(stdout, "  %6d B body, %6d B with headers  %-5s %s\n", r.Body, r.Wire, r.Encoding, r.Path)
	}
	fmt.Fprintf(stdout, "  %6d B body, %6d B with headers  in %d requests\n", pw.Body, pw.Wire, len(pw.Resources))
	fmt.Fprintf(stdout, "\nmedian [min–max] over %d runs:\n%s", *runs, t)
	return nil
}

func syncCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	backends := fs.String("backend", "sqlite,postgres", "central storages to measure, comma-separated")
	backlog := fs.Int("backlog", 1_000_000, "responses waiting at the kiosk")
	runs := fs.Int("runs", 3, "uploads per storage (each from a fresh copy of the backlog)")
	batch := fs.Int("batch", wire.DefaultBatchResponses, "responses per batch (sync.batch_size)")
	staff := fs.Int("staff", 40, "staff members")
	pg := fs.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL server on loopback; loadgen works in scratch schemas it drops")
	dir := fs.String("dir", "", "working directory (default: the system's temporary directory)")
	profiles := fs.String("cpuprofile", "", "write the last run's CPU profiles to PREFIX-<storage>-kiosk.prof and -central.prof")
	prebuilt := fs.String("kioskd", "", "a kiosk-side helper already built (go build -o FILE ./cmd/loadgen/internal/kioskd) instead of building one")
	limit := fs.Duration("timeout", 3*time.Hour, "stop everything after this long")
	if ok, err := parse(fs, args, stdout); !ok || err != nil {
		return err
	}
	if *backlog < 1 || *backlog > 20_000_000 || *runs < 1 {
		return cli.Usagef("-backlog must be 1–20,000,000 and -runs at least 1")
	}
	if err := checkPostgres(*backends, *pg); err != nil {
		return err
	}
	ctx, cancel := bounded(ctx, *limit)
	defer cancel()
	work, kioskd, err := workDir(ctx, *dir, *prebuilt)
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	k, err := load.NewKioskKey("k-loadgen001")
	if err != nil {
		return err
	}
	template := work + "/template.db"
	fmt.Fprintf(stdout, "sync of a %d-response backlog kiosk → central over loopback, %d-response batches, %d runs per storage; %s\n",
		*backlog, *batch, *runs, machine())
	took, err := load.MakeBacklog(ctx, template, k.Key, *backlog, *staff)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backlog made through the kiosk's store in %.1f s (%.0f responses/s)\n", took.Seconds(), float64(*backlog)/took.Seconds())
	t := load.NewTable()
	for _, backend := range strings.Split(*backends, ",") {
		for run := 1; run <= *runs; run++ {
			la := load.LoadAverage()
			prof := ""
			if *profiles != "" && run == *runs {
				prof = *profiles + "-" + backend
			}
			r, err := load.RunSync(ctx, kioskd, template, k, int64(*backlog), backend, *pg, *staff, *batch, prof)
			if err != nil {
				return fmt.Errorf("%s run %d: %w", backend, run, err)
			}
			fmt.Fprintf(stdout, "%s run %d (load %.2f): %.0f responses/s (%.1f s), kiosk peak RSS %.1f MiB, central peak RSS %.1f MiB, CPU per response kiosk %.1f µs central %.1f µs PostgreSQL %.1f µs",
				backend, run, la, r.PerSec, r.Seconds, mib(r.KioskPeakRSS), mib(r.CentralPeakRSS), us(r.KioskCPU), us(r.CentralCPU), us(r.PostgresCPU))
			t.Add(backend+": load average", "%.2f", la)
			t.Add(backend+": responses/s", "%.0f", r.PerSec)
			t.Add(backend+": kiosk peak RSS", "%.1f MiB", mib(r.KioskPeakRSS))
			addCentralFigures(t, backend, r.CentralPeakRSS, r.CentralCPU, r.PostgresCPU)
			if r.ResponseBytes > 0 {
				fmt.Fprintf(stdout, "; on disk per response %.0f B (responses and indexes) + %.0f B (rollups)", r.ResponseBytes, r.RollupBytes)
				t.Add(backend+": bytes on disk per response", "%.0f B", r.ResponseBytes+r.RollupBytes)
			}
			if r.RawCopyPerSec > 0 {
				fmt.Fprintf(stdout, "; raw COPY of the same rows %.0f rows/s (sync = %.0f%% of it)", r.RawCopyPerSec, 100*r.PerSec/r.RawCopyPerSec)
				t.Add(fmt.Sprintf("%s: raw COPY, %d rows/commit", backend, *batch), "%.0f rows/s", r.RawCopyPerSec)
				t.Add(backend+": sync / raw COPY", "%.0f%%", 100*r.PerSec/r.RawCopyPerSec)
			}
			fmt.Fprintln(stdout)
		}
	}
	fmt.Fprintf(stdout, "\nmedian [min–max] over %d runs:\n%s", *runs, t)
	return nil
}

func nightCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("night", flag.ContinueOnError)
	backends := fs.String("backend", "postgres", "central storages to measure, comma-separated (sqlite, postgres)")
	kiosks := fs.Int("kiosks", 1000, "simulated kiosks, one office each")
	per := fs.Int("per", 500, "responses each kiosk uploads")
	batch := fs.Int("batch", wire.DefaultBatchResponses, "responses per batch (sync.batch_size)")
	window := fs.Duration("window", time.Minute, "each kiosk starts at a random moment within this window (sync.jitter, 30m in production)")
	staff := fs.Int("staff", 10, "staff members per office")
	runs := fs.Int("runs", 3, "nights per storage")
	pg := fs.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL server on loopback; loadgen works in scratch schemas it drops")
	deadline := fs.Duration("deadline", 10*time.Minute, "each kiosk's run gives up after this long, retries included (sync.window)")
	limit := fs.Duration("timeout", time.Hour, "stop everything after this long")
	if ok, err := parse(fs, args, stdout); !ok || err != nil {
		return err
	}
	if *kiosks < 1 || *kiosks > 20000 || *per < 1 || *runs < 1 {
		return cli.Usagef("-kiosks must be 1–20,000, -per and -runs at least 1")
	}
	if err := checkPostgres(*backends, *pg); err != nil {
		return err
	}
	ctx, cancel := bounded(ctx, *limit)
	defer cancel()
	fmt.Fprintf(stdout, "national night: %d kiosks × %d responses in %d-response batches, starting within %s; %s\n",
		*kiosks, *per, *batch, *window, machine())
	t := load.NewTable()
	for _, backend := range strings.Split(*backends, ",") {
		for run := 1; run <= *runs; run++ {
			la := load.LoadAverage()
			r, err := load.RunNight(ctx, load.Night{Kiosks: *kiosks, PerKiosk: *per, Batch: *batch, Window: *window, Staff: *staff,
				Backend: backend, DSN: *pg, Deadline: *deadline})
			if err != nil {
				return fmt.Errorf("%s night %d: %w", backend, run, err)
			}
			fmt.Fprintf(stdout, "%s night %d (load %.2f): %d kiosks done, %d failed; %d responses stored once each in %.1f s (last start at %.1f s); "+
				"%d batch requests, %d retried after a failure; per batch p50 %.0f ms, p99 %.0f ms, max %.0f ms; central peak RSS %.1f MiB; "+
				"CPU per response central %.1f µs, PostgreSQL %.1f µs; statuses %v\n",
				backend, run, la, r.Completed, r.Failed, r.Stored, r.Elapsed.Seconds(), r.LastStart.Seconds(), r.Requests, r.Failures,
				ms(r.P50), ms(r.P99), ms(r.Max), mib(r.CentralPeakRSS), us(r.CentralCPU), us(r.PostgresCPU), r.Statuses)
			if r.Failed > 0 {
				fmt.Fprintf(stdout, "  first failure: %s\n", r.FirstError)
			}
			t.Add(backend+": load average", "%.2f", la)
			t.Add(backend+": completion", "%.1f s", r.Elapsed.Seconds())
			t.Add(backend+": responses/s over the night", "%.0f", float64(r.Stored)/r.Elapsed.Seconds())
			t.Add(backend+": failed requests", "%.2f%%", 100*float64(r.Failures)/float64(max(r.Requests, 1)))
			t.Add(backend+": batch p99", "%.0f ms", ms(r.P99))
			addCentralFigures(t, backend, r.CentralPeakRSS, r.CentralCPU, r.PostgresCPU)
		}
	}
	fmt.Fprintf(stdout, "\nmedian [min–max] over %d nights:\n%s", *runs, t)
	return nil
}

// addCentralFigures adds central's memory and CPU per response, and
// PostgreSQL's CPU when it was measured, to a sync's or a night's table.
func addCentralFigures(t *load.Table, backend string, peakRSS int64, centralCPU, postgresCPU time.Duration) {
	t.Add(backend+": central peak RSS", "%.1f MiB", mib(peakRSS))
	t.Add(backend+": central CPU per response", "%.1f µs", us(centralCPU))
	if postgresCPU > 0 {
		t.Add(backend+": PostgreSQL CPU per response", "%.1f µs", us(postgresCPU))
	}
}

// workDir makes a command's working directory under dir (the system's
// temporary directory when empty) and builds the kiosk-side helper in it,
// unless one is given.
func workDir(ctx context.Context, dir, prebuilt string) (work, kioskd string, err error) {
	if work, err = os.MkdirTemp(dir, "loadgen-"); err != nil {
		return "", "", fmt.Errorf("working directory: %w", err)
	}
	if prebuilt != "" {
		return work, prebuilt, nil
	}
	if kioskd, err = load.BuildKioskd(ctx, work); err != nil {
		os.RemoveAll(work)
		return "", "", err
	}
	return work, kioskd, nil
}

// checkPostgres refuses, before any work, a PostgreSQL server that is not on
// this machine's loopback when backends include postgres.
func checkPostgres(backends, dsn string) error {
	for _, b := range strings.Split(backends, ",") {
		switch b {
		case "sqlite":
		case "postgres":
			u, err := url.Parse(dsn)
			if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
				return cli.Usagef("-pg %q is not a postgres:// URL", dsn)
			}
			if err := load.CheckLoopback(u.Hostname()); err != nil {
				return cli.Usagef("-pg: %v", err)
			}
		default:
			return cli.Usagef("-backend: unknown storage %q (sqlite or postgres)", b)
		}
	}
	return nil
}
