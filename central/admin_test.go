package central_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/store/storetest"
	"github.com/skmkiosk/skm/survey"
)

func TestOfficesAndKiosksPages(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	admin := rs.MustLogin(t, "admin1", survey.RoleAdmin, 0, "")

	_, page := admin.MustGet(t, "/admin/offices", http.StatusOK)
	if !strings.Contains(page, "Disdukcapil Kota Serang") {
		t.Error("offices page does not list the office")
	}
	resp, body := admin.MustPost(t, "/admin/offices", url.Values{"name": {"Kecamatan Serang"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create office: %d %s", resp.StatusCode, clip(body))
	}
	resp, body = admin.MustPost(t, "/admin/offices", url.Values{"name": {"Kecamatan Serang"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Kecamatan Serang") {
		t.Errorf("duplicate office: %d", resp.StatusCode)
	}

	// A new kiosk's secret is shown once, never cached, and not stored.
	resp, body = admin.MustPost(t, "/admin/kiosks", url.Values{"office": {"Kecamatan Serang"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "skm1-") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("add kiosk: %d, cache %q, secret shown %v", resp.StatusCode, resp.Header.Get("Cache-Control"), strings.Contains(body, "skm1-"))
	}
	i := strings.Index(body, `kiosk_id = "`)
	id := body[i+len(`kiosk_id = "`):]
	id = id[:strings.Index(id, `"`)]
	_, page = admin.MustGet(t, "/admin/kiosks", http.StatusOK)
	if strings.Contains(page, "skm1-") || !strings.Contains(page, id) {
		t.Error("the kiosks page shows a secret again, or lacks the new kiosk")
	}
	resp, _ = admin.MustPost(t, "/admin/kiosks/"+id+"/revoke", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	k, err := rs.Store.KioskByID(t.Context(), id)
	if err != nil || !k.Revoked {
		t.Errorf("kiosk after revoke = %+v, %v", k, err)
	}

	// A viewer reads but may not change.
	viewer := rs.MustLogin(t, "viewer1", survey.RoleViewer, 0, "")
	viewer.MustGet(t, "/admin/offices", http.StatusOK)
	if resp, _ := viewer.MustPost(t, "/admin/offices", url.Values{"name": {"X"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer creating an office: %d, want 403", resp.StatusCode)
	}
}

func TestCentralRosterPages(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	admin := rs.MustLogin(t, "admin1", survey.RoleAdmin, 0, "")
	base := fmt.Sprintf("/admin/offices/%d/staff", rs.Office.ID)
	_, page := admin.MustGet(t, base, http.StatusOK)
	for _, name := range []string{"Siti Rahma", "Budi Santoso", "Agus Salim"} {
		if !strings.Contains(page, name) {
			t.Errorf("roster page lacks %s", name)
		}
	}
	resp, body := admin.MustPost(t, base+"/new", url.Values{"nip": {"199001012015031001"}, "name": {"Dewi Lestari"}, "type": {"PNS"}, "unit": {"Capil"}, "counter": {"4"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add staff: %d %s", resp.StatusCode, clip(body))
	}
	resp, body = admin.MustPost(t, base+"/new", url.Values{"nip": {"12345"}, "name": {"Salah"}, "type": {"PNS"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "NIP") {
		t.Errorf("bad NIP: %d", resp.StatusCode)
	}
	s, err := rs.Store.OfficeStaffByNIP(t.Context(), rs.Office.ID, "199001012015031001")
	if err != nil || s.Name != "Dewi Lestari" {
		t.Errorf("stored staff = %+v, %v", s, err)
	}
	_, page = admin.MustGet(t, fmt.Sprintf("/admin/offices/%d/services", rs.Office.ID), http.StatusOK)
	if !strings.Contains(page, "KTPEL_BARU") {
		t.Error("services page lacks the default catalogue")
	}

	// A kepala sees only their own office.
	other := storetest.MustCreateOffice(t, rs.Store, "Kecamatan Serang")
	kepala := rs.MustLogin(t, "kepala1", survey.RoleKepala, rs.Office.ID, "")
	kepala.MustGet(t, base, http.StatusOK)
	kepala.MustGet(t, fmt.Sprintf("/admin/offices/%d/staff", other.ID), http.StatusForbidden)
}

func TestIntegrityAndReconciliationPages(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	start := reportNow.Add(-48 * time.Hour)
	rs.MustIngestRatings(t, nipSiti, "KIA", start, time.Minute, repeatRatings(3, all(4)), nil)
	// Seqs 4 and 5 never arrive: deleted at the office before upload.
	ch := &storetest.Chain{}
	rs2 := ch.Next(6)
	storetest.MustIngest(t, rs.Store, storetest.Request(rs.Kiosk.ID, rs2[5:], rs.Clock.Now()))
	admin := rs.MustLogin(t, "admin1", survey.RoleAdmin, 0, "")
	_, page := admin.MustGet(t, "/admin/integrity", http.StatusOK)
	if !strings.Contains(page, rs.Kiosk.ID) || !strings.Contains(page, "4–5") {
		t.Errorf("integrity page does not show the gap 4–5 of %s:\n%s", rs.Kiosk.ID, clip(page))
	}
	_, page = admin.MustGet(t, "/admin/reconciliation", http.StatusOK)
	if !strings.Contains(page, rs.Kiosk.ID) || !strings.Contains(page, reportNow.Format("2006-01-02")) {
		t.Errorf("reconciliation page lacks the night's receipt")
	}
	_, page = admin.MustGet(t, "/admin", http.StatusOK)
	if !strings.Contains(page, rs.Kiosk.ID) {
		t.Error("dashboard does not list the kiosk")
	}
}

func TestStaffAccountSeesOnlyOwnPage(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	admin := rs.MustLogin(t, "admin1", survey.RoleAdmin, 0, "")
	resp, body := admin.MustPost(t, "/admin/users", url.Values{"username": {"siti"}, "role": {"counter"},
		"office": {fmt.Sprint(rs.Office.ID)}, "nip": {"19660801 198803 1 001"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "siti") {
		t.Fatalf("create staff account: %d %s", resp.StatusCode, clip(body))
	}
	u, err := rs.Store.UserByUsername(t.Context(), "siti")
	if err != nil || u.NIP != nipSiti || u.OfficeID != rs.Office.ID {
		t.Fatalf("staff account = %+v, %v", u, err)
	}
	resp, _ = admin.MustPost(t, "/admin/users", url.Values{"username": {"palsu"}, "role": {"counter"},
		"office": {fmt.Sprint(rs.Office.ID)}, "nip": {"199001012015031001"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("staff account for a NIP not on the roster: %d, want 400", resp.StatusCode)
	}
	siti := rs.MustLogin(t, "siti2", survey.RoleCounter, rs.Office.ID, nipSiti)
	siti.MustGet(t, fmt.Sprintf("/admin/reports/%d/staff/%s", rs.Office.ID, nipSiti), http.StatusOK)
	siti.MustGet(t, fmt.Sprintf("/admin/reports/%d/staff/%s", rs.Office.ID, nipBudi), http.StatusForbidden)
	siti.MustGet(t, "/admin/offices", http.StatusForbidden)
}
