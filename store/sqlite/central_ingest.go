package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/survey"
)

// Ingest stores one upload in one transaction. BEGIN IMMEDIATE (the DSN's
// _txlock) takes SQLite's single write lock before the first read, so two
// uploads of the same kiosk serialize and each plans against what the other
// committed. See survey.IngestStore.
func (c *CentralDB) Ingest(ctx context.Context, req survey.IngestRequest) (survey.IngestPlan, error) {
	if req.ReceivedAt.IsZero() {
		req.ReceivedAt = c.now()
	}
	req.ReceivedAt = req.ReceivedAt.UTC().Truncate(time.Microsecond)
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return survey.IngestPlan{}, fmt.Errorf("ingest: %w", translate(err))
	}
	defer tx.Rollback()
	k, err := ingestKiosk(ctx, tx, req.KioskID)
	if err != nil {
		return survey.IngestPlan{}, err
	}
	segFindings, err := saveSegments(ctx, tx, k, req.Segments, req.VerifySegment, req.ReceivedAt)
	if err != nil {
		return survey.IngestPlan{}, fmt.Errorf("ingest for kiosk %s: %w", k.ID, err)
	}
	in, err := planInput(ctx, tx, k, req)
	if err != nil {
		return survey.IngestPlan{}, fmt.Errorf("ingest for kiosk %s: %w", k.ID, err)
	}
	plan := survey.PlanIngest(in)
	plan.Findings = append(segFindings, plan.Findings...)
	if err := writePlan(ctx, tx, k, req, &plan); err != nil {
		return survey.IngestPlan{}, fmt.Errorf("ingest for kiosk %s: %w", k.ID, err)
	}
	if h := req.Meta.Head; in.HeadValid && (h.Seq > 0 || h.Hash != "") {
		if _, err := insertHead(ctx, tx, k.ID, h, in.Source, req.ReceivedAt); err != nil {
			return survey.IngestPlan{}, fmt.Errorf("ingest for kiosk %s: %w", k.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return survey.IngestPlan{}, fmt.Errorf("ingest for kiosk %s: commit: %w", k.ID, translate(err))
	}
	return plan, nil
}

// ingestKiosk reads the uploading kiosk, refusing an unknown or revoked one.
func ingestKiosk(ctx context.Context, tx *sql.Tx, id string) (survey.Kiosk, error) {
	k, err := kioskByID(ctx, tx, id)
	if survey.ErrorCode(err) == survey.ENOTFOUND {
		return k, survey.NewError(survey.EUNAUTHORIZED, "unknown kiosk "+id, "kiosk "+id+" tidak dikenal")
	}
	if err != nil {
		return k, fmt.Errorf("ingest: %w", err)
	}
	if k.Revoked {
		return k, survey.NewError(survey.EFORBIDDEN, "kiosk "+id+" has been revoked", "kiosk "+id+" telah dicabut")
	}
	return k, nil
}

// planInput reads, inside the ingest transaction, what survey.PlanIngest needs.
func planInput(ctx context.Context, tx *sql.Tx, k survey.Kiosk, req survey.IngestRequest) (survey.PlanInput, error) {
	in := survey.PlanInput{Kiosk: k, Meta: req.Meta, Responses: req.Responses, HeadValid: true,
		ReceivedAt: req.ReceivedAt, SkewLimit: req.SkewLimit, Source: ingestSource(req)}
	if req.VerifyHead != nil {
		in.HeadValid = req.VerifyHead(k, req.Meta.Head)
	}
	var err error
	if in.ExistingByID, err = existingByID(ctx, tx, req.Responses); err != nil {
		return in, err
	}
	if in.Segments, err = findSegments(ctx, tx, k.ID); err != nil {
		return in, err
	}
	if in.Anchored, err = anchoredAt(ctx, tx, k.ID, append(batchSeqs(req.Responses), req.Meta.Head.Seq)); err != nil {
		return in, err
	}
	if in.HighestSync, err = highestSyncHead(ctx, tx, k.ID); err != nil {
		return in, err
	}
	if in.StoredBySeq, err = storedBySeq(ctx, tx, k.ID, req.Responses); err != nil {
		return in, err
	}
	if in.Roster, err = rosterFor(ctx, tx, k.OfficeID, req.Responses); err != nil {
		return in, err
	}
	in.Services, err = activeServiceCodes(ctx, tx, k.OfficeID)
	return in, err
}

// ingestSource is the source a batch's head is recorded under.
func ingestSource(req survey.IngestRequest) string {
	if req.Source == "" {
		return survey.HeadFromSync
	}
	return req.Source
}

// batchSeqs lists the batch's sequence numbers.
func batchSeqs(rs []survey.Response) []int64 {
	seqs := make([]int64, len(rs))
	for i, r := range rs {
		seqs[i] = r.Seq
	}
	return seqs
}

// canonicalID returns the id's canonical UUID form, the one stored: a UUID
// is the same response however it is spelled. ok is false for a non-UUID,
// which PlanIngest refuses.
func canonicalID(id string) (string, bool) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// existingByID maps the batch's ids already stored to their fingerprints.
func existingByID(ctx context.Context, tx *sql.Tx, rs []survey.Response) (map[string]string, error) {
	byCanon := map[string][]string{}
	for _, r := range rs {
		if id, ok := canonicalID(r.ID); ok {
			byCanon[id] = append(byCanon[id], r.ID)
		}
	}
	ids := make([]string, 0, len(byCanon))
	for id := range byCanon {
		ids = append(ids, id)
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, fingerprint FROM responses WHERE id IN (SELECT value FROM json_each(?))", jsonArray(ids))
	if err != nil {
		return nil, fmt.Errorf("read stored ids: %w", translate(err))
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, fp string
		if err := rows.Scan(&id, &fp); err != nil {
			return nil, fmt.Errorf("read stored ids: %w", err)
		}
		for _, sent := range byCanon[id] {
			out[sent] = fp
		}
	}
	return out, rows.Err()
}

// storedBySeq reads the kiosk's stored rows at each batch seq and the one
// before it; of a reused seq, the first stored row counts.
func storedBySeq(ctx context.Context, tx *sql.Tx, kioskID string, rs []survey.Response) (map[int64]survey.StoredLink, error) {
	seqs := make([]int64, 0, 2*len(rs))
	for _, r := range rs {
		seqs = append(seqs, r.Seq, r.Seq-1)
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, id, hash FROM responses
		WHERE kiosk_id = ? AND seq IN (SELECT value FROM json_each(?)) ORDER BY rowid`, kioskID, jsonArray(seqs))
	if err != nil {
		return nil, fmt.Errorf("read stored chain: %w", translate(err))
	}
	defer rows.Close()
	out := map[int64]survey.StoredLink{}
	for rows.Next() {
		var seq int64
		var l survey.StoredLink
		if err := rows.Scan(&seq, &l.ID, &l.Hash); err != nil {
			return nil, fmt.Errorf("read stored chain: %w", err)
		}
		if _, seen := out[seq]; !seen {
			out[seq] = l
		}
	}
	return out, rows.Err()
}

// rosterFor reads the office's staff (active or not) named by the batch.
func rosterFor(ctx context.Context, tx *sql.Tx, officeID int64, rs []survey.Response) (map[string]survey.Staff, error) {
	nips := make([]string, 0, len(rs))
	for _, r := range rs {
		nips = append(nips, r.NIP)
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+officeStaffColumns+" FROM staff WHERE office_id = ? AND nip IN (SELECT value FROM json_each(?))",
		officeID, jsonArray(nips))
	if err != nil {
		return nil, fmt.Errorf("read roster: %w", translate(err))
	}
	defer rows.Close()
	out := map[string]survey.Staff{}
	for rows.Next() {
		s, err := scanOfficeStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("read roster: %w", err)
		}
		out[s.NIP] = s
	}
	return out, rows.Err()
}

func activeServiceCodes(ctx context.Context, tx *sql.Tx, officeID int64) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, "SELECT code FROM services WHERE office_id = ? AND active = 1", officeID)
	if err != nil {
		return nil, fmt.Errorf("read services: %w", translate(err))
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, fmt.Errorf("read services: %w", err)
		}
		out[code] = true
	}
	return out, rows.Err()
}

// writePlan writes the plan's rows, their rollups, the findings, the kiosk's
// new head and the batch's receipt row.
func writePlan(ctx context.Context, tx *sql.Tx, k survey.Kiosk, req survey.IngestRequest, plan *survey.IngestPlan) error {
	inserted, err := insertResponses(ctx, tx, plan.Insert)
	if err != nil {
		return err
	}
	keepInserted(plan, k.Head, inserted)
	if err := upsertRollups(ctx, tx, plan.Insert); err != nil {
		return err
	}
	if err := insertFindings(ctx, tx, plan.Findings); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE kiosks SET head_seq = ?, head_hash = ?, last_seen_at = ?,
		clock_skew_ms = CASE WHEN ? THEN ? ELSE clock_skew_ms END WHERE id = ?`,
		plan.NewHead.Seq, plan.NewHead.Hash, formatTime(req.ReceivedAt),
		// Without the kiosk's send time the skew is unknown: keep the last one seen.
		!req.Meta.SentAt.IsZero(), plan.Skew.Milliseconds(), k.ID); err != nil {
		return fmt.Errorf("update kiosk head: %w", translate(err))
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO batches (batch_id, kiosk_id, office_id, received_at, night, buffered,
		sent, stored, duplicates, refused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		req.Meta.BatchID, k.ID, k.OfficeID, formatTime(req.ReceivedAt), survey.JakartaDate(req.ReceivedAt), req.Meta.Buffered,
		plan.Counts.Sent, plan.Counts.Stored, plan.Counts.Duplicates, plan.Counts.Refused)
	if err != nil {
		return fmt.Errorf("record batch: %w", translate(err))
	}
	return nil
}

// responseInsertColumns are written by insertResponses, in its argument order.
var responseInsertColumns = "id, kiosk_id, office_id, seq, nip, service, " + elementList("") +
	`, comment, age_band, sex, education, occupation, channel, verified, visit_id, flags, created_at, received_at, day,
	unit, counter, unknown_staff, suspect, prev_hash, hash, fingerprint`

// elementList joins the element column names, each with suffix.
func elementList(suffix string) string {
	cols := make([]string, len(survey.Elements))
	for i, e := range survey.Elements {
		cols[i] = string(e) + suffix
	}
	return strings.Join(cols, ", ")
}

// placeholders returns n comma-separated question marks.
func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// insertResponses writes the planned rows with one prepared statement and
// returns the ids actually inserted.
func insertResponses(ctx context.Context, tx *sql.Tx, rows []survey.StoredResponse) (map[string]bool, error) {
	inserted := make(map[string]bool, len(rows))
	if len(rows) == 0 {
		return inserted, nil
	}
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO responses ("+responseInsertColumns+") VALUES ("+
		placeholders(strings.Count(responseInsertColumns, ",")+1)+") ON CONFLICT (id) DO NOTHING")
	if err != nil {
		return nil, fmt.Errorf("prepare response insert: %w", translate(err))
	}
	defer stmt.Close()
	for _, r := range rows {
		id, _ := canonicalID(r.ID) // PlanIngest refused non-UUIDs
		rt := r.Ratings
		res, err := stmt.ExecContext(ctx, id, r.KioskID, r.OfficeID, r.Seq, r.NIP, r.Service,
			rt[0], rt[1], rt[2], rt[3], rt[4], rt[5], rt[6], rt[7], rt[8],
			r.Comment, r.Profile.AgeBand, r.Profile.Sex, r.Profile.Education, r.Profile.Occupation, r.Channel, r.Verified,
			r.VisitID, survey.FlagsString(r.Flags), formatTime(r.CreatedAt), formatTime(r.ReceivedAt), r.ReportDay(survey.Jakarta),
			r.Unit, r.Counter, r.UnknownStaff, r.Suspect, r.PrevHash, r.Hash, r.Fingerprint)
		if err != nil {
			return nil, fmt.Errorf("insert response %s: %w", r.ID, translate(err))
		}
		if n, _ := res.RowsAffected(); n > 0 {
			inserted[r.ID] = true
		}
	}
	return inserted, nil
}

// keepInserted corrects the plan for planned rows the insert skipped because
// the same UUID, spelled differently, was stored first. They are reported as
// refused, so the kiosk retries them and then learns they are duplicates.
func keepInserted(plan *survey.IngestPlan, head survey.KioskHead, inserted map[string]bool) {
	if len(inserted) == len(plan.Insert) {
		return
	}
	kept := plan.Insert[:0]
	plan.NewHead = head
	for _, r := range plan.Insert {
		if !inserted[r.ID] {
			continue
		}
		kept = append(kept, r)
		if r.Seq > plan.NewHead.Seq {
			plan.NewHead = survey.KioskHead{Seq: r.Seq, Hash: r.Hash}
		}
	}
	plan.Insert = kept
	for i, res := range plan.Results {
		if res.Status == survey.StatusStored && !inserted[res.ID] {
			plan.Results[i].Status = survey.StatusRefused
			plan.Results[i].Reason = "conflict: this id was stored by another upload at the same time; send it again"
			plan.Counts.Stored--
			plan.Counts.Refused++
		}
	}
}

func insertFindings(ctx context.Context, tx *sql.Tx, fs []survey.Finding) error {
	for _, f := range fs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO findings (kind, kiosk_id, office_id, from_seq, to_seq, detail, detected_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, f.Kind, f.KioskID, f.OfficeID, f.FromSeq, f.ToSeq, f.Detail, formatTime(f.DetectedAt)); err != nil {
			return fmt.Errorf("record finding: %w", translate(err))
		}
	}
	return nil
}
