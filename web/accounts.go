package web

import (
	"fmt"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

// AccountPages serves first-run set-up, login and logout for an application.
type AccountPages struct {
	Auth     *Auth
	Render   *Renderer
	Settings SettingsStore
	// Home is where a login lands by default.
	Home string
	// HomeFor, when set, chooses the landing page by account (a counter
	// account lands on its own counter screen).
	HomeFor func(c *fiber.Ctx, u survey.User) string
	// Page starts a page with the application's own decorations.
	Page func(c *fiber.Ctx, title string, data any) *Page
}

type setupData struct{ Token, Username string }

// SetupForm shows the first-admin form for a valid one-time token.
func (a *AccountPages) SetupForm(c *fiber.Ctx) error {
	token := c.Query("token")
	if !a.Auth.SetupTokenValid(c.UserContext(), a.Settings, token) {
		return survey.NewError(survey.EFORBIDDEN,
			"this set-up link is not valid: an admin already exists, or the program was restarted and printed a new link",
			"tautan penyiapan ini tidak berlaku: admin sudah ada, atau program dijalankan ulang dan mencetak tautan baru")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.Render.Render(c, fiber.StatusOK, "setup", a.Page(c, "setup_title", setupData{Token: token}))
}

// Setup creates the first admin and logs them in.
func (a *AccountPages) Setup(c *fiber.Ctx) error {
	token, username, pw := c.FormValue("token"), c.FormValue("username"), c.FormValue("password")
	if pw != c.FormValue("password2") {
		p := a.Page(c, "setup_title", setupData{Token: token, Username: username})
		p.Error = survey.Invalid("password2", "the two passwords differ", "kedua kata sandi tidak sama")
		return a.Render.Render(c, fiber.StatusBadRequest, "setup", p)
	}
	u, err := a.Auth.CompleteSetup(c.UserContext(), a.Settings, token, username, pw)
	if code := survey.ErrorCode(err); code == survey.EINVALID || code == survey.ECONFLICT {
		p := a.Page(c, "setup_title", setupData{Token: token, Username: username})
		p.Error = survey.AsError(err)
		return a.Render.Render(c, fiber.StatusBadRequest, "setup", p)
	} else if err != nil {
		return err
	}
	if err := a.Auth.StartSession(c, u); err != nil {
		return err
	}
	if err := a.Auth.Audit(c, "setup", "first admin "+u.Username+" created"); err != nil {
		return err
	}
	return c.Redirect(a.Home, fiber.StatusSeeOther)
}

type loginData struct{ Next, Username string }

// LoginForm shows the login form.
func (a *AccountPages) LoginForm(c *fiber.Ctx) error {
	if u, ok := CurrentUser(c); ok {
		return c.Redirect(SafeNext(c.Query("next"), a.home(c, u)), fiber.StatusSeeOther)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.Render.Render(c, fiber.StatusOK, "login", a.Page(c, "login_title", loginData{Next: SafeNext(c.Query("next"), "")}))
}

// Login checks the credentials, starts a session and audits the attempt:
// every checked failure, and a throttled flood in a few lines (see auditRefusal).
func (a *AccountPages) Login(c *fiber.Ctx) error {
	username, next := c.FormValue("username"), c.FormValue("next")
	u, outcome, err := a.Auth.Authenticate(c.UserContext(), username, c.FormValue("password"), ClientAddress(c))
	if err != nil {
		if code := survey.ErrorCode(err); code != survey.EUNAUTHORIZED && code != survey.ERATELIMIT {
			return err
		}
		if err := a.auditFailure(c, username, outcome); err != nil {
			return err
		}
		p := a.Page(c, "login_title", loginData{Next: SafeNext(next, ""), Username: clip(username, 100)})
		p.Error = survey.AsError(err)
		return a.Render.Render(c, StatusOf(err), "login", p)
	}
	if err := a.Auth.StartSession(c, u); err != nil {
		return err
	}
	if err := a.Auth.Audit(c, "login", ""); err != nil {
		return err
	}
	return c.Redirect(SafeNext(next, a.home(c, u)), fiber.StatusSeeOther)
}

// auditFailure records a failed login, or a throttled one when its count
// of refusals in the same wait is 1, 10, 100, …: a flood of guesses leaves
// a few lines that say how large it was, not one row per guess.
func (a *AccountPages) auditFailure(c *fiber.Ctx, username string, o LoginOutcome) error {
	e := survey.AuditEntry{At: a.Auth.now(), Username: clip(username, 100), Action: "login_failed", Remote: c.IP()}
	if o.Throttled {
		if !isPowerOf10(o.Refusals) {
			return nil
		}
		e.Action, e.Detail = "login_throttled", fmt.Sprintf("%d attempts refused while waiting", o.Refusals)
	}
	return a.Auth.Store.AddAudit(c.UserContext(), e)
}

func isPowerOf10(n int) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}

// clip shortens s to at most n bytes on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (a *AccountPages) home(c *fiber.Ctx, u survey.User) string {
	if a.HomeFor != nil {
		if h := a.HomeFor(c, u); h != "" {
			return h
		}
	}
	return a.Home
}

// Logout ends the session.
func (a *AccountPages) Logout(c *fiber.Ctx) error {
	if err := a.Auth.Audit(c, "logout", ""); err != nil {
		return err
	}
	if err := a.Auth.EndSession(c); err != nil {
		return err
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}
