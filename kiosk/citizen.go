package kiosk

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
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
	// PromptSeconds is how long the tablet's "Perlu waktu lagi?" waits;
	// PartialAction, when the office keeps unfinished surveys, is where the
	// tablet sends one before it resets.
	PromptSeconds int
	PartialAction string
	// Verified marks the survey of a one-time visit code: its service is fixed.
	Verified    bool
	ServiceName string
	// FollowUp offers the optional contact; Contact and Consent keep what was typed.
	FollowUp    bool
	Contact     string
	Consent     bool
	ContactDays int
	// Tracked: a low rating with a contact gets a tracking code (the kiosk is connected to central).
	Tracked bool
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
	N                int // its number on the page, 1 to 9
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
	setSurveyCache(c)
	return s.render.Render(c, fiber.StatusOK, "survey", s.surveyPage(c, "survey_title", form))
}

// setSurveyCache keeps a phone's survey in its history and sends the
// tablet's never from a cache. On a phone the back button must show the same
// form (and its key) again rather than fetch a fresh one, so a resend is
// recognised. On the shared tablet nothing of one citizen's form may come
// back for the next (docs/accessibility.md, "Desk tablet").
func setSurveyCache(c *fiber.Ctx) {
	if strings.HasPrefix(c.Path(), "/kiosk") {
		c.Set(fiber.HeaderCacheControl, "no-store")
		return
	}
	c.Set(fiber.HeaderCacheControl, "private, max-age=0")
}

// surveyPage starts a citizen's survey page: in the survey's language
// (regional ones included), with the large-text switch.
func (s *Server) surveyPage(c *fiber.Ctx, title string, data any) *web.Page {
	p := s.page(c, title, data)
	p.SurveyPage(c)
	p.Title = p.T(title)
	return p
}

