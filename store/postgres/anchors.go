package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skmkiosk/skm/survey"
)

// AnchorHead records a signed head central heard of outside a batch. See
// survey.AnchorStore.
func (d *DB) AnchorHead(ctx context.Context, req survey.AnchorRequest) (survey.AnchorResult, error) {
	if req.ReceivedAt.IsZero() {
		req.ReceivedAt = d.now()
	}
	req.ReceivedAt = utc(req.ReceivedAt)
	var res survey.AnchorResult
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		k, err := kioskByID(ctx, tx, req.KioskID, " FOR UPDATE OF k")
		if err != nil {
			return err
		}
		if k.Revoked {
			return survey.NewError(survey.EFORBIDDEN, "kiosk "+k.ID+" has been revoked", "kiosk "+k.ID+" telah dicabut")
		}
		valid := req.VerifyHead == nil || req.VerifyHead(k, req.Head)
		if !valid && req.Source == survey.HeadFromWitness {
			return survey.Invalid("head", "the head's signature does not verify with the kiosk's key", "tanda tangan head tidak cocok dengan kunci kios")
		}
		if res.Findings, err = saveSegments(ctx, tx, k, req.Segments, req.VerifySegment, req.ReceivedAt); err != nil {
			return err
		}
		switch {
		case !valid:
			res.Findings = append(res.Findings, survey.Finding{Kind: survey.FindingHeadMismatch, KioskID: k.ID, OfficeID: k.OfficeID,
				FromSeq: req.Head.Seq, ToSeq: req.Head.Seq, DetectedAt: req.ReceivedAt,
				Detail: "the head the kiosk reported has a signature that does not verify with its key"})
		case req.Head.Seq > 0 || req.Head.Hash != "":
			in, err := headInput(ctx, tx, k, req.Head, req.Source, req.ReceivedAt)
			if err != nil {
				return err
			}
			res.Findings = append(res.Findings, survey.PlanHead(in)...)
			if res.New, err = insertHead(ctx, tx, k.ID, req.Head, req.Source, req.ReceivedAt); err != nil {
				return err
			}
		}
		if req.Source == survey.HeadFromSync {
			skewKnown := !req.SentAt.IsZero()
			if skewKnown {
				res.Skew = req.SentAt.Sub(req.ReceivedAt)
				if f, ok := survey.SkewFinding(k, res.Skew, req.SkewLimit); ok {
					f.KioskID, f.OfficeID, f.DetectedAt = k.ID, k.OfficeID, req.ReceivedAt
					res.Findings = append(res.Findings, f)
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE kiosks SET last_seen_at = $1,
				clock_skew_ms = CASE WHEN $2 THEN $3 ELSE clock_skew_ms END WHERE id = $4`,
				req.ReceivedAt, skewKnown, res.Skew.Milliseconds(), k.ID); err != nil {
				return fmt.Errorf("anchor head: %w", translate(err))
			}
		}
		return insertFindings(ctx, tx, res.Findings)
	})
	if err != nil {
		return survey.AnchorResult{}, err
	}
	return res, nil
}

func insertFindings(ctx context.Context, tx pgx.Tx, fs []survey.Finding) error {
	for _, f := range fs {
		if _, err := tx.Exec(ctx, `INSERT INTO findings (kind, kiosk_id, office_id, from_seq, to_seq, detail, detected_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, f.Kind, f.KioskID, f.OfficeID, f.FromSeq, f.ToSeq, f.Detail, utc(f.DetectedAt)); err != nil {
			return fmt.Errorf("record finding: %w", translate(err))
		}
	}
	return nil
}

// insertHead adds a head to the kiosk's history; it reports false when that
// head from that source was already there.
func insertHead(ctx context.Context, tx pgx.Tx, kioskID string, h survey.SignedHead, source string, at time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO kiosk_heads (kiosk_id, seq, hash, source, received_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, kioskID, h.Seq, h.Hash, source, at)
	if err != nil {
		return false, fmt.Errorf("record head: %w", translate(err))
	}
	return tag.RowsAffected() > 0, nil
}

// headInput reads what central holds at h's sequence number and the highest
// head the kiosk itself reported.
func headInput(ctx context.Context, tx pgx.Tx, k survey.Kiosk, h survey.SignedHead, source string, at time.Time) (survey.HeadInput, error) {
	in := survey.HeadInput{Kiosk: k, Head: h, Source: source, ReceivedAt: at}
	rows, err := tx.Query(ctx, `
		SELECT seq, hash, source, received_at FROM kiosk_heads WHERE kiosk_id = $1 AND seq = $2
		UNION ALL SELECT seq, hash, 'row', received_at FROM responses WHERE kiosk_id = $1 AND seq = $2
		UNION ALL SELECT seq, hash, 'segment', received_at FROM kiosk_segments WHERE kiosk_id = $1 AND seq = $2`, k.ID, h.Seq)
	if err != nil {
		return in, fmt.Errorf("read heads: %w", translate(err))
	}
	if in.AtSeq, err = collect(rows, "read heads", scanAnchored); err != nil {
		return in, err
	}
	in.HighestSync, err = highestSyncHead(ctx, tx, k.ID)
	return in, err
}

func highestSyncHead(ctx context.Context, q querier, kioskID string) (survey.AnchoredHead, error) {
	a, err := scanAnchored(q.QueryRow(ctx, `SELECT seq, hash, source, received_at FROM kiosk_heads
		WHERE kiosk_id = $1 AND source = 'sync' ORDER BY seq DESC, received_at LIMIT 1`, kioskID))
	if errors.Is(err, pgx.ErrNoRows) {
		return survey.AnchoredHead{}, nil
	}
	if err != nil {
		return a, fmt.Errorf("read highest head: %w", translate(err))
	}
	return a, nil
}

func scanAnchored(row pgx.Row) (survey.AnchoredHead, error) {
	var a survey.AnchoredHead
	err := row.Scan(&a.Seq, &a.Hash, &a.Source, &a.ReceivedAt)
	a.ReceivedAt = a.ReceivedAt.UTC()
	return a, err
}

// saveSegments checks and stores a report's or a file's segments, lowest
// first, and returns the findings they raise.
func saveSegments(ctx context.Context, tx pgx.Tx, k survey.Kiosk, segs []survey.Segment, verify func(survey.Kiosk, survey.Segment) bool, at time.Time) ([]survey.Finding, error) {
	segs = slices.Clone(segs)
	slices.SortFunc(segs, func(a, b survey.Segment) int { return int(a.Seq - b.Seq) })
	var out []survey.Finding
	for _, s := range segs {
		if s.Check() != nil || (verify != nil && !verify(k, s)) {
			out = append(out, survey.Finding{Kind: survey.FindingHeadMismatch, KioskID: k.ID, OfficeID: k.OfficeID,
				FromSeq: s.Seq, ToSeq: s.Seq, DetectedAt: at,
				Detail: fmt.Sprintf("the kiosk's segment at %d does not verify with its key: it was altered or forged", s.Seq)})
			continue
		}
		in := survey.SegmentInput{Kiosk: k, Segment: s, ReceivedAt: at}
		stored, err := segmentAt(ctx, tx, k.ID, s.Seq)
		if err != nil {
			return nil, err
		}
		in.Stored = stored
		if stored == nil {
			if err := tx.QueryRow(ctx, `SELECT GREATEST(
					(SELECT COALESCE(MAX(seq), 0) FROM responses WHERE kiosk_id = $1 AND seq < $2),
					(SELECT COALESCE(MAX(seq), 0) FROM kiosk_heads WHERE kiosk_id = $1 AND seq < $2),
					(SELECT COALESCE(MAX(seq), 0) FROM kiosk_segments WHERE kiosk_id = $1 AND seq < $2))`,
				k.ID, s.Seq).Scan(&in.Highest); err != nil {
				return nil, fmt.Errorf("read chain state: %w", translate(err))
			}
			if err := tx.QueryRow(ctx, "SELECT COUNT(DISTINCT seq) FROM responses WHERE kiosk_id = $1 AND seq > $2 AND seq <= $3",
				k.ID, s.PrevSeq, in.Highest).Scan(&in.HeldBetween); err != nil {
				return nil, fmt.Errorf("count held rows: %w", translate(err))
			}
			err := tx.QueryRow(ctx, "SELECT hash FROM responses WHERE kiosk_id = $1 AND seq = $2 LIMIT 1", k.ID, s.Seq).Scan(&in.RowAtSeq)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return nil, fmt.Errorf("read row at segment: %w", translate(err))
			}
		}
		p := survey.PlanSegment(in)
		out = append(out, p.Findings...)
		if !p.Store {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO kiosk_segments (kiosk_id, seq, kind, prev_seq, prev_hash, found_seq,
			found_hash, central_seq, reason, created_at, hash, signature, received_at, skip_from)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, k.ID, s.Seq, s.Kind, s.PrevSeq, s.PrevHash,
			s.FoundSeq, s.FoundHash, s.CentralSeq, s.Reason, utc(s.CreatedAt), s.Hash, s.Signature, at, p.SkipFrom); err != nil {
			return nil, fmt.Errorf("store segment: %w", translate(err))
		}
	}
	return out, nil
}

const segmentColumns = `kiosk_id, seq, kind, prev_seq, prev_hash, found_seq, found_hash, central_seq, reason,
	created_at, hash, signature, received_at, skip_from`

func scanSegment(row pgx.Row) (survey.StoredSegment, error) {
	var s survey.StoredSegment
	err := row.Scan(&s.KioskID, &s.Seq, &s.Kind, &s.PrevSeq, &s.PrevHash, &s.FoundSeq, &s.FoundHash, &s.CentralSeq, &s.Reason,
		&s.CreatedAt, &s.Hash, &s.Signature, &s.ReceivedAt, &s.SkipFrom)
	s.CreatedAt, s.ReceivedAt = s.CreatedAt.UTC(), s.ReceivedAt.UTC()
	return s, err
}

func segmentAt(ctx context.Context, tx pgx.Tx, kioskID string, seq int64) (*survey.StoredSegment, error) {
	s, err := scanSegment(tx.QueryRow(ctx, "SELECT "+segmentColumns+" FROM kiosk_segments WHERE kiosk_id = $1 AND seq = $2", kioskID, seq))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read segment: %w", translate(err))
	}
	return &s, nil
}

