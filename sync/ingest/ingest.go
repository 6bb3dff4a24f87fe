// Package ingest is central's side of sync: it authenticates kiosks by their
// Ed25519 request signatures, reads batches and offline batch files, and
// stores each response exactly once through the central store.
package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
	"github.com/skmkiosk/skm/web"
)

// Handler serves the sync endpoints of central.
type Handler struct {
	Store survey.CentralStore
	Now   func() time.Time
	// SkewLimit is the kiosk clock difference that is recorded as a finding.
	SkewLimit time.Duration
	Logger    *slog.Logger
	// Metrics, when set, is told of every stored batch.
	Metrics Metrics
	// MaxConcurrent bounds the uploads (batches and visit tallies) read and
	// stored at once (0: no bound). When every kiosk of a province arrives
	// in the same second, the rest are told to come back (503) rather than
	// all held in memory. Each kiosk has at most one upload in flight.
	MaxConcurrent int
	// FollowUps is the rule that opens follow-up cases from kiosks'
	// tracking codes; its elements are sent to kiosks with the roster.
	FollowUps survey.FollowUpPolicy
	// PublicURL is central's public address, sent to kiosks with the roster.
	PublicURL string

	slotsOnce sync.Once
	slots     chan struct{}
	mu        sync.Mutex
	uploading map[string]bool // kiosks with an upload in flight
}

var errBusy = survey.NewError(survey.EUNAVAILABLE, "central is busy with other kiosks' uploads; the kiosk retries by itself",
	"pusat sedang sibuk menerima unggahan kios lain; kios akan mencoba lagi sendiri")

var errKioskBusy = survey.NewError(survey.EUNAVAILABLE,
	"this kiosk already has an upload in progress; the kiosk retries by itself",
	"kios ini sedang mengunggah; kios akan mencoba lagi sendiri")

