package central_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/survey"
)

// gamingAttack is one class of gamed ratings as it arrives at central: how
// each of the 20 ratings is sent, and on which days.
type gamingAttack struct {
	name string
	edit func(*survey.Response)
	// days spreads the ratings one a day from 1 February (a paced flood);
	// 0 sends them within an hour.
	days bool
	// noVisitDays: the office issues visit codes on the attack's days, for
	// another officer only.
	noVisitDays bool
}

func qr(flags ...string) func(*survey.Response) {
	return func(r *survey.Response) { r.Channel, r.Verified, r.Flags = survey.ChannelQR, false, flags }
}

var gamingAttacks = []gamingAttack{
	{name: "static QR, unverified", edit: qr()},
	{name: "own_device", edit: qr(survey.FlagOwnDevice)},
	{name: "burst", edit: qr(survey.FlagBurst)},
	{name: "no_visit", edit: qr(survey.FlagNoVisit)},
	{name: "code_contested", edit: func(r *survey.Response) {
		r.Channel, r.Verified, r.VisitID, r.Flags = survey.ChannelVisit, true, fmt.Sprintf("v-%d", r.Seq), []string{"code_contested"}
	}},
	{name: "API without a code", edit: func(r *survey.Response) { r.Channel, r.Verified = survey.ChannelAPI, false }},
	{name: "days without visits", edit: qr(), days: true, noVisitDays: true},
	{name: "paced flood over days", edit: qr(), days: true},
}

// TestGamedRatingsCannotFlipListsUnseenSQLite and …Postgres: an office that
// issues visit codes, Siti on the reward list and Agus on neither; 20 gamed
// 1s of each attack class against each of them neither take Siti off the
// reward list nor put Agus on the coaching list, and the appraiser sees the
// attack on both: flagged ratings counted, or the contested marker.
func TestGamedRatingsCannotFlipListsUnseenSQLite(t *testing.T) { testGamedRatings(t, openSQLite) }

func TestGamedRatingsCannotFlipListsUnseenPostgres(t *testing.T) {
	testGamedRatings(t, func(tb testing.TB, now func() time.Time) survey.CentralStore { return pgtest.MustOpen(tb, now) })
}

func testGamedRatings(t *testing.T, open func(testing.TB, func() time.Time) survey.CentralStore) {
	for _, a := range gamingAttacks {
		t.Run(a.name, func(t *testing.T) {
			rs := MustStartReportServer(t, open)
			token := MustCreateToken(t, rs.Store, survey.RoleViewer, 0)
			honestOffice(t, rs)
			before := appraisalStatus(t, rs, token)
			if before[nipSiti].list != "reward" || before[nipAgus].list != "others" {
				t.Fatalf("before the attack: Siti %s, Agus %s; want reward and others", before[nipSiti].list, before[nipAgus].list)
			}
			start, step := time.Date(2031, 3, 2, 10, 0, 0, 0, wib), 2*time.Minute
			if a.days {
				start, step = time.Date(2031, 2, 1, 15, 0, 0, 0, wib), 24*time.Hour
			}
			if a.noVisitDays {
				var tallies []survey.VisitTally
				for i := range 20 {
					day := start.AddDate(0, 0, i).Format(time.DateOnly)
					tallies = append(tallies, survey.VisitTally{Day: day, NIP: nipBudi, Service: "KIA", Issued: 3, Rated: 0})
				}
				if err := rs.Store.SaveVisitTallies(t.Context(), rs.Kiosk.ID, tallies); err != nil {
					t.Fatal(err)
				}
			}
			ones := repeatRatings(20, all(1))
			rs.MustIngestRatings(t, nipSiti, "KIA", start, step, ones, a.edit)
			rs.MustIngestRatings(t, nipAgus, "KIA", start.Add(time.Minute), step, ones, a.edit)

			after := appraisalStatus(t, rs, token)
			for _, nip := range []string{nipSiti, nipAgus} {
				b, x := before[nip], after[nip]
				if x.list != b.list {
					t.Errorf("%s moved from %s to %s (suspect %v, contested %v)", nip, b.list, x.list, x.suspect, x.contested)
				}
				if x.suspect < 20 && !x.contested {
					t.Errorf("%s: the attack is neither flagged (%v suspect) nor contested", nip, x.suspect)
				}
				if x.all == b.all {
					t.Errorf("%s: the figure of all ratings did not change (%v): the gamed ratings were hidden", nip, x.all)
				}
			}
			// The appraiser sees the same on the list page.
			admin := rs.MustLogin(t, "admin", survey.RoleAdmin, 0, "")
			_, page := admin.MustGet(t, fmt.Sprintf("/admin/reports/%d/appraisal?period=2031-Q1", rs.Office.ID), http.StatusOK)
			if !strings.Contains(page, "Dipersoalkan") && !strings.Contains(page, "ditandai 20") {
				t.Error("the list page shows neither the contested marker nor the flagged ratings")
			}
			// And the evidence export carries it: Agus is among the others.
			_, body := admin.MustGet(t, fmt.Sprintf("/admin/reports/%d/export/others.csv?period=2031-Q1", rs.Office.ID), http.StatusOK)
			h, rows := csvRows(t, body)
			agus := rows[nipAgus]
			if agus == nil || (col(t, h, agus, "contested") != "yes" && col(t, h, agus, "suspect_ratings") != "20") || col(t, h, agus, "verified_share") == "" {
				t.Errorf("others.csv row of Agus = %v", agus)
			}
		})
	}
}

