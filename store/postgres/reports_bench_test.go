package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/store/postgres"
	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/store/storetest"
	"github.com/skmkiosk/skm/survey"
)

// mustBigOffice makes an office with 9,928,000 responses over 2031: its
// daily rollups (365 days × 40 staff × 10 services × verified or not, 34
// responses each) are written straight into daily_rollups, and their sums
// per month into monthly_rollups, as Ingest would have left them. It
// returns the store and the filter of the year.
func mustBigOffice(b *testing.B) (*postgres.DB, survey.ReportFilter) {
	b.Helper()
	ctx := context.Background()
	dsn, schema := pgtest.MustCreateSchema(b)
	db, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	conn, err := pgx.Connect(ctx, withParams(dsn, "search_path="+schema))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	o := storetest.MustCreateOffice(b, db, "Kantor Besar")
	cols := "n"
	vals := "34"
	for _, e := range survey.Elements {
		cols += ", " + string(e) + "_sum, " + string(e) + "_1, " + string(e) + "_2, " + string(e) + "_3, " + string(e) + "_4"
		vals += ", 100, 1, 2, 3, 28"
	}
	if _, err := conn.Exec(ctx, `INSERT INTO daily_rollups (office_id, day, unit, counter, nip, service, verified, suspect, `+cols+`)
		SELECT $1, date '2031-01-01' + d, 'U' || (s % 8), 'C' || s, 'N' || s, 'S' || sv, v, false, `+vals+`
		FROM generate_series(0, 364) d, generate_series(1, 40) s, generate_series(1, 10) sv, (VALUES (true), (false)) AS t(v)`, o.ID); err != nil {
		b.Fatal(err)
	}
	// Ingest keeps monthly_rollups next to the daily ones: fill it the way
	// migration 0003 does for existing data.
	sums := "SUM(n)"
	for _, e := range survey.Elements {
		for _, s := range []string{"_sum", "_1", "_2", "_3", "_4"} {
			sums += ", SUM(" + string(e) + s + ")"
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO monthly_rollups (office_id, month, unit, counter, nip, service, verified, suspect, `+cols+`)
		SELECT office_id, date_trunc('month', day)::date, unit, counter, nip, service, verified, suspect, `+sums+`
		FROM daily_rollups GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "ANALYZE daily_rollups; ANALYZE monthly_rollups"); err != nil {
		b.Fatal(err)
	}
	jkt := time.FixedZone("WIB", 7*3600)
	return db, survey.ReportFilter{OfficeID: o.ID, From: time.Date(2031, 1, 1, 0, 0, 0, 0, jkt), To: time.Date(2032, 1, 1, 0, 0, 0, 0, jkt)}
}

// BenchmarkReportIKM10M measures the query behind GET /api/v1/reports/ikm
// for the year of an office with 9,928,000 responses.
func BenchmarkReportIKM10M(b *testing.B) {
	db, f := mustBigOffice(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		cells, err := db.RollupCells(ctx, f, survey.ByVerified, survey.BySuspect)
		if err != nil {
			b.Fatal(err)
		}
		if n := survey.SumCells(cells, nil).N; n != 9_928_000 {
			b.Fatalf("n = %d", n)
		}
	}
}

// BenchmarkReportOfficePage10M measures the rollup query of the office
// report page (by month, unit, counter, service, verification, suspicion)
// for the same year.
func BenchmarkReportOfficePage10M(b *testing.B) {
	db, f := mustBigOffice(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		cells, err := db.RollupCells(ctx, f, survey.ByMonth, survey.ByUnit, survey.ByCounter, survey.ByService, survey.ByVerified, survey.BySuspect)
		if err != nil {
			b.Fatal(err)
		}
		if n := survey.SumCells(cells, nil).N; n != 9_928_000 {
			b.Fatalf("n = %d", n)
		}
	}
}

// BenchmarkReportIKM10MMidMonth is BenchmarkReportIKM10M over 15 January to
// 15 December: ten whole months from the monthly rollups and two half
// months from the daily ones (the responses of that period, 9.1 million).
func BenchmarkReportIKM10MMidMonth(b *testing.B) {
	db, f := mustBigOffice(b)
	f.From, f.To = f.From.AddDate(0, 0, 14), f.To.AddDate(0, 0, -17)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		cells, err := db.RollupCells(ctx, f, survey.ByVerified, survey.BySuspect)
		if err != nil {
			b.Fatal(err)
		}
		if n := survey.SumCells(cells, nil).N; n != 334*800*34 {
			b.Fatalf("n = %d", n)
		}
	}
}
