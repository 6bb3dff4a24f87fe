package storetest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// MustDocumentStore returns s as a survey.DocumentStore.
func MustDocumentStore(tb testing.TB, s survey.CentralStore) survey.DocumentStore {
	tb.Helper()
	ds, ok := s.(survey.DocumentStore)
	if !ok {
		tb.Fatalf("%T does not implement survey.DocumentStore", s)
	}
	return ds
}

// testDocuments: an issued document's record reads back whole (its figures
// in order, its issue time to the microsecond); an id stored twice is a
// conflict, an unknown id not found, a record without its hash refused.
func testDocuments(t *testing.T, open Opener) {
	f := newFixture(t, open)
	ds := MustDocumentStore(t, f.s)
	ctx := context.Background()
	o := MustCreateOffice(t, f.s, "Kantor")
	d := survey.Document{ID: survey.NewDocumentID(), Kind: survey.DocEvidence, OfficeID: o.ID, Period: "2026-Q4",
		ClosedThrough: "2026-12-31", NIP: "196608011988031001", Subject: "Siti Rahma", IssuedAt: T0.Add(1500 * time.Microsecond),
		IssuedBy: "user:kepala", SHA256: strings.Repeat("ab", 32), KeyID: "k1", Signature: "c2ln",
		Figures: []survey.DocFigure{{Key: "responses", Label: "Jumlah penilaian", Value: "31"}, {Key: "index", Label: "Indeks individu", Value: "87,50"}}}
	d.FiguresDigest = survey.FiguresDigest(d.Figures)
	if err := ds.CreateDocument(ctx, &d); err != nil {
		t.Fatal(err)
	}
	got, err := ds.DocumentByID(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("document read back = %+v, want %+v", got, d)
	}
	wantCode(t, ds.CreateDocument(ctx, &d), survey.ECONFLICT, "the same document id twice")
	_, err = ds.DocumentByID(ctx, survey.NewDocumentID())
	wantCode(t, err, survey.ENOTFOUND, "an unknown document")
	bad := d
	bad.ID, bad.SHA256 = survey.NewDocumentID(), ""
	wantCode(t, ds.CreateDocument(ctx, &bad), survey.EINVALID, "a document without its hash")
	other := d
	other.ID, other.OfficeID = survey.NewDocumentID(), 999
	wantCode(t, ds.CreateDocument(ctx, &other), survey.ENOTFOUND, "a document of an unknown office")
	skm := d
	skm.ID, skm.Kind, skm.NIP, skm.Subject, skm.Figures = survey.NewDocumentID(), survey.DocSKM, "", "Kantor", nil
	skm.FiguresDigest = survey.FiguresDigest(nil)
	if err := ds.CreateDocument(ctx, &skm); err != nil {
		t.Fatal(err)
	}
	if got, err := ds.DocumentByID(ctx, skm.ID); err != nil || got.Kind != survey.DocSKM || len(got.Figures) != 0 {
		t.Errorf("SKM document read back = %+v, %v", got, err)
	}
}
