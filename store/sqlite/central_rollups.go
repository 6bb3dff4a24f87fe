package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// rollupKey is the grain of daily_rollups: what a report can filter on.
type rollupKey struct {
	officeID                         int64
	day, unit, counter, nip, service string
	verified, suspect                bool
}

func compareRollupKeys(a, b rollupKey) int {
	return cmp.Or(cmp.Compare(a.officeID, b.officeID), cmp.Compare(a.day, b.day), cmp.Compare(a.unit, b.unit),
		cmp.Compare(a.counter, b.counter), cmp.Compare(a.nip, b.nip), cmp.Compare(a.service, b.service),
		cmp.Compare(boolInt(a.verified), boolInt(b.verified)), cmp.Compare(boolInt(a.suspect), boolInt(b.suspect)))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// rollUp tallies the inserted rows per rollup key, keys in sorted order.
func rollUp(rows []survey.StoredResponse) ([]rollupKey, map[rollupKey]*survey.Tally) {
	tallies := map[rollupKey]*survey.Tally{}
	var keys []rollupKey
	for _, r := range rows {
		k := rollupKey{r.OfficeID, r.ReportDay(survey.Jakarta), r.Unit, r.Counter, r.NIP, r.Service, r.Verified, r.Suspect}
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

var rollupUpsert = func() string {
	adds := make([]string, len(rollupCounts))
	for i, c := range rollupCounts {
		adds[i] = fmt.Sprintf("%s = %s + excluded.%s", c, c, c)
	}
	return "INSERT INTO daily_rollups (" + rollupKeyColumns + ", " + strings.Join(rollupCounts, ", ") + ") VALUES (" +
		placeholders(8+len(rollupCounts)) + ") ON CONFLICT (" + rollupKeyColumns + ") DO UPDATE SET " + strings.Join(adds, ", ")
}()

// tallyValues flattens a tally in rollupCounts order.
func tallyValues(t *survey.Tally) []any {
	out := make([]any, 0, len(rollupCounts))
	out = append(out, t.N)
	for i := range survey.Elements {
		out = append(out, t.Sum[i], t.Dist[i][0], t.Dist[i][1], t.Dist[i][2], t.Dist[i][3])
	}
	return out
}

// upsertRollups adds the inserted rows to their daily rollups.
func upsertRollups(ctx context.Context, tx *sql.Tx, rows []survey.StoredResponse) error {
	keys, tallies := rollUp(rows)
	if len(keys) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, rollupUpsert)
	if err != nil {
		return fmt.Errorf("prepare rollup upsert: %w", translate(err))
	}
	defer stmt.Close()
	for _, k := range keys {
		args := append([]any{k.officeID, k.day, k.unit, k.counter, k.nip, k.service, k.verified, k.suspect},
			tallyValues(tallies[k])...)
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("update daily rollup: %w", translate(err))
		}
	}
	return nil
}

// rollupSums selects a survey.Tally (for ScanTally) from daily_rollups rows.
var rollupSums = func() string {
	cols := make([]string, len(rollupCounts))
	for i, c := range rollupCounts {
		cols[i] = "COALESCE(SUM(" + c + "), 0)"
	}
	return strings.Join(cols, ", ")
}()

// Tally sums an office's daily rollups over the Asia/Jakarta days from the
// day of from up to, not including, the day of to. Suspect responses are
// included; reports that leave them out filter the rollups themselves.
func (c *CentralDB) Tally(ctx context.Context, officeID int64, from, to time.Time) (survey.Tally, error) {
	t, err := ScanTally(c.db.QueryRowContext(ctx, "SELECT "+rollupSums+" FROM daily_rollups WHERE office_id = ? AND day >= ? AND day < ?",
		officeID, survey.JakartaDate(from), survey.JakartaDate(to)))
	if err != nil {
		return t, fmt.Errorf("tally office %d: %w", officeID, translate(err))
	}
	return t, nil
}
