package kiosk

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// counterRefresh is how often the screen showing a visit code reloads to
// see whether the citizen has rated (a meta refresh: no JavaScript needed).
const counterRefresh = 10 * time.Second

// counterPage is the counter screen: the staff member's static QR code and,
// for their own counter account, the "new visit" button.
type counterPage struct {
	qrPage
	CanVisit bool
	// Tablets: a desk tablet is enrolled, so a visit can be rated there.
	Tablets  bool
	Services []serviceOption
	Service  string // preselected: the service of the last visit
	Action   string
}

// counterVisitPage shows a one-time visit code on the counter screen.
type counterVisitPage struct {
	Staff          survey.Staff
	QRURL          string
	SurveyURL      string
	ServiceName    string
	ExpiresAt      time.Time
	Back           string
	RefreshSeconds int
	// Visit says whether the code was sent to the desk tablet, opened
	// (claimed) by a device, and contested by another.
	Visit survey.Visit
}

// ownCounter reports whether the logged-in account is st's counter account.
func ownCounter(c *fiber.Ctx, st survey.Staff) bool {
	u, ok := web.CurrentUser(c)
	return ok && u.Role == survey.RoleCounter && u.NIP == st.NIP
}

func (s *Server) handleCounter(c *fiber.Ctx) error {
	st, err := s.activeStaff(c, c.Params("code"))
	if err != nil {
		return err
	}
	return s.renderCounter(c, st, fiber.StatusOK, nil)
}

func (s *Server) renderCounter(c *fiber.Ctx, st survey.Staff, status int, perr error) error {
	data := counterPage{qrPage: qrPage{Staff: st, PhotoURL: s.photoURL(st), SurveyURL: s.SurveyURL(st.Code),
		QRURL: "/qr/" + st.Code + ".png?size=768"}, Action: "/counter/" + st.Code + "/visits"}
	if ownCounter(c, st) {
		if err := s.registerCounterDevice(c, st.NIP); err != nil {
			return err
		}
		services, err := s.store.FindServices(c.UserContext(), true)
		if err != nil {
			return err
		}
		lang := web.LangOf(c)
		for _, sv := range services {
			data.Services = append(data.Services, serviceOption{sv.Code, sv.Name(lang)})
		}
		if last, err := s.store.LastVisit(c.UserContext(), st.NIP); err == nil {
			data.Service = last.Service
		}
		if data.Tablets, err = s.hasTablets(c); err != nil {
			return err
		}
		data.CanVisit = true
	}
	p := s.page(c, "link_counter", data)
	p.BodyClass = "kiosk"
	p.Error = survey.AsError(perr)
	switch {
	case c.Query("dinilai") != "":
		p.Flash = p.T("visit_rated_flash")
	case c.Query("kedaluwarsa") != "":
		p.Flash = p.T("visit_expired_flash")
	}
	return s.render.Render(c, status, "counter", p)
}

// handleCounterVisitCreate creates a visit for the counter's own staff
// member and shows its code at once (a POST answered with a redirect).
func (s *Server) handleCounterVisitCreate(c *fiber.Ctx) error {
	st, err := s.activeStaff(c, c.Params("code"))
	if err != nil {
		return err
	}
	if !ownCounter(c, st) {
		return errNotOwnCounter
	}
	u, _ := web.CurrentUser(c)
	iv, err := s.createVisit(c.UserContext(), st.NIP, c.FormValue("service"), "user:"+u.Username, c.FormValue("tablet") == "1",
		s.cfg.Visits.AccountCap())
	switch code := survey.ErrorCode(err); code {
	case "":
	case survey.EINVALID:
		return s.renderCounter(c, st, fiber.StatusBadRequest, err)
	case survey.ERATELIMIT:
		return s.renderCounter(c, st, fiber.StatusTooManyRequests, err)
	default:
		return err
	}
	return c.Redirect("/counter/"+st.Code+"/visits/"+url.PathEscape(iv.Visit.ID), fiber.StatusSeeOther)
}

var errNotOwnCounter = survey.NewError(survey.EFORBIDDEN,
	"only this staff member's own counter account can create visit codes for them",
	"hanya akun loket milik petugas ini yang dapat membuat kode kunjungan untuknya")

// handleCounterVisit shows an open visit's code; once it is rated or has
// expired, the screen returns to the static code with a message.
func (s *Server) handleCounterVisit(c *fiber.Ctx) error {
	st, err := s.activeStaff(c, c.Params("code"))
	if err != nil {
		return err
	}
	if !ownCounter(c, st) {
		return errNotOwnCounter
	}
	v, err := s.store.VisitByID(c.UserContext(), c.Params("id"))
	if err == nil && v.NIP != st.NIP {
		err = survey.NewError(survey.ENOTFOUND, "no such visit", "kunjungan tidak ditemukan")
	}
	if err != nil {
		return err
	}
	back := "/counter/" + st.Code
	switch {
	case v.Used():
		return c.Redirect(back+"?dinilai=1", fiber.StatusSeeOther)
	case !s.now().Before(v.ExpiresAt):
		return c.Redirect(back+"?kedaluwarsa=1", fiber.StatusSeeOther)
	}
	iv := s.issued(v)
	d := counterVisitPage{Staff: st, QRURL: "/qr/v/" + iv.Token + ".png?size=768", SurveyURL: iv.SurveyURL, ServiceName: v.Service,
		ExpiresAt: v.ExpiresAt, Back: back, RefreshSeconds: int(counterRefresh.Seconds()), Visit: v}
	if name, ok := s.serviceNames(c)[v.Service]; ok {
		d.ServiceName = name
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	p := s.page(c, "visit_title", d)
	p.BodyClass = "kiosk"
	return s.render.Render(c, fiber.StatusOK, "counter_visit", p)
}
