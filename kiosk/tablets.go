package kiosk

import (
	"crypto/hmac"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// The desk tablet's pages (/kiosk) serve only devices an admin enrolled
// from the device's own browser: anyone else could otherwise post the
// tablet's never-limited form from a phone. docs/security.md, section 1.

// TabletCookie holds an enrolled tablet's credential: its id and the
// kiosk's signature over it.
const TabletCookie = "tablet_meja"

// tabletCookieAge keeps the credential as long as browsers allow (Chromium
// caps cookies at 400 days); every start screen renews it.
const tabletCookieAge = 400 * 24 * 3600

const localTablet = "tablet"

// tabletRefusal is why a device is not served the tablet pages.
type tabletRefusal struct {
	// Pinned: the device is an enrolled tablet, used from another address than its pinned one.
	Pinned bool
}

// currentTablet returns the enrolled, unrevoked tablet whose credential the
// request carries and whose pinned address (if any) it comes from.
func (s *Server) currentTablet(c *fiber.Ctx) (survey.Tablet, *tabletRefusal, error) {
	id, sig, ok := strings.Cut(c.Cookies(TabletCookie), ".")
	if !ok || id == "" || !hmac.Equal([]byte(sig), []byte(s.sign("tablet|"+id))) {
		return survey.Tablet{}, &tabletRefusal{}, nil
	}
	t, err := s.store.TabletByID(c.UserContext(), id)
	switch {
	case survey.ErrorCode(err) == survey.ENOTFOUND || (err == nil && t.Revoked()):
		return t, &tabletRefusal{}, nil
	case err != nil:
		return t, nil, err
	case t.PinAddress != "" && t.PinAddress != c.IP():
		return t, &tabletRefusal{Pinned: true}, nil
	}
	return t, nil, nil
}

// requireTablet serves the tablet pages to enrolled tablets only; any other
// device gets a kind page pointing to the staff QR codes (and telling an
// admin how to enroll it), and the refusal is counted.
func (s *Server) requireTablet(c *fiber.Ctx) error {
	t, refused, err := s.currentTablet(c)
	if err != nil {
		return err
	}
	if refused == nil {
		c.Locals(localTablet, t)
		return c.Next()
	}
	if err := s.store.CountRefusal(c.UserContext(), s.now(), "", survey.RefusedTablet); err != nil {
		s.log.Error("count tablet refusal", "err", err) // the page is still answered
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render.Render(c, fiber.StatusForbidden, "tablet_refused", s.page(c, "tablet_refused_title", refused))
}

// tabletOf returns the enrolled tablet requireTablet admitted.
func tabletOf(c *fiber.Ctx) survey.Tablet {
	t, _ := c.Locals(localTablet).(survey.Tablet)
	return t
}

// setTabletCookie gives this browser t's credential (or renews it).
func (s *Server) setTabletCookie(c *fiber.Ctx, id string) {
	c.Cookie(&fiber.Cookie{Name: TabletCookie, Value: id + "." + s.sign("tablet|"+id), Path: "/", HTTPOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode, MaxAge: tabletCookieAge})
}

// tabletsPage is the admin list of enrolled tablets.
type tabletsPage struct {
	Tablets []survey.Tablet
	// This is the tablet this browser is enrolled as, if any.
	This    string
	Address string
	Name    string
}

func (s *Server) handleTablets(c *fiber.Ctx) error {
	return s.renderTablets(c, fiber.StatusOK, nil, "")
}

func (s *Server) renderTablets(c *fiber.Ctx, status int, perr error, name string) error {
	list, err := s.store.FindTablets(c.UserContext())
	if err != nil {
		return err
	}
	d := tabletsPage{Tablets: list, Address: c.IP(), Name: name}
	if t, refused, err := s.currentTablet(c); err == nil && refused == nil {
		d.This = t.ID
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	p := s.page(c, "tablets_title", d)
	p.BodyClass = "wide"
	p.Error = survey.AsError(perr)
	switch {
	case c.Query("renamed") != "":
		p.Flash = p.T("tablet_renamed")
	case c.Query("revoked") != "":
		p.Flash = p.T("tablet_revoked_flash")
	}
	return s.render.Render(c, status, "tablets", p)
}

// handleTabletEnroll enrolls the browser that posts the form as a desk
// tablet. The admin's session on it ends: a shared tablet must not stay
// logged in as an admin.
func (s *Server) handleTabletEnroll(c *fiber.Ctx) error {
	name, err := survey.ValidateTabletName(c.FormValue("name"))
	if err != nil {
		return s.renderTablets(c, fiber.StatusBadRequest, err, c.FormValue("name"))
	}
	u, _ := web.CurrentUser(c)
	t := survey.Tablet{ID: survey.NewTabletID(), Name: name, EnrolledBy: u.Username, EnrolledAt: s.now()}
	if c.FormValue("pin") == "1" {
		t.PinAddress = c.IP()
	}
	if err := s.store.CreateTablet(c.UserContext(), &t); err != nil {
		return err
	}
	detail := fmt.Sprintf("tablet %q (%s) enrolled", t.Name, t.ID)
	if t.PinAddress != "" {
		detail += ", pinned to " + t.PinAddress
	}
	if err := s.auth.Audit(c, "tablet_enroll", detail); err != nil {
		return err
	}
	s.setTabletCookie(c, t.ID)
	if err := s.auth.EndSession(c); err != nil {
		return err
	}
	return c.Redirect("/kiosk?terdaftar=1", fiber.StatusSeeOther)
}

// tabletParam reads the tablet of the route's :id.
func (s *Server) tabletParam(c *fiber.Ctx) (survey.Tablet, error) {
	return s.store.TabletByID(c.UserContext(), c.Params("id"))
}

func (s *Server) handleTabletRename(c *fiber.Ctx) error {
	t, err := s.tabletParam(c)
	if err != nil {
		return err
	}
	if err := s.store.RenameTablet(c.UserContext(), t.ID, c.FormValue("name")); err != nil {
		if survey.ErrorCode(err) == survey.EINVALID {
			return s.renderTablets(c, fiber.StatusBadRequest, err, "")
		}
		return err
	}
	renamed, err := s.store.TabletByID(c.UserContext(), t.ID)
	if err != nil {
		return err
	}
	if err := s.auth.Audit(c, "tablet_rename", fmt.Sprintf("tablet %s renamed from %q to %q", t.ID, t.Name, renamed.Name)); err != nil {
		return err
	}
	return c.Redirect("/admin/tablets?renamed=1", fiber.StatusSeeOther)
}

func (s *Server) handleTabletRevoke(c *fiber.Ctx) error {
	t, err := s.tabletParam(c)
	if err != nil {
		return err
	}
	if err := s.store.RevokeTablet(c.UserContext(), t.ID, s.now()); err != nil {
		return err
	}
	if err := s.auth.Audit(c, "tablet_revoke", fmt.Sprintf("tablet %q (%s) revoked", t.Name, t.ID)); err != nil {
		return err
	}
	return c.Redirect("/admin/tablets?revoked=1", fiber.StatusSeeOther)
}

// hasTablets reports whether any desk tablet is enrolled and not revoked:
// only then does a counter offer "rate on the desk tablet".
func (s *Server) hasTablets(c *fiber.Ctx) (bool, error) {
	list, err := s.store.FindTablets(c.UserContext())
	if err != nil {
		return false, err
	}
	for _, t := range list {
		if !t.Revoked() {
			return true, nil
		}
	}
	return false, nil
}

// tabletVisit is a visit the desk tablet offers: "rate <officer> now".
type tabletVisit struct {
	ID          string
	Staff       survey.Staff
	PhotoURL    string
	ServiceName string
	IssuedAt    time.Time
}

// tabletVisits lists the visits sent to the desk tablets within
// visits.tablet_window that are still open to this tablet.
func (s *Server) tabletVisits(c *fiber.Ctx, t survey.Tablet) ([]tabletVisit, error) {
	now := s.now()
	visits, err := s.store.FindTabletVisits(c.UserContext(), now.Add(-s.cfg.Visits.TabletWindow.D()), now)
	if err != nil || len(visits) == 0 {
		return nil, err
	}
	names := s.serviceNames(c)
	var out []tabletVisit
	for _, v := range visits {
		if v.Claimed() && v.Claim != s.tabletClaim(v.ID, t.ID) {
			continue // another tablet opened it
		}
		st, err := s.store.StaffByNIP(c.UserContext(), v.NIP)
		if err != nil || !st.Active {
			continue
		}
		out = append(out, tabletVisit{ID: v.ID, Staff: st, PhotoURL: s.photoURL(st), ServiceName: names[v.Service], IssuedAt: v.IssuedAt})
	}
	return out, nil
}

// serviceNames maps every service code to its name in the request's language.
func (s *Server) serviceNames(c *fiber.Ctx) map[string]string {
	names := map[string]string{}
	services, err := s.store.FindServices(c.UserContext(), false)
	if err != nil {
		return names
	}
	for _, sv := range services {
		names[sv.Code] = sv.Name(web.SurveyLangOf(c))
	}
	return names
}

// handleTabletVisitSurvey opens a visit sent to the desk tablets: the
// first tablet claims it, and the survey is verified like a visit code's.
func (s *Server) handleTabletVisitSurvey(c *fiber.Ctx) error {
	v, st, err := s.openTabletVisit(c)
	if err != nil {
		return s.visitRefused(c, err)
	}
	form, err := s.surveyForm(c, st, survey.Response{Service: v.Service}, "")
	if err != nil {
		return err
	}
	s.fixVisitForm(c, form, v, "/kiosk/v/"+v.ID+"/kirim")
	form.FormKey = s.newFormKey("v:" + v.ID)
	if form.PartialAction != "" {
		form.PartialAction = "/kiosk/v/" + v.ID + "/sebagian"
	}
	setSurveyCache(c)
	return s.render.Render(c, fiber.StatusOK, "survey", s.surveyPage(c, "survey_title", form))
}

// openTabletVisit claims the route's visit for this tablet.
func (s *Server) openTabletVisit(c *fiber.Ctx) (survey.Visit, survey.Staff, error) {
	v, err := s.store.VisitByID(c.UserContext(), c.Params("id"))
	if err == nil && !v.ForTablet {
		err = survey.NewError(survey.ENOTFOUND, "no such visit", "kunjungan tidak ditemukan")
	}
	if err != nil {
		return v, survey.Staff{}, err
	}
	if c.Method() != fiber.MethodHead {
		if v, err = s.store.OpenVisit(c.UserContext(), v.ID, s.tabletClaimant(c, v.ID), s.now()); err != nil {
			return v, survey.Staff{}, err
		}
	}
	st, err := s.activeVisitStaff(c, v)
	return v, st, err
}

// handleTabletVisitSubmit stores the tablet's rating of a visit: channel
// kiosk, verified through the visit.
func (s *Server) handleTabletVisitSubmit(c *fiber.Ctx) error {
	v, err := s.store.VisitByID(c.UserContext(), c.Params("id"))
	if err == nil && !v.ForTablet {
		err = survey.NewError(survey.ENOTFOUND, "no such visit", "kunjungan tidak ditemukan")
	}
	if err != nil {
		return s.visitRefused(c, err)
	}
	st, err := s.activeVisitStaff(c, v)
	if err != nil {
		return err
	}
	r := parseSurveyForm(c, st)
	r.Service, r.VisitID, r.Channel = v.Service, v.ID, survey.ChannelKiosk
	if !s.checkFormKey(r.IdempotencyKey, "v:"+v.ID) {
		return s.visitRefused(c, survey.ErrVisitForged())
	}
	in, err := s.tabletIntake(c)
	if err != nil {
		return err
	}
	claimant := s.tabletClaimant(c, v.ID)
	in.Claimant = &claimant
	return s.submitVisit(c, st, v, &r, in, "/kiosk/v/"+v.ID+"/kirim", "/kiosk/terima-kasih")
}

// tabletClaim is tablet id's claim on visit visitID.
func (s *Server) tabletClaim(visitID, tabletID string) survey.VisitClaim {
	return survey.VisitClaim{Kind: survey.ClaimTablet, Hash: s.claimHash(visitID, survey.ClaimTablet, tabletID)}
}

// tabletClaimant is the enrolled tablet of the request as a claimant of visitID.
func (s *Server) tabletClaimant(c *fiber.Ctx, visitID string) survey.VisitClaimant {
	return survey.VisitClaimant{Device: s.tabletClaim(visitID, tabletOf(c).ID),
		Address: survey.VisitClaim{Kind: survey.ClaimAddress, Hash: s.claimHash(visitID, survey.ClaimAddress, c.IP())}}
}

// tabletIntake is the intake of a rating on an enrolled tablet: never
// limited; flagged no_visit like the static QR code, and own_device only by
// the browser's device cookie (a counter PC enrolled as a tablet), not by
// its address, which desk tablets often share with the counters.
func (s *Server) tabletIntake(c *fiber.Ctx) (survey.Intake, error) {
	in, err := s.intake(c, false, true)
	in.Address, in.NoVisitFlag = nil, true
	return in, err
}
