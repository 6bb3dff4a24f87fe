package upload

import (
	"context"
	"crypto/ed25519"
	"io"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// ExportStore is what Export reads.
type ExportStore interface {
	ResponsesSince(ctx context.Context, since time.Time, afterSeq int64, limit int) ([]survey.Response, error)
	ChainHead(ctx context.Context) (seq int64, hash, signature string, err error)
	CountPending(ctx context.Context) (int64, error)
	VisitTallies(ctx context.Context, since time.Time) ([]survey.VisitTally, error)
	Segments(ctx context.Context) ([]survey.Segment, error)
}

// Export writes every response created since `since` (synced or not) to w as
// a signed offline batch file, batchSize per batch, in constant memory,
// then the visit tallies of the days from since's day (Asia/Jakarta) on, so
// that an office without a network link still shows its response rate.
// Central's import stores each response once, however often it is carried,
// and each day's tally replaces the one it held.
func Export(ctx context.Context, store ExportStore, w io.Writer, kioskID string, key ed25519.PrivateKey,
	since time.Time, batchSize int, now time.Time) (int64, error) {
	fw, err := wire.NewFileWriter(w, kioskID, key, now)
	if err != nil {
		return 0, err
	}
	seq, hash, sig, err := store.ChainHead(ctx)
	if err != nil {
		return 0, err
	}
	// As in uploads, the head goes out as stored (see sendBatch).
	pending, err := store.CountPending(ctx)
	if err != nil {
		return 0, err
	}
	// The chain's segments travel with the first batch, so that central
	// knows them before it plans the rows that follow them.
	segs, err := store.Segments(ctx)
	if err != nil {
		return 0, err
	}
	var after, n int64
	for {
		rs, err := store.ResponsesSince(ctx, since, after, batchSize)
		if err != nil {
			return n, err
		}
		// Rows written after the head was read (the kiosk keeps serving) wait
		// for the next file: central flags a row past the signed head.
		for i, r := range rs {
			if r.Seq > seq {
				rs = rs[:i]
				break
			}
		}
		if len(rs) == 0 {
			if err := exportVisitTallies(ctx, store, fw, kioskID, since); err != nil {
				return n, err
			}
			return n, fw.Flush()
		}
		for i := range rs {
			rs[i].KioskID, rs[i].IdempotencyKey = kioskID, ""
		}
		after = rs[len(rs)-1].Seq
		b := wire.Batch{KioskID: kioskID, BatchMeta: survey.BatchMeta{BatchID: uuid.NewString(), SentAt: now.UTC(), Buffered: pending,
			Head: survey.SignedHead{Seq: seq, Hash: hash, Signature: sig}}, Segments: segs, Responses: rs}
		segs = nil
		if err := fw.Write(b); err != nil {
			return n, err
		}
		n += int64(len(rs))
	}
}

// exportVisitTallies writes the tallies of whole days from since's day on:
// a tally replaces central's for its day, so it must count the whole day.
func exportVisitTallies(ctx context.Context, store ExportStore, fw *wire.FileWriter, kioskID string, since time.Time) error {
	tallies, err := store.VisitTallies(ctx, survey.DayStart(since, survey.Jakarta))
	if err != nil {
		return err
	}
	for chunk := range slices.Chunk(tallies, wire.MaxVisitTallies) {
		if err := fw.WriteVisits(wire.VisitTallies{KioskID: kioskID, Tallies: chunk}); err != nil {
			return err
		}
	}
	return nil
}