// FindSegments lists the kiosk's segments, lowest first.
func (d *DB) FindSegments(ctx context.Context, kioskID string) ([]survey.StoredSegment, error) {
	return findSegments(ctx, d.pool, kioskID)
}

func findSegments(ctx context.Context, q querier, kioskID string) ([]survey.StoredSegment, error) {
	rows, err := q.Query(ctx, "SELECT "+segmentColumns+" FROM kiosk_segments WHERE kiosk_id = $1 ORDER BY seq", kioskID)
	if err != nil {
		return nil, fmt.Errorf("find segments: %w", translate(err))
	}
	return collect(rows, "find segments", scanSegment)
}

// FindHeads lists the kiosk's head history, highest first.
func (d *DB) FindHeads(ctx context.Context, kioskID string, limit int) ([]survey.AnchoredHead, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := d.pool.Query(ctx, `SELECT seq, hash, source, received_at FROM kiosk_heads
		WHERE kiosk_id = $1 ORDER BY seq DESC, received_at LIMIT $2`, kioskID, limit)
	if err != nil {
		return nil, fmt.Errorf("find heads: %w", translate(err))
	}
	return collect(rows, "find heads", scanAnchored)
}

// KioskChainState returns what central holds and heard of from the kiosk.
func (d *DB) KioskChainState(ctx context.Context, kioskID string, after int64) (survey.ChainState, error) {
	var s survey.ChainState
	if _, err := kioskByID(ctx, d.pool, kioskID, ""); err != nil {
		return s, err
	}
	err := d.pool.QueryRow(ctx, `SELECT
		(SELECT COALESCE(MAX(seq), 0) FROM responses WHERE kiosk_id = $1),
		(SELECT COUNT(DISTINCT seq) FROM responses WHERE kiosk_id = $1 AND seq > $2),
		(SELECT COALESCE(MAX(seq), 0) FROM kiosk_segments WHERE kiosk_id = $1)`, kioskID, after).
		Scan(&s.ReceivedSeq, &s.HeldAfter, &s.SegmentSeq)
	if err != nil {
		return s, fmt.Errorf("read chain state: %w", translate(err))
	}
	s.Head, err = scanAnchored(d.pool.QueryRow(ctx, `SELECT seq, hash, source, received_at FROM kiosk_heads
		WHERE kiosk_id = $1 ORDER BY seq DESC, received_at LIMIT 1`, kioskID))
	if errors.Is(err, pgx.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read chain state: %w", translate(err))
	}
	return s, nil
}

