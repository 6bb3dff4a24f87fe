package kiosk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

// maxResponseBody bounds POST /api/v1/responses: a full response with a
// 1,000-character comment is under 5 KB.
const maxResponseBody = 16 << 10

// responseRequest is the body of POST /api/v1/responses.
type responseRequest struct {
	NIP            string         `json:"nip"`
	Service        string         `json:"service"`
	Ratings        survey.Ratings `json:"ratings"`
	Comment        string         `json:"comment"`
	Profile        survey.Profile `json:"profile"`
	IdempotencyKey string         `json:"idempotency_key"`
	// VisitToken, instead of NIP, rates a one-time visit: the response is verified.
	VisitToken string `json:"visit_token"`
}

// responseReply is the body of a 201 (or 200 for a replay).
type responseReply struct {
	ID        string         `json:"id"`
	Seq       int64          `json:"seq"`
	NIP       string         `json:"nip"`
	Service   string         `json:"service"`
	Ratings   survey.Ratings `json:"ratings"`
	Verified  bool           `json:"verified"`
	CreatedAt time.Time      `json:"created_at"`
	Replayed  bool           `json:"replayed"`
}

// decodeStrict decodes one JSON object from body into v: valid UTF-8, no
// unknown fields, no field given twice, nothing after the object; errors
// name the field.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return survey.Invalid("body", "the request body is empty; send a JSON object", "isi permintaan kosong; kirim objek JSON")
	}
	if !utf8.Valid(body) {
		return survey.Invalid(invalidUTF8Field(body), "the request is not valid UTF-8 text", "permintaan bukan teks UTF-8 yang sah")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if name, ok := repeatedName(body); ok {
		return survey.Invalid(name, fmt.Sprintf("%s is given twice; send each field once", name),
			fmt.Sprintf("%s dikirim dua kali; kirim setiap kolom sekali", name))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return survey.Invalid("body", "unexpected data after the JSON object", "ada data lain setelah objek JSON")
	}
	return nil
}

// repeatedName returns the path of the first member name that appears twice
// in one object of body (already decoded, so valid), comparing names as
// encoding/json matches them to fields: without regard to case. encoding/json
// would keep the last value silently, so that one answer could hide another.
func repeatedName(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	stack := []*jsonFrame{{}}
	for {
		t, err := dec.Token()
		if err != nil {
			return "", false
		}
		top := stack[len(stack)-1]
		if top.object && top.wantKey {
			if t == json.Delim('}') {
				stack = stack[:len(stack)-1]
				stack[len(stack)-1].valueDone()
				continue
			}
			name, _ := t.(string)
			full := name
			if top.path != "" {
				full = top.path + "." + name
			}
			key := foldName(name)
			if top.seen[key] {
				return full, true
			}
			top.seen[key] = true
			top.wantKey, top.member = false, full
			continue
		}
		switch t {
		case json.Delim('{'):
			stack = append(stack, &jsonFrame{object: true, path: top.member, seen: map[string]bool{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &jsonFrame{path: top.member, member: top.member})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			stack[len(stack)-1].valueDone()
		default:
			top.valueDone()
		}
		if len(stack) == 1 && !dec.More() {
			return "", false
		}
	}
}

// jsonFrame is an object or array repeatedName is inside.
type jsonFrame struct {
	object  bool
	path    string // the member name holding this value, dotted
	seen    map[string]bool
	wantKey bool
	member  string // the member whose value comes next
}

// valueDone ends a member's value: an object expects the next name.
func (f *jsonFrame) valueDone() {
	if f.object {
		f.wantKey = true
	}
}

// foldName maps a member name to the same key for every spelling that
// encoding/json matches to one field (Unicode simple case folding).
func foldName(s string) string {
	return strings.Map(func(r rune) rune {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		return m
	}, s)
}

// invalidUTF8Field names the top-level field whose value holds the first
// invalid UTF-8 byte, or "body" when it cannot tell (a bad byte in a key, or
// outside any value). It walks the JSON tokens, which tolerate invalid UTF-8
// inside strings, and compares offsets.
func invalidUTF8Field(body []byte) string {
	bad := int64(firstInvalidUTF8(body))
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "body"
	}
	for dec.More() {
		key, err := dec.Token()
		name, ok := key.(string)
		if err != nil || !ok || dec.InputOffset() > bad {
			return "body"
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return "body"
		}
		if dec.InputOffset() > bad && name != "" {
			return name
		}
	}
	return "body"
}

// firstInvalidUTF8 returns the offset of the first byte that is not part of
// valid UTF-8, or len(b).
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func jsonError(err error) error {
	if e := survey.AsError(err); e != nil {
		return e
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return survey.Invalid("body", fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn),
			fmt.Sprintf("JSON tidak sah pada byte %d", syn.Offset))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return survey.Invalid(field, fmt.Sprintf("%s must be a JSON %s", field, jsonKind(typ.Type.Kind().String())),
			fmt.Sprintf("%s harus berupa %s JSON", field, jsonKind(typ.Type.Kind().String())))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if name == "" {
			return survey.Invalid("body", `unknown field "" (an empty key)`, `kolom "" (kunci kosong) tidak dikenal`)
		}
		return survey.Invalid(name, fmt.Sprintf("unknown field %q", name), fmt.Sprintf("kolom %q tidak dikenal", name))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return survey.Invalid("body", "malformed JSON: the body ends too early", "JSON tidak sah: isi terpotong")
	}
	return survey.Invalid("body", "malformed JSON: "+err.Error(), "JSON tidak sah")
}

