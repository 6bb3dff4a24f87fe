package web

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/skmkiosk/skm/survey"
)

// CentralMetrics are central's metrics: ingested batches, responses by
// status and integrity findings by kind (it implements sync/ingest's Metrics).
type CentralMetrics struct {
	*Metrics
	batches   prometheus.Counter
	responses *prometheus.CounterVec
	findings  *prometheus.CounterVec
}

// NewCentralMetrics returns central's registry.
func NewCentralMetrics(token string) *CentralMetrics {
	m := &CentralMetrics{Metrics: newMetrics(token)}
	m.batches = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "skm_central_ingest_batches_total",
		Help: "Batches ingested from kiosks (uploads and offline files).",
	})
	m.responses = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skm_central_ingest_responses_total",
		Help: "Ingested responses by result: stored (new), duplicate (already stored) or refused.",
	}, []string{"status"})
	m.findings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skm_central_findings_total",
		Help: "Integrity findings at ingest by kind: gap (sequence numbers skipped), conflict, chain_break, head_mismatch, seq_reuse, clock_skew, fork, clock.",
	}, []string{"kind"})
	for _, s := range []survey.IngestStatus{survey.StatusStored, survey.StatusDuplicate, survey.StatusRefused} {
		m.responses.WithLabelValues(string(s))
	}
	for _, k := range []string{survey.FindingGap, survey.FindingConflict, survey.FindingChainBreak,
		survey.FindingHeadMismatch, survey.FindingSeqReuse, survey.FindingClockSkew, survey.FindingFork, survey.FindingClock} {
		m.findings.WithLabelValues(k)
	}
	m.reg.MustRegister(m.batches, m.responses, m.findings)
	return m
}

// HeadReported counts the findings a kiosk's head report or a citizen's
// witness raised (sync/ingest's Metrics).
func (m *CentralMetrics) HeadReported(findings []survey.Finding) {
	for _, f := range findings {
		m.findings.WithLabelValues(f.Kind).Inc()
	}
}

// BatchIngested counts one stored batch, its findings and the gaps (ranges
// of skipped sequence numbers) it opened (sync/ingest's Metrics).
func (m *CentralMetrics) BatchIngested(c survey.IngestCounts, findings []survey.Finding, gaps int) {
	m.batches.Inc()
	m.responses.WithLabelValues(string(survey.StatusStored)).Add(float64(c.Stored))
	m.responses.WithLabelValues(string(survey.StatusDuplicate)).Add(float64(c.Duplicates))
	m.responses.WithLabelValues(string(survey.StatusRefused)).Add(float64(c.Refused))
	for _, f := range findings {
		m.findings.WithLabelValues(f.Kind).Inc()
	}
	if gaps > 0 {
		m.findings.WithLabelValues(survey.FindingGap).Add(float64(gaps))
	}
}
