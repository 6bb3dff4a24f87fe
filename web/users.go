package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

// UserPages serves account management for an application: admins list,
// create, deactivate and reset accounts; every user changes their own
// password. The kiosk and central share it with their own roles and scopes.
type UserPages struct {
	Auth   *Auth
	Render *Renderer
	Page   func(c *fiber.Ctx, title string, data any) *Page
	// Base is the path of the admin pages, such as "/admin".
	Base string
	// Roles an admin may give, in the order the form lists them.
	Roles []survey.Role
	// Scope checks and fills a new account's scope from the form: a
	// counter's NIP on the kiosk, a kepala's office at central.
	Scope func(c *fiber.Ctx, u *survey.User) error
	// Offices lists the offices a kepala may be bound to (central only).
	Offices func(c *fiber.Ctx) ([]survey.Office, error)
}

// UsersData is the data of the account list page.
type UsersData struct {
	Base    string
	Users   []survey.User
	Roles   []survey.Role
	Offices []survey.Office
	Office  map[int64]string
	Form    survey.User
	SelfID  int64
}

// NewPasswordData is the data of the page that shows a new password once.
type NewPasswordData struct {
	Base     string
	Username string
	Password string
	Created  bool
}

// List shows the accounts with the form to add one.
func (up *UserPages) List(c *fiber.Ctx) error {
	return up.renderList(c, fiber.StatusOK, survey.User{}, nil)
}

func (up *UserPages) renderList(c *fiber.Ctx, status int, form survey.User, perr error) error {
	users, err := up.Auth.Store.FindUsers(c.UserContext())
	if err != nil {
		return err
	}
	d := UsersData{Base: up.Base, Users: users, Roles: up.Roles, Form: form, Office: map[int64]string{}}
	if u, ok := CurrentUser(c); ok {
		d.SelfID = u.ID
	}
	if up.Offices != nil {
		if d.Offices, err = up.Offices(c); err != nil {
			return err
		}
		for _, o := range d.Offices {
			d.Office[o.ID] = o.Name
		}
	}
	p := up.Page(c, "users_title", d)
	p.BodyClass = "wide"
	p.Error = survey.AsError(perr)
	if saved := c.Query("saved"); saved != "" {
		p.Flash = p.T("user_saved", saved)
	}
	return up.Render.Render(c, status, "users", p)
}

// Create adds an account with a random first password, shown once.
func (up *UserPages) Create(c *fiber.Ctx) error {
	u := survey.User{Username: strings.TrimSpace(c.FormValue("username")), Role: survey.Role(c.FormValue("role")), Active: true}
	err := up.checkNew(c, &u)
	password := RandomToken(12)
	if err == nil {
		u.PasswordHash, err = up.Auth.HashPassword(password)
	}
	if err == nil {
		err = up.Auth.Store.CreateUser(c.UserContext(), &u)
	}
	if code := survey.ErrorCode(err); code == survey.EINVALID || code == survey.ECONFLICT || code == survey.ENOTFOUND {
		return up.renderList(c, StatusOf(err), u, err)
	} else if err != nil {
		return err
	}
	if err := up.Auth.Audit(c, "user_create", fmt.Sprintf("%s role=%s nip=%s office=%d", u.Username, u.Role, u.NIP, u.OfficeID)); err != nil {
		return err
	}
	return up.showPassword(c, NewPasswordData{Base: up.Base, Username: u.Username, Password: password, Created: true})
}

// checkNew validates the form's username, role and scope.
func (up *UserPages) checkNew(c *fiber.Ctx, u *survey.User) error {
	if err := survey.ValidateUsername(u.Username); err != nil {
		return err
	}
	if _, err := survey.ParseRole(string(u.Role)); err != nil || !slices.Contains(up.Roles, u.Role) {
		return survey.Invalid("role", "choose one of the roles offered", "pilih salah satu peran yang tersedia")
	}
	if up.Scope != nil {
		return up.Scope(c, u)
	}
	return nil
}

func (up *UserPages) showPassword(c *fiber.Ctx, d NewPasswordData) error {
	c.Set(fiber.HeaderCacheControl, "no-store") // the password is shown once
	return up.Render.Render(c, fiber.StatusOK, "user_password", up.Page(c, "user_password_title", d))
}

// target reads the :id of an account other than the admin's own.
func (up *UserPages) target(c *fiber.Ctx) (survey.User, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return survey.User{}, survey.NewError(survey.ENOTFOUND, "no such user", "pengguna tidak ditemukan")
	}
	if self, ok := CurrentUser(c); ok && self.ID == id {
		return survey.User{}, survey.NewError(survey.EFORBIDDEN,
			"you cannot change your own account here; use Change password, or ask another admin",
			"Anda tidak dapat mengubah akun sendiri di sini; gunakan Ubah kata sandi, atau minta admin lain")
	}
	return up.Auth.Store.UserByID(c.UserContext(), id)
}

