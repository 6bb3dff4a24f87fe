package kiosk_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

// MustPNG returns a w×h PNG image.
func MustPNG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// MustStaff returns the stored staff member with nip.
func MustStaff(tb testing.TB, k *testKiosk, nip string) survey.Staff {
	tb.Helper()
	st, err := k.DB.StaffByNIP(context.Background(), nip)
	if err != nil {
		tb.Fatalf("staff %s: %v", nip, err)
	}
	return st
}

// apiStaff is one entry of GET /api/v1/staff.
type apiStaff struct {
	NIP       string `json:"nip"`
	Name      string `json:"name"`
	Counter   string `json:"counter"`
	SurveyURL string `json:"survey_url"`
	QRURL     string `json:"qr_url"`
}

// MustAPIStaff returns GET /api/v1/staff.
func MustAPIStaff(tb testing.TB, base string) []apiStaff {
	tb.Helper()
	resp, body := MustGet(tb, http.DefaultClient, base+"/api/v1/staff")
	MustStatus(tb, resp, body, http.StatusOK)
	var out []apiStaff
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		tb.Fatalf("GET /api/v1/staff: %v in %s", err, body)
	}
	return out
}

func staffForm(csrf, nip, typ, name, counter string) url.Values {
	return url.Values{"csrf": {csrf}, "nip": {nip}, "type": {typ}, "name": {name}, "position": {"Pengadministrasi Kependudukan"},
		"unit": {"Pendaftaran Penduduk"}, "counter": {counter}}
}

func TestStaffAddValidatesNIP(t *testing.T) {
	k := MustStartKiosk(t)
	admin := MustSetUp(t, k)
	csrf := MustCSRF(t, admin, k.URL+"/admin/staff/new")

	for _, tc := range []struct {
		name, nip, typ, wantText string
	}{
		{"too short", "19660801198803100", "PNS", "NIP harus 18 angka"},
		{"letters", "1966080119880310AB", "PNS", "NIP harus 18 angka"},
		{"PNS with no real birth date", "196613011988031001", "PNS", "tanggal lahir yang sah"},
		{"PNS with month 13 in TMT", nipPPPK, "PNS", "TMT CPNS"},
		{"PNS with sex digit 3", "196608011988033001", "PNS", "angka ke-15"},
		{"PNS with sequence 000", "196608011988031000", "PNS", "nomor urut"},
		{"PPPK too short", "1985050520221310", "PPPK", "NIP harus 18 angka"},
	} {
		resp, body := MustPostMultipart(t, admin, k.URL+"/admin/staff/new", staffForm(csrf, tc.nip, tc.typ, "Nama Uji", "3"), nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tc.name, resp.StatusCode)
			continue
		}
		if !strings.Contains(body, tc.wantText) {
			t.Errorf("%s: the form does not show %q", tc.name, tc.wantText)
		}
		if !strings.Contains(body, `value="Nama Uji"`) {
			t.Errorf("%s: the refused form lost the name typed", tc.name)
		}
	}
	if staff, err := k.DB.FindStaff(context.Background(), survey.StaffFilter{}); err != nil || len(staff) != 0 {
		t.Fatalf("after refused forms the roster holds %d (%v), want 0", len(staff), err)
	}

	// The same number is accepted leniently for a PPPK.
	resp, body := MustPostMultipart(t, admin, k.URL+"/admin/staff/new", staffForm(csrf, nipPPPK, "PPPK", "Rina PPPK", "4"), nil)
	MustRedirect(t, resp, body, "/admin/staff")
	if st := MustStaff(t, k, nipPPPK); st.Type != survey.PPPK || st.Name != "Rina PPPK" {
		t.Errorf("stored PPPK = %+v", st)
	}
	// Printed forms with spaces are normalised; the same NIP twice is a conflict.
	resp, body = MustPostMultipart(t, admin, k.URL+"/admin/staff/new", staffForm(csrf, "19660801 198803 1 001", "PNS", "Siti Aminah", "1"), nil)
	MustRedirect(t, resp, body, "/admin/staff")
	resp, body = MustPostMultipart(t, admin, k.URL+"/admin/staff/new", staffForm(csrf, nipSiti, "PNS", "Siti Lain", "2"), nil)
	MustStatus(t, resp, body, http.StatusConflict)
	if st := MustStaff(t, k, nipSiti); st.Name != "Siti Aminah" {
		t.Errorf("a refused duplicate changed the name to %q", st.Name)
	}
}

