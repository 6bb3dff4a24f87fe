package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

func testReportRTL(t *testing.T, open Opener) {
	f := newFixture(t, open)
	rs := MustReportStore(t, f.s)
	ctx := context.Background()
	o := MustCreateOffice(t, f.s, "Kantor")
	a := survey.RTLAction{OfficeID: o.ID, Period: "2026-Q4", Element: survey.Waktu, Action: "  Tambah loket antrean KTP-el ",
		Owner: "Kepala Bidang Dafduk", Due: "2027-01-31", CreatedBy: "admin"}
	if err := rs.CreateRTL(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.Status != survey.RTLPlanned || a.Action != "Tambah loket antrean KTP-el" || !a.CreatedAt.Equal(T0) {
		t.Errorf("created action = %+v", a)
	}
	other := survey.RTLAction{OfficeID: o.ID, Period: "2026-Q3", Action: "Pelatihan", Owner: "Sekretariat", Due: "2026-10-15"}
	if err := rs.CreateRTL(ctx, &other); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		field string
		edit  func(*survey.RTLAction)
	}{
		{"action", func(x *survey.RTLAction) { x.Action = " " }},
		{"owner", func(x *survey.RTLAction) { x.Owner = "" }},
		{"due", func(x *survey.RTLAction) { x.Due = "31-01-2027" }},
		{"status", func(x *survey.RTLAction) { x.Status = "finished" }},
		{"element", func(x *survey.RTLAction) { x.Element = "antrean" }},
		{"period", func(x *survey.RTLAction) { x.Period = "" }},
	} {
		x := a
		x.ID = 0
		bad.edit(&x)
		if e := survey.AsError(rs.CreateRTL(ctx, &x)); e == nil || e.Code != survey.EINVALID || e.Field != bad.field {
			t.Errorf("action with a bad %s: %v", bad.field, e)
		}
	}
	x := a
	x.ID, x.OfficeID = 0, 999
	if err := rs.CreateRTL(ctx, &x); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("action of an unknown office: %v, want ENOTFOUND", err)
	}

	f.clock.Set(T0.Add(48 * time.Hour))
	a.Status, a.Note = survey.RTLDone, "Loket 5 dibuka 2 Januari"
	if err := rs.UpdateRTL(ctx, &a); err != nil {
		t.Fatal(err)
	}
	got, err := rs.RTLByID(ctx, o.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != survey.RTLDone || got.Note != a.Note || got.Due != "2027-01-31" || got.Element != survey.Waktu ||
		!got.CreatedAt.Equal(T0) || !got.UpdatedAt.Equal(T0.Add(48*time.Hour)) || got.CreatedBy != "admin" ||
		got.DoneAt == nil || !got.DoneAt.Equal(T0.Add(48*time.Hour)) || a.DoneAt == nil || !a.DoneAt.Equal(*got.DoneAt) {
		t.Errorf("updated action = %+v (done at %v)", got, got.DoneAt)
	}
	// Saving a done action again keeps when it was done; reopening it clears that.
	f.clock.Set(T0.Add(72 * time.Hour))
	a.Note = "Loket 5 dibuka 2 Januari; papan antrean dipasang"
	if err := rs.UpdateRTL(ctx, &a); err != nil || a.DoneAt == nil || !a.DoneAt.Equal(T0.Add(48*time.Hour)) {
		t.Errorf("done action saved again: done at %v, %v; want %v", a.DoneAt, err, T0.Add(48*time.Hour))
	}
	a.Status = survey.RTLInProgress
	if err := rs.UpdateRTL(ctx, &a); err != nil || a.DoneAt != nil {
		t.Errorf("reopened action: done at %v, %v; want none", a.DoneAt, err)
	}
	if got, _ := rs.RTLByID(ctx, o.ID, a.ID); got.DoneAt != nil {
		t.Errorf("reopened action read back: done at %v, want none", got.DoneAt)
	}
	a.Status = survey.RTLDone
	if err := rs.UpdateRTL(ctx, &a); err != nil || a.DoneAt == nil || !a.DoneAt.Equal(T0.Add(72*time.Hour)) {
		t.Errorf("done again: done at %v, %v; want %v", a.DoneAt, err, T0.Add(72*time.Hour))
	}
	doneNow := survey.RTLAction{OfficeID: o.ID, Period: "2026-Q3", Action: "Papan informasi", Owner: "Sekretariat", Due: "2026-10-15", Status: survey.RTLDone}
	if err := rs.CreateRTL(ctx, &doneNow); err != nil || doneNow.DoneAt == nil || !doneNow.DoneAt.Equal(T0.Add(72*time.Hour)) {
		t.Errorf("action created done: done at %v, %v", doneNow.DoneAt, err)
	}
	list, err := rs.FindRTL(ctx, o.ID, "2026-Q4")
	if err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("plan of 2026-Q4 = %+v, %v; want the one action", list, err)
	}
	second := MustCreateOffice(t, f.s, "Kantor Kedua")
	if _, err := rs.RTLByID(ctx, second.ID, a.ID); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("another office's action: %v, want ENOTFOUND", err)
	}
	y := a
	y.OfficeID = second.ID
	if err := rs.UpdateRTL(ctx, &y); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("update through another office: %v, want ENOTFOUND", err)
	}
}

func testReportStatements(t *testing.T, open Opener) {
	f := newFixture(t, open)
	rs := MustReportStore(t, f.s)
	ctx := context.Background()
	o := MustCreateOffice(t, f.s, "Kantor")
	s := survey.StaffStatement{OfficeID: o.ID, NIP: NIP1, Period: "2026-Q4", Text: "Bulan Oktober loket saya ditutup dua minggu untuk renovasi.",
		RecordedBy: "kepala", ByStaff: false}
	if err := rs.CreateStaffStatement(ctx, &s); err != nil {
		t.Fatal(err)
	}
	own := survey.StaffStatement{OfficeID: o.ID, NIP: NIP1, Period: "2026-Q4", Text: "Terima kasih atas masukannya.", RecordedBy: "siti", ByStaff: true}
	if err := rs.CreateStaffStatement(ctx, &own); err != nil {
		t.Fatal(err)
	}
	for _, other := range []survey.StaffStatement{
		{OfficeID: o.ID, NIP: NIP2, Period: "2026-Q4", Text: "lain", RecordedBy: "kepala"},
		{OfficeID: o.ID, NIP: NIP1, Period: "2026-Q3", Text: "lain", RecordedBy: "kepala"},
	} {
		if err := rs.CreateStaffStatement(ctx, &other); err != nil {
			t.Fatal(err)
		}
	}
	got, err := rs.FindStaffStatements(ctx, o.ID, NIP1, "2026-Q4")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != s.ID || got[0].Text != s.Text || got[0].ByStaff || !got[1].ByStaff || got[1].RecordedBy != "siti" || !got[0].CreatedAt.Equal(T0) {
		t.Errorf("statements = %+v", got)
	}
	if err := rs.CreateStaffStatement(ctx, &survey.StaffStatement{OfficeID: o.ID, NIP: NIP1, Period: "2026-Q4", Text: "  ", RecordedBy: "x"}); survey.ErrorCode(err) != survey.EINVALID {
		t.Errorf("an empty statement: %v, want EINVALID", err)
	}
	if err := rs.CreateStaffStatement(ctx, &survey.StaffStatement{OfficeID: 999, NIP: NIP1, Period: "2026-Q4", Text: "x", RecordedBy: "x"}); survey.ErrorCode(err) != survey.ENOTFOUND {
		t.Errorf("a statement for an unknown office: %v, want ENOTFOUND", err)
	}
}
