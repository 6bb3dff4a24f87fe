package web

import (
	"bytes"
	"encoding/csv"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

// AuditPages shows the audit log to admins and exports it as CSV. There is
// deliberately no way to change or delete an entry from the web.
type AuditPages struct {
	Render *Renderer
	Store  survey.AuthStore
	Page   func(c *fiber.Ctx, title string, data any) *Page
	// Base is the path of the admin pages, such as "/admin".
	Base string
}

// AuditData is the data of the audit log page.
type AuditData struct {
	Base    string
	Entries []survey.AuditEntry
}

// auditPageRows bounds the page; the CSV export holds everything.
const auditPageRows = 500

// List shows the newest entries.
func (ap *AuditPages) List(c *fiber.Ctx) error {
	entries, err := ap.Store.FindAudit(c.UserContext(), auditPageRows)
	if err != nil {
		return err
	}
	p := ap.Page(c, "audit_title", AuditData{Base: ap.Base, Entries: entries})
	p.BodyClass = "wide"
	return ap.Render.Render(c, fiber.StatusOK, "audit", p)
}

// Export writes every entry as CSV, newest first, with each cell a
// spreadsheet could run as a formula neutralised.
func (ap *AuditPages) Export(c *fiber.Ctx) error {
	entries, err := ap.Store.FindAudit(c.UserContext(), 1<<30)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := WriteAuditCSV(&buf, entries); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="audit.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// WriteAuditCSV writes entries as CSV with times in Asia/Jakarta.
func WriteAuditCSV(buf *bytes.Buffer, entries []survey.AuditEntry) error {
	w := csv.NewWriter(buf)
	if err := w.Write([]string{"id", "at", "username", "action", "detail", "remote"}); err != nil {
		return fmt.Errorf("write audit header: %w", err)
	}
	for _, e := range entries {
		rec := []string{fmt.Sprint(e.ID), e.At.In(Jakarta).Format("2006-01-02 15:04:05 WIB"), e.Username, e.Action, e.Detail, e.Remote}
		for i := range rec {
			rec[i] = survey.NeutralizeCell(rec[i])
		}
		if err := w.Write(rec); err != nil {
			return fmt.Errorf("write audit row: %w", err)
		}
	}
	w.Flush()
	return w.Error()
}

// Register adds the audit routes to admin (a group that loads the session).
func (ap *AuditPages) Register(admin fiber.Router, admins fiber.Handler) {
	admin.Get("/audit", admins, ap.List)
	admin.Get("/audit.csv", admins, ap.Export)
}
