package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

// RosterBackend is one office's roster as the roster pages edit it: the
// kiosk's own, or one office's at central.
type RosterBackend interface {
	FindStaff(ctx context.Context, f survey.StaffFilter) ([]survey.Staff, error)
	StaffByNIP(ctx context.Context, nip string) (survey.Staff, error)
	CreateStaff(ctx context.Context, s *survey.Staff) error
	UpdateStaff(ctx context.Context, s *survey.Staff) error
	SetStaffActive(ctx context.Context, nip string, active bool) error
	ImportStaff(ctx context.Context, staff []survey.Staff) (survey.ImportResult, error)
	SetStaffPhoto(ctx context.Context, nip string, p survey.Photo) error
}

// StaffLink is a link shown beside a staff member in the roster list.
type StaffLink struct{ Label, URL string }

// RosterPages serves the roster pages (list, add, edit, deactivate, CSV
// import and export) for the kiosk and for each office at central.
type RosterPages struct {
	Auth   *Auth
	Render *Renderer
	Page   func(c *fiber.Ctx, title string, data any) *Page
	Now    func() time.Time
	// Backend resolves the roster for a request and the base path of its pages.
	Backend func(c *fiber.Ctx) (RosterBackend, string, error)
	// Managed, when it reports true, makes the roster read-only with an explanation.
	Managed func(c *fiber.Ctx) bool
	// Links lists extra links per staff member (the kiosk's card and counter screen).
	Links func(lang string, s survey.Staff) []StaffLink
}

// RosterRow is one line of the roster list.
type RosterRow struct {
	survey.Staff
	Links []StaffLink
}

// RosterList is the data of the roster list page.
type RosterList struct {
	Base    string
	Title   string
	Rows    []RosterRow
	Managed bool
}

// RosterForm is the data of the add/edit page.
type RosterForm struct {
	Base   string
	Staff  survey.Staff
	New    bool
	Action string
}

// RosterImport is the data of the import page.
type RosterImport struct {
	Base string
	Rows []survey.RowError
}

var errRosterManaged = survey.NewError(survey.EFORBIDDEN,
	"the roster and service catalogue are managed centrally: change them in the central application",
	"daftar petugas dan katalog layanan dikelola pusat: ubah di aplikasi pusat")

func (rp *RosterPages) managed(c *fiber.Ctx) bool { return rp.Managed != nil && rp.Managed(c) }

// editable resolves the backend and refuses when the roster is managed elsewhere.
func (rp *RosterPages) editable(c *fiber.Ctx) (RosterBackend, string, error) {
	if rp.managed(c) {
		return nil, "", errRosterManaged
	}
	return rp.Backend(c)
}

// List shows the roster.
func (rp *RosterPages) List(c *fiber.Ctx) error {
	b, base, err := rp.Backend(c)
	if err != nil {
		return err
	}
	staff, err := b.FindStaff(c.UserContext(), survey.StaffFilter{})
	if err != nil {
		return err
	}
	d := RosterList{Base: base, Managed: rp.managed(c)}
	for _, s := range staff {
		row := RosterRow{Staff: s}
		if rp.Links != nil && s.Active {
			row.Links = rp.Links(LangOf(c), s)
		}
		d.Rows = append(d.Rows, row)
	}
	p := rp.Page(c, "staff_title", d)
	p.BodyClass = "wide"
	if n := c.Query("saved"); n != "" {
		p.Flash = p.T("staff_saved", n)
	}
	if c.Query("imported") != "" {
		p.Flash = p.T("import_done", c.QueryInt("added"), c.QueryInt("updated"))
	}
	return rp.Render.Render(c, fiber.StatusOK, "roster_list", p)
}

// New shows the empty form.
func (rp *RosterPages) New(c *fiber.Ctx) error {
	_, base, err := rp.editable(c)
	if err != nil {
		return err
	}
	d := RosterForm{Base: base, Staff: survey.Staff{Type: survey.PNS, Active: true}, New: true, Action: base + "/new"}
	return rp.Render.Render(c, fiber.StatusOK, "roster_form", rp.Page(c, "staff_add", d))
}

// Edit shows a staff member's form.
func (rp *RosterPages) Edit(c *fiber.Ctx) error {
	b, base, err := rp.editable(c)
	if err != nil {
		return err
	}
	s, err := b.StaffByNIP(c.UserContext(), c.Params("nip"))
	if err != nil {
		return err
	}
	d := RosterForm{Base: base, Staff: s, Action: base + "/" + s.NIP}
	return rp.Render.Render(c, fiber.StatusOK, "roster_form", rp.Page(c, "staff_edit", d))
}

func staffFromForm(c *fiber.Ctx) survey.Staff {
	return survey.Staff{NIP: c.FormValue("nip"), Name: c.FormValue("name"), Position: c.FormValue("position"),
		Unit: c.FormValue("unit"), Counter: c.FormValue("counter"), Type: survey.EmployeeType(c.FormValue("type")), Active: true}
}

// Create adds a staff member (with an optional photo).
func (rp *RosterPages) Create(c *fiber.Ctx) error {
	return rp.save(c, true)
}

// Update changes a staff member (not the NIP).
func (rp *RosterPages) Update(c *fiber.Ctx) error {
	return rp.save(c, false)
}

