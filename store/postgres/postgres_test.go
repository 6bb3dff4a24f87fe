package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/store/postgres"
	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/store/storetest"
	"github.com/skmkiosk/skm/survey"
)

func TestCentralStore(t *testing.T) {
	storetest.RunCentralStore(t, func(t *testing.T, now func() time.Time) survey.CentralStore {
		return pgtest.MustOpen(t, now)
	})
}

// withParams appends runtime parameters to a URL DSN; pgx passes unknown
// query parameters to the server.
func withParams(dsn, params string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&" + params
	}
	return dsn + "?" + params
}

func TestOpenPlainDSNAndSchemaVersion(t *testing.T) {
	ctx := context.Background()
	dsn, schema := pgtest.MustCreateSchema(t)
	// A plain DSN works: here the schema comes from the DSN, not from Options.
	db, err := postgres.Open(ctx, withParams(dsn, "search_path="+schema), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustCreateOffice(t, db, "Kantor")
	db.Close()

	conn, err := pgx.Connect(ctx, withParams(dsn, "search_path="+schema))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil || v != postgres.SchemaVersion() || v < 1 {
		t.Errorf("schema version = %d (%v), want %d", v, err, postgres.SchemaVersion())
	}
	// Reopening applies nothing and keeps the data.
	again, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.OfficeByName(ctx, "Kantor"); err != nil {
		t.Errorf("office lost on reopening: %v", err)
	}
	again.Close()

	if _, err := conn.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')"); err != nil {
		t.Fatal(err)
	}
	if db, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema}); err == nil {
		db.Close()
		t.Fatal("opened a database whose schema is newer than this build knows")
	}
}

func TestPingReadOnly(t *testing.T) {
	ctx := context.Background()
	dsn, schema := pgtest.MustCreateSchema(t)
	db, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := postgres.Open(ctx, withParams(dsn, "default_transaction_read_only=on"), postgres.Options{Schema: schema})
	if err != nil {
		t.Fatalf("open an up-to-date database read-only: %v", err)
	}
	defer ro.Close()
	if err := ro.Ping(ctx); survey.ErrorCode(err) != survey.EUNAVAILABLE {
		t.Errorf("ping of a read-only database = %v (code %q), want %q", err, survey.ErrorCode(err), survey.EUNAVAILABLE)
	}
}

// BenchmarkIngest500 measures Ingest of 500-response batches that continue
// one kiosk's chain: planning, COPY, rollups and receipt in one transaction.
func BenchmarkIngest500(b *testing.B) {
	storetest.BenchIngest(b, pgtest.MustOpen(b, nil), 500)
}

// BenchmarkRawCopy500 is the ceiling for BenchmarkIngest500: the same
// 500-row batches copied straight into responses, one commit each, with no
// planning, staging, rollups or receipts.
func BenchmarkRawCopy500(b *testing.B) {
	ctx := context.Background()
	dsn, schema := pgtest.MustCreateSchema(b)
	db, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	conn, err := pgx.Connect(ctx, withParams(dsn, "search_path="+schema))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	cols := []string{"id", "kiosk_id", "office_id", "seq", "nip", "service", "persyaratan", "prosedur", "waktu", "biaya",
		"produk", "kompetensi", "perilaku", "pengaduan", "sarana", "channel", "created_at", "received_at", "day",
		"prev_hash", "hash", "fingerprint"}
	ch := &storetest.Chain{Step: time.Second}
	const size = 500
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		rs := ch.Next(size)
		rows := make([][]any, len(rs))
		for j, r := range rs {
			rt := r.Ratings
			rows[j] = []any{r.ID, "k1", 1, r.Seq, r.NIP, r.Service, rt[0], rt[1], rt[2], rt[3], rt[4], rt[5], rt[6], rt[7], rt[8],
				r.Channel, r.CreatedAt, storetest.T0, r.CreatedAt, r.PrevHash, r.Hash, r.Fingerprint()}
		}
		b.StartTimer()
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"responses"}, cols, pgx.CopyFromRows(rows))
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "responses/s")
}
