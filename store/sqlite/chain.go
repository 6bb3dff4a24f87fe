package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// Settings the chain code keeps.
const (
	// settingBackupTakenAt is written into every backup copy (not into the
	// live file): a kiosk that opens a file carrying it was restored from
	// a backup, and must not number its ratings where the lost file did.
	settingBackupTakenAt = "backup_taken_at"
	// SettingCentralHead is the head central last acknowledged ("SEQ HASH"):
	// what the writer vouches for when the stored head cannot be verified.
	SettingCentralHead = "central_head"
	// SettingRestore holds the last restore's RestoreStatus (JSON).
	SettingRestore = "restore_status"
)

// headQuery reads the stored head with the highest sequence number of the
// file's entries (responses and segments): MAX on an INTEGER PRIMARY KEY is
// one B-tree descent, cheap enough for every commit.
const headQuery = `SELECT h.seq, h.hash, h.signature,
	MAX((SELECT COALESCE(MAX(seq), 0) FROM responses), (SELECT COALESCE(MAX(seq), 0) FROM chain_segments))
	FROM chain_head h WHERE h.id = 1`

// entryHash returns the hash of the file's entry (response or segment) at seq.
func entryHash(ctx context.Context, q querier, seq int64) (string, bool, error) {
	var h string
	err := q.QueryRowContext(ctx, `SELECT hash FROM responses WHERE seq = ?
		UNION ALL SELECT hash FROM chain_segments WHERE seq = ? LIMIT 1`, seq, seq).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read chain entry %d: %w", seq, translate(err))
	}
	return h, true, nil
}

// checkChain runs before the writer extends the chain. It trusts the head it
// signed or verified itself when the file still ends there; otherwise it
// checks that the stored head's signature verifies and that the file's last
// entry is that head. On a mismatch it does not sign over it: it writes a
// break segment above everything in the file, naming the last entry it can
// vouch for, and head becomes the segment (returned). It reports whether
// head is verified (to be trusted once committed).
func (w *groupWriter) checkChain(ctx context.Context, tx *groupTx, head *chainState, sig string, last int64) (bool, *survey.Segment, error) {
	if w.verify == nil {
		return false, nil, nil // a standalone kiosk signs nothing
	}
	if t := w.trusted; t != nil && *t == *head && last == head.seq {
		return true, nil, nil
	}
	problem, err := w.chainProblem(ctx, tx, *head, sig, last)
	if err != nil || problem == "" {
		return err == nil, nil, err
	}
	good, err := w.lastGood(ctx, tx, *head, sig)
	if err != nil {
		return false, nil, err
	}
	found := chainState{seq: head.seq, hash: head.hash}
	if last >= head.seq {
		h, _, err := entryHash(ctx, tx, last)
		if err != nil {
			return false, nil, err
		}
		found = chainState{seq: last, hash: h}
	}
	seg := survey.Segment{Seq: max(head.seq, last) + 1, Kind: survey.SegmentBreak, PrevSeq: good.seq, PrevHash: good.hash,
		FoundSeq: found.seq, FoundHash: found.hash, Reason: problem, CreatedAt: w.now().UTC().Truncate(time.Microsecond)}
	if err := w.writeSegment(ctx, tx, &seg); err != nil {
		return false, nil, err
	}
	*head = chainState{seg.Seq, seg.Hash}
	return true, &seg, nil
}

// chainProblem says what is wrong with the stored head ("" when nothing).
func (w *groupWriter) chainProblem(ctx context.Context, tx *groupTx, head chainState, sig string, last int64) (string, error) {
	if !w.verify(head.seq, head.hash, sig) {
		return fmt.Sprintf("the stored head at %d has a signature that does not verify", head.seq), nil
	}
	if last > head.seq {
		return fmt.Sprintf("entries %d–%d lie past the signed head %d", head.seq+1, last, head.seq), nil
	}
	if last == head.seq && last > 0 {
		h, _, err := entryHash(ctx, tx, last)
		if err != nil {
			return "", err
		}
		if h != head.hash {
			return fmt.Sprintf("the entry at %d does not match the signed head", last), nil
		}
	}
	return "", nil
}