func (rp *RosterPages) save(c *fiber.Ctx, isNew bool) error {
	b, base, err := rp.editable(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	s := staffFromForm(c)
	if !isNew {
		old, err := b.StaffByNIP(ctx, c.Params("nip"))
		if err != nil {
			return err
		}
		s.NIP, s.Code, s.Active = old.NIP, old.Code, old.Active
	}
	photo, err := formPhoto(c)
	switch {
	case err != nil:
	case isNew:
		err = b.CreateStaff(ctx, &s)
	default:
		err = b.UpdateStaff(ctx, &s)
	}
	if err == nil && photo != nil {
		err = b.SetStaffPhoto(ctx, s.NIP, *photo)
	}
	if code := survey.ErrorCode(err); code == survey.EINVALID || code == survey.ECONFLICT || code == survey.ETOOLARGE {
		d := RosterForm{Base: base, Staff: s, New: isNew, Action: base + "/new"}
		title := "staff_add"
		if !isNew {
			d.Action, title = base+"/"+s.NIP, "staff_edit"
		}
		p := rp.Page(c, title, d)
		p.Error = survey.AsError(err)
		return rp.Render.Render(c, StatusOf(err), "roster_form", p)
	} else if err != nil {
		return err
	}
	action := "staff_update"
	if isNew {
		action = "staff_create"
	}
	if err := rp.Auth.Audit(c, action, s.NIP+" "+s.Name); err != nil {
		return err
	}
	return c.Redirect(base+"?saved="+url.QueryEscape(s.Name), fiber.StatusSeeOther)
}

// SetActive activates or deactivates a staff member.
func (rp *RosterPages) SetActive(c *fiber.Ctx) error {
	b, base, err := rp.editable(c)
	if err != nil {
		return err
	}
	nip, active := c.Params("nip"), c.FormValue("active") == "1"
	if err := b.SetStaffActive(c.UserContext(), nip, active); err != nil {
		return err
	}
	if err := rp.Auth.Audit(c, "staff_active", fmt.Sprintf("%s active=%v", nip, active)); err != nil {
		return err
	}
	return c.Redirect(base+"?saved="+url.QueryEscape(nip), fiber.StatusSeeOther)
}

// ImportForm shows the CSV upload form.
func (rp *RosterPages) ImportForm(c *fiber.Ctx) error {
	_, base, err := rp.editable(c)
	if err != nil {
		return err
	}
	return rp.Render.Render(c, fiber.StatusOK, "roster_import", rp.Page(c, "staff_import", RosterImport{Base: base}))
}

// Import reads a roster CSV: all rows or none, each bad line named.
func (rp *RosterPages) Import(c *fiber.Ctx) error {
	b, base, err := rp.editable(c)
	if err != nil {
		return err
	}
	data, err := FormFile(c, "file", 4<<20)
	if err != nil {
		return err
	}
	if data == nil {
		return survey.Invalid("file", "choose a CSV file to import", "pilih berkas CSV untuk diimpor")
	}
	staff, err := survey.ParseRoster(bytes.NewReader(data), rp.Now())
	var re *survey.RosterError
	if errors.As(err, &re) {
		p := rp.Page(c, "staff_import", RosterImport{Base: base, Rows: re.Rows})
		return rp.Render.Render(c, fiber.StatusBadRequest, "roster_import", p)
	} else if err != nil {
		return err
	}
	res, err := b.ImportStaff(c.UserContext(), staff)
	if err != nil {
		return err
	}
	if err := rp.Auth.Audit(c, "staff_import", fmt.Sprintf("added %d, updated %d", res.Added, res.Updated)); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("%s?imported=1&added=%d&updated=%d", base, res.Added, res.Updated), fiber.StatusSeeOther)
}

// Export writes the roster as CSV.
func (rp *RosterPages) Export(c *fiber.Ctx) error {
	b, _, err := rp.Backend(c)
	if err != nil {
		return err
	}
	staff, err := b.FindStaff(c.UserContext(), survey.StaffFilter{})
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

// Register adds the roster routes under base to r; readers may list and
// export, editors change.
func (rp *RosterPages) Register(r fiber.Router, base string, readers, editors fiber.Handler) {
	r.Get(base, readers, rp.List)
	r.Get(base+"/export.csv", readers, rp.Export)
	r.Get(base+"/new", editors, rp.New)
	r.Post(base+"/new", editors, rp.Create)
	r.Get(base+"/import", editors, rp.ImportForm)
	r.Post(base+"/import", editors, rp.Import)
	r.Get(base+"/:nip", editors, rp.Edit)
	r.Post(base+"/:nip", editors, rp.Update)
	r.Post(base+"/:nip/active", editors, rp.SetActive)
}

// MaxUploadBody bounds the body of a roster page's form: a staff photo
// (5 MB) or a roster file (4 MB), with the form around it.
const MaxUploadBody = 8 << 20

// formPhoto reads the optional "photo" upload and re-encodes it.
func formPhoto(c *fiber.Ctx) (*survey.Photo, error) {
	data, err := FormFile(c, "photo", 5<<20)
	if err != nil || len(data) == 0 {
		return nil, err
	}
	return ShrinkPhoto(data)
}

// FormFile reads an uploaded file of at most limit bytes; no file is nil, nil.
func FormFile(c *fiber.Ctx, field string, limit int64) ([]byte, error) {
	fh, err := c.FormFile(field)
	if err != nil || fh == nil {
		return nil, nil // not multipart, or no such field: nothing uploaded
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
