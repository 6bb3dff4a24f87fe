package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// ImportResult sums an offline batch file's import.
type ImportResult struct {
	KioskID string
	Batches int
	survey.IngestCounts
	// VisitTallies counts the (day, staff member, service) tallies saved.
	VisitTallies int
}

// ImportFile ingests an offline batch file (from `kiosk export`) through the
// same idempotent paths as uploads: each entry's signature must verify with
// the named kiosk's key, and a revoked kiosk's file is refused. Visit tally
// entries replace central's tallies of their days, as a sync's do.
func (h *Handler) ImportFile(ctx context.Context, r io.Reader) (ImportResult, error) {
	var res ImportResult
	fr, err := wire.NewFileReader(r)
	if err != nil {
		return res, survey.Invalid("file", err.Error(), err.Error())
	}
	res.KioskID = fr.Header.KioskID
	k, err := h.Store.KioskByID(ctx, fr.Header.KioskID)
	if err != nil {
		return res, fmt.Errorf("kiosk %s named in the file: %w", fr.Header.KioskID, err)
	}
	if k.Revoked {
		return res, survey.NewError(survey.EFORBIDDEN, "kiosk "+k.ID+" was revoked; its file is refused", "kios "+k.ID+" sudah dicabut; berkasnya ditolak")
	}
	for {
		e, line, err := fr.Next()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return res, survey.Invalid("file", err.Error(), err.Error())
		}
		if !wire.VerifyFileEntry(k.PublicKey, e) {
			return res, survey.Invalid("file", fmt.Sprintf("line %d: %v", line, wire.ErrBadFileSignature),
				fmt.Sprintf("baris %d: tanda tangan batch tidak cocok", line))
		}
		if len(e.Visits) > 0 {
			v, err := decodeVisitTallies(e.Visits, k)
			if err == nil {
				err = h.Store.SaveVisitTallies(ctx, k.ID, v.Tallies)
			}
			if err != nil {
				return res, fmt.Errorf("line %d: %w", line, err)
			}
			res.VisitTallies += len(v.Tallies)
			continue
		}
		reply, head, err := h.ingest(ctx, k, e.Batch, survey.HeadFromFile)
		if err != nil {
			return res, fmt.Errorf("line %d: %w", line, err)
		}
		k.Head = head // the next batch's gaps are counted from here
		res.Batches++
		res.Sent += reply.Sent
		res.Stored += reply.Stored
		res.Duplicates += reply.Duplicates
		res.Refused += reply.Refused
	}
}
