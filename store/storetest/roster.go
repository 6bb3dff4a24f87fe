package storetest

import (
	"bytes"
	"testing"

	"github.com/skmkiosk/skm/survey"
)

func testRoster(t *testing.T, open Opener) {
	f := newFixture(t, open)
	o1 := MustCreateOffice(t, f.s, "Kantor Satu")
	o2 := MustCreateOffice(t, f.s, "Kantor Dua")
	MustAddStaff(t, f.s, o1.ID, NIP1, "Siti Rahma", "Dafduk", "1")
	MustAddStaff(t, f.s, o1.ID, NIP2, "Budi Santoso", "Capil", "2")
	// The same person may be on two offices' rosters; each office's entry is its own.
	MustAddStaff(t, f.s, o2.ID, NIP1, "Siti Rahma", "Pelayanan", "7")

	dup := survey.Staff{NIP: "19660801 198803 1 001", Name: "Siti", Active: true}
	wantCode(t, f.s.CreateOfficeStaff(f.ctx, o1.ID, &dup), survey.ECONFLICT, "duplicate NIP in one office")
	bad := survey.Staff{NIP: "123", Name: "Bad", Active: true}
	wantCode(t, f.s.CreateOfficeStaff(f.ctx, o1.ID, &bad), survey.EINVALID, "invalid NIP")
	orphan := survey.Staff{NIP: NIP3, Name: "Nobody", Active: true}
	wantCode(t, f.s.CreateOfficeStaff(f.ctx, o1.ID+o2.ID+100, &orphan), survey.ENOTFOUND, "staff of an unknown office")

	s, err := f.s.OfficeStaffByNIP(f.ctx, o1.ID, NIP1)
	if err != nil || s.Name != "Siti Rahma" || s.Unit != "Dafduk" || s.Counter != "1" || s.Type != survey.PNS || !s.Active {
		t.Errorf("OfficeStaffByNIP = %+v (%v)", s, err)
	}
	s.Counter, s.Name = "3", "Siti Rahmawati"
	if err := f.s.UpdateOfficeStaff(f.ctx, o1.ID, &s); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.OfficeStaffByNIP(f.ctx, o1.ID, NIP1); got.Counter != "3" || got.Name != "Siti Rahmawati" {
		t.Errorf("after update = %+v", got)
	}
	if other, _ := f.s.OfficeStaffByNIP(f.ctx, o2.ID, NIP1); other.Counter != "7" || other.Name != "Siti Rahma" {
		t.Errorf("the other office's entry changed too: %+v", other)
	}
	if err := f.s.SetOfficeStaffActive(f.ctx, o1.ID, NIP2, false); err != nil {
		t.Fatal(err)
	}
	active, err := f.s.FindOfficeStaff(f.ctx, o1.ID, survey.StaffFilter{ActiveOnly: true})
	if err != nil || len(active) != 1 || active[0].NIP != NIP1 {
		t.Errorf("active staff = %+v (%v), want only %s", active, err, NIP1)
	}
	all, err := f.s.FindOfficeStaff(f.ctx, o1.ID, survey.StaffFilter{})
	if err != nil || len(all) != 2 {
		t.Errorf("all staff = %+v (%v), want 2", all, err)
	}

	_, err = f.s.OfficeStaffByNIP(f.ctx, o2.ID, NIP2)
	wantCode(t, err, survey.ENOTFOUND, "staff of another office")
	missing := survey.Staff{NIP: NIP3, Name: "Nobody", Active: true}
	wantCode(t, f.s.UpdateOfficeStaff(f.ctx, o1.ID, &missing), survey.ENOTFOUND, "update unknown staff")
	wantCode(t, f.s.SetOfficeStaffActive(f.ctx, o2.ID, NIP3, true), survey.ENOTFOUND, "activate unknown staff")
}

