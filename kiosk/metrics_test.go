package kiosk_test

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/kiosk"
)

// MustMetric returns the value of one series (name and labels exactly as
// exposed, e.g. `skm_x_total{kind="gap"}`) from GET /metrics; a series that
// is absent fails the test.
func MustMetric(tb testing.TB, body, series string) float64 {
	tb.Helper()
	sc := bufio.NewScanner(strings.NewReader(body))
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

// Submissions through the API and the survey form are counted by outcome and
// reason, requests by route pattern and status, and the pending count and
// the age of the oldest pending rating (by the kiosk's clock) are read from
// the database at each scrape.
func TestMetricsCountSubmissions(t *testing.T) {
	k := MustStartKiosk(t, func(c *kiosk.Config) { c.Limits.PerAddress = 3 })
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	for i := range 3 {
		MustCreateResponse(t, k.URL, responseJSON(nipSiti, "KK_BARU", "key-"+strconv.Itoa(i)), http.StatusCreated)
	}
	MustCreateResponse(t, k.URL, responseJSON(nipSiti, "KK_BARU", "key-0"), http.StatusOK) // a replay
	resp, body := MustPostJSON(t, http.DefaultClient, k.URL+"/api/v1/responses", responseJSON(nipSiti, "KK_BARU", "key-9"))
	MustStatus(t, resp, body, http.StatusTooManyRequests) // the fourth rating from this address within the hour
	resp, body = MustPostJSON(t, http.DefaultClient, k.URL+"/api/v1/responses", `{"nip": "`+nipSiti+`"}`)
	MustStatus(t, resp, body, http.StatusBadRequest)
	hc, _ := MustEnrollTablet(t, k, "Tablet meja")
	_, key := MustSurveyPage(t, hc, k.URL+"/kiosk/s/"+siti.Code) // the desk tablet: never limited
	resp, body = MustPostForm(t, hc, k.URL+"/kiosk/s/"+siti.Code+"/kirim", surveyValues(key, "KK_BARU", allFours()))
	MustStatus(t, resp, body, http.StatusSeeOther)
	k.Clock.Set(testStart.Add(time.Hour))

	resp, m := MustGet(t, http.DefaultClient, k.URL+"/metrics")
	MustStatus(t, resp, m, http.StatusOK)
	for series, want := range map[string]float64{
		`skm_kiosk_submissions_total{outcome="accepted",reason=""}`:                                        4,
		`skm_kiosk_submissions_total{outcome="replayed",reason=""}`:                                        1,
		`skm_kiosk_submissions_total{outcome="refused",reason="rate_limited"}`:                             1,
		`skm_kiosk_submissions_total{outcome="refused",reason="invalid"}`:                                  1,
		`skm_kiosk_pending_responses`:                                                                      4,
		`skm_kiosk_sync_lag_seconds`:                                                                       3600,
		`skm_kiosk_sync_runs_total{result="failed"}`:                                                       0,
		`skm_http_request_duration_seconds_count{method="POST",route="/api/v1/responses",status="201"}`:    3,
		`skm_http_request_duration_seconds_count{method="POST",route="/api/v1/responses",status="429"}`:    1,
		`skm_http_request_duration_seconds_count{method="POST",route="/kiosk/s/:code/kirim",status="303"}`: 1,
	} {
		if got := MustMetric(t, m, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	for _, name := range []string{"process_resident_memory_bytes", "go_goroutines"} {
		MustMetric(t, m, name)
	}
	// The four stored ratings came one at a time, so each had a commit of its own.
	if c, r := MustMetric(t, m, "skm_kiosk_write_commits_total"), MustMetric(t, m, "skm_kiosk_write_responses_total"); c != 4 || r != 4 {
		t.Errorf("write commits %v storing %v ratings, want 4 and 4", c, r)
	}
	if busy, commit := MustMetric(t, m, "skm_kiosk_writer_busy_seconds_total"), MustMetric(t, m, "skm_kiosk_write_commit_seconds_total"); commit <= 0 || busy < commit {
		t.Errorf("writer busy %vs with %vs in COMMIT: want 0 < commit <= busy", busy, commit)
	}
	// An unknown path is labelled as such, not under some route's pattern.
	MustGet(t, http.DefaultClient, k.URL+"/no/such/page")
	_, m = MustGet(t, http.DefaultClient, k.URL+"/metrics")
	if got := MustMetric(t, m, `skm_http_request_duration_seconds_count{method="GET",route="(not found)",status="404"}`); got != 1 {
		t.Errorf("404s counted %v times", got)
	}
}

// With metrics_token set, /metrics wants it as a bearer token, even on this machine.
func TestMetricsToken(t *testing.T) {
	const token = "0123456789abcdef-metrics"
	k := MustStartKiosk(t, func(c *kiosk.Config) { c.MetricsToken = token })
	resp, body := MustGet(t, http.DefaultClient, k.URL+"/metrics")
	MustStatus(t, resp, body, http.StatusUnauthorized)
	if !strings.Contains(resp.Header.Get("WWW-Authenticate"), "Bearer") || MustErrorField(t, body) != "" {
		t.Errorf("401 without a challenge or JSON error: %v %s", resp.Header, body)
	}
	req, _ := http.NewRequest(http.MethodGet, k.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, body = MustDo(t, http.DefaultClient, req)
	MustStatus(t, resp, body, http.StatusOK)
	MustMetric(t, body, "skm_kiosk_pending_responses")
}
