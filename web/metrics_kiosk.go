package web

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skmkiosk/skm/survey"
)

// Outcomes of a submitted rating, the outcome label of skm_kiosk_submissions_total.
const (
	OutcomeAccepted = "accepted" // stored now (201, or the thank-you page)
	OutcomeReplayed = "replayed" // the same form or idempotency key again: already stored
	OutcomeRefused  = "refused"  // not stored; the reason label says why
)

// PendingSource is what the kiosk's pending and lag gauges read when
// Prometheus scrapes (store/sqlite.KioskDB implements it).
type PendingSource interface {
	CountPending(ctx context.Context) (int64, error)
	// OldestPending returns the creation time of the oldest response waiting
	// for upload, and false when none waits.
	OldestPending(ctx context.Context) (time.Time, bool, error)
}

// WriteStatsSource is what the kiosk's write counters read at each scrape
// (store/sqlite.KioskDB implements it).
type WriteStatsSource interface {
	WriteStats() survey.WriteStats
}

// KioskMetrics are the kiosk's metrics: submissions by outcome and reason,
// the sync runs and batches (it implements sync/upload's Metrics), and the
// pending count and lag read from the database at each scrape.
type KioskMetrics struct {
	*Metrics
	submissions   *prometheus.CounterVec
	syncRuns      *prometheus.CounterVec
	syncBatches   prometheus.Counter
	syncResponses *prometheus.CounterVec
	lastSuccess   prometheus.Gauge
}

// NewKioskMetrics returns the kiosk's registry; src feeds the pending and lag
// gauges, now is the clock the lag is measured with.
func NewKioskMetrics(token string, src PendingSource, now func() time.Time) *KioskMetrics {
	m := &KioskMetrics{Metrics: newMetrics(token)}
	m.submissions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skm_kiosk_submissions_total",
		Help: "Ratings submitted (form or API): accepted, replayed (already stored) or refused, by reason (an error code such as invalid, rate_limited, conflict, unavailable).",
	}, []string{"outcome", "reason"})
	m.syncRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skm_kiosk_sync_runs_total",
		Help: "Sync attempts by result: ok, partial (something refused or still pending) or failed.",
	}, []string{"result"})
	m.syncBatches = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "skm_kiosk_sync_batches_total",
		Help: "Batches of responses central answered.",
	})
	m.syncResponses = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skm_kiosk_sync_responses_total",
		Help: "Uploaded responses by central's answer: stored, duplicate or refused.",
	}, []string{"status"})
	m.lastSuccess = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "skm_kiosk_sync_last_success_timestamp_seconds",
		Help: "Unix time of the last sync attempt that ended without an error (0: none since start).",
	})
	for _, o := range []string{OutcomeAccepted, OutcomeReplayed} {
		m.submissions.WithLabelValues(o, "")
	}
	for _, r := range []string{"ok", "partial", "failed"} {
		m.syncRuns.WithLabelValues(r)
	}
	for _, s := range []survey.IngestStatus{survey.StatusStored, survey.StatusDuplicate, survey.StatusRefused} {
		m.syncResponses.WithLabelValues(string(s))
	}
	m.reg.MustRegister(m.submissions, m.syncRuns, m.syncBatches, m.syncResponses, m.lastSuccess, &pendingCollector{src: src, now: now})
	if w, ok := src.(WriteStatsSource); ok {
		m.reg.MustRegister(writeCollector{w})
	}
	return m
}

// Submission counts one submitted rating.
func (m *KioskMetrics) Submission(outcome, reason string) {
	m.submissions.WithLabelValues(outcome, reason).Inc()
}

// SyncRun counts one sync attempt (sync/upload's Metrics).
func (m *KioskMetrics) SyncRun(result string) {
	m.syncRuns.WithLabelValues(result).Inc()
	if result != "failed" {
		m.lastSuccess.SetToCurrentTime()
	}
}

// SyncBatch counts one batch central answered (sync/upload's Metrics).
func (m *KioskMetrics) SyncBatch(c survey.IngestCounts) {
	m.syncBatches.Inc()
	m.syncResponses.WithLabelValues(string(survey.StatusStored)).Add(float64(c.Stored))
	m.syncResponses.WithLabelValues(string(survey.StatusDuplicate)).Add(float64(c.Duplicates))
	m.syncResponses.WithLabelValues(string(survey.StatusRefused)).Add(float64(c.Refused))
}

var (
	pendingDesc = prometheus.NewDesc("skm_kiosk_pending_responses",
		"Responses waiting for upload to central.", nil, nil)
	lagDesc = prometheus.NewDesc("skm_kiosk_sync_lag_seconds",
		"Age of the oldest response waiting for upload (0 when none waits), by the kiosk's clock.", nil, nil)
)

// pendingCollector reads the pending count and the oldest pending response
// at scrape time: both come from indexed queries, and a gauge kept in
// memory would drift from the database (other processes, such as
// `kiosk sync`, change it too).
type pendingCollector struct {
	src PendingSource
	now func() time.Time
}

func (p *pendingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- pendingDesc
	ch <- lagDesc
}

func (p *pendingCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n, err := p.src.CountPending(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(n))
	} else {
		ch <- prometheus.NewInvalidMetric(pendingDesc, err)
	}
	oldest, ok, err := p.src.OldestPending(ctx)
	switch {
	case err != nil:
		ch <- prometheus.NewInvalidMetric(lagDesc, err)
	case !ok:
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, 0)
	default:
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, max(0, p.now().Sub(oldest).Seconds()))
	}
}

var (
	writeCommitsDesc = prometheus.NewDesc("skm_kiosk_write_commits_total",
		"Durable commits that stored ratings; each acknowledges a group of concurrent submissions.", nil, nil)
	writeResponsesDesc = prometheus.NewDesc("skm_kiosk_write_responses_total",
		"Ratings those commits stored (divided by the commits: the average group size).", nil, nil)
	writerBusyDesc = prometheus.NewDesc("skm_kiosk_writer_busy_seconds_total",
		"Time the single writer spent writing and committing groups; a rate near 1 means it is the bottleneck.", nil, nil)
	writeCommitDesc = prometheus.NewDesc("skm_kiosk_write_commit_seconds_total",
		"Of that, the time in COMMIT: writing the write-ahead log and its fsync.", nil, nil)
)

// writeCollector reports the group writer's counters, kept by the store in
// memory since it opened.
type writeCollector struct{ src WriteStatsSource }

func (w writeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- writeCommitsDesc
	ch <- writeResponsesDesc
	ch <- writerBusyDesc
	ch <- writeCommitDesc
}

func (w writeCollector) Collect(ch chan<- prometheus.Metric) {
	s := w.src.WriteStats()
	ch <- prometheus.MustNewConstMetric(writeCommitsDesc, prometheus.CounterValue, float64(s.Commits))
	ch <- prometheus.MustNewConstMetric(writeResponsesDesc, prometheus.CounterValue, float64(s.Responses))
	ch <- prometheus.MustNewConstMetric(writerBusyDesc, prometheus.CounterValue, s.Busy.Seconds())
	ch <- prometheus.MustNewConstMetric(writeCommitDesc, prometheus.CounterValue, s.Commit.Seconds())
}
