package kiosk

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// surveyForm is what the survey page shows and, after a refused submit, keeps.
type surveyForm struct {
	Staff         survey.Staff
	PhotoURL      string
	Action        string
	FormKey       string
	Service       string
	ServiceGroups []serviceGroup
	Questions     []questionView
	Comment       string
	CommentLimit  int
	ProfileFields []profileField
	ProfileOpen   bool
	ErrField      string
	IdleSeconds   int
	// Verified marks the survey of a one-time visit code: its service is fixed.
	Verified    bool
	ServiceName string
	// FollowUp offers the optional contact; Contact and Consent keep what was typed.
	FollowUp    bool
	Contact     string
	Consent     bool
	ContactDays int
}

type serviceGroup struct {
	Label    string
	Services []serviceOption
}

type serviceOption struct{ Code, Name string }

type questionView struct {
	Code, Name, Text string
	Options          []answerOption
	Invalid          bool
}

type answerOption struct {
	Value   int
	Label   string
	Icon    string
	Checked bool
}

type profileField struct {
	Name, Label string
	Options     []profileOption
}

type profileOption struct {
	Code, Label string
	Selected    bool
}

func (s *Server) handleHome(c *fiber.Ctx) error {
	var staff []survey.Staff
	if _, ok := web.CurrentUser(c); ok {
		var err error
		if staff, err = s.store.FindStaff(c.UserContext(), survey.StaffFilter{ActiveOnly: true}); err != nil {
			return err
		}
	}
	return s.render.Render(c, fiber.StatusOK, "home", s.page(c, "home_title", struct{ Staff []survey.Staff }{staff}))
}

// activeStaff returns the active staff member with QR code code, or a 404 a citizen understands.
func (s *Server) activeStaff(c *fiber.Ctx, code string) (survey.Staff, error) {
	st, err := s.store.StaffByCode(c.UserContext(), code)
	if err == nil && !st.Active {
		err = survey.NewError(survey.ENOTFOUND, "", "")
	}
	if survey.ErrorCode(err) == survey.ENOTFOUND {
		return st, survey.NewError(survey.ENOTFOUND,
			"this QR code does not belong to an active officer; ask at the counter for the current code",
			"kode QR ini bukan milik petugas yang aktif; tanyakan kode yang berlaku di loket")
	}
	return st, err
}

func (s *Server) handleSurvey(c *fiber.Ctx) error {
	st, err := s.activeStaff(c, c.Params("code"))
	if err != nil {
		return err
	}
	form, err := s.surveyForm(c, st, survey.Response{}, "")
	if err != nil {
		return err
	}
	form.FormKey = s.newFormKey(st.Code)
	if !strings.HasPrefix(c.Path(), "/kiosk") {
		s.deviceID(c) // the limits count this browser's ratings from its cookie
	}
	// No "no-store": the browser's back button must show this same form (and
	// its key) again rather than fetch a fresh one, so a resend is recognised.
	c.Set(fiber.HeaderCacheControl, "private, max-age=0")
	return s.render.Render(c, fiber.StatusOK, "survey", s.page(c, "survey_title", form))
}