func jsonKind(k string) string {
	switch k {
	case "struct", "map":
		return "object"
	case "int", "int8", "int64", "float64":
		return "number"
	}
	return k
}

// checkJSONBody refuses a body over limit bytes and any media type but JSON.
func checkJSONBody(c *fiber.Ctx, limit int) error {
	if len(c.Body()) > limit {
		return &survey.Error{Code: survey.ETOOLARGE, Field: "body", Message: fmt.Sprintf("the body is over %d bytes", limit),
			MessageID: fmt.Sprintf("isi permintaan lebih dari %d byte", limit)}
	}
	// Parse the media type: a prefix test would let "application/jsonp" through.
	if mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType)); err != nil || mt != fiber.MIMEApplicationJSON {
		return &survey.Error{Code: survey.EMEDIATYPE, Field: "Content-Type", Message: "Content-Type must be application/json", MessageID: "Content-Type harus application/json"}
	}
	return nil
}

func (s *Server) handleAPICreateResponse(c *fiber.Ctx) error {
	if err := checkJSONBody(c, maxResponseBody); err != nil {
		return err
	}
	req, err := decodeResponseRequest(c.Body())
	if err != nil {
		return err
	}
	r := survey.Response{NIP: req.NIP, Service: req.Service, Ratings: req.Ratings, Comment: req.Comment,
		Profile: req.Profile, IdempotencyKey: req.IdempotencyKey, Channel: survey.ChannelAPI}
	// Without a visit code the API is as open as the static QR code, and as limited.
	in, err := s.intake(c, req.VisitToken == "", false)
	if err != nil {
		return err
	}
	// A key counts within its client's scope only (docs/api.md): the visit,
	// or the staff member and the client's address.
	scope := survey.IdempotencyScope(survey.ScopeAPI, survey.NormalizeNIP(r.NIP), c.IP())
	if req.VisitToken != "" {
		if err := s.bindVisit(c, &r, req.VisitToken); err != nil {
			return err
		}
		claimant := survey.VisitClaimant{Address: survey.VisitClaim{Kind: survey.ClaimAddress, Hash: s.claimHash(r.VisitID, survey.ClaimAddress, c.IP())},
			Pseudonyms: in.Address}
		in.Claimant = &claimant
		scope = survey.IdempotencyScope(survey.ScopeVisit, r.VisitID)
	}
	if r.IdempotencyKey, err = s.scoper.Scope(scope, r.IdempotencyKey); err != nil {
		return err
	}
	created, err := s.store.CreateResponseWith(c.UserContext(), &r, in)
	if err != nil {
		return err
	}
	status := fiber.StatusCreated
	if !created {
		status = fiber.StatusOK
	}
	reply := responseReply{ID: r.ID, Seq: r.Seq, NIP: r.NIP, Service: r.Service, Ratings: r.Ratings,
		Verified: r.Verified, CreatedAt: r.CreatedAt, Replayed: !created}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(status).Send(reply.appendJSON(make([]byte, 0, 384)))
}