func TestStaffEditPhotoDeactivate(t *testing.T) {
	k := MustStartKiosk(t)
	admin := MustSetUp(t, k)
	csrf := MustCSRF(t, admin, k.URL+"/admin/staff/new")

	photo := map[string]upload{"photo": {"siti.png", MustPNG(t, 400, 300)}}
	resp, body := MustPostMultipart(t, admin, k.URL+"/admin/staff/new", staffForm(csrf, nipSiti, "PNS", "Siti Aminah", "1"), photo)
	loc := MustRedirect(t, resp, body, "/admin/staff")
	resp, body = MustGet(t, admin, k.URL+loc)
	MustStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "Siti Aminah") || !strings.Contains(body, nipSiti) {
		t.Error("the staff list does not show the new staff member")
	}
	st := MustStaff(t, k, nipSiti)
	if !st.HasPhoto {
		t.Fatal("the uploaded photo was not stored")
	}
	resp, body = MustGet(t, http.DefaultClient, k.URL+"/photo/"+st.Code+".jpg")
	MustStatus(t, resp, body, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("photo Content-Type = %q", ct)
	}
	img, err := jpeg.Decode(strings.NewReader(body))
	if err != nil {
		t.Fatalf("photo is not a JPEG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 192 || b.Dy() != 144 {
		t.Errorf("photo is %dx%d, want 192x144 (shrunk, aspect kept)", b.Dx(), b.Dy())
	}

	// A file that is not an image is refused and nothing changes.
	resp, body = MustPostMultipart(t, admin, k.URL+"/admin/staff/"+nipSiti, staffForm(csrf, nipSiti, "PNS", "Siti Baru", "1"),
		map[string]upload{"photo": {"bukan.png", []byte("not an image")}})
	MustStatus(t, resp, body, http.StatusBadRequest)
	if got := MustStaff(t, k, nipSiti).Name; got != "Siti Aminah" {
		t.Errorf("a refused edit changed the name to %q", got)
	}

	// Edit: the name and counter change; NIP and QR code stay.
	resp, page := MustGet(t, admin, k.URL+"/admin/staff/"+nipSiti)
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, `value="Siti Aminah"`) {
		t.Error("the edit form is not filled in")
	}
	resp, body = MustPostMultipart(t, admin, k.URL+"/admin/staff/"+nipSiti, staffForm(csrf, "999", "PNS", "Siti Aminah, S.Kom", "7"), nil)
	MustRedirect(t, resp, body, "/admin/staff")
	edited := MustStaff(t, k, nipSiti)
	if edited.Name != "Siti Aminah, S.Kom" || edited.Counter != "7" || edited.Code != st.Code || !edited.Active || !edited.HasPhoto {
		t.Errorf("after edit: %+v (code before %s)", edited, st.Code)
	}
	resp, body = MustPostMultipart(t, admin, k.URL+"/admin/staff/"+nipSiti, staffForm(csrf, nipSiti, "PNS", " ", "7"), nil)
	MustStatus(t, resp, body, http.StatusBadRequest)
	resp, body = MustPostMultipart(t, admin, k.URL+"/admin/staff/"+nipBudi, staffForm(csrf, nipBudi, "PNS", "Tidak Ada", "7"), nil)
	MustStatus(t, resp, body, http.StatusNotFound)

	// Everything citizens reach works while active.
	code := st.Code
	public := []string{"/s/" + code, "/kiosk/s/" + code, "/qr/" + code + ".png", "/card/" + code, "/counter/" + code, "/photo/" + code + ".jpg"}
	tablet, _ := MustEnrollTablet(t, k, "Tablet meja")
	for _, p := range public {
		resp, body := MustGet(t, tablet, k.URL+p)
		MustStatus(t, resp, body, http.StatusOK)
	}

	// Deactivate.
	resp, body = MustPostForm(t, admin, k.URL+"/admin/staff/"+nipSiti+"/active", url.Values{"csrf": {csrf}, "active": {"0"}})
	MustRedirect(t, resp, body, "/admin/staff")
	if MustStaff(t, k, nipSiti).Active {
		t.Fatal("still active after deactivation")
	}
	for _, p := range public {
		resp, _ := MustGet(t, tablet, k.URL+p)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s of an inactive staff member: %d, want 404", p, resp.StatusCode)
		}
	}
	resp, body = MustPostJSON(t, http.DefaultClient, k.URL+"/api/v1/responses", responseJSON(nipSiti, "KTPEL_BARU", "inactive-1"))
	MustStatus(t, resp, body, http.StatusNotFound)
	if got := MustErrorField(t, body); got != "nip" {
		t.Errorf("response for an inactive staff member: error field %q, want nip", got)
	}
	if n := len(MustAPIStaff(t, k.URL)); n != 0 {
		t.Errorf("GET /api/v1/staff lists %d staff, want 0", n)
	}
	resp, body = MustGet(t, tablet, k.URL+"/kiosk")
	MustStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, code) {
		t.Error("the tablet start screen still offers the inactive staff member")
	}

	// Reactivate: back at once, with the same code.
	resp, body = MustPostForm(t, admin, k.URL+"/admin/staff/"+nipSiti+"/active", url.Values{"csrf": {csrf}, "active": {"1"}})
	MustRedirect(t, resp, body, "/admin/staff")
	resp, body = MustGet(t, http.DefaultClient, k.URL+"/s/"+code)
	MustStatus(t, resp, body, http.StatusOK)
	if n := MustCountResponses(t, k); n != 0 {
		t.Errorf("%d responses stored, want 0", n)
	}
}

