package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// AnchorHead records a signed head central heard of outside a batch. See
// survey.AnchorStore.
func (c *CentralDB) AnchorHead(ctx context.Context, req survey.AnchorRequest) (survey.AnchorResult, error) {
	if req.ReceivedAt.IsZero() {
		req.ReceivedAt = c.now()
	}
	req.ReceivedAt = req.ReceivedAt.UTC().Truncate(time.Microsecond)
	var res survey.AnchorResult
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("anchor head: %w", translate(err))
	}
	defer tx.Rollback()
	k, err := kioskByID(ctx, tx, req.KioskID)
	if err != nil {
		return res, err
	}
	if k.Revoked {
		return res, survey.NewError(survey.EFORBIDDEN, "kiosk "+k.ID+" has been revoked", "kiosk "+k.ID+" telah dicabut")
	}
	valid := req.VerifyHead == nil || req.VerifyHead(k, req.Head)
	if !valid && req.Source == survey.HeadFromWitness {
		return res, survey.Invalid("head", "the head's signature does not verify with the kiosk's key", "tanda tangan head tidak cocok dengan kunci kios")
	}
	if res.Findings, err = saveSegments(ctx, tx, k, req.Segments, req.VerifySegment, req.ReceivedAt); err != nil {
		return res, err
	}
	switch {
	case !valid:
		res.Findings = append(res.Findings, survey.Finding{Kind: survey.FindingHeadMismatch, KioskID: k.ID, OfficeID: k.OfficeID,
			FromSeq: req.Head.Seq, ToSeq: req.Head.Seq, DetectedAt: req.ReceivedAt,
			Detail: "the head the kiosk reported has a signature that does not verify with its key"})
	case req.Head.Seq > 0 || req.Head.Hash != "":
		in, err := headInput(ctx, tx, k, req.Head, req.Source, req.ReceivedAt)
		if err != nil {
			return res, err
		}
		res.Findings = append(res.Findings, survey.PlanHead(in)...)
		if res.New, err = insertHead(ctx, tx, k.ID, req.Head, req.Source, req.ReceivedAt); err != nil {
			return res, err
		}
	}
	if req.Source == survey.HeadFromSync {
		args := []any{formatTime(req.ReceivedAt), k.ID}
		set := "last_seen_at = ?"
		if !req.SentAt.IsZero() {
			res.Skew = req.SentAt.Sub(req.ReceivedAt)
			if f, ok := survey.SkewFinding(k, res.Skew, req.SkewLimit); ok {
				f.KioskID, f.OfficeID, f.DetectedAt = k.ID, k.OfficeID, req.ReceivedAt
				res.Findings = append(res.Findings, f)
			}
			set += ", clock_skew_ms = ?"
			args = []any{formatTime(req.ReceivedAt), res.Skew.Milliseconds(), k.ID}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE kiosks SET "+set+" WHERE id = ?", args...); err != nil {
			return res, fmt.Errorf("anchor head: %w", translate(err))
		}
	}
	if err := insertFindings(ctx, tx, res.Findings); err != nil {
		return res, err
	}
	return res, translate(tx.Commit())
}

