package kiosk_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestCompressionSkipsAPIPosts checks that a page is gzipped for a client that
// accepts it but the API's short answer to a POST is not.
func TestCompressionSkipsAPIPosts(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	send := func(method, path, body string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, k.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport then leaves the body as sent
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, _ := MustDo(t, http.DefaultClient, req)
		return resp
	}
	if resp := send(http.MethodGet, "/s/"+siti.Code, ""); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("survey page: status %d, Content-Encoding %q, want 200 gzip", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	resp := send(http.MethodPost, "/api/v1/responses", mustJSON(responseBody(nipSiti, "KTPEL_BARU", "antrian-gzip")))
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("API answer: status %d, Content-Encoding %q, want 201 uncompressed", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
}
