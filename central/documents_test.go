package central_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central/pdf/pdftest"
	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/survey"
)

// TestDocumentsVerifySQLite and …Postgres: the evidence PDF (API) and the
// SKM report PDF (staff page) are read back with poppler; their figures are
// the reports API's, their QR code opens their verification page, which
// answers "matches" for the file as issued and "does not match" for a file
// changed by one byte, checks central's signature, and names the figures
// that changed once a late rating arrives for a day the document covered.
func TestDocumentsVerifySQLite(t *testing.T) { testDocumentsVerify(t, openSQLite) }

func TestDocumentsVerifyPostgres(t *testing.T) {
	testDocumentsVerify(t, func(tb testing.TB, now func() time.Time) survey.CentralStore { return pgtest.MustOpen(tb, now) })
}

func testDocumentsVerify(t *testing.T, open func(testing.TB, func() time.Time) survey.CentralStore) {
	rs := MustStartReportServer(t, open)
	token := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	documentsOffice(t, rs)

	// The evidence PDF, through the API.
	const ikmPath = "/api/v1/reports/ikm?office=1&period=2031-Q1&nip=" + nipSiti
	doc, id := mustPDF(t, rs.URL, token, "/api/v1/reports/evidence.pdf?office=1&period=2031-Q1&nip="+nipSiti)
	text := pdftest.Text(t, doc)
	api := MustAPI(t, rs.URL, token, ikmPath, http.StatusOK)
	ind := api["individual"].(map[string]any)
	iv := ind["interval"].(map[string]any)
	wantLines := []string{
		"Jumlah penilaian " + idNum(ind["responses"], 0),
		fmt.Sprintf("Indeks individu (interval 95 %%) %s (%s–%s)", idNum(ind["index"], 2), idNum(iv["low"], 2), idNum(iv["high"], 2)),
		"Status final",
		"Porsi terverifikasi " + idNum(ind["verified_share"], 2) + " %",
		"Penilaian bertanda " + idNum(ind["suspect_ratings"], 0),
		"Tanda own_device 2",
		"Kode kunjungan sekali pakai " + idNum(ind["channels"].(map[string]any)["visit"], 0),
		"QR statis petugas " + idNum(ind["channels"].(map[string]any)["qr"], 0),
		"Penanda dipersoalkan tidak",
		"Terverifikasi (kode kunjungan) tanpa tanda " + idNum(ind["verified"].(map[string]any)["responses"], 0),
		"Minimum penilaian agar final 30",
		"Unsur tanggung jawab petugas Kompetensi Pelaksana, Perilaku Pelaksana",
		"Pelayanan cepat, terima kasih atas masukan warga.",
		"No. dokumen " + id,
	}
	flat := strings.Join(strings.Fields(text), " ")
	for _, w := range wantLines {
		if !strings.Contains(flat, w) {
			t.Errorf("evidence PDF lacks %q:\n%s", w, text)
		}
	}
	for _, m := range []string{"2031-01", "2031-02", "2031-03"} {
		if !strings.Contains(flat, m) {
			t.Errorf("evidence PDF lacks the month %s", m)
		}
	}
	verifyURL := rs.URL + "/publik/dokumen/" + id
	if codes := pdftest.QRCodes(t, doc); len(codes) != 1 || codes[0] != verifyURL {
		t.Fatalf("QR codes %q, want %s", codes, verifyURL)
	}

	// The verification page, reached through the QR code's address.
	v := mustVerify(t, verifyURL, doc)
	if v["verdict"] != "matches" || v["signature_valid"] != true || v["figures_match"] != true || v["subject"] != "Siti Rahma" {
		t.Errorf("verification of the issued file = %v", v)
	}
	sum := sha256.Sum256(doc)
	if v["sha256"] != hex.EncodeToString(sum[:]) {
		t.Errorf("recorded SHA-256 %v, want the file's %x", v["sha256"], sum)
	}
	for _, i := range []int{0, len(doc) / 2, len(doc) - 1} {
		changed := bytes.Clone(doc)
		changed[i] ^= 0x01
		if v := mustVerify(t, verifyURL, changed); v["verdict"] != "does not match" {
			t.Errorf("a file with byte %d changed: verdict %v, want does not match", i, v["verdict"])
		}
	}
	page := mustGetText(t, verifyURL+"?sha256="+hex.EncodeToString(sum[:]), http.StatusOK)
	if !strings.Contains(page, `data-verdict="matches"`) || !strings.Contains(page, `data-valid="true"`) || !strings.Contains(page, `data-match="true"`) {
		t.Errorf("verification page with the file's hash lacks the verdicts:\n%s", clip(page))
	}
	// The public page shows no figure: neither the index nor the count.
	if strings.Contains(page, idNum(ind["index"], 2)) || strings.Contains(page, ">"+idNum(ind["responses"], 0)+"<") {
		t.Errorf("the public verification page shows a personal figure:\n%s", clip(page))
	}
	mustGetText(t, rs.URL+"/publik/dokumen/"+strings.Repeat("a", 20), http.StatusNotFound)
	mustGetText(t, verifyURL+"?sha256=xyz", http.StatusBadRequest)

	// The SKM report PDF, from the staff pages, with the same figures as the API.
	admin := rs.MustLogin(t, "kepala", survey.RoleKepala, rs.Office.ID, "")
	_, skmPage := admin.MustGet(t, "/admin/reports/1/skm?period=2031-Q1", http.StatusOK)
	if !strings.Contains(skmPage, `/admin/reports/1/skm.pdf?period=2031-Q1`) {
		t.Error("the SKM report page has no link to its PDF")
	}
	resp, body := admin.MustGet(t, "/admin/reports/1/skm.pdf?period=2031-Q1", http.StatusOK)
	skm, skmID := []byte(body), resp.Header.Get("X-Document-Id")
	office := MustAPI(t, rs.URL, token, "/api/v1/reports/ikm?office=1&period=2031-Q1", http.StatusOK)
	stext := strings.Join(strings.Fields(pdftest.Text(t, skm)), " ")
	want := []string{"Laporan Survei Kepuasan Masyarakat", "Jumlah responden " + idNum(office["responses"], 0),
		"IKM (25–100) " + idNum(office["ikm"], 2), "Mutu pelayanan " + office["mutu"].(string), "Nilai indeks (1–4) " + idNum(office["index"], 4),
		"Tambah petugas loket KTP-el", "Selesai", "Hasil survei ditindaklanjuti 50,00 % 1 dari 2 tindakan selesai",
		"Hasil survei dipublikasikan ya", "No. dokumen " + skmID}
	fu := MustAPI(t, rs.URL, token, "/api/v1/reports/followups?office=1&period=2031-Q1", http.StatusOK)
	if fu["opened"] != 2.0 || fu["answered"] != 1.0 {
		t.Fatalf("follow-ups API = %v, want 2 opened and 1 answered", fu)
	}
	want = append(want, fmt.Sprintf("Pengaduan warga dijawab %s %% %s dari %s kasus dijawab, %s dalam 5 hari kerja; median %s hari kerja",
		idNum(fu["answered_share"], 2), idNum(fu["answered"], 0), idNum(fu["opened"], 0), idNum(fu["answered_on_time"], 0), idNum(fu["median_working_days"], 1)))
	for _, e := range office["elements"].([]any) {
		el := e.(map[string]any)
		want = append(want, fmt.Sprintf("%s %s", idNum(el["nrr"], 2), idNum(el["nrr_weighted"], 6)))
	}
	for _, w := range want {
		if !strings.Contains(stext, w) {
			t.Errorf("SKM PDF lacks %q:\n%s", w, stext)
		}
	}
	if codes := pdftest.QRCodes(t, skm); len(codes) != 1 || codes[0] != rs.URL+"/publik/dokumen/"+skmID {
		t.Errorf("SKM QR codes %q", codes)
	}
	if v := mustVerify(t, rs.URL+"/publik/dokumen/"+skmID, skm); v["verdict"] != "matches" || v["figures_match"] != true || v["kind"] != "skm" {
		t.Errorf("verification of the SKM report = %v", v)
	}

	// A rating that arrives late for a day both documents cover changes their figures.
	rs.MustIngestRatings(t, nipSiti, "KIA", time.Date(2031, 3, 30, 11, 0, 0, 0, wib), time.Hour, []survey.Ratings{all(2)}, qr())
	v = mustVerify(t, verifyURL, doc)
	if v["verdict"] != "matches" || v["figures_match"] != false || !changedLabel(v, "Tidak terverifikasi: jumlah") {
		t.Errorf("after a late rating: %v, want the file still matching and the unverified count changed", v)
	}
	page = mustGetText(t, verifyURL, http.StatusOK)
	if !strings.Contains(page, `data-match="false"`) || !strings.Contains(page, "Tidak terverifikasi: jumlah") {
		t.Errorf("verification page after a late rating lacks what changed:\n%s", clip(page))
	}
	if v := mustVerify(t, rs.URL+"/publik/dokumen/"+skmID, skm); v["figures_match"] != false || !changedLabel(v, "Jumlah responden") {
		t.Errorf("SKM report after a late rating: %v", v)
	}
}

