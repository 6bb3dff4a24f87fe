package storetest

import (
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// testVisitTallies: kiosks' visit tallies are replaced per day, staff member
// and service (never lowered by an older one replayed), kept per kiosk, and summed by office, period, NIP, service,
// and unit and counter through the current roster.
func testVisitTallies(t *testing.T, open Opener) {
	f := newFixture(t, open)
	o := MustCreateOffice(t, f.s, "Kantor Satu")
	other := MustCreateOffice(t, f.s, "Kantor Dua")
	MustAddStaff(t, f.s, o.ID, NIP1, "Siti Rahma", "Dafduk", "1")
	MustAddStaff(t, f.s, o.ID, NIP2, "Budi Santoso", "Capil", "2")
	k1, k2 := MustCreateKiosk(t, f.s, o.ID), MustCreateKiosk(t, f.s, o.ID)
	kOther := MustCreateKiosk(t, f.s, other.ID)

	save := func(kioskID string, ts ...survey.VisitTally) {
		t.Helper()
		if err := f.s.SaveVisitTallies(f.ctx, kioskID, ts); err != nil {
			t.Fatalf("SaveVisitTallies(%s): %v", kioskID, err)
		}
	}
	save(k1.ID,
		survey.VisitTally{Day: "2026-11-02", NIP: NIP1, Service: "KTPEL_BARU", Issued: 5, Rated: 2},
		survey.VisitTally{Day: "2026-11-02", NIP: NIP2, Service: "KIA", Issued: 4, Rated: 4},
		survey.VisitTally{Day: "2026-11-30", NIP: NIP1, Service: "KIA", Issued: 1, Rated: 0},
		survey.VisitTally{Day: "2026-12-01", NIP: NIP1, Service: "KIA", Issued: 7, Rated: 7}) // outside November
	// A resend replaces the row: a rating arrived for a code of the 2nd.
	save(k1.ID, survey.VisitTally{Day: "2026-11-02", NIP: NIP1, Service: "KTPEL_BARU", Issued: 5, Rated: 3})
	save(k2.ID, survey.VisitTally{Day: "2026-11-02", NIP: NIP1, Service: "KTPEL_BARU", Issued: 2, Rated: 1}) // another kiosk's own
	save(kOther.ID, survey.VisitTally{Day: "2026-11-02", NIP: NIP1, Service: "KTPEL_BARU", Issued: 50, Rated: 1})
	save(k1.ID) // nothing to send is no error
	// An older signed tally replayed (the first request again, or an offline
	// file imported after a later sync) never moves the counts backwards.
	save(k1.ID, survey.VisitTally{Day: "2026-11-02", NIP: NIP1, Service: "KTPEL_BARU", Issued: 4, Rated: 2})

	november := survey.ReportFilter{OfficeID: o.ID, From: time.Date(2026, 11, 1, 0, 0, 0, 0, wib), To: time.Date(2026, 12, 1, 0, 0, 0, 0, wib)}
	for _, tc := range []struct {
		what string
		edit func(*survey.ReportFilter)
		want survey.VisitCounts
	}{
		{"the office's November", func(*survey.ReportFilter) {}, survey.VisitCounts{Issued: 12, Rated: 8}},
		{"one staff member", func(f *survey.ReportFilter) { f.NIP = NIP1 }, survey.VisitCounts{Issued: 8, Rated: 4}},
		{"one service", func(f *survey.ReportFilter) { f.Service = "KIA" }, survey.VisitCounts{Issued: 5, Rated: 4}},
		{"a unit, through the roster", func(f *survey.ReportFilter) { f.Unit = "Capil" }, survey.VisitCounts{Issued: 4, Rated: 4}},
		{"a counter, through the roster", func(f *survey.ReportFilter) { f.Counter = "1" }, survey.VisitCounts{Issued: 8, Rated: 4}},
		{"one day", func(f *survey.ReportFilter) { f.From, f.To = wibDay(30), wibDay(30).AddDate(0, 0, 1) }, survey.VisitCounts{Issued: 1}},
		{"December", func(f *survey.ReportFilter) { f.From, f.To = f.To, f.To.AddDate(0, 1, 0) }, survey.VisitCounts{Issued: 7, Rated: 7}},
		{"a month without visits", func(f *survey.ReportFilter) { f.From, f.To = f.From.AddDate(0, -1, 0), f.From }, survey.VisitCounts{}},
		{"another office", func(f *survey.ReportFilter) { f.OfficeID = other.ID }, survey.VisitCounts{Issued: 50, Rated: 1}},
	} {
		filter := november
		tc.edit(&filter)
		if got, err := f.s.CountVisitTallies(f.ctx, filter); err != nil || got != tc.want {
			t.Errorf("%s: CountVisitTallies = %+v (%v), want %+v", tc.what, got, err, tc.want)
		}
	}

	wantCode(t, f.s.SaveVisitTallies(f.ctx, "k-none", []survey.VisitTally{{Day: "2026-11-02", NIP: NIP1, Service: "KIA", Issued: 1}}),
		survey.ENOTFOUND, "tallies of an unknown kiosk")
	for _, bad := range []survey.VisitTally{
		{Day: "2026-13-01", NIP: NIP1, Service: "KIA", Issued: 1},
		{Day: "2026-11-02", NIP: "", Service: "KIA", Issued: 1},
		{Day: "2026-11-02", NIP: NIP1, Service: "", Issued: 1},
		{Day: "2026-11-02", NIP: NIP1, Service: "KIA", Issued: -1},
		{Day: "2026-11-02", NIP: NIP1, Service: "KIA", Issued: 1, Rated: 2},
	} {
		// A bad tally refuses the whole call: the good one before it is not saved.
		good := survey.VisitTally{Day: "2026-11-03", NIP: NIP2, Service: "KIA", Issued: 9, Rated: 9}
		wantCode(t, f.s.SaveVisitTallies(f.ctx, k1.ID, []survey.VisitTally{good, bad}), survey.EINVALID, "bad tally "+bad.Day)
	}
	if got, _ := f.s.CountVisitTallies(f.ctx, november); got != (survey.VisitCounts{Issued: 12, Rated: 8}) {
		t.Errorf("after refused calls: %+v, want the same 12 and 8", got)
	}
	_, err := f.s.CountVisitTallies(f.ctx, survey.ReportFilter{OfficeID: o.ID})
	wantCode(t, err, survey.EINVALID, "count without a period")
}