func testRosterImport(t *testing.T, open Opener) {
	f := newFixture(t, open)
	o1 := MustCreateOffice(t, f.s, "Kantor Satu")
	o2 := MustCreateOffice(t, f.s, "Kantor Dua")
	MustAddStaff(t, f.s, o1.ID, NIP1, "Siti Rahma", "Dafduk", "1")
	MustAddStaff(t, f.s, o2.ID, NIP1, "Siti Rahma", "Pelayanan", "7")

	// One bad row refuses the whole file.
	_, err := f.s.ImportOfficeStaff(f.ctx, o1.ID, []survey.Staff{
		{NIP: NIP1, Name: "Siti Changed", Active: true},
		{NIP: NIP2, Name: "Budi", Active: true},
		{NIP: "199913312020121001", Name: "Bad Date", Active: true},
	})
	wantCode(t, err, survey.EINVALID, "import with an invalid row")
	if s, _ := f.s.OfficeStaffByNIP(f.ctx, o1.ID, NIP1); s.Name != "Siti Rahma" {
		t.Errorf("a refused import changed %s to %q", NIP1, s.Name)
	}
	if _, err := f.s.OfficeStaffByNIP(f.ctx, o1.ID, NIP2); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("a refused import added %s (err %v)", NIP2, err)
	}

	res, err := f.s.ImportOfficeStaff(f.ctx, o1.ID, []survey.Staff{
		{NIP: NIP1, Name: "Siti Changed", Unit: "Dafduk", Counter: "4", Active: true},
		{NIP: NIP2, Name: "Budi Santoso", Unit: "Capil", Counter: "2", Active: true},
		{NIP: NIP3, Name: "Dewi Lestari", Unit: "Capil", Counter: "3", Type: survey.PNS, Active: true},
	})
	if err != nil || res != (survey.ImportResult{Added: 2, Updated: 1}) {
		t.Fatalf("import = %+v (%v), want 2 added and 1 updated", res, err)
	}
	if s, _ := f.s.OfficeStaffByNIP(f.ctx, o1.ID, NIP1); s.Name != "Siti Changed" || s.Counter != "4" {
		t.Errorf("imported update = %+v", s)
	}
	if s, _ := f.s.OfficeStaffByNIP(f.ctx, o2.ID, NIP1); s.Name != "Siti Rahma" || s.Counter != "7" {
		t.Errorf("import into office 1 changed office 2's entry: %+v", s)
	}
	if n, _ := f.s.FindOfficeStaff(f.ctx, o2.ID, survey.StaffFilter{}); len(n) != 1 {
		t.Errorf("office 2 has %d staff after office 1's import, want 1", len(n))
	}
	_, err = f.s.ImportOfficeStaff(f.ctx, o1.ID+o2.ID+100, []survey.Staff{{NIP: NIP2, Name: "Budi", Active: true}})
	wantCode(t, err, survey.ENOTFOUND, "import into an unknown office")
}