// insertHead adds a head to the kiosk's history; it reports false when that
// head from that source was already there.
func insertHead(ctx context.Context, tx *sql.Tx, kioskID string, h survey.SignedHead, source string, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO kiosk_heads (kiosk_id, seq, hash, source, received_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, kioskID, h.Seq, h.Hash, source, formatTime(at))
	if err != nil {
		return false, fmt.Errorf("record head: %w", translate(err))
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// headInput reads what central holds at h's sequence number and the highest
// head the kiosk itself reported.
func headInput(ctx context.Context, tx *sql.Tx, k survey.Kiosk, h survey.SignedHead, source string, at time.Time) (survey.HeadInput, error) {
	in := survey.HeadInput{Kiosk: k, Head: h, Source: source, ReceivedAt: at}
	var err error
	if in.AtSeq, err = queryAll(ctx, tx, "read heads", scanAnchored, `
		SELECT seq, hash, source, received_at FROM kiosk_heads WHERE kiosk_id = ? AND seq = ?
		UNION ALL SELECT seq, hash, 'row', received_at FROM responses WHERE kiosk_id = ? AND seq = ?
		UNION ALL SELECT seq, hash, 'segment', received_at FROM kiosk_segments WHERE kiosk_id = ? AND seq = ?`,
		k.ID, h.Seq, k.ID, h.Seq, k.ID, h.Seq); err != nil {
		return in, err
	}
	in.HighestSync, err = highestSyncHead(ctx, tx, k.ID)
	return in, err
}

func highestSyncHead(ctx context.Context, tx *sql.Tx, kioskID string) (survey.AnchoredHead, error) {
	a, err := scanAnchored(tx.QueryRowContext(ctx, `SELECT seq, hash, source, received_at FROM kiosk_heads
		WHERE kiosk_id = ? AND source = 'sync' ORDER BY seq DESC, received_at LIMIT 1`, kioskID))
	if errors.Is(err, sql.ErrNoRows) {
		return survey.AnchoredHead{}, nil
	}
	if err != nil {
		return a, fmt.Errorf("read highest head: %w", translate(err))
	}
	return a, nil
}

func scanAnchored(sc scanner) (survey.AnchoredHead, error) {
	var a survey.AnchoredHead
	var at string
	err := sc.Scan(&a.Seq, &a.Hash, &a.Source, &at)
	a.ReceivedAt = parseTime(at)
	return a, err
}

// saveSegments checks and stores a report's or a file's segments, lowest
// first, and returns the findings they raise.
func saveSegments(ctx context.Context, tx *sql.Tx, k survey.Kiosk, segs []survey.Segment, verify func(survey.Kiosk, survey.Segment) bool, at time.Time) ([]survey.Finding, error) {
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
			if err := tx.QueryRowContext(ctx, `SELECT MAX(m) FROM (
					SELECT COALESCE(MAX(seq), 0) AS m FROM responses WHERE kiosk_id = ? AND seq < ?
					UNION ALL SELECT COALESCE(MAX(seq), 0) FROM kiosk_heads WHERE kiosk_id = ? AND seq < ?
					UNION ALL SELECT COALESCE(MAX(seq), 0) FROM kiosk_segments WHERE kiosk_id = ? AND seq < ?)`,
				k.ID, s.Seq, k.ID, s.Seq, k.ID, s.Seq).Scan(&in.Highest); err != nil {
				return nil, fmt.Errorf("read chain state: %w", translate(err))
			}
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(DISTINCT seq) FROM responses WHERE kiosk_id = ? AND seq > ? AND seq <= ?",
				k.ID, s.PrevSeq, in.Highest).Scan(&in.HeldBetween); err != nil {
				return nil, fmt.Errorf("count held rows: %w", translate(err))
			}
			err := tx.QueryRowContext(ctx, "SELECT hash FROM responses WHERE kiosk_id = ? AND seq = ? LIMIT 1", k.ID, s.Seq).Scan(&in.RowAtSeq)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("read row at segment: %w", translate(err))
			}
		}
		p := survey.PlanSegment(in)
		out = append(out, p.Findings...)
		if !p.Store {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO kiosk_segments (kiosk_id, seq, kind, prev_seq, prev_hash, found_seq,
			found_hash, central_seq, reason, created_at, hash, signature, received_at, skip_from)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, k.ID, s.Seq, s.Kind, s.PrevSeq, s.PrevHash, s.FoundSeq,
			s.FoundHash, s.CentralSeq, s.Reason, formatTime(s.CreatedAt), s.Hash, s.Signature, formatTime(at), p.SkipFrom); err != nil {
			return nil, fmt.Errorf("store segment: %w", translate(err))
		}
	}
	return out, nil
}

const segmentColumns = `kiosk_id, seq, kind, prev_seq, prev_hash, found_seq, found_hash, central_seq, reason,
	created_at, hash, signature, received_at, skip_from`

func scanSegment(sc scanner) (survey.StoredSegment, error) {
	var s survey.StoredSegment
	var created, received string
	err := sc.Scan(&s.KioskID, &s.Seq, &s.Kind, &s.PrevSeq, &s.PrevHash, &s.FoundSeq, &s.FoundHash, &s.CentralSeq, &s.Reason,
		&created, &s.Hash, &s.Signature, &received, &s.SkipFrom)
	s.CreatedAt, s.ReceivedAt = parseTime(created), parseTime(received)
	return s, err
}

func segmentAt(ctx context.Context, tx *sql.Tx, kioskID string, seq int64) (*survey.StoredSegment, error) {
	s, err := scanSegment(tx.QueryRowContext(ctx, "SELECT "+segmentColumns+" FROM kiosk_segments WHERE kiosk_id = ? AND seq = ?", kioskID, seq))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read segment: %w", translate(err))
	}
	return &s, nil
}