func (s *Server) surveyForm(c *fiber.Ctx, st survey.Staff, r survey.Response, errField string) (*surveyForm, error) {
	lang := web.LangOf(c)
	services, err := s.store.FindServices(c.UserContext(), true)
	if err != nil {
		return nil, err
	}
	f := &surveyForm{Staff: st, PhotoURL: s.photoURL(st), Service: r.Service, Comment: r.Comment,
		CommentLimit: s.cfg.CommentLimit, ErrField: errField, IdleSeconds: int(s.cfg.Kiosk.IdleReset.D().Seconds()),
		FollowUp: s.cfg.Privacy.FollowUp, ContactDays: days(s.cfg.Privacy.ContactRetention.D())}
	f.Action = "/s/" + st.Code + "/kirim"
	if strings.HasPrefix(c.Path(), "/kiosk") {
		f.Action = "/kiosk/s/" + st.Code + "/kirim"
	}
	groups := map[string]int{}
	for _, sv := range services {
		i, ok := groups[sv.Group]
		if !ok {
			i = len(f.ServiceGroups)
			groups[sv.Group] = i
			label := sv.Group
			if label == "" {
				label = "–"
			}
			f.ServiceGroups = append(f.ServiceGroups, serviceGroup{Label: label})
		}
		f.ServiceGroups[i].Services = append(f.ServiceGroups[i].Services, serviceOption{sv.Code, sv.Name(lang)})
	}
	wording := s.wording(c, lang)
	for _, e := range survey.Elements {
		q := wording[e]
		qv := questionView{Code: string(e), Name: e.Name(lang), Text: q.Text, Invalid: errField == "ratings."+string(e)}
		for v := 1; v <= 4; v++ {
			qv.Options = append(qv.Options, answerOption{Value: v, Label: q.Labels[v-1],
				Icon: s.render.Static.URL(fmt.Sprintf("icons/face-%d.svg", v)), Checked: r.Ratings.Get(e) == v})
		}
		f.Questions = append(f.Questions, qv)
	}
	values := map[string]string{"age_band": r.Profile.AgeBand, "sex": r.Profile.Sex, "education": r.Profile.Education, "occupation": r.Profile.Occupation}
	for _, pf := range survey.ProfileFields {
		field := profileField{Name: pf.Name, Label: s.render.Tr.T(lang, "profile_"+pf.Name)}
		for _, o := range pf.Options {
			field.Options = append(field.Options, profileOption{o.Code, o.Label(lang), values[pf.Name] == o.Code})
		}
		if values[pf.Name] != "" || strings.HasPrefix(errField, "profile.") {
			f.ProfileOpen = true
		}
		f.ProfileFields = append(f.ProfileFields, field)
	}
	return f, nil
}

// parseSurveyForm reads the posted form into a response.
func parseSurveyForm(c *fiber.Ctx, st survey.Staff) survey.Response {
	r := survey.Response{NIP: st.NIP, Service: c.FormValue("service"), Comment: c.FormValue("comment"),
		IdempotencyKey: c.FormValue("form_key"),
		Profile: survey.Profile{AgeBand: c.FormValue("age_band"), Sex: c.FormValue("sex"),
			Education: c.FormValue("education"), Occupation: c.FormValue("occupation")}}
	for _, e := range survey.Elements {
		if v, err := strconv.Atoi(c.FormValue(string(e))); err == nil && v >= -128 && v <= 127 {
			r.Ratings.Set(e, v)
		} else if c.FormValue(string(e)) != "" {
			r.Ratings.Set(e, -1) // present but not a number: out of range, not "missing"
		}
	}
	return r
}

