package kiosk

import (
	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

type servicesData struct {
	Services []survey.Service
	Edit     survey.Service
	Managed  bool
}

func (s *Server) handleServices(c *fiber.Ctx) error {
	services, err := s.store.FindServices(c.UserContext(), false)
	if err != nil {
		return err
	}
	d := servicesData{Services: services, Managed: s.rosterManaged(c)}
	if code := c.Query("edit"); code != "" {
		for _, sv := range services {
			if sv.Code == code {
				d.Edit = sv
			}
		}
	}
	p := s.page(c, "services_title", d)
	p.BodyClass = "wide"
	if saved := c.Query("saved"); saved != "" {
		p.Flash = p.T("service_saved", saved)
	}
	return s.render.Render(c, fiber.StatusOK, "services", p)
}

func (s *Server) handleServiceSave(c *fiber.Ctx) error {
	if s.rosterManaged(c) {
		return errManaged
	}
	sv := survey.Service{Code: c.FormValue("code"), NameID: c.FormValue("name_id"), NameEN: c.FormValue("name_en"),
		Group: c.FormValue("group"), Active: c.FormValue("active") != "0"}
	if err := s.store.SaveService(c.UserContext(), &sv); err != nil {
		if survey.ErrorCode(err) != survey.EINVALID {
			return err
		}
		services, ferr := s.store.FindServices(c.UserContext(), false)
		if ferr != nil {
			return ferr
		}
		p := s.page(c, "services_title", servicesData{Services: services, Edit: sv})
		p.Error = survey.AsError(err)
		p.BodyClass = "wide"
		return s.render.Render(c, fiber.StatusBadRequest, "services", p)
	}
	if err := s.auth.Audit(c, "service_save", sv.Code); err != nil {
		return err
	}
	return c.Redirect("/admin/services?saved="+sv.Code, fiber.StatusSeeOther)
}
