package central

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/central/pdf"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// Verifiable documents (docs/reports-api.md): central renders the evidence
// of a staff member or the SKM report of an office as a PDF with a random
// document id and a QR code to /publik/dokumen/{id}, signs the PDF's SHA-256
// with its own key, records the document and the figures it printed, and
// sends the PDF. The verification page later checks a file against the
// recorded hash, the signature against central's keys, and the figures
// against a fresh computation from the same data.

// documentOf is what a document is about: its kind, query and staff member.
type documentOf struct {
	Kind  survey.DocumentKind
	Query reportQuery
	Staff survey.Staff // an evidence document's
}

// documentStore returns the store's DocumentStore, or EUNAVAILABLE.
func (s *Server) documentStore() (survey.DocumentStore, error) {
	ds, ok := s.store.(survey.DocumentStore)
	if !ok {
		return nil, survey.NewError(survey.EUNAVAILABLE, "this database cannot keep issued documents",
			"basis data ini tidak dapat menyimpan dokumen yang diterbitkan")
	}
	return ds, nil
}

// baseURL is the address the QR codes point to: public_url, or the address
// this request reached central at.
func (s *Server) baseURL(c *fiber.Ctx) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	return c.BaseURL()
}

// documentContent computes what a document prints, and its figures. Both
// documents are built from the report views (reports.person, reports.skm),
// which apply the disclosure rule (docs/reports-api.md): every figure rests
// on whole release groups, so the documents and their verification follow it.
func (s *Server) documentContent(ctx context.Context, r reports, of documentOf, base string) (pdf.Document, []survey.DocFigure, error) {
	tr := s.render.Tr
	var doc pdf.Document
	var figs []survey.DocFigure
	switch of.Kind {
	case survey.DocEvidence:
		rep, err := r.person(ctx, of.Query, of.Staff)
		if err != nil {
			return doc, nil, err
		}
		doc, figs = evidenceContent(tr, rep)
	default:
		rep, err := r.skm(ctx, of.Query)
		if err != nil {
			return doc, nil, err
		}
		x := skmExtras{PublicURL: base + string(of.Query.PublicLink())}
		if x.Visits, err = s.store.CountVisitTallies(ctx, of.Query.OfficeFilter()); err != nil {
			return doc, nil, err
		}
		// The same cases as GET /api/v1/reports/followups for this period.
		reg, err := s.followUpRegisterOf(ctx, of.Query.Office.ID, of.Query.Asked.From, of.Query.Asked.To)
		if err != nil {
			return doc, nil, err
		}
		x.FollowUps, x.DueWorkingDays = reg.Stats, reg.DueDays
		doc, figs = skmContent(tr, rep, x)
	}
	doc.Author = s.cfg.Name
	return doc, figs, nil
}

