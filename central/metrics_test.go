package central_test

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// MustMetric returns the value of one series (name and labels exactly as
// exposed) from GET /metrics on central at base.
func MustMetric(tb testing.TB, base, series string) float64 {
	tb.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				tb.Fatalf("%s: %v", series, err)
			}
			return f
		}
	}
	tb.Fatalf("no series %s in /metrics", series)
	return 0
}

// An upload from a kiosk whose file was tampered with, then a resend of a
// stored id with other content: central's metrics count the batches, the
// responses by result and the findings by kind, gaps included.
func TestMetricsCountIngestAndFindings(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	tk := mustConnectKiosk(t, rs)
	tk.MustSync(t)
	ctx := context.Background()
	for range 10 {
		r := &survey.Response{NIP: nipSiti, Service: "KIA", Channel: survey.ChannelQR, Ratings: all(4)}
		if _, err := tk.DB.CreateResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
		rs.Clock.Set(rs.Clock.Now().Add(time.Minute))
	}
	tk.DB.Close()
	mustTamper(t, tk.Path, survey.Response{NIP: nipBudi, Service: "KIA", Channel: survey.ChannelQR, Ratings: all(1),
		CreatedAt: rs.Clock.Now().UTC().Truncate(time.Microsecond)})
	tk.open(t)
	tk.MustSync(t)
	// Someone changes a synced rating in the file and marks it unsent: the
	// resend is a conflict, refused.
	tk.DB.Close()
	mustExecFile(t, tk.Path, "UPDATE responses SET perilaku = 1, synced_at = NULL WHERE seq = 1")
	tk.open(t)
	if res := tk.MustSync(t); res.Refused != 1 {
		t.Fatalf("resend with other content: %+v, want 1 refused", res)
	}

	for series, want := range map[string]float64{
		`skm_central_ingest_batches_total`:                     2,
		`skm_central_ingest_responses_total{status="stored"}`:  9,
		`skm_central_ingest_responses_total{status="refused"}`: 1,
		`skm_central_findings_total{kind="gap"}`:               1, // 5–6 deleted
		// 3 edited, 8 replaced, and 11 appended past the signed head: the
		// kiosk found it at start and reported a break (its head report).
		`skm_central_findings_total{kind="chain_break"}`:                                                   3,
		`skm_central_findings_total{kind="head_mismatch"}`:                                                 0,
		`skm_central_findings_total{kind="conflict"}`:                                                      1,
		`skm_central_findings_total{kind="clock_skew"}`:                                                    0,
		`skm_http_request_duration_seconds_count{method="POST",route="/api/v1/sync/batches",status="200"}`: 2,
	} {
		if got := MustMetric(t, rs.URL, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}
