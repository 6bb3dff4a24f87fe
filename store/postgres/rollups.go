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
// and cannot deadlock on them. With monthly, a key's day is its month's first.
func rollUp(rows []survey.StoredResponse, monthly bool) ([]rollupKey, map[rollupKey]*survey.Tally) {
	tallies := map[rollupKey]*survey.Tally{}
	var keys []rollupKey
	for _, r := range rows {
		day := reportDay(r)
		if monthly {
			day = day.AddDate(0, 0, 1-day.Day())
		}
		k := rollupKey{r.OfficeID, day, r.Unit, r.Counter, r.NIP, r.Service, r.Verified, r.Suspect}
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

// rollupUpsert returns the statement that adds rows to the rollups of table
// (daily_rollups, whose key's date is day, or monthly_rollups, month): one
// parameter per column, each an array with an element per rollup row
// (unnest keeps their order). Its text never changes, so it is parsed and
// planned once per connection; a multi-row VALUES list with a parameter per
// value took a parameter per count (54 per row, often 300 rows a batch) to
// build, encode and parse for every upload.
func rollupUpsert(table, date string) string {
	keyColumns := strings.Replace(rollupKeyColumns, "day", date, 1)
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + keyColumns + ", " + strings.Join(rollupCounts, ", ") + ")\n\tSELECT * FROM unnest(")
	types := []string{"bigint[]", "date[]", "text[]", "text[]", "text[]", "text[]", "boolean[]", "boolean[]"}
	for range rollupCounts {
		types = append(types, "bigint[]")
	}
	for i, t := range types {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d::%s", i+1, t)
	}
	b.WriteString(")\n\tON CONFLICT (" + keyColumns + ") DO UPDATE SET ")
	for i, c := range rollupCounts {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = %s.%s + excluded.%s", c, table, c, c)
	}
	return b.String()
}

var (
	dailyUpsert   = rollupUpsert("daily_rollups", "day")
	monthlyUpsert = rollupUpsert("monthly_rollups", "month")
)

// upsertRollups adds the inserted rows to their daily and monthly rollups.
// Every ingest locks daily rows before monthly ones, each in sorted order.
func upsertRollups(ctx context.Context, tx pgx.Tx, rows []survey.StoredResponse) error {
	for _, r := range []struct {
		stmt    string
		monthly bool
	}{{dailyUpsert, false}, {monthlyUpsert, true}} {
		keys, tallies := rollUp(rows, r.monthly)
		if len(keys) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, r.stmt, rollupArgs(keys, tallies)...); err != nil {
			return fmt.Errorf("update rollups: %w", translate(err))
		}
	}
	return nil
}

// rollupArgs returns rollupUpsert's arrays for these keys.
func rollupArgs(keys []rollupKey, tallies map[rollupKey]*survey.Tally) []any {
	n := len(keys)
	officeIDs, days := make([]int64, n), make([]time.Time, n)
	units, counters, nips, services := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	verified, suspect := make([]bool, n), make([]bool, n)
	counts := make([][]int64, len(rollupCounts)) // in rollupCounts order
	for j := range counts {
		counts[j] = make([]int64, n)
	}
	for i, k := range keys {
		officeIDs[i], days[i], units[i], counters[i], nips[i], services[i], verified[i], suspect[i] =
			k.officeID, k.day, k.unit, k.counter, k.nip, k.service, k.verified, k.suspect
		t := tallies[k]
		counts[0][i] = t.N
		for e := range survey.Elements {
			counts[1+5*e][i] = t.Sum[e]
			for v := range 4 {
				counts[2+5*e+v][i] = t.Dist[e][v]
			}
		}
	}
	args := []any{officeIDs, days, units, counters, nips, services, verified, suspect}
	for _, c := range counts {
		args = append(args, c)
	}
	return args
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
	err := row.Scan(dest...)
	return t, err
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