const goodRoster = "nip,name,position,unit,counter\n" +
	nipSiti + ",Siti Aminah,Pengadministrasi,Pendaftaran Penduduk,Loket 1\n" +
	"19750115 200003 2 002,\"Budi Santoso, S.H.\",Verifikator,Pencatatan Sipil,Loket 2\n"

func TestStaffImportExportUI(t *testing.T) {
	k := MustStartKiosk(t)
	admin := MustSetUp(t, k)
	csrf := MustCSRF(t, admin, k.URL+"/admin/staff/import")

	bad := "nip,name,position,unit,counter\n" +
		nipSiti + ",Siti Aminah,Pengadministrasi,Pendaftaran Penduduk,Loket 1\n" +
		"12345,Terlalu Pendek,Staf,Unit,Loket 3\n" +
		nipAgus + ",,Staf,Unit,Loket 4\n" +
		nipSiti + ",Siti Lagi,Staf,Unit,Loket 5\n"
	resp, body := MustPostMultipart(t, admin, k.URL+"/admin/staff/import", url.Values{"csrf": {csrf}},
		map[string]upload{"file": {"roster.csv", []byte(bad)}})
	MustStatus(t, resp, body, http.StatusBadRequest)
	for _, want := range []string{"Baris 3", "18", "Baris 4", "name", "Baris 5", "baris 2", "Tidak ada yang diimpor: 3 baris salah"} {
		if !strings.Contains(body, want) {
			t.Errorf("the refusal page does not show %q", want)
		}
	}
	if strings.Contains(body, "Baris 2:") {
		t.Error("the refusal page lists the good line 2")
	}
	if staff, _ := k.DB.FindStaff(context.Background(), survey.StaffFilter{}); len(staff) != 0 {
		t.Fatalf("a file with bad rows imported %d staff", len(staff))
	}

	resp, body = MustPostMultipart(t, admin, k.URL+"/admin/staff/import", url.Values{"csrf": {csrf}},
		map[string]upload{"file": {"roster.csv", []byte(goodRoster)}})
	loc := MustRedirect(t, resp, body, "/admin/staff?imported=1")
	if !strings.Contains(loc, "added=2") || !strings.Contains(loc, "updated=0") {
		t.Errorf("import redirect %q, want added=2 updated=0", loc)
	}
	resp, body = MustGet(t, admin, k.URL+loc)
	MustStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "Impor selesai: 2 ditambahkan, 0 diperbarui.") {
		t.Error("the staff list does not report the import")
	}
	if got := MustStaff(t, k, nipBudi).Name; got != "Budi Santoso, S.H." {
		t.Errorf("imported name %q", got)
	}

	// Export, then import into another kiosk: the same roster.
	ppk := survey.Staff{NIP: nipPPPK, Name: "Rina PPPK", Counter: "Loket 9", Type: survey.PPPK, Active: true}
	if err := k.DB.CreateStaff(context.Background(), &ppk); err != nil {
		t.Fatal(err)
	}
	resp, export := MustGet(t, admin, k.URL+"/admin/staff/export.csv")
	MustStatus(t, resp, export, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("export Content-Type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(export)).ReadAll()
	if err != nil || len(rows) != 4 || strings.Join(rows[0][:5], ",") != "nip,name,position,unit,counter" {
		t.Fatalf("export = %q (%v)", export, err)
	}

	k2 := MustStartKiosk(t)
	admin2 := MustSetUp(t, k2)
	csrf2 := MustCSRF(t, admin2, k2.URL+"/admin/staff/import")
	resp, body = MustPostMultipart(t, admin2, k2.URL+"/admin/staff/import", url.Values{"csrf": {csrf2}},
		map[string]upload{"file": {"petugas.csv", []byte(export)}})
	MustRedirect(t, resp, body, "/admin/staff?imported=1")
	MustSameRoster(t, k, k2)
}

// MustSameRoster fails unless both kiosks hold the same staff (codes aside).
func MustSameRoster(tb testing.TB, a, b *testKiosk) {
	tb.Helper()
	key := func(k *testKiosk) []string {
		staff, err := k.DB.FindStaff(context.Background(), survey.StaffFilter{})
		if err != nil {
			tb.Fatal(err)
		}
		out := make([]string, len(staff))
		for i, s := range staff {
			out[i] = fmt.Sprintf("%s|%s|%s|%s|%s|%s|%v", s.NIP, s.Name, s.Position, s.Unit, s.Counter, s.Type, s.Active)
		}
		return out
	}
	ka, kb := key(a), key(b)
	if strings.Join(ka, "\n") != strings.Join(kb, "\n") {
		tb.Errorf("rosters differ:\n%s\n--- vs ---\n%s", strings.Join(ka, "\n"), strings.Join(kb, "\n"))
	}
}

func TestImportThroughSecondStoreSeenWithoutRestart(t *testing.T) {
	k := MustStartKiosk(t)
	if n := len(MustAPIStaff(t, k.URL)); n != 0 {
		t.Fatalf("fresh kiosk lists %d staff", n)
	}
	// What `kiosk staff import` does: its own connection to the same file.
	staff, err := survey.ParseRoster(strings.NewReader(goodRoster), testStart)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := sqlite.OpenKiosk(context.Background(), k.Path, sqlite.KioskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := cli.ImportStaff(context.Background(), staff)
	if cerr := cli.Close(); err == nil {
		err = cerr
	}
	if err != nil || res.Added != 2 {
		t.Fatalf("import = %+v, %v", res, err)
	}
	got := MustAPIStaff(t, k.URL)
	if len(got) != 2 {
		t.Fatalf("the running server lists %d staff, want 2", len(got))
	}
	for _, s := range got {
		resp, body := MustGet(t, http.DefaultClient, s.SurveyURL)
		MustStatus(t, resp, body, http.StatusOK)
		if !strings.Contains(body, s.Name) && !strings.Contains(body, strings.ReplaceAll(s.Name, ",", "&#44;")) {
			t.Errorf("survey page of %s does not name them", s.NIP)
		}
	}
}
