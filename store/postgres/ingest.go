package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/skmkiosk/skm/survey"
)

// Ingest stores one upload in one transaction. SELECT ... FOR UPDATE on the
// kiosk's row serializes uploads of the same kiosk; every later statement
// (READ COMMITTED) then sees what the previous one committed. See
// survey.IngestStore.
func (d *DB) Ingest(ctx context.Context, req survey.IngestRequest) (survey.IngestPlan, error) {
	if req.ReceivedAt.IsZero() {
		req.ReceivedAt = d.now()
	}
	req.ReceivedAt = utc(req.ReceivedAt)
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return survey.IngestPlan{}, fmt.Errorf("ingest: %w", translate(err))
	}
	defer tx.Rollback(ctx)
	k, err := ingestKiosk(ctx, tx, req.KioskID)
	if err != nil {
		return survey.IngestPlan{}, err
	}
	segFindings, err := saveSegments(ctx, tx, k, req.Segments, req.VerifySegment, req.ReceivedAt)
	if err != nil {
		return survey.IngestPlan{}, fmt.Errorf("ingest for kiosk %s: %w", k.ID, err)
	}
	plan, headValid, err := planAndInsert(ctx, tx, k, req)
	if err != nil {
		return survey.IngestPlan{}, fmt.Errorf("ingest for kiosk %s: %w", k.ID, err)
	}
	plan.Findings = append(segFindings, plan.Findings...)
	if err := writePlan(ctx, tx, k, req, &plan); err != nil {
		return survey.IngestPlan{}, fmt.Errorf("ingest for kiosk %s: %w", k.ID, err)
	}
	if h := req.Meta.Head; headValid && (h.Seq > 0 || h.Hash != "") {
		if _, err := insertHead(ctx, tx, k.ID, h, ingestSource(req), req.ReceivedAt); err != nil {
			return survey.IngestPlan{}, fmt.Errorf("ingest for kiosk %s: %w", k.ID, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return survey.IngestPlan{}, fmt.Errorf("ingest for kiosk %s: commit: %w", k.ID, translate(err))
	}
	return plan, nil
}

// ingestKiosk locks the uploading kiosk's row, refusing an unknown or revoked kiosk.
func ingestKiosk(ctx context.Context, tx pgx.Tx, id string) (survey.Kiosk, error) {
	k, err := kioskByID(ctx, tx, id, " FOR UPDATE OF k")
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

// planAndInsert plans the upload and writes its new rows, correcting the
// plan for rows another upload stored meanwhile.
//
// An upload past the kiosk's head (every sequence number above the highest
// stored, the usual night) cannot repeat one of its own stored responses, so
// it is planned as if none of its ids were stored and copied straight in:
// the COPY itself proves it, the primary key refusing any id taken (by
// another kiosk, or meanwhile). Then, or when the plan refused or found
// duplicates anyway, the ids are looked up and the upload planned again as
// any other. The plan is the same either way; the lookup of 500 ids cost
// more than a tenth of an ingest.
func planAndInsert(ctx context.Context, tx pgx.Tx, k survey.Kiosk, req survey.IngestRequest) (survey.IngestPlan, bool, error) {
	fresh := true
	for _, r := range req.Responses {
		fresh = fresh && r.Seq > k.Head.Seq
	}
	in, err := planInput(ctx, tx, k, req, !fresh)
	if err != nil {
		return survey.IngestPlan{}, false, err
	}
	plan := survey.PlanIngest(in)
	if fresh && plan.Counts.Stored == plan.Counts.Sent {
		copied, err := copyResponses(ctx, tx, plan.Insert)
		if err != nil || copied {
			return plan, in.HeadValid, err
		}
	}
	var inserted map[string]bool
	if fresh {
		if in.ExistingByID, err = existingByID(ctx, tx, req.Responses); err != nil {
			return plan, false, err
		}
		plan = survey.PlanIngest(in)
		inserted, err = insertStaged(ctx, tx, plan.Insert, make(map[string]bool, len(plan.Insert)))
	} else {
		inserted, err = insertResponses(ctx, tx, plan.Insert)
	}
	if err != nil {
		return plan, false, err
	}
	keepInserted(&plan, k.Head, inserted)
	return plan, in.HeadValid, nil
}

// ingestSource is the source a batch's head is recorded under.
func ingestSource(req survey.IngestRequest) string {
	if req.Source == "" {
		return survey.HeadFromSync
	}
	return req.Source
}

// planInput reads, under the kiosk's lock, what survey.PlanIngest needs;
// which of the batch's ids are stored only when lookup is set.
func planInput(ctx context.Context, tx pgx.Tx, k survey.Kiosk, req survey.IngestRequest, lookup bool) (survey.PlanInput, error) {
	in := survey.PlanInput{Kiosk: k, Meta: req.Meta, Responses: req.Responses, HeadValid: true,
		ReceivedAt: req.ReceivedAt, SkewLimit: req.SkewLimit, Source: ingestSource(req)}
	if req.VerifyHead != nil {
		in.HeadValid = req.VerifyHead(k, req.Meta.Head)
	}
	var err error
	if in.Segments, err = findSegments(ctx, tx, k.ID); err != nil {
		return in, err
	}
	seqs := make([]int64, 0, len(req.Responses)+1)
	for _, r := range req.Responses {
		seqs = append(seqs, r.Seq)
	}
	if in.Anchored, err = anchoredAt(ctx, tx, k.ID, append(seqs, req.Meta.Head.Seq)); err != nil {
		return in, err
	}
	if in.HighestSync, err = highestSyncHead(ctx, tx, k.ID); err != nil {
		return in, err
	}
	if lookup {
		if in.ExistingByID, err = existingByID(ctx, tx, req.Responses); err != nil {
			return in, err
		}
	}
	if in.StoredBySeq, err = storedBySeq(ctx, tx, k, req.Responses); err != nil {
		return in, err
	}
	if in.Roster, err = rosterFor(ctx, tx, k.OfficeID, req.Responses); err != nil {
		return in, err
	}
	in.Services, err = activeServiceCodes(ctx, tx, k.OfficeID)
	return in, err
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
func existingByID(ctx context.Context, tx pgx.Tx, rs []survey.Response) (map[string]string, error) {
	byCanon := map[string][]string{}
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		if id, ok := canonicalID(r.ID); ok {
			if byCanon[id] == nil {
				ids = append(ids, id)
			}
			byCanon[id] = append(byCanon[id], r.ID)
		}
	}
	rows, err := tx.Query(ctx, "SELECT id::text, fingerprint FROM responses WHERE id = ANY($1::uuid[])", pgx.QueryExecModeExec, ids)
	if err != nil {
		return nil, fmt.Errorf("read stored ids: %w", translate(err))
	}
	out := map[string]string{}
	var id, fp string
	_, err = pgx.ForEachRow(rows, []any{&id, &fp}, func() error {
		for _, sent := range byCanon[id] {
			out[sent] = fp
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read stored ids: %w", translate(err))
	}
	return out, nil
}

// storedBySeq reads the kiosk's stored rows at each batch seq and the one
// before it; of a reused seq, the first stored row counts. The kiosk's head
// is its highest stored seq, so only seqs up to it are looked up: for the
// usual upload, that is the one before its first.
func storedBySeq(ctx context.Context, tx pgx.Tx, k survey.Kiosk, rs []survey.Response) (map[int64]survey.StoredLink, error) {
	seen := make(map[int64]bool, len(rs)+1)
	seqs := make([]int64, 0, len(rs)+1)
	for _, r := range rs {
		for _, s := range []int64{r.Seq - 1, r.Seq} {
			if !seen[s] && s <= k.Head.Seq {
				seen[s] = true
				seqs = append(seqs, s)
			}
		}
	}
	out := map[int64]survey.StoredLink{}
	if len(seqs) == 0 {
		return out, nil
	}
	kioskID := k.ID
	// One index probe per seq: with ANY($2) instead, a table never analyzed
	// yet (a new central, before autovacuum's first ANALYZE) is scanned by
	// kiosk only: 35 ms instead of 0.8 ms per 500-row batch at 150,000 rows.
	// Like every array lookup of Ingest, it runs as an unnamed statement, so
	// that it is planned for these values, not by a generic plan cached
	// while the table was small.
	rows, err := tx.Query(ctx, `SELECT s.seq, r.id::text, r.hash FROM unnest($2::bigint[]) AS s (seq)
		CROSS JOIN LATERAL (SELECT id, hash FROM responses WHERE kiosk_id = $1 AND seq = s.seq
			ORDER BY received_at, id LIMIT 1) r`, pgx.QueryExecModeExec, kioskID, seqs)
	if err != nil {
		return nil, fmt.Errorf("read stored chain: %w", translate(err))
	}
	var seq int64
	var l survey.StoredLink
	if _, err := pgx.ForEachRow(rows, []any{&seq, &l.ID, &l.Hash}, func() error {
		out[seq] = l
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read stored chain: %w", translate(err))
	}
	return out, nil
}

// rosterFor reads the office's staff (active or not) named by the batch.
func rosterFor(ctx context.Context, tx pgx.Tx, officeID int64, rs []survey.Response) (map[string]survey.Staff, error) {
	nips := make([]string, 0, len(rs))
	for _, r := range rs {
		nips = append(nips, r.NIP)
	}
	rows, err := tx.Query(ctx, "SELECT "+officeStaffColumns+" FROM staff WHERE office_id = $1 AND nip = ANY($2)",
		pgx.QueryExecModeExec, officeID, nips)
	if err != nil {
		return nil, fmt.Errorf("read roster: %w", translate(err))
	}
	staff, err := collect(rows, "read roster", scanOfficeStaff)
	if err != nil {
		return nil, err
	}
	out := make(map[string]survey.Staff, len(staff))
	for _, s := range staff {
		out[s.NIP] = s
	}
	return out, nil
}

func activeServiceCodes(ctx context.Context, tx pgx.Tx, officeID int64) (map[string]bool, error) {
	rows, err := tx.Query(ctx, "SELECT code FROM services WHERE office_id = $1 AND active", officeID)
	if err != nil {
		return nil, fmt.Errorf("read services: %w", translate(err))
	}
	codes, err := collect(rows, "read services", func(row pgx.Row) (string, error) {
		var code string
		err := row.Scan(&code)
		return code, err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(codes))
	for _, c := range codes {
		out[c] = true
	}
	return out, nil
}

// writePlan writes the rollups of the plan's rows (already inserted), the
// findings, the kiosk's new head and the batch's receipt row.
func writePlan(ctx context.Context, tx pgx.Tx, k survey.Kiosk, req survey.IngestRequest, plan *survey.IngestPlan) error {
	if err := upsertRollups(ctx, tx, plan.Insert); err != nil {
		return err
	}
	if err := insertFindings(ctx, tx, plan.Findings); err != nil {
		return err
	}
	// Without the kiosk's send time the skew is unknown: keep the last one seen.
	if _, err := tx.Exec(ctx, `UPDATE kiosks SET head_seq = $1, head_hash = $2, last_seen_at = $3,
		clock_skew_ms = CASE WHEN $4 THEN $5 ELSE clock_skew_ms END WHERE id = $6`,
		plan.NewHead.Seq, plan.NewHead.Hash, req.ReceivedAt, !req.Meta.SentAt.IsZero(), plan.Skew.Milliseconds(), k.ID); err != nil {
		return fmt.Errorf("update kiosk head: %w", translate(err))
	}
	_, err := tx.Exec(ctx, `INSERT INTO batches (batch_id, kiosk_id, office_id, received_at, night, buffered,
		sent, stored, duplicates, refused) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		req.Meta.BatchID, k.ID, k.OfficeID, req.ReceivedAt, jakartaDay(req.ReceivedAt), req.Meta.Buffered,
		plan.Counts.Sent, plan.Counts.Stored, plan.Counts.Duplicates, plan.Counts.Refused)
	if err != nil {
		return fmt.Errorf("record batch: %w", translate(err))
	}
	return nil
}

// responseColumns are the columns insertResponses copies, in responseRow's order.
var responseColumns = append(append([]string{"id", "kiosk_id", "office_id", "seq", "nip", "service"}, elementColumns()...),
	"comment", "age_band", "sex", "education", "occupation", "channel", "verified", "visit_id", "flags", "created_at",
	"received_at", "day", "unit", "counter", "unknown_staff", "suspect", "prev_hash", "hash", "fingerprint")

func elementColumns() []string {
	cols := make([]string, len(survey.Elements))
	for i, e := range survey.Elements {
		cols[i] = string(e)
	}
	return cols
}

func responseRow(r survey.StoredResponse) []any {
	id := uuid.MustParse(r.ID) // PlanIngest refused non-UUIDs
	rt := r.Ratings
	return []any{pgtype.UUID{Bytes: id, Valid: true}, r.KioskID, r.OfficeID, r.Seq, r.NIP, r.Service,
		rt[0], rt[1], rt[2], rt[3], rt[4], rt[5], rt[6], rt[7], rt[8],
		r.Comment, r.Profile.AgeBand, r.Profile.Sex, r.Profile.Education, r.Profile.Occupation, r.Channel, r.Verified,
		r.VisitID, survey.FlagsString(r.Flags), utc(r.CreatedAt), utc(r.ReceivedAt), reportDay(r),
		r.Unit, r.Counter, r.UnknownStaff, r.Suspect, r.PrevHash, r.Hash, r.Fingerprint}
}

// insertResponses writes the planned rows by PostgreSQL's bulk path and
// returns the ids (as sent) actually inserted. PlanIngest left out the ids
// already stored, so the rows are first copied straight into responses, in
// a savepoint: that is all an upload costs unless another upload stored one
// of its ids meanwhile, or the batch spells one UUID twice. Then the COPY
// fails on the primary key, the savepoint undoes it, and the rows go through
// a staging table and an INSERT ... SELECT that skips the ids taken. (The
// staging path alone cost 6 ms per 500-row batch, the COPY about 3.)
func insertResponses(ctx context.Context, tx pgx.Tx, rows []survey.StoredResponse) (map[string]bool, error) {
	inserted := make(map[string]bool, len(rows))
	if len(rows) == 0 {
		return inserted, nil
	}
	direct, err := copyResponses(ctx, tx, rows)
	if err != nil {
		return nil, err
	}
	if direct {
		for _, r := range rows {
			inserted[r.ID] = true
		}
		return inserted, nil
	}
	return insertStaged(ctx, tx, rows, inserted)
}

// copyResponses copies rows into responses inside a savepoint. It reports
// false, having undone the copy, when an id was already taken.
func copyResponses(ctx context.Context, tx pgx.Tx, rows []survey.StoredResponse) (bool, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("savepoint: %w", translate(err))
	}
	defer sp.Rollback(ctx)
	_, err = sp.CopyFrom(ctx, pgx.Identifier{"responses"}, responseColumns, pgx.CopyFromSlice(len(rows),
		func(i int) ([]any, error) { return responseRow(rows[i]), nil }))
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == codeUniqueViolation {
		return false, nil // the deferred Rollback undoes the copy, and the transaction goes on
	}
	if err != nil {
		return false, fmt.Errorf("copy responses: %w", translate(err))
	}
	if err := sp.Commit(ctx); err != nil {
		return false, fmt.Errorf("release savepoint: %w", translate(err))
	}
	return true, nil
}

// insertStaged copies rows into a session-local staging table, then one
// INSERT ... SELECT skips ids already stored.
func insertStaged(ctx context.Context, tx pgx.Tx, rows []survey.StoredResponse, inserted map[string]bool) (map[string]bool, error) {
	// Created once per pooled connection; ON COMMIT DELETE ROWS empties it
	// without the dead rows a DELETE would leave (autovacuum skips temp tables).
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS ingest_stage (LIKE responses INCLUDING DEFAULTS)
		ON COMMIT DELETE ROWS`); err != nil {
		return nil, fmt.Errorf("create staging table: %w", translate(err))
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"ingest_stage"}, responseColumns, pgx.CopyFromSlice(len(rows),
		func(i int) ([]any, error) { return responseRow(rows[i]), nil })); err != nil {
		return nil, fmt.Errorf("copy responses: %w", translate(err))
	}
	cols := strings.Join(responseColumns, ", ")
	res, err := tx.Query(ctx, "INSERT INTO responses ("+cols+") SELECT "+cols+
		" FROM ingest_stage ON CONFLICT (id) DO NOTHING RETURNING id::text, fingerprint")
	if err != nil {
		return nil, fmt.Errorf("insert responses: %w", translate(err))
	}
	// Fingerprints tell apart two spellings of one UUID in the same batch.
	stored := map[[2]string]bool{}
	var id, fp string
	if _, err := pgx.ForEachRow(res, []any{&id, &fp}, func() error {
		stored[[2]string{id, fp}] = true
		return nil
	}); err != nil {
		return nil, fmt.Errorf("insert responses: %w", translate(err))
	}
	for _, r := range rows {
		if c, _ := canonicalID(r.ID); stored[[2]string{c, r.Fingerprint}] {
			inserted[r.ID] = true
		}
	}
	return inserted, nil
}

// keepInserted corrects the plan for planned rows the insert skipped: the
// same UUID stored meanwhile by another kiosk's upload, or spelled twice in
// one batch. They are reported as refused, so the kiosk retries them and
// then learns whether they are duplicates.
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