// lastGood returns the newest entry the writer can vouch for: the stored
// head if its signature verifies, the head it last verified itself, or the
// head central last acknowledged, each only if the file still holds that
// entry unchanged (a signed head whose row retention deleted counts: the
// row was confirmed by central). None: 0 and "".
func (w *groupWriter) lastGood(ctx context.Context, tx *groupTx, head chainState, sig string) (chainState, error) {
	type candidate struct {
		c        chainState
		orAbsent bool
	}
	var cs []candidate
	if w.verify(head.seq, head.hash, sig) {
		cs = append(cs, candidate{head, true})
	}
	if w.trusted != nil {
		cs = append(cs, candidate{*w.trusted, false})
	}
	var ack string
	if err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", SettingCentralHead).Scan(&ack); err == nil {
		if c, ok := parseHeadSetting(ack); ok {
			cs = append(cs, candidate{c, false})
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return chainState{}, fmt.Errorf("read %s: %w", SettingCentralHead, translate(err))
	}
	for _, c := range cs {
		if c.c.seq == 0 {
			continue
		}
		h, ok, err := entryHash(ctx, tx, c.c.seq)
		if err != nil {
			return chainState{}, err
		}
		if (ok && h == c.c.hash) || (!ok && c.orAbsent) {
			return c.c, nil
		}
	}
	return chainState{}, nil
}

func parseHeadSetting(v string) (chainState, bool) {
	seq, hash, ok := strings.Cut(v, " ")
	n, err := strconv.ParseInt(seq, 10, 64)
	return chainState{n, hash}, ok && err == nil && n >= 0
}