// acquire takes an ingest slot, or reports false when all are taken.
func (h *Handler) acquire() bool {
	if h.MaxConcurrent <= 0 {
		return true
	}
	h.slotsOnce.Do(func() { h.slots = make(chan struct{}, h.MaxConcurrent) })
	select {
	case h.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (h *Handler) release() {
	if h.MaxConcurrent > 0 {
		<-h.slots
	}
}

// acquireFor takes kiosk id's one upload slot and then a shared one;
// release gives both back.
func (h *Handler) acquireFor(id string) (release func(), err error) {
	h.mu.Lock()
	if h.uploading[id] {
		h.mu.Unlock()
		return nil, errKioskBusy
	}
	if h.uploading == nil {
		h.uploading = map[string]bool{}
	}
	h.uploading[id] = true
	h.mu.Unlock()
	done := func() {
		h.mu.Lock()
		delete(h.uploading, id)
		h.mu.Unlock()
	}
	if !h.acquire() {
		done()
		return nil, errBusy
	}
	return func() { h.release(); done() }, nil
}

// Metrics receives what each stored batch held and found; central's
// /metrics implements it (web.CentralMetrics), so that this package does not
// depend on Prometheus.
type Metrics interface {
	// BatchIngested counts a batch, its findings and the gaps it opened:
	// ranges of sequence numbers past the kiosk's previous head that the
	// batch skipped.
	BatchIngested(counts survey.IngestCounts, findings []survey.Finding, gaps int)
	// HeadReported counts the findings a head report or a witness raised.
	HeadReported(findings []survey.Finding)
}

const localKiosk = "sync_kiosk"

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func unauthorized(en, id string) error { return survey.NewError(survey.EUNAUTHORIZED, en, id) }

// Authenticate is middleware: the request must carry a kiosk id, a timestamp
// within wire.MaxClockSkew and an Ed25519 signature over method, path,
// timestamp and body made with that kiosk's key. A revoked kiosk gets 403.
// Every answer carries central's clock (wire.HeaderTime).
//
// An upload's body is read only after what can be checked without it: the
// headers, a known and unrevoked kiosk, the timestamp, and a free slot
// (MaxConcurrent, one per kiosk). So a client without a kiosk id makes
// central read nothing, and one with a kiosk id but not its key makes it
// read one body of at most wire.MaxBodyBytes at a time.
func (h *Handler) Authenticate(c *fiber.Ctx) error {
	// Central's clock on every answer, refusals included, so that a kiosk
	// with a wrong clock can sign its next request with central's time.
	c.Set(wire.HeaderTime, strconv.FormatInt(h.now().Unix(), 10))
	id, ts, sig := c.Get(wire.HeaderKiosk), c.Get(wire.HeaderTimestamp), c.Get(wire.HeaderSignature)
	if id == "" || ts == "" || sig == "" {
		return unauthorized("missing credentials: the "+wire.HeaderKiosk+", "+wire.HeaderTimestamp+" and "+wire.HeaderSignature+" headers are required",
			"kredensial tidak ada: header "+wire.HeaderKiosk+", "+wire.HeaderTimestamp+" dan "+wire.HeaderSignature+" wajib")
	}
	k, err := h.kiosk(c.UserContext(), id)
	if err != nil {
		return err
	}
	if _, _, err := wire.CheckRequestHeaders(ts, sig, h.now()); err != nil {
		h.log().Warn("sync request refused", "kiosk_id", id, "reason", err)
		return unauthorized(err.Error(), "permintaan ditolak: "+err.Error())
	}
	if k.Revoked {
		return survey.NewError(survey.EFORBIDDEN, "kiosk "+id+" was revoked at central; ask the central administrator for a new kiosk id and secret",
			"kios "+id+" sudah dicabut di pusat; minta id dan secret kios baru kepada admin pusat")
	}
	if c.Method() == fiber.MethodPost {
		release, err := h.acquireFor(k.ID)
		if err != nil {
			return err
		}
		defer release()
		if err := web.ReadBody(c); err != nil {
			return err
		}
	}
	if err := wire.VerifyRequest(k.PublicKey, c.Method(), string(c.Request().RequestURI()), ts, sig, c.Request().Body(), h.now()); err != nil {
		h.log().Warn("sync request refused", "kiosk_id", id, "reason", err)
		return unauthorized(err.Error(), "permintaan ditolak: "+err.Error())
	}
	c.Locals(localKiosk, k)
	return c.Next()
}

// kiosk finds the kiosk a request names. An id that is not printable text
// is not looked up (PostgreSQL refuses a NUL byte with an error).
func (h *Handler) kiosk(ctx context.Context, id string) (survey.Kiosk, error) {
	var k survey.Kiosk
	var err error = survey.NewError(survey.ENOTFOUND, "", "")
	if utf8.ValidString(id) && !strings.ContainsFunc(id, unicode.IsControl) && len(id) <= 100 {
		k, err = h.Store.KioskByID(ctx, id)
	}
	if survey.ErrorCode(err) == survey.ENOTFOUND {
		return k, unauthorized("unknown kiosk "+strconv.Quote(id)+": check central.kiosk_id",
			"kios "+strconv.Quote(id)+" tidak dikenal: periksa central.kiosk_id")
	}
	return k, err
}

// KioskOf returns the authenticated kiosk.
func KioskOf(c *fiber.Ctx) survey.Kiosk {
	k, _ := c.Locals(localKiosk).(survey.Kiosk)
	return k
}

// body returns the request body, gunzipped when sent with Content-Encoding:
// gzip, refusing more than wire.MaxBodyBytes after decompression.
func body(c *fiber.Ctx) ([]byte, error) {
	raw := c.Request().Body()
	switch enc := strings.ToLower(c.Get(fiber.HeaderContentEncoding)); enc {
	case "", "identity":
		return raw, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, survey.Invalid("body", "the body is not valid gzip", "isi bukan gzip yang sah")
		}
		out, err := io.ReadAll(io.LimitReader(zr, wire.MaxBodyBytes+1))
		if err != nil {
			return nil, survey.Invalid("body", "the gzip body is damaged: "+err.Error(), "isi gzip rusak")
		}
		if len(out) > wire.MaxBodyBytes {
			return nil, survey.NewError(survey.ETOOLARGE, fmt.Sprintf("the batch is over %d MB once decompressed; lower sync.batch_size", wire.MaxBodyBytes>>20),
				fmt.Sprintf("batch lebih dari %d MB setelah dibuka; kecilkan sync.batch_size", wire.MaxBodyBytes>>20))
		}
		return out, nil
	default:
		return nil, survey.Invalid("Content-Encoding", "Content-Encoding "+enc+" is not supported; send gzip or nothing",
			"Content-Encoding "+enc+" tidak didukung; kirim gzip atau tanpa kompresi")
	}
}

// PostBatch handles POST /api/v1/sync/batches.
func (h *Handler) PostBatch(c *fiber.Ctx) error {
	data, err := body(c)
	if err != nil {
		return err
	}
	reply, err := h.Ingest(c.UserContext(), KioskOf(c), data)
	if err != nil {
		return err
	}
	return c.JSON(reply)
}

// Ingest reads one batch sent by kiosk k (already authenticated) and stores it.
func (h *Handler) Ingest(ctx context.Context, k survey.Kiosk, data []byte) (wire.BatchReply, error) {
	reply, _, err := h.ingest(ctx, k, data, survey.HeadFromSync)
	return reply, err
}

// ingest is Ingest from source (an upload or a file), also returning the
// kiosk's head after the batch.
func (h *Handler) ingest(ctx context.Context, k survey.Kiosk, data []byte, source string) (wire.BatchReply, survey.KioskHead, error) {
	var b wire.Batch
	if err := decodeBatch(data, &b); err != nil {
		return wire.BatchReply{}, k.Head, err
	}
	if b.KioskID != k.ID {
		return wire.BatchReply{}, k.Head, survey.NewError(survey.EFORBIDDEN,
			fmt.Sprintf("the batch is for kiosk %q but was signed by kiosk %q", b.KioskID, k.ID),
			fmt.Sprintf("batch untuk kios %q tetapi ditandatangani kios %q", b.KioskID, k.ID))
	}
	if b.Office != "" && b.Office != k.OfficeName {
		return wire.BatchReply{}, k.Head, survey.NewError(survey.EFORBIDDEN,
			fmt.Sprintf("kiosk %s belongs to office %q, not %q", k.ID, k.OfficeName, b.Office),
			fmt.Sprintf("kios %s milik kantor %q, bukan %q", k.ID, k.OfficeName, b.Office))
	}
	for i, r := range b.Responses {
		if r.KioskID != "" && r.KioskID != k.ID {
			return wire.BatchReply{}, k.Head, survey.NewError(survey.EFORBIDDEN,
				fmt.Sprintf("responses[%d] belongs to kiosk %q, not to %q which sent it", i, r.KioskID, k.ID),
				fmt.Sprintf("responses[%d] milik kios %q, bukan %q yang mengirimnya", i, r.KioskID, k.ID))
		}
	}
	if len(b.Segments) > wire.MaxSegments {
		return wire.BatchReply{}, k.Head, survey.Invalid("segments", fmt.Sprintf("a batch carries at most %d segments", wire.MaxSegments),
			fmt.Sprintf("satu batch paling banyak membawa %d segmen", wire.MaxSegments))
	}
	now := h.now()
	plan, err := h.Store.Ingest(ctx, survey.IngestRequest{KioskID: k.ID, Meta: b.BatchMeta, Responses: b.Responses,
		ReceivedAt: now, SkewLimit: h.SkewLimit, Segments: b.Segments, Source: source,
		VerifyHead: verifyHead, VerifySegment: verifySegment})
	if err != nil {
		return wire.BatchReply{}, k.Head, err
	}
	for _, f := range plan.Findings {
		h.log().Warn("integrity finding", "kiosk_id", k.ID, "kind", f.Kind, "from_seq", f.FromSeq, "to_seq", f.ToSeq, "detail", f.Detail)
	}
	if h.Metrics != nil {
		h.Metrics.BatchIngested(plan.Counts, plan.Findings, newGaps(k.Head.Seq, plan.Insert, plan.Skipped))
	}
	return wire.BatchReply{BatchID: b.BatchID, ReceivedAt: now, Results: plan.Results, IngestCounts: plan.Counts}, plan.NewHead, nil
}

func verifyHead(k survey.Kiosk, hd survey.SignedHead) bool { return wire.VerifyHead(k.PublicKey, hd) }

func verifySegment(k survey.Kiosk, s survey.Segment) bool { return wire.VerifySegment(k.PublicKey, s) }

// newGaps counts the ranges of sequence numbers above head that the stored
// rows skip (but for numbers the kiosk's segments skipped): rows deleted at
// the office before upload, or still to come.
func newGaps(head int64, stored []survey.StoredResponse, skipped []survey.SeqRange) int {
	seqs := make([]int64, 0, len(stored))
	for _, r := range stored {
		if r.Seq > head {
			seqs = append(seqs, r.Seq)
		}
	}
	slices.Sort(seqs)
	gaps, next := 0, head+1
	for _, s := range seqs {
		if s > next && len(survey.SubtractRanges(survey.SeqRange{From: next, To: s - 1}, skipped)) > 0 {
			gaps++
		}
		next = max(next, s+1)
	}
	return gaps
}

// decodeBatch decodes strictly and names what is wrong. It reads a batch
// with go-json-experiment's decoder first: about twice encoding/json's speed
// with a third of its memory (sync/wire's BenchmarkBatchUnmarshal500V2),
// and a batch is most of central's work per upload. Whatever that decoder
// refuses, encoding/json reads again, so encoding/json decides every
// refusal, names the field, and keeps its leniency (repeated or
// case-variant names); FuzzDecodeBatch checks that both agree on what the
// first accepts.
func decodeBatch(data []byte, b *wire.Batch) error {
	if err := jsonv2.Unmarshal(data, b, jsonv2.RejectUnknownMembers(true)); err != nil {
		*b = wire.Batch{}
		if err := decodeJSON(data, b, "batch"); err != nil {
			return err
		}
	}
	if b.KioskID == "" {
		return survey.Invalid("kiosk_id", "kiosk_id is required", "kiosk_id wajib diisi")
	}
	if len(b.Responses) > wire.MaxBatchResponses {
		return survey.Invalid("responses", fmt.Sprintf("a batch holds at most %d responses, this one %d", wire.MaxBatchResponses, len(b.Responses)),
			fmt.Sprintf("satu batch paling banyak %d tanggapan", wire.MaxBatchResponses))
	}
	return nil
}

// decodeJSON decodes one JSON object of the named kind into v, refusing
// unknown fields; errors name the field.
func decodeJSON(data []byte, v any, kind string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case survey.AsError(err) != nil:
			return err
		case errors.As(err, &se):
			return survey.Invalid("body", fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se), "JSON tidak sah")
		case errors.As(err, &te):
			return survey.Invalid(te.Field, fmt.Sprintf("%s has the wrong type (%s)", te.Field, te.Value), te.Field+" salah jenis")
		}
		return survey.Invalid("body", "malformed "+kind+": "+err.Error(), kind+" tidak sah: "+err.Error())
	}
	return nil
}