// honestOffice ingests the quarter's honest ratings: visit codes issued
// every working day, Siti rated 4 and 4 (with some 3s) through them, Agus
// about 81 on the individual index, and a few honest static-QR ratings.
func honestOffice(t *testing.T, rs *reportServer) {
	t.Helper()
	start := time.Date(2031, 1, 6, 9, 0, 0, 0, wib)
	verified := func(r *survey.Response) {
		r.Channel, r.Verified, r.VisitID = survey.ChannelVisit, true, fmt.Sprintf("v-%d", r.Seq)
	}
	r44, r43, r33 := all(3), all(3), all(3)
	r44.Set(survey.Kompetensi, 4)
	r44.Set(survey.Perilaku, 4)
	r43.Set(survey.Kompetensi, 4)
	rs.MustIngestRatings(t, nipSiti, "KIA", start, 25*time.Hour, append(repeatRatings(30, r44), repeatRatings(6, r43)...), verified)
	rs.MustIngestRatings(t, nipAgus, "KIA", start.Add(time.Hour), 25*time.Hour, append(repeatRatings(18, r43), repeatRatings(18, r33)...), verified)
	rs.MustIngestRatings(t, nipSiti, "KIA", start.Add(2*time.Hour), 49*time.Hour, repeatRatings(8, r44), qr())
	rs.MustIngestRatings(t, nipAgus, "KIA", start.Add(3*time.Hour), 49*time.Hour, repeatRatings(8, r43), qr())
	var tallies []survey.VisitTally
	for d := start; d.Before(time.Date(2031, 3, 31, 0, 0, 0, 0, wib)); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		tallies = append(tallies, survey.VisitTally{Day: day, NIP: nipSiti, Service: "KIA", Issued: 1, Rated: 1},
			survey.VisitTally{Day: day, NIP: nipAgus, Service: "KIA", Issued: 1, Rated: 1})
	}
	// Not on the attack days of days without visits (1–20 February): there
	// the office issues codes to Budi only.
	var kept []survey.VisitTally
	for _, x := range tallies {
		if x.Day < "2031-02-01" || x.Day > "2031-02-20" {
			kept = append(kept, x)
		}
	}
	if err := rs.Store.SaveVisitTallies(t.Context(), rs.Kiosk.ID, kept); err != nil {
		t.Fatal(err)
	}
}

// listStatus is a person's place on the appraisal lists and what the
// appraiser sees about them.
type listStatus struct {
	list      string
	suspect   float64
	contested bool
	all       float64
}

func appraisalStatus(t *testing.T, rs *reportServer, token string) map[string]listStatus {
	t.Helper()
	a := MustAPI(t, rs.URL, token, fmt.Sprintf("/api/v1/reports/appraisal?office=%d&period=2031-Q1", rs.Office.ID), http.StatusOK)
	out := map[string]listStatus{}
	for _, list := range []string{"reward", "coaching", "others"} {
		for _, c := range a[list].([]any) {
			c := c.(map[string]any)
			out[c["nip"].(string)] = listStatus{list: list, suspect: num(t, c["suspect_ratings"]), contested: c["contested"] == true, all: num(t, c["index"])}
		}
	}
	return out
}
