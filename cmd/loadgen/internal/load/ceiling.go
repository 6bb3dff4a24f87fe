package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/cmd/loadgen/internal/kioskside"
	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

// CeilingResult is SQLite's own speed at inserting the load's rows.
type CeilingResult struct {
	PerCommit  int
	Rows       int64
	RowsPerSec float64
	// P99Commit is the 99th percentile of one transaction's duration.
	P99Commit time.Duration
}

// RunCeiling inserts rows like the load's straight into a fresh kiosk
// database through sqlite.Ceiling (same table, indexes and durability: WAL,
// synchronous=FULL), perCommit rows per transaction, from one writer, for
// warmup + duration; only the rows after warmup count.
//
// The idempotency keys follow the load's pattern (one sequence per client,
// clients taking turns), so the unique index is written as the load writes it.
func RunCeiling(ctx context.Context, dir string, perCommit int, warmup, duration time.Duration, staff, clients int) (CeilingResult, error) {
	res := CeilingResult{PerCommit: perCommit}
	tmp, err := os.MkdirTemp(dir, "ceiling-")
	if err != nil {
		return res, fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	db, err := sqlite.OpenCeiling(ctx, filepath.Join(tmp, "kiosk.db"), sqlite.Options{})
	if err != nil {
		return res, err
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	// The rows' content comes from a pool made beforehand: the ceiling is
	// SQLite's cost, not the making of rows.
	pool := make([]survey.Response, 256)
	for i := range pool {
		r := survey.Response{NIP: kioskside.StaffNIP(1 + rng.IntN(staff)), Service: "KTPEL_BARU", Channel: survey.ChannelAPI,
			Comment: comments[rng.IntN(len(comments))], Profile: survey.Profile{AgeBand: "30-39", Sex: "P", Education: "sma", Occupation: "swasta"}}
		for j := range r.Ratings {
			r.Ratings[j] = int8(2 + rng.IntN(3))
		}
		r.PrevHash, r.Hash = r.ContentHash(), r.ContentHash()
		pool[i] = r
	}
	batch := make([]survey.Response, perCommit)
	var seq int64
	var commits Latencies
	start := time.Now()
	countFrom, end := start.Add(warmup), start.Add(warmup+duration)
	for {
		t0 := time.Now()
		if !t0.Before(end) || ctx.Err() != nil {
			break
		}
		for i := range batch {
			seq++
			r := pool[seq%int64(len(pool))]
			r.Seq, r.ID, r.CreatedAt = seq, uuid.Must(uuid.NewV7()).String(), t0
			r.IdempotencyKey = "lg-" + strconv.FormatInt(seq%int64(clients), 10) + "-" + strconv.FormatInt(seq/int64(clients), 10)
			batch[i] = r
		}
		if err := db.Insert(ctx, batch); err != nil {
			return res, err
		}
		if !t0.Before(countFrom) {
			res.Rows += int64(len(batch))
			commits.Add(time.Since(t0))
		}
	}
	res.RowsPerSec = float64(res.Rows) / time.Since(countFrom).Seconds()
	res.P99Commit = commits.Percentile(99)
	return res, nil
}