// writeSegment signs s and stores it as an entry of the chain.
func (w *groupWriter) writeSegment(ctx context.Context, tx *groupTx, s *survey.Segment) error {
	w.signSegment(s)
	if _, err := tx.ExecContext(ctx, `INSERT INTO chain_segments (seq, kind, prev_seq, prev_hash, found_seq, found_hash,
		central_seq, reason, created_at, hash, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.Seq, s.Kind, s.PrevSeq, s.PrevHash, s.FoundSeq, s.FoundHash, s.CentralSeq, s.Reason, formatTime(s.CreatedAt), s.Hash, s.Signature); err != nil {
		return fmt.Errorf("write %s segment: %w", s.Kind, translate(err))
	}
	tx.segments = append(tx.segments, *s) // told to onSegment once committed
	return nil
}

// VerifyChain checks the chain now, as the writer does before it extends
// it, and writes a break segment when the stored head cannot be verified.
// It returns that segment, or nil when the chain verified (or the kiosk
// signs nothing).
func (k *KioskDB) VerifyChain(ctx context.Context) (*survey.Segment, error) {
	var seg *survey.Segment
	err := k.w.do(ctx, func(ctx context.Context, tx *groupTx, head *chainState, written *survey.Segment) error {
		seg = written
		return nil
	})
	return seg, err
}

// RestoredFrom reports whether the file is a backup copy opened as the live
// database and not yet rebased (Rebase), and when the backup was taken.
func (k *KioskDB) RestoredFrom(ctx context.Context) (time.Time, bool, error) {
	v, ok, err := k.Setting(ctx, settingBackupTakenAt)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	return parseTime(v), true, nil
}

// Restore returns the status of the last restore, and false when there was none.
func (k *KioskDB) Restore(ctx context.Context) (survey.RestoreStatus, bool, error) {
	var st survey.RestoreStatus
	v, ok, err := k.Setting(ctx, SettingRestore)
	if err != nil || !ok {
		return st, false, err
	}
	return st, true, json.Unmarshal([]byte(v), &st)
}

// Rebase continues the chain above everything central holds or heard of:
// given central's highest number (central; known false when central could
// not be asked), a file behind it gets a restore segment just above it, and
// a file restored from a backup that could not ask central one RestoreJump
// above its last entry. held is what central holds after the file's last
// entry (shown as "held at central"). It returns the segment written, or
// nil when the file was not behind. A kiosk that signs nothing does nothing.
func (k *KioskDB) Rebase(ctx context.Context, central int64, known bool, held int64, reason string) (*survey.Segment, error) {
	if k.w.verify == nil {
		return nil, nil
	}
	var seg *survey.Segment
	err := k.w.do(ctx, func(ctx context.Context, tx *groupTx, head *chainState, _ *survey.Segment) error {
		var last int64
		var ignored string
		if err := tx.QueryRowContext(ctx, headQuery).Scan(new(int64), new(string), &ignored, &last); err != nil {
			return fmt.Errorf("read chain head: %w", translate(err))
		}
		n, hashN := max(head.seq, last), head.hash
		if n != head.seq {
			h, _, err := entryHash(ctx, tx, n)
			if err != nil {
				return err
			}
			hashN = h
		}
		var taken string
		err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", settingBackupTakenAt).Scan(&taken)
		restored := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read %s: %w", settingBackupTakenAt, translate(err))
		}
		var next int64
		switch {
		case known && central > n:
			next = central + 1
		case !known && restored:
			next = n + survey.RestoreJump
		}
		if next > 0 {
			s := survey.Segment{Seq: next, Kind: survey.SegmentRestore, PrevSeq: n, PrevHash: hashN, FoundSeq: n, FoundHash: hashN,
				CentralSeq: central, Reason: reason, CreatedAt: k.now().UTC().Truncate(time.Microsecond)}
			if err := k.w.writeSegment(ctx, tx, &s); err != nil {
				return err
			}
			*head, seg = chainState{s.Seq, s.Hash}, &s
		}
		if !restored && next == 0 {
			return nil
		}
		st := survey.RestoreStatus{BackupTakenAt: parseTime(taken), FileSeq: n, CentralSeq: central, CentralAsked: known,
			HeldAtCentral: held, NextSeq: next, RestoredAt: k.now().UTC()}
		if !restored {
			st.BackupTakenAt = time.Time{}
		}
		b, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, SettingRestore, string(b)); err != nil {
			return fmt.Errorf("record restore: %w", translate(err))
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", settingBackupTakenAt); err != nil {
			return fmt.Errorf("record restore: %w", translate(err))
		}
		return nil
	})
	return seg, err
}

// Segments lists the chain's segments, lowest first: the uploader sends
// every one with each head report.
func (k *KioskDB) Segments(ctx context.Context) ([]survey.Segment, error) {
	return queryAll(ctx, k.db, "read segments", func(sc scanner) (survey.Segment, error) {
		var s survey.Segment
		var created string
		err := sc.Scan(&s.Seq, &s.Kind, &s.PrevSeq, &s.PrevHash, &s.FoundSeq, &s.FoundHash, &s.CentralSeq, &s.Reason, &created, &s.Hash, &s.Signature)
		s.CreatedAt = parseTime(created)
		return s, err
	}, `SELECT seq, kind, prev_seq, prev_hash, found_seq, found_hash, central_seq, reason, created_at, hash, signature
		FROM chain_segments ORDER BY seq`)
}

// SetCentralHead records the head central acknowledged.
func (k *KioskDB) SetCentralHead(ctx context.Context, seq int64, hash string) error {
	return k.SetSetting(ctx, SettingCentralHead, strconv.FormatInt(seq, 10)+" "+hash)
}

// MarkRestored marks the database file at path (not open elsewhere) as a
// backup opened as the live database, as `kiosk backup` marks its copies,
// unless it already is: taken is when the backup was made, if known. The
// kiosk then numbers its next ratings above everything it or central knew.
func MarkRestored(ctx context.Context, path string, taken time.Time) error {
	if taken.IsZero() {
		taken = time.Now()
	}
	db, err := sql.Open("sqlite3", dsn(path, Options{}))
	if err != nil {
		return fmt.Errorf("mark %s restored: %w", path, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
		settingBackupTakenAt, formatTime(taken)); err != nil {
		return fmt.Errorf("mark %s restored: %w", path, translate(err))
	}
	return db.Close()
}
