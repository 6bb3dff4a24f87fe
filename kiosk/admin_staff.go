package kiosk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// rosterManaged reports whether central manages this kiosk's roster and catalogue.
func (s *Server) rosterManaged(c *fiber.Ctx) bool {
	v, ok, err := s.store.Setting(c.UserContext(), "managed_by_central")
	return err == nil && ok && v == "1"
}

var errManaged = survey.NewError(survey.EFORBIDDEN,
	"the roster and service catalogue are managed centrally: change them in the central application",
	"daftar petugas dan katalog layanan dikelola pusat: ubah di aplikasi pusat")

type staffListData struct {
	Staff   []survey.Staff
	Managed bool
}

func (s *Server) handleStaffList(c *fiber.Ctx) error {
	staff, err := s.store.FindStaff(c.UserContext(), survey.StaffFilter{})
	if err != nil {
		return err
	}
	p := s.page(c, "staff_title", staffListData{staff, s.rosterManaged(c)})
	p.BodyClass = "wide"
	if n := c.Query("saved"); n != "" {
		p.Flash = p.T("staff_saved", n)
	}
	if c.Query("imported") != "" {
		p.Flash = p.T("import_done", c.QueryInt("added"), c.QueryInt("updated"))
	}
	return s.render.Render(c, fiber.StatusOK, "staff_list", p)
}

type staffFormData struct {
	Staff  survey.Staff
	New    bool
	Action string
}

func (s *Server) handleStaffNew(c *fiber.Ctx) error {
	if s.rosterManaged(c) {
		return errManaged
	}
	d := staffFormData{Staff: survey.Staff{Type: survey.PNS, Active: true}, New: true, Action: "/admin/staff/new"}
	return s.render.Render(c, fiber.StatusOK, "staff_form", s.page(c, "staff_add", d))
}

func (s *Server) handleStaffEdit(c *fiber.Ctx) error {
	if s.rosterManaged(c) {
		return errManaged
	}
	st, err := s.store.StaffByNIP(c.UserContext(), c.Params("nip"))
	if err != nil {
		return err
	}
	d := staffFormData{Staff: st, Action: "/admin/staff/" + st.NIP}
	return s.render.Render(c, fiber.StatusOK, "staff_form", s.page(c, "staff_edit", d))
}

func staffFromForm(c *fiber.Ctx) survey.Staff {
	return survey.Staff{NIP: c.FormValue("nip"), Name: c.FormValue("name"), Position: c.FormValue("position"),
		Unit: c.FormValue("unit"), Counter: c.FormValue("counter"), Type: survey.EmployeeType(c.FormValue("type")), Active: true}
}

func (s *Server) handleStaffCreate(c *fiber.Ctx) error {
	if s.rosterManaged(c) {
		return errManaged
	}
	st := staffFromForm(c)
	photo, err := formPhoto(c)
	if err == nil {
		err = s.store.CreateStaff(c.UserContext(), &st)
	}
	if err == nil && photo != nil {
		err = s.store.SetStaffPhoto(c.UserContext(), st.NIP, *photo)
	}
	if code := survey.ErrorCode(err); code == survey.EINVALID || code == survey.ECONFLICT {
		p := s.page(c, "staff_add", staffFormData{Staff: st, New: true, Action: "/admin/staff/new"})
		p.Error = survey.AsError(err)
		return s.render.Render(c, web.StatusOf(err), "staff_form", p)
	} else if err != nil {
		return err
	}
	if err := s.auth.Audit(c, "staff_create", st.NIP+" "+st.Name); err != nil {
		return err
	}
	return c.Redirect("/admin/staff?saved="+url.QueryEscape(st.Name), fiber.StatusSeeOther)
}