// FindSegments lists the kiosk's segments, lowest first.
func (c *CentralDB) FindSegments(ctx context.Context, kioskID string) ([]survey.StoredSegment, error) {
	return findSegments(ctx, c.db, kioskID)
}

func findSegments(ctx context.Context, q queryer, kioskID string) ([]survey.StoredSegment, error) {
	return queryAll(ctx, q, "find segments", scanSegment, "SELECT "+segmentColumns+" FROM kiosk_segments WHERE kiosk_id = ? ORDER BY seq", kioskID)
}

// FindHeads lists the kiosk's head history, highest first.
func (c *CentralDB) FindHeads(ctx context.Context, kioskID string, limit int) ([]survey.AnchoredHead, error) {
	if limit <= 0 {
		limit = 100
	}
	return queryAll(ctx, c.db, "find heads", scanAnchored, `SELECT seq, hash, source, received_at FROM kiosk_heads
		WHERE kiosk_id = ? ORDER BY seq DESC, received_at LIMIT ?`, kioskID, limit)
}

// KioskChainState returns what central holds and heard of from the kiosk.
func (c *CentralDB) KioskChainState(ctx context.Context, kioskID string, after int64) (survey.ChainState, error) {
	var s survey.ChainState
	if _, err := kioskByID(ctx, c.db, kioskID); err != nil {
		return s, err
	}
	err := c.db.QueryRowContext(ctx, `SELECT
		(SELECT COALESCE(MAX(seq), 0) FROM responses WHERE kiosk_id = ?),
		(SELECT COUNT(DISTINCT seq) FROM responses WHERE kiosk_id = ? AND seq > ?),
		(SELECT COALESCE(MAX(seq), 0) FROM kiosk_segments WHERE kiosk_id = ?)`, kioskID, kioskID, after, kioskID).
		Scan(&s.ReceivedSeq, &s.HeldAfter, &s.SegmentSeq)
	if err != nil {
		return s, fmt.Errorf("read chain state: %w", translate(err))
	}
	s.Head, err = scanAnchored(c.db.QueryRowContext(ctx, `SELECT seq, hash, source, received_at FROM kiosk_heads
		WHERE kiosk_id = ? ORDER BY seq DESC, received_at LIMIT 1`, kioskID))
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read chain state: %w", translate(err))
	}
	return s, nil
}

// ReceiptStatus reports when central received the rating a receipt code names.
func (c *CentralDB) ReceiptStatus(ctx context.Context, code survey.ReceiptCode) (time.Time, bool, error) {
	var at string
	err := c.db.QueryRowContext(ctx, `SELECT received_at FROM responses WHERE kiosk_id = ? AND seq = ? AND substr(hash, 1, ?) = ?
		ORDER BY received_at LIMIT 1`, code.KioskID, code.Seq, len(code.Check), code.Check).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read receipt: %w", translate(err))
	}
	return parseTime(at), true, nil
}

// anchoredAt reads the heads central heard of at the given sequence numbers.
func anchoredAt(ctx context.Context, tx *sql.Tx, kioskID string, seqs []int64) (map[int64][]survey.AnchoredHead, error) {
	heads, err := queryAll(ctx, tx, "read heads", scanAnchored, `SELECT seq, hash, source, received_at FROM kiosk_heads
		WHERE kiosk_id = ? AND seq IN (SELECT value FROM json_each(?))`, kioskID, jsonArray(seqs))
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
func skipRanges(ctx context.Context, q queryer, kioskID string) (map[string][]survey.SeqRange, error) {
	type skip struct {
		kiosk string
		r     survey.SeqRange
	}
	w, args := "", []any{}
	if kioskID != "" {
		w, args = " WHERE kiosk_id = ?", []any{kioskID}
	}
	rows, err := queryAll(ctx, q, "read skipped ranges", func(sc scanner) (skip, error) {
		var s skip
		err := sc.Scan(&s.kiosk, &s.r.From, &s.r.To)
		return s, err
	}, "SELECT kiosk_id, skip_from, seq FROM kiosk_segments"+w+" ORDER BY kiosk_id, seq", args...)
	if err != nil {
		return nil, err
	}
	out := map[string][]survey.SeqRange{}
	for _, s := range rows {
		out[s.kiosk] = append(out[s.kiosk], s.r)
	}
	return out, nil
}
