package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

// rollupKey is the grain of daily_rollups: what a report can filter on.
type rollupKey struct {
	officeID                    int64
	day                         time.Time
	unit, counter, nip, service string
	verified, suspect           bool
}

func compareRollupKeys(a, b rollupKey) int {
	return cmp.Or(cmp.Compare(a.officeID, b.officeID), a.day.Compare(b.day), cmp.Compare(a.unit, b.unit),
		cmp.Compare(a.counter, b.counter), cmp.Compare(a.nip, b.nip), cmp.Compare(a.service, b.service),
		cmp.Compare(boolInt(a.verified), boolInt(b.verified)), cmp.Compare(boolInt(a.suspect), boolInt(b.suspect)))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// rollUp tallies the inserted rows per rollup key, keys in sorted order:
// concurrent ingests of one office then lock rollup rows in the same order
// and cannot deadlock on them.
func rollUp(rows []survey.StoredResponse) ([]rollupKey, map[rollupKey]*survey.Tally) {
	tallies := map[rollupKey]*survey.Tally{}
	var keys []rollupKey
	for _, r := range rows {
		k := rollupKey{r.OfficeID, jakartaDay(r.CreatedAt), r.Unit, r.Counter, r.NIP, r.Service, r.Verified, r.Suspect}
		t := tallies[k]
		if t == nil {
			t = &survey.Tally{}
			tallies[k] = t
			keys = append(keys, k)
		}
		t.Add(r.Ratings)
	}
	slices.SortFunc(keys, compareRollupKeys)
	return keys, tallies
}

// rollupCounts lists the counted columns of daily_rollups in survey.Tally
// order: n, then per element its sum and the counts of answers 1–4.
var rollupCounts = func() []string {
	cols := []string{"n"}
	for _, e := range survey.Elements {
		cols = append(cols, string(e)+"_sum")
		for v := 1; v <= 4; v++ {
			cols = append(cols, fmt.Sprintf("%s_%d", e, v))
		}
	}
	return cols
}()

const rollupKeyColumns = "office_id, day, unit, counter, nip, service, verified, suspect"

// rollupWidth is the number of parameters of one rollup row.
var rollupWidth = 8 + len(rollupCounts)

// rollupChunk keeps one statement under PostgreSQL's 65,535 parameters.
const rollupChunk = 1000

// rollupUpsert returns a multi-row upsert of n rollup rows that adds to existing counts.
func rollupUpsert(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO daily_rollups (" + rollupKeyColumns + ", " + strings.Join(rollupCounts, ", ") + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range rollupWidth {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", i*rollupWidth+j+1)
		}
		b.WriteByte(')')
	}
	b.WriteString(" ON CONFLICT (" + rollupKeyColumns + ") DO UPDATE SET ")
	for i, c := range rollupCounts {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = daily_rollups.%s + excluded.%s", c, c, c)
	}
	return b.String()
}

// upsertRollups adds the inserted rows to their daily rollups.
func upsertRollups(ctx context.Context, tx pgx.Tx, rows []survey.StoredResponse) error {
	keys, tallies := rollUp(rows)
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), rollupChunk)]
		keys = keys[len(chunk):]
		args := make([]any, 0, len(chunk)*rollupWidth)
		for _, k := range chunk {
			t := tallies[k]
			args = append(args, k.officeID, k.day, k.unit, k.counter, k.nip, k.service, k.verified, k.suspect, t.N)
			for i := range survey.Elements {
				args = append(args, t.Sum[i], t.Dist[i][0], t.Dist[i][1], t.Dist[i][2], t.Dist[i][3])
			}
		}
		if _, err := tx.Exec(ctx, rollupUpsert(len(chunk)), args...); err != nil {
			return fmt.Errorf("update daily rollups: %w", translate(err))
		}
	}
	return nil
}

// rollupSums selects a survey.Tally (for scanTally) from daily_rollups rows.
var rollupSums = func() string {
	cols := make([]string, len(rollupCounts))
	for i, c := range rollupCounts {
		cols[i] = "COALESCE(SUM(" + c + "), 0)::bigint"
	}
	return strings.Join(cols, ", ")
}()

func scanTally(row pgx.Row) (survey.Tally, error) {
	var t survey.Tally
	dest := []any{&t.N}
	for i := range survey.Elements {
		dest = append(dest, &t.Sum[i], &t.Dist[i][0], &t.Dist[i][1], &t.Dist[i][2], &t.Dist[i][3])
	}
	return t, row.Scan(dest...)
}

// Tally sums an office's daily rollups over the Asia/Jakarta days from the
// day of from up to, not including, the day of to. Suspect responses are
// included; reports that leave them out filter the rollups themselves.
func (d *DB) Tally(ctx context.Context, officeID int64, from, to time.Time) (survey.Tally, error) {
	t, err := scanTally(d.pool.QueryRow(ctx, "SELECT "+rollupSums+" FROM daily_rollups WHERE office_id = $1 AND day >= $2 AND day < $3",
		officeID, jakartaDay(from), jakartaDay(to)))
	if err != nil {
		return t, fmt.Errorf("tally office %d: %w", officeID, translate(err))
	}
	return t, nil
}