func (s *Server) handleStaffUpdate(c *fiber.Ctx) error {
	if s.rosterManaged(c) {
		return errManaged
	}
	old, err := s.store.StaffByNIP(c.UserContext(), c.Params("nip"))
	if err != nil {
		return err
	}
	st := staffFromForm(c)
	st.NIP, st.Code, st.Active = old.NIP, old.Code, old.Active
	photo, err := formPhoto(c)
	if err == nil {
		err = s.store.UpdateStaff(c.UserContext(), &st)
	}
	if err == nil && photo != nil {
		err = s.store.SetStaffPhoto(c.UserContext(), st.NIP, *photo)
	}
	if survey.ErrorCode(err) == survey.EINVALID {
		p := s.page(c, "staff_edit", staffFormData{Staff: st, Action: "/admin/staff/" + st.NIP})
		p.Error = survey.AsError(err)
		return s.render.Render(c, fiber.StatusBadRequest, "staff_form", p)
	} else if err != nil {
		return err
	}
	if err := s.auth.Audit(c, "staff_update", st.NIP+" "+st.Name); err != nil {
		return err
	}
	return c.Redirect("/admin/staff?saved="+url.QueryEscape(st.Name), fiber.StatusSeeOther)
}

func (s *Server) handleStaffActive(c *fiber.Ctx) error {
	if s.rosterManaged(c) {
		return errManaged
	}
	nip, active := c.Params("nip"), c.FormValue("active") == "1"
	if err := s.store.SetStaffActive(c.UserContext(), nip, active); err != nil {
		return err
	}
	if err := s.auth.Audit(c, "staff_active", fmt.Sprintf("%s active=%v", nip, active)); err != nil {
		return err
	}
	return c.Redirect("/admin/staff?saved="+url.QueryEscape(nip), fiber.StatusSeeOther)
}

type importData struct{ Rows []survey.RowError }

func (s *Server) handleStaffImportForm(c *fiber.Ctx) error {
	if s.rosterManaged(c) {
		return errManaged
	}
	return s.render.Render(c, fiber.StatusOK, "staff_import", s.page(c, "staff_import", importData{}))
}

func (s *Server) handleStaffImport(c *fiber.Ctx) error {
	if s.rosterManaged(c) {
		return errManaged
	}
	data, err := formFile(c, "file", 4<<20)
	if err != nil {
		return err
	}
	staff, err := survey.ParseRoster(bytes.NewReader(data), s.now())
	var re *survey.RosterError
	if errors.As(err, &re) {
		p := s.page(c, "staff_import", importData{Rows: re.Rows})
		return s.render.Render(c, fiber.StatusBadRequest, "staff_import", p)
	} else if err != nil {
		return err
	}
	res, err := s.store.ImportStaff(c.UserContext(), staff)
	if err != nil {
		return err
	}
	if err := s.auth.Audit(c, "staff_import", fmt.Sprintf("added %d, updated %d", res.Added, res.Updated)); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/staff?imported=1&added=%d&updated=%d", res.Added, res.Updated), fiber.StatusSeeOther)
}

func (s *Server) handleStaffExport(c *fiber.Ctx) error {
	staff, err := s.store.FindStaff(c.UserContext(), survey.StaffFilter{})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := survey.WriteRoster(&buf, staff); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="petugas.csv"`)
	return c.Send(buf.Bytes())
}

// formFile reads an uploaded file of at most limit bytes; a missing file is nil, nil.
func formFile(c *fiber.Ctx, field string, limit int64) ([]byte, error) {
	fh, err := c.FormFile(field)
	if errors.Is(err, fiber.ErrUnprocessableEntity) || errors.Is(err, multipart.ErrMessageTooLarge) || fh == nil {
		return nil, nil
	}
	if err != nil {
		return nil, nil // no multipart body or no such field: nothing uploaded
	}
	if fh.Size > limit {
		return nil, survey.NewError(survey.ETOOLARGE, fmt.Sprintf("the file is larger than %d MB", limit>>20),
			fmt.Sprintf("berkas lebih besar dari %d MB", limit>>20))
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}