// SetActive deactivates (ending its sessions) or reactivates an account.
func (up *UserPages) SetActive(c *fiber.Ctx) error {
	u, err := up.target(c)
	if err != nil {
		return err
	}
	u.Active = c.FormValue("active") == "1"
	if err := up.Auth.Store.UpdateUser(c.UserContext(), &u); err != nil {
		return err
	}
	if !u.Active {
		if err := up.Auth.Store.DeleteUserSessions(c.UserContext(), u.ID); err != nil {
			return err
		}
	}
	if err := up.Auth.Audit(c, "user_active", fmt.Sprintf("%s active=%v", u.Username, u.Active)); err != nil {
		return err
	}
	return c.Redirect(up.Base+"/users?saved="+u.Username, fiber.StatusSeeOther)
}

// Reset gives an account a new random password, shown once, clears its
// failed logins (and a lock-out an earlier version recorded) and ends the
// account's sessions.
func (up *UserPages) Reset(c *fiber.Ctx) error {
	u, err := up.target(c)
	if err != nil {
		return err
	}
	password := RandomToken(12)
	if u.PasswordHash, err = up.Auth.HashPassword(password); err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := up.Auth.Store.UpdateUser(ctx, &u); err != nil {
		return err
	}
	if err := up.Auth.Store.RecordLogin(ctx, u.ID, 0, time.Time{}); err != nil {
		return err
	}
	if err := up.Auth.ClearThrottle(ctx, u.Username); err != nil {
		return err
	}
	if err := up.Auth.Store.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	if err := up.Auth.Audit(c, "user_reset_password", u.Username); err != nil {
		return err
	}
	return up.showPassword(c, NewPasswordData{Base: up.Base, Username: u.Username, Password: password})
}

// PasswordForm shows the form to change one's own password.
func (up *UserPages) PasswordForm(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	p := up.Page(c, "account_password_title", nil)
	if c.Query("saved") != "" {
		p.Flash = p.T("account_password_saved")
	}
	return up.Render.Render(c, fiber.StatusOK, "account_password", p)
}

// ChangePassword checks the current password (with the login's throttling),
// sets the new one, ends every session of the account and starts a new one.
func (up *UserPages) ChangePassword(c *fiber.Ctx) error {
	self, _ := CurrentUser(c)
	ctx := c.UserContext()
	current, pw := c.FormValue("current"), c.FormValue("password")
	var err error
	if pw != c.FormValue("password2") {
		err = survey.Invalid("password2", "the two new passwords differ", "kedua kata sandi baru tidak sama")
	} else if _, _, aerr := up.Auth.Authenticate(ctx, self.Username, current, ClientAddress(c)); aerr != nil {
		err = survey.Invalid("current", "the current password is wrong", "kata sandi sekarang salah")
		if survey.ErrorCode(aerr) == survey.ERATELIMIT {
			err = aerr
		}
	}
	var hash string
	if err == nil {
		hash, err = up.Auth.HashPassword(pw)
	}
	if code := survey.ErrorCode(err); code == survey.EINVALID || code == survey.ERATELIMIT {
		p := up.Page(c, "account_password_title", nil)
		p.Error = survey.AsError(err)
		return up.Render.Render(c, StatusOf(err), "account_password", p)
	} else if err != nil {
		return err
	}
	u, err := up.Auth.Store.UserByID(ctx, self.ID)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	if err := up.Auth.Store.UpdateUser(ctx, &u); err != nil {
		return err
	}
	if err := up.Auth.Audit(c, "password_change", u.Username); err != nil {
		return err
	}
	if err := up.Auth.Store.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	if err := up.Auth.StartSession(c, u); err != nil {
		return err
	}
	return c.Redirect(c.Path()+"?saved=1", fiber.StatusSeeOther)
}

// Register adds the account routes: admin pages under admin (a group that
// already loads the session and checks CSRF), the own-password page under
// account (likewise, for any logged-in user).
func (up *UserPages) Register(admin, account fiber.Router, admins fiber.Handler) {
	admin.Get("/users", admins, up.List)
	admin.Post("/users", admins, up.Create)
	admin.Post("/users/:id/active", admins, up.SetActive)
	admin.Post("/users/:id/reset", admins, up.Reset)
	account.Get("/password", up.PasswordForm)
	account.Post("/password", up.ChangePassword)
}