// PostVisits handles POST /api/v1/sync/visits: the kiosk's visit tallies,
// each replacing what central held for its day, staff member and service.
func (h *Handler) PostVisits(c *fiber.Ctx) error {
	data, err := body(c)
	if err != nil {
		return err
	}
	k := KioskOf(c)
	v, err := decodeVisitTallies(data, k)
	if err != nil {
		return err
	}
	if err := h.Store.SaveVisitTallies(c.UserContext(), k.ID, v.Tallies); err != nil {
		return err
	}
	return c.JSON(wire.VisitTalliesReply{Saved: len(v.Tallies), ReceivedAt: h.now().UTC()})
}

// decodeVisitTallies reads kiosk k's visit tallies (an upload's body or an
// offline file's entry) and checks each of them.
func decodeVisitTallies(data []byte, k survey.Kiosk) (wire.VisitTallies, error) {
	var v wire.VisitTallies
	if err := decodeJSON(data, &v, "visit tallies"); err != nil {
		return v, err
	}
	switch {
	case v.KioskID == "":
		return v, survey.Invalid("kiosk_id", "kiosk_id is required", "kiosk_id wajib diisi")
	case v.KioskID != k.ID:
		return v, survey.NewError(survey.EFORBIDDEN,
			fmt.Sprintf("the tallies are for kiosk %q but were signed by kiosk %q", v.KioskID, k.ID),
			fmt.Sprintf("tally untuk kios %q tetapi ditandatangani kios %q", v.KioskID, k.ID))
	case len(v.Tallies) > wire.MaxVisitTallies:
		return v, survey.Invalid("tallies", fmt.Sprintf("send at most %d tallies at once, not %d", wire.MaxVisitTallies, len(v.Tallies)),
			fmt.Sprintf("kirim paling banyak %d tally sekaligus", wire.MaxVisitTallies))
	}
	seen := make(map[[3]string]bool, len(v.Tallies))
	for i, t := range v.Tallies {
		if err := t.Check(); err != nil {
			e := *survey.AsError(err)
			e.Field = fmt.Sprintf("tallies[%d].%s", i, e.Field)
			return v, &e
		}
		key := [3]string{t.Day, t.NIP, t.Service}
		if seen[key] {
			return v, survey.Invalid(fmt.Sprintf("tallies[%d]", i), fmt.Sprintf("day %s, NIP %s and service %s appear twice", t.Day, t.NIP, t.Service),
				fmt.Sprintf("hari %s, NIP %s dan layanan %s muncul dua kali", t.Day, t.NIP, t.Service))
		}
		seen[key] = true
	}
	return v, nil
}

