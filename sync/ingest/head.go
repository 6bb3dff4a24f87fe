package ingest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// GetHead handles GET /api/v1/sync/head?after=SEQ: what central holds and
// heard of from the kiosk, asked before it reports its head, so that a
// kiosk restored from a backup learns that it is behind.
func (h *Handler) GetHead(c *fiber.Ctx) error {
	var after int64
	if v := c.Query("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return survey.Invalid("after", "after must be a sequence number (0 or more)", "after harus nomor urut (0 atau lebih)")
		}
		after = n
	}
	st, err := h.Store.KioskChainState(c.UserContext(), KioskOf(c).ID, after)
	if err != nil {
		return err
	}
	return c.JSON(wire.ChainState{ChainState: st, ServerTime: h.now().UTC(), ClockSkewLimitSeconds: int64(h.SkewLimit / time.Second)})
}

// PostHead handles POST /api/v1/sync/head: the kiosk's signed head and its
// segments, at every sync attempt and heartbeat.
func (h *Handler) PostHead(c *fiber.Ctx) error {
	data, err := body(c)
	if err != nil {
		return err
	}
	var rep wire.HeadReport
	if err := decodeJSON(data, &rep, "head report"); err != nil {
		return err
	}
	k := KioskOf(c)
	switch {
	case rep.KioskID != k.ID:
		return survey.NewError(survey.EFORBIDDEN, fmt.Sprintf("the head report is for kiosk %q but was signed by kiosk %q", rep.KioskID, k.ID),
			fmt.Sprintf("laporan head untuk kios %q tetapi ditandatangani kios %q", rep.KioskID, k.ID))
	case len(rep.Segments) > wire.MaxSegments:
		return survey.Invalid("segments", fmt.Sprintf("a head report carries at most %d segments", wire.MaxSegments),
			fmt.Sprintf("laporan head paling banyak membawa %d segmen", wire.MaxSegments))
	case rep.Head.Seq < 0:
		return survey.Invalid("head.seq", "head.seq must be 0 or more", "head.seq harus 0 atau lebih")
	}
	now := h.now()
	n, err := h.anchor(c.UserContext(), survey.AnchorRequest{KioskID: k.ID, Head: rep.Head, Source: survey.HeadFromSync, SentAt: rep.SentAt,
		Segments: rep.Segments, ReceivedAt: now, SkewLimit: h.SkewLimit, VerifyHead: verifyHead, VerifySegment: verifySegment})
	if err != nil {
		return err
	}
	return c.JSON(wire.HeadReply{ReceivedAt: now.UTC(), Findings: n})
}

// anchor stores a head, logs and counts its findings, and returns how many.
func (h *Handler) anchor(ctx context.Context, req survey.AnchorRequest) (int, error) {
	res, err := h.Store.AnchorHead(ctx, req)
	if err != nil {
		return 0, err
	}
	for _, f := range res.Findings {
		h.log().Warn("integrity finding", "kiosk_id", req.KioskID, "kind", f.Kind, "from_seq", f.FromSeq, "to_seq", f.ToSeq,
			"source", req.Source, "detail", f.Detail)
	}
	if h.Metrics != nil {
		h.Metrics.HeadReported(res.Findings)
	}
	return len(res.Findings), nil
}

// pixel is a transparent 1×1 GIF, the whole answer of the witness beacon.
var pixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// Witness handles GET /api/v1/witness: a citizen's phone delivers, from the
// thank-you page's image, the kiosk's signed head (kiosk id, seq, hash,
// signature; nothing of the rating, nothing of the citizen). Central
// verifies it with the kiosk's key and keeps it in the kiosk's head history,
// where later rows that contradict it are a fork. It answers a 1×1 image.
// The client's address is not stored.
func (h *Handler) Witness(c *fiber.Ctx) error {
	head, kioskID, err := witnessQuery(c)
	if err != nil {
		return err
	}
	if _, err := h.anchor(c.UserContext(), survey.AnchorRequest{KioskID: kioskID, Head: head, Source: survey.HeadFromWitness,
		ReceivedAt: h.now(), VerifyHead: verifyHead}); err != nil {
		if survey.ErrorCode(err) == survey.ENOTFOUND {
			return survey.NewError(survey.ENOTFOUND, "unknown kiosk "+kioskID, "kios "+kioskID+" tidak dikenal")
		}
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "image/gif")
	return c.Send(pixel)
}

// witnessQuery reads the beacon's query (wire.WitnessKiosk and the rest).
func witnessQuery(c *fiber.Ctx) (survey.SignedHead, string, error) {
	kioskID := c.Query(wire.WitnessKiosk)
	seq, err := strconv.ParseInt(c.Query(wire.WitnessSeq), 10, 64)
	hash, sig := c.Query(wire.WitnessHash), c.Query(wire.WitnessSignature)
	switch {
	case kioskID == "" || len(kioskID) > 64:
		return survey.SignedHead{}, "", survey.Invalid(wire.WitnessKiosk, "the kiosk id is missing", "id kios tidak ada")
	case err != nil || seq < 1:
		return survey.SignedHead{}, "", survey.Invalid(wire.WitnessSeq, "the sequence number is missing or not a number", "nomor urut tidak ada atau bukan angka")
	case len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "":
		return survey.SignedHead{}, "", survey.Invalid(wire.WitnessHash, "the hash must be 64 lower-case hex characters", "hash harus 64 karakter heksadesimal huruf kecil")
	case sig == "" || len(sig) > 200:
		return survey.SignedHead{}, "", survey.Invalid(wire.WitnessSignature, "the signature is missing", "tanda tangan tidak ada")
	}
	return survey.SignedHead{Seq: seq, Hash: hash, Signature: sig}, kioskID, nil
}
