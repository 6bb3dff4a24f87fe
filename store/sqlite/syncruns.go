package sqlite

import (
	"context"
	"fmt"

	"github.com/skmkiosk/skm/survey"
)

// StartSyncRun records the start of an upload and returns its id.
func (k *KioskDB) StartSyncRun(ctx context.Context, buffered int64) (int64, error) {
	res, err := k.db.ExecContext(ctx, "INSERT INTO sync_runs (started_at, result, buffered) VALUES (?, 'running', ?)",
		formatTime(k.now()), buffered)
	if err != nil {
		return 0, fmt.Errorf("record sync run: %w", translate(err))
	}
	return res.LastInsertId()
}

// FinishSyncRun records how an upload ended.
func (k *KioskDB) FinishSyncRun(ctx context.Context, r survey.SyncRun) error {
	_, err := k.db.ExecContext(ctx, `UPDATE sync_runs SET finished_at = ?, result = ?, message = ?, sent = ?, stored = ?,
		duplicates = ?, refused = ?, pending = ? WHERE id = ?`, formatTime(k.now()), r.Result, r.Message, r.Sent, r.Stored,
		r.Duplicates, r.Refused, r.Pending, r.ID)
	if err != nil {
		return fmt.Errorf("record sync run: %w", translate(err))
	}
	return nil
}

// SyncRuns returns the latest upload runs, newest first.
func (k *KioskDB) SyncRuns(ctx context.Context, limit int) ([]survey.SyncRun, error) {
	return queryAll(ctx, k.db, "read sync runs", func(sc scanner) (survey.SyncRun, error) {
		var r survey.SyncRun
		var started, finished string
		err := sc.Scan(&r.ID, &started, &finished, &r.Result, &r.Message, &r.Buffered, &r.Sent, &r.Stored,
			&r.Duplicates, &r.Refused, &r.Pending)
		r.StartedAt = parseTime(started)
		if finished != "" {
			r.FinishedAt = parseTime(finished)
		}
		return r, err
	}, `SELECT id, started_at, finished_at, result, message, buffered, sent, stored,
		duplicates, refused, pending FROM sync_runs ORDER BY id DESC LIMIT ?`, limit)
}

// LastSyncRun returns the newest finished run that ended with result, if any.
func (k *KioskDB) LastSyncRun(ctx context.Context, result string) (survey.SyncRun, bool, error) {
	runs, err := k.SyncRuns(ctx, 50)
	if err != nil {
		return survey.SyncRun{}, false, err
	}
	for _, r := range runs {
		if r.Result == result && !r.FinishedAt.IsZero() {
			return r, true, nil
		}
	}
	return survey.SyncRun{}, false, nil
}