// TestEvidencePDFAccess: the API's roles and parameters hold for the PDF.
func TestEvidencePDFAccess(t *testing.T) {
	rs := MustStartReportServer(t, openSQLite)
	other := storetestOffice(t, rs, "Disdukcapil Kabupaten Serang")
	kepala := MustCreateToken(t, rs.Store, survey.RoleKepala, other.ID)
	viewer := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
	for _, c := range []struct {
		token, path string
		status      int
		field       string
	}{
		{"", "/api/v1/reports/evidence.pdf?office=1&nip=" + nipSiti, http.StatusUnauthorized, ""},
		{kepala, "/api/v1/reports/evidence.pdf?office=1&nip=" + nipSiti, http.StatusForbidden, ""},
		{viewer, "/api/v1/reports/evidence.pdf?office=1", http.StatusBadRequest, "nip"},
		{viewer, "/api/v1/reports/evidence.pdf?office=1&nip=" + nipSiti + "&unit=Dafduk", http.StatusBadRequest, "nip"},
		{viewer, "/api/v1/reports/evidence.pdf?office=1&nip=199001012015031001", http.StatusBadRequest, "nip"},
		{viewer, "/api/v1/reports/evidence.pdf?office=1&period=2031-Q9&nip=" + nipSiti, http.StatusBadRequest, "period"},
		{viewer, "/api/v1/reports/skm.pdf?office=1&nip=" + nipSiti, http.StatusBadRequest, "office"},
	} {
		out := MustAPI(t, rs.URL, c.token, c.path, c.status)
		if e, _ := out["error"].(map[string]any); e == nil || (c.field != "" && e["field"] != c.field) || e["message_id"] == "" {
			t.Errorf("%s: error %v, want field %q with a message", c.path, out, c.field)
		}
	}
	// A staff member reads and downloads their own evidence, nobody else's.
	siti := rs.MustLogin(t, "siti", survey.RoleCounter, rs.Office.ID, nipSiti)
	_, page := siti.MustGet(t, "/admin/reports/1/staff/"+nipSiti+"?period=2031-Q1", http.StatusOK)
	if !strings.Contains(page, `id="rpt-evidence-pdf"`) {
		t.Error("the staff page has no link to the evidence PDF")
	}
	resp, _ := siti.MustGet(t, "/admin/reports/1/staff/"+nipSiti+"/evidence.pdf?period=2031-Q1", http.StatusOK)
	if resp.Header.Get("Content-Type") != "application/pdf" || resp.Header.Get("X-Document-Id") == "" {
		t.Errorf("own evidence PDF: headers %v", resp.Header)
	}
	siti.MustGet(t, "/admin/reports/1/staff/"+nipBudi+"/evidence.pdf?period=2031-Q1", http.StatusForbidden)
}