// ReceiptStatus reports when central received the rating a receipt code names.
func (d *DB) ReceiptStatus(ctx context.Context, code survey.ReceiptCode) (time.Time, bool, error) {
	var at time.Time
	err := d.pool.QueryRow(ctx, `SELECT received_at FROM responses WHERE kiosk_id = $1 AND seq = $2 AND left(hash, $3) = $4
		ORDER BY received_at LIMIT 1`, code.KioskID, code.Seq, len(code.Check), code.Check).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read receipt: %w", translate(err))
	}
	return at.UTC(), true, nil
}

// anchoredAt reads the heads central heard of at the given sequence numbers.
func anchoredAt(ctx context.Context, tx pgx.Tx, kioskID string, seqs []int64) (map[int64][]survey.AnchoredHead, error) {
	rows, err := tx.Query(ctx, `SELECT seq, hash, source, received_at FROM kiosk_heads
		WHERE kiosk_id = $1 AND seq = ANY($2::bigint[])`, pgx.QueryExecModeExec, kioskID, seqs)
	if err != nil {
		return nil, fmt.Errorf("read heads: %w", translate(err))
	}
	heads, err := collect(rows, "read heads", scanAnchored)
	if err != nil {
		return nil, err
	}
	out := map[int64][]survey.AnchoredHead{}
	for _, h := range heads {
		out[h.Seq] = append(out[h.Seq], h)
	}
	return out, nil
}

// skipRanges reads the numbers each kiosk's segments declared skipped.
func skipRanges(ctx context.Context, q querier, kioskID string) (map[string][]survey.SeqRange, error) {
	rows, err := q.Query(ctx, "SELECT kiosk_id, skip_from, seq FROM kiosk_segments WHERE $1 = '' OR kiosk_id = $1 ORDER BY kiosk_id, seq", kioskID)
	if err != nil {
		return nil, fmt.Errorf("read skipped ranges: %w", translate(err))
	}
	out := map[string][]survey.SeqRange{}
	var kiosk string
	var r survey.SeqRange
	if _, err := pgx.ForEachRow(rows, []any{&kiosk, &r.From, &r.To}, func() error {
		out[kiosk] = append(out[kiosk], r)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read skipped ranges: %w", translate(err))
	}
	return out, nil
}