// GetConfig handles GET /api/v1/sync/config: the office's roster, catalogue and wording.
func (h *Handler) GetConfig(c *fiber.Ctx) error {
	ctx, k := c.UserContext(), KioskOf(c)
	staff, err := h.Store.FindOfficeStaff(ctx, k.OfficeID, survey.StaffFilter{})
	if err != nil {
		return err
	}
	cfg := wire.Config{Office: k.OfficeName, Staff: make([]wire.ConfigStaff, len(staff)), ServerTime: h.now().UTC()}
	for i, s := range staff {
		cfg.Staff[i].Staff = s
		if s.HasPhoto {
			p, err := h.Store.OfficeStaffPhoto(ctx, k.OfficeID, s.NIP)
			if err != nil && survey.ErrorCode(err) != survey.ENOTFOUND {
				return err
			}
			cfg.Staff[i].PhotoETag = p.ETag
		}
	}
	if cfg.Services, err = h.Store.FindOfficeServices(ctx, k.OfficeID, false); err != nil {
		return err
	}
	if cfg.Wording, err = h.Store.OfficeWording(ctx, k.OfficeID); err != nil {
		return err
	}
	if cfg.ReceivedSeq, err = h.Store.HighestSeq(ctx, k.ID); err != nil {
		return err
	}
	cfg.FollowUpElements, cfg.PublicURL = h.FollowUps.Elements, h.PublicURL
	return c.JSON(cfg)
}