// documentsOffice stores a quarter of ratings: Siti with 33 verified and 6
// unverified ratings (2 flagged own_device), Agus with 12, a reply of
// Siti's and two follow-up actions, one done.
func documentsOffice(t *testing.T, rs *reportServer) {
	t.Helper()
	start := time.Date(2031, 1, 6, 9, 0, 0, 0, wib)
	verified := func(r *survey.Response) {
		r.Channel, r.Verified, r.VisitID = survey.ChannelVisit, true, fmt.Sprintf("v-%d", r.Seq)
	}
	r44, r43 := all(3), all(3)
	r44.Set(survey.Kompetensi, 4)
	r44.Set(survey.Perilaku, 4)
	r43.Set(survey.Kompetensi, 4)
	rs.MustIngestRatings(t, nipSiti, "KIA", start, 49*time.Hour, append(repeatRatings(25, r44), repeatRatings(8, r43)...), verified)
	rs.MustIngestRatings(t, nipSiti, "KIA", start.Add(time.Hour), 97*time.Hour, repeatRatings(4, r43), qr())
	rs.MustIngestRatings(t, nipSiti, "KTPEL_BARU", start.Add(2*time.Hour), 97*time.Hour, repeatRatings(2, all(2)), qr(survey.FlagOwnDevice))
	rs.MustIngestRatings(t, nipAgus, "KIA", start.Add(3*time.Hour), 97*time.Hour, repeatRatings(12, all(3)), verified)
	ctx := context.Background()
	rstore := rs.Store.(survey.ReportStore)
	if err := rstore.CreateStaffStatement(ctx, &survey.StaffStatement{OfficeID: rs.Office.ID, NIP: nipSiti, Period: "2031-Q1",
		Text: "Pelayanan cepat, terima kasih atas masukan warga.", RecordedBy: "siti", ByStaff: true}); err != nil {
		t.Fatal(err)
	}
	done := survey.RTLAction{OfficeID: rs.Office.ID, Period: "2031-Q1", Element: survey.Waktu, Action: "Tambah petugas loket KTP-el",
		Owner: "Kepala Bidang Dafduk", Due: "2031-04-30", Status: survey.RTLDone, CreatedBy: "kepala"}
	open := survey.RTLAction{OfficeID: rs.Office.ID, Period: "2031-Q1", Element: survey.Sarana, Action: "Perbaiki ruang tunggu",
		Owner: "Sekretariat", Due: "2031-06-30", CreatedBy: "kepala"}
	for _, a := range []*survey.RTLAction{&done, &open} {
		if err := rstore.CreateRTL(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	// Two citizens' low ratings with consent to be contacted: one answered
	// within its five working days, one still open.
	answered := rs.mustOpenCaseOf(t, nipAgus, "DDDD-EEEE-FFF1", time.Date(2031, 2, 10, 10, 0, 0, 0, wib))
	rs.mustOpenCaseOf(t, nipAgus, "DDDD-EEEE-FFF2", time.Date(2031, 3, 10, 10, 0, 0, 0, wib))
	at := time.Date(2031, 2, 12, 14, 0, 0, 0, wib)
	answered.Status, answered.Action, answered.Answer, answered.AnsweredAt, answered.UpdatedBy = survey.FollowUpAnswered,
		"Petugas ditegur", "Terima kasih, petugas sudah kami bina.", &at, "kepala"
	if err := rs.Store.UpdateFollowUpCase(ctx, answered); err != nil {
		t.Fatal(err)
	}
}

func storetestOffice(t *testing.T, rs *reportServer, name string) survey.Office {
	t.Helper()
	o := survey.Office{Name: name}
	if err := rs.Store.CreateOffice(context.Background(), &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// idNum prints a JSON number as the documents do: places decimals, decimal comma.
func idNum(v any, places int) string {
	x, _ := v.(float64)
	return strings.Replace(fmt.Sprintf("%.*f", places, x), ".", ",", 1)
}

var docIDRe = regexp.MustCompile(`^[a-z0-9]{20}$`)

// mustPDF downloads a document with the bearer token and returns it with its id.
func mustPDF(t *testing.T, base, token, path string) ([]byte, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, body := MustDo(t, http.DefaultClient, req)
	id := resp.Header.Get("X-Document-Id")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !docIDRe.MatchString(id) {
		t.Fatalf("GET %s: %d %v: %s", path, resp.StatusCode, resp.Header, clip(body))
	}
	return []byte(body), id
}

// mustVerify uploads file to a verification page and returns its JSON answer.
func mustVerify(t *testing.T, pageURL string, file []byte) map[string]any {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	part, err := w.CreateFormFile("file", "dokumen.pdf")
	if err != nil {
		t.Fatal(err)
	}
	part.Write(file)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, pageURL+"?format=json", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, body := MustDo(t, http.DefaultClient, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d: %s", pageURL, resp.StatusCode, body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustGetText(t *testing.T, u string, want int) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %s", u, resp.StatusCode, want, clip(string(b)))
	}
	return string(b)
}

func changedLabel(v map[string]any, label string) bool {
	changed, _ := v["changed"].([]any)
	for _, c := range changed {
		if m, _ := c.(map[string]any); m["label"] == label {
			return true
		}
	}
	return false
}
