package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

// CatalogueBackend is one office's service catalogue.
type CatalogueBackend interface {
	FindServices(ctx context.Context, activeOnly bool) ([]survey.Service, error)
	SaveService(ctx context.Context, s *survey.Service) error
}

// CataloguePages serves the service catalogue page (list, add, edit) for the
// kiosk and for each office at central.
type CataloguePages struct {
	Auth    *Auth
	Render  *Renderer
	Page    func(c *fiber.Ctx, title string, data any) *Page
	Backend func(c *fiber.Ctx) (CatalogueBackend, string, error)
	Managed func(c *fiber.Ctx) bool
}

// CatalogueData is the data of the catalogue page.
type CatalogueData struct {
	Base     string
	Services []survey.Service
	Edit     survey.Service
	Managed  bool
}

// List shows the catalogue, with the edit form for ?edit=CODE.
func (cp *CataloguePages) List(c *fiber.Ctx) error {
	return cp.render(c, fiber.StatusOK, survey.Service{}, nil)
}

func (cp *CataloguePages) render(c *fiber.Ctx, status int, edit survey.Service, perr error) error {
	b, base, err := cp.Backend(c)
	if err != nil {
		return err
	}
	services, err := b.FindServices(c.UserContext(), false)
	if err != nil {
		return err
	}
	d := CatalogueData{Base: base, Services: services, Edit: edit, Managed: cp.Managed != nil && cp.Managed(c)}
	if code := c.Query("edit"); code != "" && edit.Code == "" {
		for _, s := range services {
			if s.Code == code {
				d.Edit = s
			}
		}
	}
	p := cp.Page(c, "services_title", d)
	p.BodyClass = "wide"
	p.Error = survey.AsError(perr)
	if saved := c.Query("saved"); saved != "" {
		p.Flash = p.T("service_saved", saved)
	}
	return cp.Render.Render(c, status, "catalogue", p)
}

// Save adds or updates a service.
func (cp *CataloguePages) Save(c *fiber.Ctx) error {
	if cp.Managed != nil && cp.Managed(c) {
		return errRosterManaged
	}
	b, base, err := cp.Backend(c)
	if err != nil {
		return err
	}
	s := survey.Service{Code: c.FormValue("code"), NameID: c.FormValue("name_id"), NameEN: c.FormValue("name_en"),
		Group: c.FormValue("group"), Active: c.FormValue("active") != "0"}
	if err := b.SaveService(c.UserContext(), &s); err != nil {
		if survey.ErrorCode(err) != survey.EINVALID {
			return err
		}
		return cp.render(c, fiber.StatusBadRequest, s, err)
	}
	if err := cp.Auth.Audit(c, "service_save", s.Code); err != nil {
		return err
	}
	return c.Redirect(base+"?saved="+s.Code, fiber.StatusSeeOther)
}