func (s *Server) handleSurveySubmit(c *fiber.Ctx) error {
	st, err := s.activeStaff(c, c.Params("code"))
	if err != nil {
		return err
	}
	kiosk := strings.HasPrefix(c.Path(), "/kiosk")
	r := parseSurveyForm(c, st)
	r.Channel = survey.ChannelQR
	if kiosk {
		r.Channel = survey.ChannelKiosk
	}
	if !s.checkFormKey(r.IdempotencyKey, st.Code) {
		return survey.NewError(survey.EINVALID,
			"this form is not valid any more; open the survey again from the QR code",
			"formulir ini tidak berlaku lagi; buka survei lagi dari kode QR")
	}
	// The static QR is limited per device and address; the desk tablet is
	// one enrolled device in front of the staff, so only flagged.
	var in survey.Intake
	if kiosk {
		in, err = s.tabletIntake(c)
	} else {
		in, err = s.intake(c, true, true)
	}
	if err != nil {
		return err
	}
	if r.IdempotencyKey, err = s.scoper.Scope(s.formScope(c, st, kiosk), r.IdempotencyKey); err != nil {
		return err
	}
	created := false
	if in.Contact, err = s.formContact(c); err == nil {
		created, err = s.store.CreateResponseWith(c.UserContext(), &r, in)
	}
	switch code := survey.ErrorCode(err); {
	case err == nil:
	case code == survey.EINVALID:
		return s.surveyRefused(c, st, r, err)
	case code == survey.ERATELIMIT:
		return s.rateLimited(c, err)
	case code == survey.ECONFLICT:
		return err // the same form sent again with other answers: the error page explains
	default:
		return err
	}
	target := "/s/" + st.Code + "/terima-kasih"
	if kiosk {
		target = "/kiosk/terima-kasih"
	}
	q := url.Values{}
	if !created {
		q.Set("ulang", "1")
	}
	if s.cfg.Witness() {
		q.Set("tanda", survey.NewReceiptCode(s.cfg.Central.KioskID, r.Seq, r.Hash).String())
	}
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// surveyRefused shows the form again with the answers given and what is missing.
func (s *Server) surveyRefused(c *fiber.Ctx, st survey.Staff, r survey.Response, err error) error {
	e := survey.AsError(err)
	form, ferr := s.surveyForm(c, st, r, e.Field)
	if ferr != nil {
		return ferr
	}
	form.FormKey = c.FormValue("form_key") // the same form, so the same key
	form.Contact, form.Consent = c.FormValue("contact"), c.FormValue("followup_consent") == "1"
	p := s.page(c, "survey_title", form)
	p.Error = e
	return s.render.Render(c, fiber.StatusBadRequest, "survey", p)
}

// thanksData is what the thank-you page shows.
type thanksData struct {
	Replayed      bool
	ReturnSeconds int
	Receipt       *receiptView
}

func (s *Server) handleThanks(c *fiber.Ctx) error {
	data := thanksData{Replayed: c.Query("ulang") == "1", ReturnSeconds: int(s.cfg.Kiosk.ReturnAfter.D().Seconds())}
	if rv, err := s.receipt(c); err != nil {
		return err
	} else if rv != nil {
		data.Receipt = rv
		// The witness image is the page's only request to another origin.
		c.Set("Content-Security-Policy", web.ContentSecurityPolicyImages(s.cfg.Central.PublicURL))
	}
	return s.render.Render(c, fiber.StatusOK, "thanks", s.page(c, "thanks_title", data))
}

type tabletStaff struct {
	survey.Staff
	PhotoURL string
}

// tabletStart is the desk tablet's start screen: visits sent to it, then every active staff member.
type tabletStart struct {
	Visits      []tabletVisit
	Staff       []tabletStaff
	IdleSeconds int
}

func (s *Server) handleTablet(c *fiber.Ctx) error {
	t := tabletOf(c)
	s.setTabletCookie(c, t.ID) // renewed on every start screen, so a tablet in use never expires
	if err := s.store.TouchTablet(c.UserContext(), t.ID, s.now()); err != nil {
		return err
	}
	staff, err := s.store.FindStaff(c.UserContext(), survey.StaffFilter{ActiveOnly: true})
	if err != nil {
		return err
	}
	d := tabletStart{Staff: make([]tabletStaff, len(staff)), IdleSeconds: int(tabletPoll.Seconds())}
	for i, st := range staff {
		d.Staff[i] = tabletStaff{st, s.photoURL(st)}
	}
	if d.Visits, err = s.tabletVisits(c, t); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	p := s.page(c, "tablet_title", d)
	if c.Query("terdaftar") != "" {
		p.Flash = p.T("tablet_enrolled_flash", t.Name)
	}
	return s.render.Render(c, fiber.StatusOK, "tablet", p)
}

// tabletPoll is how often an untouched start screen reloads, so that a
// visit a counter sends to the tablet shows within seconds.
const tabletPoll = 15 * time.Second

// formScope is the idempotency scope of a survey form: its staff member and
// its device (the enrolled tablet, or the browser's device cookie; none
// for a browser that keeps no cookies).
func (s *Server) formScope(c *fiber.Ctx, st survey.Staff, kiosk bool) string {
	if kiosk {
		return survey.IdempotencyScope(survey.ScopeForm, st.NIP, survey.ClaimTablet, tabletOf(c).ID)
	}
	id, ok := s.deviceID(c)
	if !ok {
		id = ""
	}
	return survey.IdempotencyScope(survey.ScopeForm, st.NIP, survey.ClaimDevice, id)
}

// photoURL is the staff member's photo, or the neutral silhouette.
func (s *Server) photoURL(st survey.Staff) string {
	if !st.HasPhoto {
		return s.render.Static.URL("icons/person.svg")
	}
	return "/photo/" + url.PathEscape(st.Code) + ".jpg"
}

// wording is the survey text: central's, when it manages the office, else the configuration's.
func (s *Server) wording(c *fiber.Ctx, lang string) survey.Wording {
	w := s.cfg.Wording(lang)
	if v, ok, err := s.store.Setting(c.UserContext(), "central_wording_"+lang); err == nil && ok {
		if over, err := survey.ParseWording(v); err == nil {
			w = w.Merge(over)
		}
	}
	return w
}