func testStaffPhotos(t *testing.T, open Opener) {
	f := newFixture(t, open)
	o := MustCreateOffice(t, f.s, "Kantor")
	MustAddStaff(t, f.s, o.ID, NIP1, "Siti Rahma", "Dafduk", "1")
	jpeg := []byte{0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9}
	if err := f.s.SetOfficeStaffPhoto(f.ctx, o.ID, NIP1, survey.Photo{JPEG: jpeg, ETag: "e1"}); err != nil {
		t.Fatal(err)
	}
	p, err := f.s.OfficeStaffPhoto(f.ctx, o.ID, NIP1)
	if err != nil || !bytes.Equal(p.JPEG, jpeg) || p.ETag != "e1" {
		t.Errorf("photo = %v %q (%v)", p.JPEG, p.ETag, err)
	}
	if s, _ := f.s.OfficeStaffByNIP(f.ctx, o.ID, NIP1); !s.HasPhoto {
		t.Error("HasPhoto is false after storing a photo")
	}
	if err := f.s.SetOfficeStaffPhoto(f.ctx, o.ID, NIP1, survey.Photo{JPEG: []byte{0xff, 0xd8, 9}, ETag: "e2"}); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.s.OfficeStaffPhoto(f.ctx, o.ID, NIP1); p.ETag != "e2" {
		t.Errorf("replaced photo etag = %q, want e2", p.ETag)
	}
	wantCode(t, f.s.SetOfficeStaffPhoto(f.ctx, o.ID, NIP2, survey.Photo{JPEG: jpeg, ETag: "x"}), survey.ENOTFOUND,
		"photo of unknown staff")
	if err := f.s.SetOfficeStaffPhoto(f.ctx, o.ID, NIP1, survey.Photo{}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.OfficeStaffPhoto(f.ctx, o.ID, NIP1)
	wantCode(t, err, survey.ENOTFOUND, "removed photo")
}

func testServices(t *testing.T, open Opener) {
	f := newFixture(t, open)
	o1 := MustCreateOffice(t, f.s, "Kantor Satu")
	o2 := MustCreateOffice(t, f.s, "Kantor Dua")
	def := survey.DefaultServices()
	got, err := f.s.FindOfficeServices(f.ctx, o1.ID, true)
	if err != nil || len(got) != len(def) {
		t.Fatalf("seeded services = %d (%v), want %d", len(got), err, len(def))
	}
	for i := range def {
		if got[i] != def[i] {
			t.Errorf("service %d = %+v, want %+v (in catalogue order)", i, got[i], def[i])
		}
	}
	add := survey.Service{Code: " paspor ", NameID: "Rekomendasi paspor", Active: true}
	if err := f.s.SaveOfficeService(f.ctx, o1.ID, &add); err != nil {
		t.Fatal(err)
	}
	off := def[0]
	off.Active, off.NameEN = false, "Recording"
	if err := f.s.SaveOfficeService(f.ctx, o1.ID, &off); err != nil {
		t.Fatal(err)
	}
	all, _ := f.s.FindOfficeServices(f.ctx, o1.ID, false)
	if n := len(all); n != len(def)+1 || all[n-1].Code != "PASPOR" || all[0].Active || all[0].NameEN != "Recording" {
		t.Errorf("after edits: %d services, last %+v, first %+v", n, all[n-1], all[0])
	}
	if active, _ := f.s.FindOfficeServices(f.ctx, o1.ID, true); len(active) != len(def) {
		t.Errorf("active services = %d, want %d", len(active), len(def))
	}
	if other, _ := f.s.FindOfficeServices(f.ctx, o2.ID, true); len(other) != len(def) || !other[0].Active {
		t.Errorf("office 2's catalogue changed with office 1's: %d services", len(other))
	}
	wantCode(t, f.s.SaveOfficeService(f.ctx, o1.ID, &survey.Service{Code: "x", NameID: "X"}), survey.EINVALID, "bad service code")
	wantCode(t, f.s.SaveOfficeService(f.ctx, o1.ID+o2.ID+100, &survey.Service{Code: "XX", NameID: "X"}), survey.ENOTFOUND,
		"service of an unknown office")
}

func testWording(t *testing.T, open Opener) {
	f := newFixture(t, open)
	o := MustCreateOffice(t, f.s, "Kantor")
	if w, err := f.s.OfficeWording(f.ctx, o.ID); err != nil || len(w) != 0 {
		t.Errorf("wording of a new office = %v (%v), want none", w, err)
	}
	id := survey.Wording{survey.Waktu: {Text: "Berapa lama Anda menunggu?", Labels: [4]string{"Lama", "Agak lama", "Cepat", "Sangat cepat"}}}
	en := survey.DefaultWording("en")
	if err := f.s.SetOfficeWording(f.ctx, o.ID, "id", id); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetOfficeWording(f.ctx, o.ID, "en", en); err != nil {
		t.Fatal(err)
	}
	id[survey.Biaya] = survey.Question{Text: "Gratis?"}
	if err := f.s.SetOfficeWording(f.ctx, o.ID, "id", id); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.OfficeWording(f.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got["id"]) != 2 || got["id"][survey.Waktu] != id[survey.Waktu] ||
		got["id"][survey.Biaya].Text != "Gratis?" || len(got["en"]) != survey.NumElements || got["en"][survey.Sarana] != en[survey.Sarana] {
		t.Errorf("wording round trip = %+v", got)
	}
	wantCode(t, f.s.SetOfficeWording(f.ctx, o.ID, "fr", id), survey.EINVALID, "unknown wording language")
	wantCode(t, f.s.SetOfficeWording(f.ctx, o.ID+100, "id", id), survey.ENOTFOUND, "wording of an unknown office")

	// A regional language: a reviewed element with its own name; the rest stays the built-in draft.
	su := survey.Wording{survey.Sarana: {Name: "Sarana", Text: "Kumaha sarana di dieu?", Labels: [4]string{"Awon", "Lumayan", "Sae", "Sae pisan"}}}
	if err := f.s.SetOfficeWording(f.ctx, o.ID, "su", su); err != nil {
		t.Fatal(err)
	}
	got, err = f.s.OfficeWording(f.ctx, o.ID)
	if err != nil || got["su"][survey.Sarana] != su[survey.Sarana] {
		t.Fatalf("Sunda wording round trip = %+v (%v)", got["su"], err)
	}
	merged := survey.DefaultWording("su").Merge(got["su"])
	if merged[survey.Sarana].Draft || merged[survey.Sarana].Name != "Sarana" || !merged[survey.Waktu].Draft {
		t.Errorf("merged Sunda wording: sarana %+v, waktu draft %v", merged[survey.Sarana], merged[survey.Waktu].Draft)
	}
	wantCode(t, f.s.SetOfficeWording(f.ctx, o.ID, "jv", survey.Wording{survey.Sarana: {Text: "loro\nbaris"}}), survey.EINVALID, "a two-line question")
	wantCode(t, f.s.SetOfficeWording(f.ctx, o.ID, "jv", survey.Wording{"antrean": {Text: "?"}}), survey.EINVALID, "an unknown element")
}
