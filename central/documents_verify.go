package central

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// verifyPerMinute bounds the verification requests of one client address:
// each recomputes a document's figures from the database.
const verifyPerMinute = 30

// verifyLimit is the per-address limit of the public verification page.
func verifyLimit() fiber.Handler {
	return limiter.New(limiter.Config{
		Max: verifyPerMinute, Expiration: time.Minute, LimiterMiddleware: limiter.SlidingWindow{},
		KeyGenerator: web.ClientAddress,
		LimitReached: func(c *fiber.Ctx) error {
			return survey.NewError(survey.ERATELIMIT, "too many verification requests from this address; try again in a minute",
				"terlalu banyak permintaan verifikasi dari alamat ini; coba lagi satu menit lagi")
		},
	})
}

// Statement is the signed text, for the page's offline check.
func (v docCheck) Statement() string { return string(v.Doc.Statement()) }

// docAnswer is the JSON form of the verification page (?format=json).
type docAnswer struct {
	ID             string                `json:"id"`
	Kind           survey.DocumentKind   `json:"kind"`
	Office         apiOffice             `json:"office"`
	Period         string                `json:"period"`
	ClosedThrough  string                `json:"closed_through"`
	Subject        string                `json:"subject"`
	NIP            string                `json:"nip,omitempty"`
	IssuedAt       time.Time             `json:"issued_at"`
	SHA256         string                `json:"sha256"`
	KeyID          string                `json:"key_id"`
	PublicKey      string                `json:"public_key"`
	Signature      string                `json:"signature"`
	Statement      string                `json:"signed_text"`
	SignatureValid bool                  `json:"signature_valid"`
	FiguresMatch   bool                  `json:"figures_match"`
	Changed        []survey.FigureChange `json:"changed"`
	FiguresError   string                `json:"figures_error,omitempty"`
	File           *fileCheck            `json:"file,omitempty"`
	// Verdict is "matches" or "does not match" when a file or hash was given.
	Verdict string `json:"verdict,omitempty"`
}

func docAnswerOf(v docCheck) docAnswer {
	d := v.Doc
	a := docAnswer{ID: d.ID, Kind: d.Kind, Office: apiOffice{v.Office.ID, v.Office.Name}, Period: d.Period, ClosedThrough: d.ClosedThrough,
		Subject: d.Subject, NIP: d.NIP, IssuedAt: d.IssuedAt, SHA256: d.SHA256, KeyID: d.KeyID, PublicKey: v.Key.Public, Signature: d.Signature,
		Statement: v.Statement(), SignatureValid: v.SignatureValid, FiguresMatch: v.FiguresMatch, Changed: v.Changed,
		FiguresError: v.FiguresError, File: v.File}
	if a.Changed == nil {
		a.Changed = []survey.FigureChange{}
	}
	if v.File != nil {
		a.Verdict = "does not match"
		if v.File.Matches && v.SignatureValid {
			a.Verdict = "matches"
		}
	}
	return a
}

// handleDocumentPage answers GET (optionally ?sha256=) and POST (a file)
// /publik/dokumen/:id: the document's record, its signature check, its
// figures against central's data, and the check of what was given.
func (s *Server) handleDocumentPage(c *fiber.Ctx) error {
	v, err := s.checkDocument(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if v.File, err = documentFile(c, v.Doc); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if c.Query("format") == "json" {
		return c.JSON(docAnswerOf(v))
	}
	p := s.page(c, "doc_title", v)
	p.BodyClass = "wide report"
	return s.render.Render(c, fiber.StatusOK, "publik_dokumen", p)
}
