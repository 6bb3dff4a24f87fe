package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// wantCode fails the test unless err carries the survey error code want.
func wantCode(t *testing.T, err error, want, what string) {
	t.Helper()
	if got := survey.ErrorCode(err); got != want {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, want)
	}
}

func testMigrations(t *testing.T, open Opener) {
	f := newFixture(t, open)
	if err := f.s.Ping(f.ctx); err != nil {
		t.Fatalf("ping a freshly migrated store: %v", err)
	}
	offices, err := f.s.FindOffices(f.ctx)
	if err != nil || len(offices) != 0 {
		t.Errorf("offices of an empty store = %v (%v), want none", offices, err)
	}
	if n, err := f.s.CountResponses(f.ctx, ""); err != nil || n != 0 {
		t.Errorf("responses of an empty store = %d (%v), want 0", n, err)
	}
	if n, err := f.s.CountUsers(f.ctx); err != nil || n != 0 {
		t.Errorf("users of an empty store = %d (%v), want 0", n, err)
	}
}

func testOffices(t *testing.T, open Opener) {
	f := newFixture(t, open)
	a := MustCreateOffice(t, f.s, "  Disdukcapil   Kota Serang ")
	if a.ID == 0 || a.Name != "Disdukcapil Kota Serang" || !a.CreatedAt.Equal(T0) {
		t.Errorf("created office = %+v", a)
	}
	b := MustCreateOffice(t, f.s, "Disdukcapil Kabupaten Serang")
	dup := survey.Office{Name: "Disdukcapil Kota Serang"}
	wantCode(t, f.s.CreateOffice(f.ctx, &dup), survey.ECONFLICT, "duplicate office name")
	wantCode(t, f.s.CreateOffice(f.ctx, &survey.Office{Name: "  "}), survey.EINVALID, "empty office name")

	got, err := f.s.OfficeByID(f.ctx, a.ID)
	if err != nil || got.ID != a.ID || got.Name != a.Name || !got.CreatedAt.Equal(a.CreatedAt) {
		t.Errorf("OfficeByID = %+v (%v), want %+v", got, err, a)
	}
	if got, err := f.s.OfficeByName(f.ctx, "Disdukcapil Kabupaten Serang"); err != nil || got.ID != b.ID {
		t.Errorf("OfficeByName = %+v (%v), want id %d", got, err, b.ID)
	}
	_, err = f.s.OfficeByID(f.ctx, a.ID+b.ID+100)
	wantCode(t, err, survey.ENOTFOUND, "unknown office id")
	_, err = f.s.OfficeByName(f.ctx, "Dinas Tidak Ada")
	wantCode(t, err, survey.ENOTFOUND, "unknown office name")

	all, err := f.s.FindOffices(f.ctx)
	if err != nil || len(all) != 2 || all[0].ID != b.ID || all[1].ID != a.ID {
		t.Errorf("FindOffices = %+v (%v), want both by name", all, err)
	}
}

