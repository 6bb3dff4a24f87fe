package kiosk_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// panicky is the kiosk's store with a bug: FindServices panics while armed.
type panicky struct {
	*sqlite.KioskDB
	armed atomic.Bool
}

func (p *panicky) FindServices(ctx context.Context, activeOnly bool) ([]survey.Service, error) {
	if p.armed.Load() {
		panic("a bug in FindServices")
	}
	return p.KioskDB.FindServices(ctx, activeOnly)
}

// A panic in a handler ends that request with a 500 that quotes its request
// id, as JSON on the API and as a page on the survey; the kiosk serves on.
func TestPanicInAHandlerIsAnsweredAndTheKioskServesOn(t *testing.T) {
	var p *panicky
	k := MustStartKioskOver(t, func(db *sqlite.KioskDB) kiosk.Store { p = &panicky{KioskDB: db}; return p })
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	phone := MustNewClient(t)
	p.armed.Store(true)

	resp, body := MustGet(t, phone, k.URL+"/api/v1/services")
	var e web.ErrorBody
	id := resp.Header.Get(web.HeaderRequestID)
	if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != http.StatusInternalServerError ||
		e.Error.Code != survey.EINTERNAL || id == "" || !strings.Contains(e.Error.MessageID, id) {
		t.Errorf("API: %d %s, %s %q; want a 500 JSON error quoting the request id", resp.StatusCode, body, web.HeaderRequestID, id)
	}
	MustHardHeaders(t, "API panic", resp)
	resp, page := MustGet(t, phone, k.URL+"/s/"+siti.Code)
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(page, "terjadi kesalahan di server") ||
		!strings.Contains(page, resp.Header.Get(web.HeaderRequestID)) {
		t.Errorf("survey page: %d, want a 500 page quoting the request id:\n%s", resp.StatusCode, clip(page))
	}
	MustHardHeaders(t, "page panic", resp)

	p.armed.Store(false)
	for _, path := range []string{"/api/v1/services", "/s/" + siti.Code, "/healthz"} {
		resp, body := MustGet(t, phone, k.URL+path)
		MustStatus(t, resp, body, http.StatusOK)
	}
}