func (s *Server) surveyForm(c *fiber.Ctx, st survey.Staff, r survey.Response, errField string) (*surveyForm, error) {
	lang := web.SurveyLangOf(c)
	services, err := s.store.FindServices(c.UserContext(), true)
	if err != nil {
		return nil, err
	}
	f := &surveyForm{Staff: st, PhotoURL: s.photoURL(st), Service: r.Service, Comment: r.Comment,
		CommentLimit: s.cfg.CommentLimit, ErrField: errField, IdleSeconds: int(s.cfg.Kiosk.IdleReset.D().Seconds()),
		PromptSeconds: int(s.cfg.Kiosk.PromptWait.D().Seconds()),
		FollowUp:      s.cfg.Privacy.FollowUp, ContactDays: days(s.cfg.Privacy.ContactRetention.D()), Tracked: s.cfg.Central.Enabled()}
	f.Action = "/s/" + st.Code + "/kirim"
	if strings.HasPrefix(c.Path(), "/kiosk") {
		f.Action = "/kiosk/s/" + st.Code + "/kirim"
		if s.cfg.Kiosk.Unfinished == UnfinishedKeep {
			f.PartialAction = "/kiosk/s/" + st.Code + "/sebagian"
		}
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
	for i, e := range survey.Elements {
		q := wording[e]
		qv := questionView{Code: string(e), Name: wording.ElementName(e, lang), Text: q.Text, Invalid: errField == "ratings."+string(e), N: i + 1}
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
	if in.Contact, err = s.formContact(c, r.Ratings); err == nil {
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
	return c.Redirect(s.thanksURL(c, target, &r, in, created), fiber.StatusSeeOther)
}

// thanksURL is the thank-you page after r was stored (or replayed): with
// its receipt code (a kiosk that delivers witnesses), the tracking code of
// its follow-up, if any, and the replay notice.
func (s *Server) thanksURL(c *fiber.Ctx, base string, r *survey.Response, in survey.Intake, created bool) string {
	q := url.Values{}
	if !created {
		q.Set("ulang", "1")
	}
	if s.cfg.Witness() {
		q.Set("tanda", survey.NewReceiptCode(s.cfg.Central.KioskID, r.Seq, r.Hash).String())
	}
	code := ""
	if in.Contact != nil {
		code = in.Contact.Code
	}
	if !created && r.ID != "" { // a replay: the code given the first time
		code, _ = s.store.TrackingCodeOf(c.UserContext(), r.ID)
	}
	if code != "" {
		q.Set("kode", code)
	}
	if len(q) == 0 {
		return base
	}
	return base + "?" + q.Encode()
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
	setSurveyCache(c)
	p := s.surveyPage(c, "survey_title", form)
	p.Error = e
	return s.render.Render(c, fiber.StatusBadRequest, "survey", p)
}

// thanksData is what the thank-you page shows.
type thanksData struct {
	Replayed      bool
	ReturnSeconds int
	Receipt       *receiptView
	// Code is the follow-up's tracking code, StatusURL where the citizen
	// checks it, and Spelled the code read out character by character.
	Code, StatusURL, Spelled string
}

func (s *Server) handleThanks(c *fiber.Ctx) error {
	d := thanksData{Replayed: c.Query("ulang") == "1", ReturnSeconds: int(s.cfg.Kiosk.ReturnAfter.D().Seconds())}
	if rv, err := s.receipt(c); err != nil {
		return err
	} else if rv != nil {
		d.Receipt = rv
		// The witness image is the page's only request to another origin.
		c.Set("Content-Security-Policy", web.ContentSecurityPolicyImages(s.cfg.Central.PublicURL))
	}
	// Only a code this kiosk gave is shown: a made-up one in a link is not.
	if code, err := survey.ParseTrackingCode(c.Query("kode")); err == nil {
		ok, err := s.store.HasTrackingCode(c.UserContext(), code)
		if err != nil {
			return err
		}
		if ok {
			d.Code, d.StatusURL, d.Spelled = code, s.followUpStatusURL(c, code), spell(code)
			// The citizen needs time to note the code: the tablet waits as long as for a survey.
			d.ReturnSeconds = max(d.ReturnSeconds, int(s.cfg.Kiosk.IdleReset.D().Seconds()))
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render.Render(c, fiber.StatusOK, "thanks", s.surveyPage(c, "thanks_title", d))
}

// followUpStatusURL is central's public page for a tracking code.
func (s *Server) followUpStatusURL(c *fiber.Ctx, code string) string {
	base := s.cfg.Central.PublicURL
	if base == "" {
		if v, ok, err := s.store.Setting(c.UserContext(), upload.SettingPublicURL); err == nil && ok {
			base = v
		}
	}
	if base == "" {
		base = strings.TrimRight(s.cfg.Central.URL, "/")
	}
	return base + "/publik/tindak-lanjut?kode=" + url.QueryEscape(code)
}

// spell spaces a code's characters for speech: "K 7 M 2, 9 P Q X, …".
func spell(code string) string {
	var b strings.Builder
	for i, r := range code {
		switch {
		case r == '-':
			b.WriteString(",")
		case i > 0:
			b.WriteByte(' ')
		}
		if r != '-' {
			b.WriteRune(r)
		}
	}
	return b.String()
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
	p := s.surveyPage(c, "tablet_title", d)
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

// handlePartial keeps an unfinished tablet survey apart from the responses
// when the office chose [kiosk] unfinished = "keep_partial"; the tablet sends
// it just before a reset. It answers 204 whatever it kept.
func (s *Server) handlePartial(c *fiber.Ctx) error {
	if s.cfg.Kiosk.Unfinished != UnfinishedKeep {
		return c.SendStatus(fiber.StatusNoContent)
	}
	var nip, scope string
	if id := c.Params("id"); id != "" {
		v, err := s.store.VisitByID(c.UserContext(), id)
		if err != nil {
			return err
		}
		nip, scope = v.NIP, "v:"+v.ID
	} else {
		st, err := s.activeStaff(c, c.Params("code"))
		if err != nil {
			return err
		}
		nip, scope = st.NIP, st.Code
	}
	key := c.FormValue("form_key")
	if !s.checkFormKey(key, scope) {
		return survey.NewError(survey.EINVALID, "this form is not valid any more", "formulir ini tidak berlaku lagi")
	}
	r := parseSurveyForm(c, survey.Staff{NIP: nip})
	p := survey.Partial{FormKey: key, NIP: nip, Service: r.Service, Ratings: r.Ratings, Channel: survey.ChannelKiosk, CreatedAt: s.now()}
	if err := s.store.SavePartial(c.UserContext(), p); err != nil && survey.ErrorCode(err) != survey.EINVALID {
		return err // nothing answered (EINVALID) is nothing to keep
	}
	return c.SendStatus(fiber.StatusNoContent)
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
