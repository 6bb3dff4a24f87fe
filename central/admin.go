package central

import (
	"context"
	"fmt"
	"sort"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
	"github.com/skmkiosk/skm/web"
)

// scopeOffice is the office a kepala is limited to (0: every office).
func scopeOffice(c *fiber.Ctx) int64 {
	if u, ok := web.CurrentUser(c); ok && u.Role == survey.RoleKepala {
		return u.OfficeID
	}
	return 0
}

type kioskRow struct {
	survey.Kiosk
	Gaps     int64
	Findings int
}

type dashboardData struct {
	Offices   int
	Kiosks    []kioskRow
	Responses int64
	GapCount  int64
	Findings  []survey.Finding
	// Attention is the kepala's office's list of rising shares of poor
	// answers (as on its report); other roles open each office's report.
	Attention []attentionRow
	// Overdue are the follow-up cases past their due time (the kepala's
	// office's, or every office's), with their offices' names.
	Overdue      []survey.FollowUpCase
	OfficeNames  map[int64]string
	OverdueLimit int
}

func (s *Server) handleDashboard(c *fiber.Ctx) error {
	ctx := c.UserContext()
	officeID := scopeOffice(c)
	offices, err := s.store.FindOffices(ctx)
	if err != nil {
		return err
	}
	d := dashboardData{Offices: len(offices)}
	if officeID != 0 {
		d.Offices = 1
	}
	if d.Kiosks, err = s.kioskRows(c, officeID); err != nil {
		return err
	}
	for _, k := range d.Kiosks {
		d.GapCount += k.Gaps
		n, err := s.store.CountResponses(ctx, k.ID)
		if err != nil {
			return err
		}
		d.Responses += n
	}
	if d.Findings, err = s.store.FindFindings(ctx, survey.FindingFilter{OfficeID: officeID, Limit: 10}); err != nil {
		return err
	}
	if d.Overdue, err = s.overdueCases(ctx, officeID); err != nil {
		return err
	}
	d.OfficeNames, d.OverdueLimit = map[int64]string{}, 50
	for _, o := range offices {
		d.OfficeNames[o.ID] = o.Name
	}
	if officeID != 0 && s.cfg.Reports.AttentionRise > 0 {
		r, err := s.reports()
		if err != nil {
			return err
		}
		if d.Attention, err = s.attentionRows(c, r, officeID); err != nil {
			return err
		}
	}
	p := s.page(c, "central_dashboard", d)
	p.BodyClass = "wide"
	return s.render.Render(c, fiber.StatusOK, "dashboard", p)
}

// kioskRows lists kiosks with their open gaps and findings.
func (s *Server) kioskRows(c *fiber.Ctx, officeID int64) ([]kioskRow, error) {
	ctx := c.UserContext()
	kiosks, err := s.store.FindKiosks(ctx, officeID)
	if err != nil {
		return nil, err
	}
	gaps, err := s.store.FindGaps(ctx, "")
	if err != nil {
		return nil, err
	}
	findings, err := s.store.FindFindings(ctx, survey.FindingFilter{OfficeID: officeID, Limit: 10000})
	if err != nil {
		return nil, err
	}
	rows := make([]kioskRow, len(kiosks))
	for i, k := range kiosks {
		rows[i].Kiosk = k
		for _, g := range gaps {
			if g.KioskID == k.ID {
				rows[i].Gaps += g.ToSeq - g.FromSeq + 1
			}
		}
		for _, f := range findings {
			if f.KioskID == k.ID {
				rows[i].Findings++
			}
		}
	}
	return rows, nil
}

type officesData struct {
	Offices []officeRow
}

type officeRow struct {
	survey.Office
	Kiosks int
}

func (s *Server) handleOffices(c *fiber.Ctx) error {
	return s.renderOffices(c, fiber.StatusOK, nil)
}

func (s *Server) renderOffices(c *fiber.Ctx, status int, perr error) error {
	ctx := c.UserContext()
	offices, err := s.store.FindOffices(ctx)
	if err != nil {
		return err
	}
	kiosks, err := s.store.FindKiosks(ctx, 0)
	if err != nil {
		return err
	}
	scope := scopeOffice(c)
	var d officesData
	for _, o := range offices {
		if scope != 0 && o.ID != scope {
			continue
		}
		row := officeRow{Office: o}
		for _, k := range kiosks {
			if k.OfficeID == o.ID && !k.Revoked {
				row.Kiosks++
			}
		}
		d.Offices = append(d.Offices, row)
	}
	p := s.page(c, "central_offices", d)
	p.BodyClass = "wide"
	p.Error = survey.AsError(perr)
	if saved := c.Query("saved"); saved != "" {
		p.Flash = p.T("office_saved", saved)
	}
	return s.render.Render(c, status, "offices", p)
}

