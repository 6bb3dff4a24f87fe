package central

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// The survey wording an office's kiosks show, per language: the standard
// text and the built-in drafts, with the office's reviewed overrides. A
// native speaker at the office reviews the Basa Jawa and Basa Sunda drafts
// here; saving an element marks it reviewed. Kiosks take it on their next sync.

// wordingPage is one language's wording of an office.
type wordingPage struct {
	Office    survey.Office
	Lang      string // the wording's language (?bahasa=)
	Languages []string
	Questions []wordingRow
	Drafts    int
	CanEdit   bool
	Saved     survey.Element
}

// wordingRow is one element's effective wording.
type wordingRow struct {
	Element survey.Element
	survey.Question
	Name     string // as shown: the wording's own or the element's
	Override bool   // the office changed or reviewed it
}

func (s *Server) wordingData(c *fiber.Ctx, lang string) (wordingPage, error) {
	o, err := s.officeParam(c)
	if err != nil {
		return wordingPage{}, err
	}
	if !survey.ValidWordingLang(lang) {
		lang = "id"
	}
	over, err := s.store.OfficeWording(c.UserContext(), o.ID)
	if err != nil {
		return wordingPage{}, err
	}
	u, _ := web.CurrentUser(c)
	d := wordingPage{Office: o, Lang: lang, Languages: survey.WordingLanguages,
		CanEdit: u.Role == survey.RoleAdmin || u.Role == survey.RoleKepala}
	w := survey.DefaultWording(lang).Merge(over[lang])
	for _, e := range survey.Elements {
		_, changed := over[lang][e]
		d.Questions = append(d.Questions, wordingRow{Element: e, Question: w[e], Name: w.ElementName(e, lang), Override: changed})
	}
	d.Drafts = len(w.Drafts())
	return d, nil
}

func (s *Server) handleWording(c *fiber.Ctx) error {
	d, err := s.wordingData(c, c.Query("bahasa"))
	if err != nil {
		return err
	}
	if e := survey.Element(c.Query("disimpan")); e.Valid() {
		d.Saved = e
	}
	return s.renderWording(c, fiber.StatusOK, d, nil)
}

func (s *Server) renderWording(c *fiber.Ctx, status int, d wordingPage, perr error) error {
	p := s.page(c, "wording_title", d)
	p.BodyClass = "wide"
	p.Error = survey.AsError(perr)
	if d.Saved != "" {
		p.Flash = p.T("wording_saved", d.Saved.Name(p.Lang))
	}
	return s.render.Render(c, status, "wording", p)
}

// handleWordingSave stores one element's wording in one language as the
// office's reviewed text.
func (s *Server) handleWordingSave(c *fiber.Ctx) error {
	lang, e := c.FormValue("bahasa"), survey.Element(c.FormValue("element"))
	d, err := s.wordingData(c, lang)
	if err != nil {
		return err
	}
	if !survey.ValidWordingLang(lang) || !e.Valid() {
		return survey.Invalid("element", "choose a language (id, en, jv, su) and an element", "pilih bahasa (id, en, jv, su) dan unsur")
	}
	q := survey.Question{Text: strings.TrimSpace(c.FormValue("question")), Name: strings.TrimSpace(c.FormValue("name"))}
	for i := range q.Labels {
		q.Labels[i] = strings.TrimSpace(c.FormValue(fmt.Sprintf("label%d", i+1)))
	}
	if q.Text == "" || slicesContainsEmpty(q.Labels[:]) {
		return s.renderWording(c, fiber.StatusBadRequest, d, survey.Invalid(string(e)+".question",
			"write the question and the four answers; clear nothing", "tulis pertanyaan dan keempat jawaban; jangan ada yang kosong"))
	}
	if lang == "id" || lang == "en" {
		if q.Name == e.Name(lang) {
			q.Name = "" // the standard name: nothing to override
		}
	}
	ctx := c.UserContext()
	over, err := s.store.OfficeWording(ctx, d.Office.ID)
	if err != nil {
		return err
	}
	w := over[lang]
	if w == nil {
		w = survey.Wording{}
	}
	w[e] = q
	if err := s.store.SetOfficeWording(ctx, d.Office.ID, lang, w); err != nil {
		if survey.ErrorCode(err) == survey.EINVALID {
			return s.renderWording(c, fiber.StatusBadRequest, d, err)
		}
		return err
	}
	if err := s.auth.Audit(c, "wording_save", fmt.Sprintf("office %d %s %s reviewed", d.Office.ID, lang, e)); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/offices/%d/wording?bahasa=%s&disimpan=%s#w-%s", d.Office.ID, lang, e, e), fiber.StatusSeeOther)
}

func slicesContainsEmpty(s []string) bool {
	for _, v := range s {
		if v == "" {
			return true
		}
	}
	return false
}