// apiStaff is one entry of GET /api/v1/staff.
type apiStaff struct {
	NIP       string `json:"nip"`
	Name      string `json:"name"`
	Position  string `json:"position"`
	Unit      string `json:"unit"`
	Counter   string `json:"counter"`
	Code      string `json:"code"`
	SurveyURL string `json:"survey_url"`
	QRURL     string `json:"qr_url"`
}

func (s *Server) handleAPIStaff(c *fiber.Ctx) error {
	staff, err := s.store.FindStaff(c.UserContext(), survey.StaffFilter{ActiveOnly: true})
	if err != nil {
		return err
	}
	out := make([]apiStaff, len(staff))
	for i, st := range staff {
		out[i] = apiStaff{NIP: st.NIP, Name: st.Name, Position: st.Position, Unit: st.Unit, Counter: st.Counter, Code: st.Code,
			SurveyURL: s.SurveyURL(st.Code), QRURL: s.publicURL + "/qr/" + st.Code + ".png"}
	}
	return c.JSON(out)
}

func (s *Server) handleAPIServices(c *fiber.Ctx) error {
	services, err := s.store.FindServices(c.UserContext(), true)
	if err != nil {
		return err
	}
	if services == nil {
		services = []survey.Service{}
	}
	return c.JSON(services)
}

// health is the body of GET /healthz.
type health struct {
	Status   string            `json:"status"`
	Database string            `json:"database"`
	Pending  int64             `json:"pending"`
	Sync     survey.SyncStatus `json:"sync"`
	// Clock compares this computer's clock with central's (status
	// "unknown" until central answered, or on a standalone kiosk).
	Clock survey.ClockStatus `json:"clock"`
}

func (s *Server) handleHealth(c *fiber.Ctx) error {
	h := health{Status: "ok", Database: "ok"}
	status := fiber.StatusOK
	ctx := c.UserContext()
	// A damaged file first: no write can make it sound again. Then the
	// first rating that could not be stored (a full disk), until a write
	// as large as a group of ratings succeeds; then the plain probe.
	if d := s.store.Damage(); d != "" {
		h.Status, h.Database, status = "unavailable",
			"the database file is damaged (SQLite quick_check: "+d+"): stop the kiosk and restore the latest backup with `kiosk restore FILE` (docs/operations.md)",
			fiber.StatusServiceUnavailable
	} else if err := s.store.WriteHealth(ctx); err != nil {
		h.Status, h.Database, status = "unavailable", err.Error(), fiber.StatusServiceUnavailable
	} else if err := s.store.Ping(ctx); err != nil {
		h.Status, h.Database, status = "unavailable", err.Error(), fiber.StatusServiceUnavailable
	}
	if n, err := s.store.CountPending(ctx); err == nil {
		h.Pending = n
	}
	h.Sync = s.syncStatus()
	h.Sync.Pending = h.Pending // the live count, not the one the last run saw
	h.Clock = h.Sync.Clock
	if h.Clock.Status == "" {
		h.Clock.Status = survey.ClockUnknown
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).JSON(h)
}

func (s *Server) syncStatus() survey.SyncStatus {
	if s.syncer == nil {
		return survey.SyncStatus{}
	}
	return s.syncer.Status()
}