func testKiosks(t *testing.T, open Opener) {
	f := newFixture(t, open)
	o1 := MustCreateOffice(t, f.s, "Kantor Satu")
	o2 := MustCreateOffice(t, f.s, "Kantor Dua")
	k1 := MustCreateKiosk(t, f.s, o1.ID)
	k2 := MustCreateKiosk(t, f.s, o2.ID)

	got, err := f.s.KioskByID(f.ctx, k1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.OfficeID != o1.ID || got.OfficeName != o1.Name || !bytes.Equal(got.PublicKey, k1.PublicKey) ||
		got.Revoked || !got.CreatedAt.Equal(T0) || got.Head != (survey.KioskHead{}) || !got.LastSeenAt.IsZero() {
		t.Errorf("KioskByID = %+v, want the registered kiosk of %s", got, o1.Name)
	}
	again := survey.Kiosk{ID: k1.ID, OfficeID: o2.ID, PublicKey: k1.PublicKey}
	wantCode(t, f.s.CreateKiosk(f.ctx, &again), survey.ECONFLICT, "duplicate kiosk id")
	orphan := survey.Kiosk{ID: "orphan", OfficeID: o1.ID + o2.ID + 100, PublicKey: k1.PublicKey}
	wantCode(t, f.s.CreateKiosk(f.ctx, &orphan), survey.ENOTFOUND, "kiosk of an unknown office")
	wantCode(t, f.s.CreateKiosk(f.ctx, &survey.Kiosk{ID: "nokey", OfficeID: o1.ID}), survey.EINVALID, "kiosk without key")
	_, err = f.s.KioskByID(f.ctx, "no-such-kiosk")
	wantCode(t, err, survey.ENOTFOUND, "unknown kiosk")

	if ks, err := f.s.FindKiosks(f.ctx, o2.ID); err != nil || len(ks) != 1 || ks[0].ID != k2.ID {
		t.Errorf("FindKiosks(office 2) = %+v (%v), want only %s", ks, err, k2.ID)
	}
	if ks, err := f.s.FindKiosks(f.ctx, 0); err != nil || len(ks) != 2 {
		t.Errorf("FindKiosks(all) = %+v (%v), want 2", ks, err)
	}

	revokedAt := T0.Add(time.Hour)
	if err := f.s.RevokeKiosk(f.ctx, k1.ID, revokedAt); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RevokeKiosk(f.ctx, k1.ID, revokedAt.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ = f.s.KioskByID(f.ctx, k1.ID)
	if !got.Revoked || !got.RevokedAt.Equal(revokedAt) {
		t.Errorf("revoked kiosk = revoked %v at %s, want true at %s (the first revocation)", got.Revoked, got.RevokedAt, revokedAt)
	}
	wantCode(t, f.s.RevokeKiosk(f.ctx, "no-such-kiosk", revokedAt), survey.ENOTFOUND, "revoke unknown kiosk")
}

func testRevokedAndUnknownKiosks(t *testing.T, open Opener) {
	f := newFixture(t, open)
	o := MustCreateOffice(t, f.s, "Kantor")
	MustAddStaff(t, f.s, o.ID, NIP1, "Siti Rahma", "Dafduk", "1")
	k := MustCreateKiosk(t, f.s, o.ID)
	if err := f.s.RevokeKiosk(f.ctx, k.ID, T0); err != nil {
		t.Fatal(err)
	}
	var ch Chain
	rs := ch.Next(3)
	_, err := f.s.Ingest(f.ctx, Request(k.ID, rs, T0))
	wantCode(t, err, survey.EFORBIDDEN, "ingest from a revoked kiosk")
	_, err = f.s.Ingest(f.ctx, Request("no-such-kiosk", rs, T0))
	wantCode(t, err, survey.EUNAUTHORIZED, "ingest from an unknown kiosk")

	if n, err := f.s.CountResponses(f.ctx, ""); err != nil || n != 0 {
		t.Errorf("stored %d responses (%v) from refused uploads, want 0", n, err)
	}
	if rs, err := f.s.FindReceipts(f.ctx, survey.ReceiptFilter{}); err != nil || len(rs) != 0 {
		t.Errorf("receipts of refused uploads = %+v (%v), want none", rs, err)
	}
	if fs, err := f.s.FindFindings(f.ctx, survey.FindingFilter{}); err != nil || len(fs) != 0 {
		t.Errorf("findings of refused uploads = %+v (%v), want none", fs, err)
	}
	if got, _ := f.s.KioskByID(f.ctx, k.ID); got.Head.Seq != 0 || !got.LastSeenAt.IsZero() {
		t.Errorf("revoked kiosk after a refused upload = %+v, want it untouched", got)
	}
	if tl := mustTally(t, f.s, o.ID, T0.AddDate(0, 0, -1), T0.AddDate(0, 0, 2)); tl.N != 0 {
		t.Errorf("rollups after refused uploads: n = %d, want 0", tl.N)
	}
}
