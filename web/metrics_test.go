package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// fakePending is a PendingSource with fixed answers.
type fakePending struct {
	n      int64
	oldest time.Time
}

func (f fakePending) CountPending(context.Context) (int64, error) { return f.n, nil }
func (f fakePending) OldestPending(context.Context) (time.Time, bool, error) {
	return f.oldest, !f.oldest.IsZero(), nil
}
func (f fakePending) WriteStats() survey.WriteStats {
	return survey.WriteStats{Commits: 2, Responses: 5, Busy: 3 * time.Second, Commit: time.Second}
}

// metricsApp serves m at /metrics behind Measure, with the shared error handler.
func metricsApp(m *web.Metrics) *fiber.App {
	app := fiber.New(fiber.Config{ErrorHandler: web.ErrorHandler(slog.New(slog.DiscardHandler), nil)})
	app.Use(m.Measure)
	app.Get("/metrics", m.Handler())
	return app
}

// app.Test's requests come from 0.0.0.0, not a loopback address: without a
// token /metrics refuses them (403); with one, it wants the bearer token.
func TestMetricsAccess(t *testing.T) {
	for _, tc := range []struct {
		name, token, auth string
		want              int
	}{
		{"no token, another machine", "", "", http.StatusForbidden},
		{"token, none sent", "0123456789abcdef", "", http.StatusUnauthorized},
		{"token, wrong one", "0123456789abcdef", "Bearer 0123456789abcdeX", http.StatusUnauthorized},
		{"token, not bearer", "0123456789abcdef", "Basic 0123456789abcdef", http.StatusUnauthorized},
		{"token, right one", "0123456789abcdef", "Bearer 0123456789abcdef", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := metricsApp(web.NewCentralMetrics(tc.token).Metrics)
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			if tc.want == http.StatusOK && !strings.Contains(string(body), "skm_central_ingest_batches_total 0") {
				t.Errorf("metrics body lacks the ingest counter:\n%s", body)
			}
			if tc.want != http.StatusOK && !strings.Contains(string(body), `"error"`) {
				t.Errorf("refusal is not a JSON error: %s", body)
			}
		})
	}
}

// metricNames returns the names a registry exposes (histograms by their base name).
func metricNames(t *testing.T, g prometheus.Gatherer) map[string]bool {
	t.Helper()
	fams, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range fams {
		names[f.GetName()] = true
	}
	return names
}

// Every metric the sample Grafana dashboard queries exists on the kiosk or
// on central, so the dashboard does not silently show nothing.
func TestGrafanaDashboardNamesRealMetrics(t *testing.T) {
	b, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	k := web.NewKioskMetrics("", fakePending{n: 3, oldest: time.Now().Add(-time.Hour)}, time.Now)
	c := web.NewCentralMetrics("")
	for _, m := range []*web.Metrics{k.Metrics, c.Metrics} {
		// Histograms appear once observed.
		app := metricsApp(m)
		if _, err := app.Test(httptest.NewRequest(http.MethodGet, "/metrics", nil), -1); err != nil {
			t.Fatal(err)
		}
	}
	k.SyncBatch(survey.IngestCounts{Stored: 1})
	names := metricNames(t, k.Registry())
	for n := range metricNames(t, c.Registry()) {
		names[n] = true
	}
	metric := regexp.MustCompile(`\b((?:skm|process|go)_[a-z_]+)`)
	queried := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, m := range metric.FindAllString(target.Expr, -1) {
				base := m
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if trimmed, ok := strings.CutSuffix(m, suffix); ok && names[trimmed] {
						base = trimmed
					}
				}
				if !names[base] {
					t.Errorf("panel %q queries %s, which neither service exposes", p.Title, m)
				}
				queried++
			}
		}
	}
	if queried < 10 {
		t.Errorf("the dashboard queries only %d metrics", queried)
	}
}