func (s *Server) handleOfficeCreate(c *fiber.Ctx) error {
	o := survey.Office{Name: c.FormValue("name")}
	if err := s.store.CreateOffice(c.UserContext(), &o); err != nil {
		if code := survey.ErrorCode(err); code == survey.EINVALID || code == survey.ECONFLICT {
			return s.renderOffices(c, web.StatusOf(err), err)
		}
		return err
	}
	if err := s.auth.Audit(c, "office_create", o.Name); err != nil {
		return err
	}
	return c.Redirect("/admin/offices?saved="+o.Name, fiber.StatusSeeOther)
}

type kiosksData struct {
	Kiosks  []kioskRow
	Offices []survey.Office
	New     *newKiosk
}

type newKiosk struct {
	ID, Secret, Office, URL string
}

func (s *Server) handleKiosks(c *fiber.Ctx) error {
	return s.renderKiosks(c, fiber.StatusOK, nil, nil)
}

func (s *Server) renderKiosks(c *fiber.Ctx, status int, nk *newKiosk, perr error) error {
	rows, err := s.kioskRows(c, scopeOffice(c))
	if err != nil {
		return err
	}
	offices, err := s.store.FindOffices(c.UserContext())
	if err != nil {
		return err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].OfficeName+rows[i].ID < rows[j].OfficeName+rows[j].ID })
	p := s.page(c, "central_kiosks", kiosksData{Kiosks: rows, Offices: offices, New: nk})
	p.BodyClass = "wide"
	p.Error = survey.AsError(perr)
	if nk != nil {
		c.Set(fiber.HeaderCacheControl, "no-store") // the secret is shown once
	}
	return s.render.Render(c, status, "kiosks", p)
}

func (s *Server) handleKioskCreate(c *fiber.Ctx) error {
	o, err := s.store.OfficeByName(c.UserContext(), c.FormValue("office"))
	if err != nil {
		if survey.ErrorCode(err) == survey.ENOTFOUND {
			return s.renderKiosks(c, fiber.StatusBadRequest, nil, survey.Invalid("office", "choose an existing office", "pilih kantor yang ada"))
		}
		return err
	}
	k, secret, err := NewKiosk(c.UserContext(), s.store, o)
	if err != nil {
		return err
	}
	if err := s.auth.Audit(c, "kiosk_create", k.ID+" for "+o.Name); err != nil {
		return err
	}
	base := s.cfg.PublicURL
	if base == "" {
		base = c.BaseURL()
	}
	return s.renderKiosks(c, fiber.StatusOK, &newKiosk{ID: k.ID, Secret: secret, Office: o.Name, URL: base}, nil)
}

func (s *Server) handleKioskRevoke(c *fiber.Ctx) error {
	id := c.Params("id")
	if err := s.store.RevokeKiosk(c.UserContext(), id, s.now()); err != nil {
		return err
	}
	if err := s.auth.Audit(c, "kiosk_revoke", id); err != nil {
		return err
	}
	return c.Redirect("/admin/kiosks", fiber.StatusSeeOther)
}

type integrityData struct {
	Gaps     []survey.Finding
	Findings []survey.Finding
}

func (s *Server) integrity(c *fiber.Ctx) (integrityData, error) {
	ctx := c.UserContext()
	scope := scopeOffice(c)
	gaps, err := s.store.FindGaps(ctx, "")
	if err != nil {
		return integrityData{}, err
	}
	d := integrityData{}
	for _, g := range gaps {
		if scope == 0 || g.OfficeID == scope {
			d.Gaps = append(d.Gaps, g)
		}
	}
	d.Findings, err = s.store.FindFindings(ctx, survey.FindingFilter{OfficeID: scope, Kind: c.Query("kind"), KioskID: c.Query("kiosk"), Limit: 1000})
	return d, err
}

func (s *Server) handleIntegrity(c *fiber.Ctx) error {
	d, err := s.integrity(c)
	if err != nil {
		return err
	}
	p := s.page(c, "central_integrity", d)
	p.BodyClass = "wide"
	return s.render.Render(c, fiber.StatusOK, "integrity", p)
}

func (s *Server) handleReconciliation(c *fiber.Ctx) error {
	receipts, err := s.store.FindReceipts(c.UserContext(), survey.ReceiptFilter{OfficeID: scopeOffice(c), KioskID: c.Query("kiosk"), Limit: 500})
	if err != nil {
		return err
	}
	p := s.page(c, "central_reconciliation", struct{ Receipts []survey.Receipt }{receipts})
	p.BodyClass = "wide"
	return s.render.Render(c, fiber.StatusOK, "reconciliation", p)
}

// NewKiosk registers a kiosk for office o and returns it with its secret,
// which exists only in the return value: central stores the public key.
func NewKiosk(ctx context.Context, store survey.CentralStore, o survey.Office) (survey.Kiosk, string, error) {
	secret, pub, err := wire.NewKioskKey()
	if err != nil {
		return survey.Kiosk{}, "", err
	}
	k := survey.Kiosk{ID: "k-" + survey.NewCode(10), OfficeID: o.ID, OfficeName: o.Name, PublicKey: pub}
	if err := store.CreateKiosk(ctx, &k); err != nil {
		return k, "", fmt.Errorf("register kiosk: %w", err)
	}
	return k, secret, nil
}