// PostFollowUps handles POST /api/v1/sync/followups: each tracking code
// opens a case for its low rating, once; every code's status is answered.
func (h *Handler) PostFollowUps(c *fiber.Ctx) error {
	data, err := body(c)
	if err != nil {
		return err
	}
	k := KioskOf(c)
	var req wire.FollowUps
	if err := decodeJSON(data, &req, "follow-ups"); err != nil {
		return err
	}
	switch {
	case req.KioskID != k.ID:
		return survey.NewError(survey.EFORBIDDEN,
			fmt.Sprintf("the follow-ups are for kiosk %q but were signed by kiosk %q", req.KioskID, k.ID),
			fmt.Sprintf("tindak lanjut untuk kios %q tetapi ditandatangani kios %q", req.KioskID, k.ID))
	case len(req.FollowUps) > wire.MaxFollowUpRefs:
		return survey.Invalid("followups", fmt.Sprintf("send at most %d follow-ups at once, not %d", wire.MaxFollowUpRefs, len(req.FollowUps)),
			fmt.Sprintf("kirim paling banyak %d tindak lanjut sekaligus", wire.MaxFollowUpRefs))
	}
	for i := range req.FollowUps {
		if err := req.FollowUps[i].CheckRef(); err != nil {
			e := *survey.AsError(err)
			e.Field = fmt.Sprintf("followups[%d].%s", i, e.Field)
			return &e
		}
	}
	now := h.now()
	results, err := h.Store.OpenFollowUps(c.UserContext(), k.ID, req.FollowUps, h.FollowUps, now)
	if err != nil {
		return err
	}
	return c.JSON(wire.FollowUpsReply{Results: results, ReceivedAt: now.UTC()})
}

// GetPhoto handles GET /api/v1/sync/photos/:nip.
func (h *Handler) GetPhoto(c *fiber.Ctx) error {
	p, err := h.Store.OfficeStaffPhoto(c.UserContext(), KioskOf(c).OfficeID, c.Params("nip"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/jpeg")
	c.Set(fiber.HeaderETag, p.ETag)
	return c.Send(p.JPEG)
}

// Register adds the sync routes to app.
func (h *Handler) Register(app fiber.Router) {
	app.Post(wire.PathBatches, h.Authenticate, h.PostBatch)
	app.Get(wire.PathConfig, h.Authenticate, h.GetConfig)
	app.Get(wire.PathPhotos+":nip", h.Authenticate, h.GetPhoto)
	app.Post(wire.PathVisits, h.Authenticate, h.PostVisits)
	app.Post(wire.PathFollowUps, h.Authenticate, h.PostFollowUps)
	app.Get(wire.PathHead, h.Authenticate, h.GetHead)
	app.Post(wire.PathHead, h.Authenticate, h.PostHead)
}