// issueDocument renders, signs, records and sends a document.
func (s *Server) issueDocument(c *fiber.Ctx, of documentOf, issuedBy string) error {
	ctx := c.UserContext()
	r, err := s.reports()
	if err != nil {
		return err
	}
	ds, err := s.documentStore()
	if err != nil {
		return err
	}
	base := s.baseURL(c)
	d := survey.Document{ID: survey.NewDocumentID(), Kind: of.Kind, OfficeID: of.Query.Office.ID, Period: of.Query.Code,
		ClosedThrough: of.Query.LastDay(), NIP: of.Staff.NIP, Subject: of.Query.Office.Name, IssuedBy: issuedBy,
		IssuedAt: s.now().UTC().Truncate(time.Second)}
	if of.Kind == survey.DocEvidence {
		d.Subject = of.Staff.Name
	}
	doc, figs, err := s.documentContent(ctx, r, of, base)
	if err != nil {
		return err
	}
	doc.Verify = pdf.Verification{ID: d.ID, URL: base + "/publik/dokumen/" + d.ID, IssuedAt: d.IssuedAt, Issued: idDateTime(d.IssuedAt),
		Lines: []string{"Pindai kode QR atau buka alamat di atas: halaman itu menunjukkan SHA-256 berkas yang diterbitkan, " +
			"tanda tangan digital central (Ed25519), dan apakah angkanya masih sesuai dengan data central. Unggah berkas ini di sana untuk memastikan tidak diubah."}}
	body, err := pdf.Render(doc)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	d.SHA256, d.Figures, d.FiguresDigest = hex.EncodeToString(sum[:]), figs, survey.FiguresDigest(figs)
	if err := signDocument(ctx, s.store, s.now(), &d); err != nil {
		return err
	}
	if err := ds.CreateDocument(ctx, &d); err != nil {
		return err
	}
	if err := s.auth.Audit(c, "document_issue", fmt.Sprintf("%s %s office %d %s %s by %s", d.ID, d.Kind, d.OfficeID, d.Period, d.NIP, issuedBy)); err != nil {
		return err
	}
	name := fmt.Sprintf("laporan-skm-%d-%s-%s.pdf", d.OfficeID, safeName(d.Period), d.ID)
	if of.Kind == survey.DocEvidence {
		name = fmt.Sprintf("bukti-dukung-%s-%s-%s.pdf", d.NIP, safeName(d.Period), d.ID)
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Document-Id", d.ID)
	return c.Send(body)
}

// userIssuer names the logged-in account that asks for a document.
func userIssuer(c *fiber.Ctx) string {
	u, _ := web.CurrentUser(c)
	return "user:" + u.Username
}

// tokenIssuer names the API token that asks for a document.
func tokenIssuer(c *fiber.Ctx) string {
	t, _ := c.Locals(localReportToken).(survey.APIToken)
	return fmt.Sprintf("token:%d", t.ID)
}

func (s *Server) handleEvidencePDF(c *fiber.Ctx) error {
	q, st, _, err := s.personQuery(c)
	if err != nil {
		return err
	}
	return s.issueDocument(c, documentOf{Kind: survey.DocEvidence, Query: q, Staff: st}, userIssuer(c))
}

func (s *Server) handleSKMPDF(c *fiber.Ctx) error {
	q, _, err := s.officeQuery(c)
	if err != nil {
		return err
	}
	q.Unit, q.Counter, q.NIP, q.Service = "", "", "", "" // the SKM report is the whole office's
	return s.issueDocument(c, documentOf{Kind: survey.DocSKM, Query: q}, userIssuer(c))
}

// handleAPIEvidencePDF answers GET /api/v1/reports/evidence.pdf: office,
// period and nip as for /ikm; unit, counter and service are refused.
func (s *Server) handleAPIEvidencePDF(c *fiber.Ctx) error {
	q, _, err := s.apiQuery(c)
	if err != nil {
		return err
	}
	if q.NIP == "" {
		return survey.Invalid("nip", "nip is required: the staff member whose evidence to issue", "nip wajib diisi: pegawai yang bukti dukungnya diterbitkan")
	}
	if q.Unit != "" || q.Counter != "" || q.Service != "" {
		return survey.Invalid("nip", "the evidence is per staff member and period: leave out unit, counter and service",
			"bukti dukung per pegawai dan periode: jangan isi unit, counter dan service")
	}
	st, err := s.store.OfficeStaffByNIP(c.UserContext(), q.Office.ID, q.NIP)
	if survey.ErrorCode(err) == survey.ENOTFOUND {
		return survey.Invalid("nip", fmt.Sprintf("no staff member %s in this office", q.NIP), fmt.Sprintf("tidak ada pegawai %s di kantor ini", q.NIP))
	}
	if err != nil {
		return err
	}
	return s.issueDocument(c, documentOf{Kind: survey.DocEvidence, Query: q, Staff: st}, tokenIssuer(c))
}

// handleAPISKMPDF answers GET /api/v1/reports/skm.pdf: office and period.
func (s *Server) handleAPISKMPDF(c *fiber.Ctx) error {
	q, _, err := s.apiQuery(c)
	if err != nil {
		return err
	}
	if q.Narrow() {
		return survey.Invalid("office", "the SKM report is per office and period: leave out unit, counter, nip and service",
			"laporan SKM per kantor dan periode: jangan isi unit, counter, nip dan service")
	}
	return s.issueDocument(c, documentOf{Kind: survey.DocSKM, Query: q}, tokenIssuer(c))
}

// documentQuery rebuilds the query a document was issued for: its period
// closed at the same day, so that a fresh computation covers the same days.
func documentQuery(o survey.Office, d survey.Document) (reportQuery, error) {
	q := reportQuery{Office: o, NIP: d.NIP}
	var err error
	if q.Asked, q.Code, err = survey.ParseReportPeriod(d.Period, "", "", web.Jakarta); err != nil {
		return q, err
	}
	q.Period = q.Asked.ClosedAt(q.Asked.From)
	if d.ClosedThrough != "" {
		last, err := time.ParseInLocation(time.DateOnly, d.ClosedThrough, web.Jakarta)
		if err != nil {
			return q, fmt.Errorf("document %s: closed_through %q: %w", d.ID, d.ClosedThrough, err)
		}
		q.Period = q.Asked.ClosedAt(last.AddDate(0, 0, 1))
	}
	return q, nil
}

// docCheck is the verification of one document.
type docCheck struct {
	Doc    survey.Document
	Office survey.Office
	// Key is the signing key the document names; SignatureValid its check.
	Key            SigningKey
	SignatureValid bool
	// FiguresMatch: a fresh computation gives the printed figures; Changed
	// names those that differ. FiguresError explains why none was possible.
	FiguresMatch bool
	Changed      []survey.FigureChange
	FiguresError string
	// File is the check of a file or hash the visitor gave, if any.
	File *fileCheck
}

// fileCheck compares a given file's (or hash's) SHA-256 with the issued one.
type fileCheck struct {
	SHA256  string `json:"sha256"`
	Matches bool   `json:"matches"`
}

// checkDocument verifies a stored document's signature and recomputes its figures.
func (s *Server) checkDocument(ctx context.Context, id string) (docCheck, error) {
	var v docCheck
	if !survey.ValidDocumentID(id) {
		return v, survey.ErrNoDocument()
	}
	ds, err := s.documentStore()
	if err != nil {
		return v, err
	}
	if v.Doc, err = ds.DocumentByID(ctx, id); err != nil {
		return v, err
	}
	keys, err := SigningKeys(ctx, s.store)
	if err != nil {
		return v, err
	}
	v.Key, v.SignatureValid = checkSignature(keys, v.Doc)
	v.SignatureValid = v.SignatureValid && survey.FiguresDigest(v.Doc.Figures) == v.Doc.FiguresDigest
	if v.Office, err = s.store.OfficeByID(ctx, v.Doc.OfficeID); err != nil {
		return v, err
	}
	figs, err := s.recompute(ctx, v.Office, v.Doc)
	if survey.ErrorCode(err) == survey.EINTERNAL {
		return v, err
	}
	if err != nil { // a staff member no longer on the roster, a period no longer valid
		v.FiguresError = survey.AsError(err).Localized("id")
		return v, nil
	}
	v.Changed = survey.CompareFigures(v.Doc.Figures, figs)
	v.FiguresMatch = len(v.Changed) == 0
	return v, nil
}

// recompute computes the figures of d from central's data now.
func (s *Server) recompute(ctx context.Context, o survey.Office, d survey.Document) ([]survey.DocFigure, error) {
	q, err := documentQuery(o, d)
	if err != nil {
		return nil, err
	}
	r, err := s.reports()
	if err != nil {
		return nil, err
	}
	of := documentOf{Kind: d.Kind, Query: q}
	if d.Kind == survey.DocEvidence {
		if of.Staff, err = s.store.OfficeStaffByNIP(ctx, o.ID, d.NIP); err != nil {
			return nil, err
		}
	}
	// The public address is part of no figure: any base gives the same figures.
	_, figs, err := s.documentContent(ctx, r, of, "")
	return figs, err
}

// maxDocumentUpload bounds a file sent to the verification page.
const maxDocumentUpload = 8 << 20

// documentFile reads the file (or the sha256 parameter) a visitor gave to compare.
func documentFile(c *fiber.Ctx, d survey.Document) (*fileCheck, error) {
	if c.Method() == fiber.MethodPost {
		fh, err := c.FormFile("file")
		if err != nil {
			return nil, survey.Invalid("file", "choose the PDF file to check", "pilih berkas PDF yang akan diperiksa")
		}
		f, err := fh.Open()
		if err != nil {
			return nil, fmt.Errorf("open uploaded document: %w", err)
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, io.LimitReader(f, maxDocumentUpload)); err != nil {
			return nil, fmt.Errorf("read uploaded document: %w", err)
		}
		sum := hex.EncodeToString(h.Sum(nil))
		return &fileCheck{SHA256: sum, Matches: sum == d.SHA256}, nil
	}
	given := strings.ToLower(strings.TrimSpace(c.Query("sha256")))
	if given == "" {
		return nil, nil
	}
	if _, err := hex.DecodeString(given); err != nil || len(given) != 64 {
		return nil, survey.Invalid("sha256", "sha256 must be 64 hexadecimal digits (for example from sha256sum)",
			"sha256 harus 64 digit heksadesimal (misalnya dari sha256sum)")
	}
	return &fileCheck{SHA256: given, Matches: given == d.SHA256}, nil
}
