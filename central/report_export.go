package central

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// officeTableNames lists the tables of an office report, in workbook order.
var officeTableNames = []string{"summary", "elements", "months", "units", "counters", "services", "staff",
	"reward", "coaching", "others", "rtl", "profile"}

// officeTables builds the named tables of q (all of them for nil).
func (s *Server) officeTables(c *fiber.Ctx, q reportQuery, r reports, names []string) ([]reportTable, error) {
	ctx, lang := c.UserContext(), web.LangOf(c)
	want := func(group ...string) bool {
		for _, n := range names {
			for _, g := range group {
				if n == g {
					return true
				}
			}
		}
		return false
	}
	byName := map[string]reportTable{}
	if want("summary", "elements", "months", "units", "counters", "services", "staff") {
		rep, err := r.office(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, t := range []reportTable{summaryTable(rep, lang), elementsTable(rep.Figures, rep.Hidden, lang), groupTable("months", rep.Months, lang),
			groupTable("units", rep.Units, lang), groupTable("counters", rep.Counters, lang), groupTable("services", rep.Services, lang), staffTable(rep.Staff)} {
			byName[t.Name] = t
		}
	}
	if want("reward", "coaching", "others") {
		rep, err := r.appraisal(ctx, q)
		if err != nil {
			return nil, err
		}
		a := rep.Appraisal
		byName["reward"], byName["coaching"], byName["others"] = candidateTable("reward", a.Reward, rep.HeldBack, lang),
			candidateTable("coaching", a.Coaching, rep.HeldBack, lang), candidateTable("others", a.Others, rep.HeldBack, lang)
	}
	if want("rtl") {
		actions, err := r.store.FindRTL(ctx, q.Office.ID, q.Code)
		if err != nil {
			return nil, err
		}
		byName["rtl"] = rtlTable(actions)
	}
	if want("profile") {
		rel, err := r.release(ctx, q.Office.ID, q.Period)
		if err != nil {
			return nil, err
		}
		counts, err := r.profile(ctx, rel, q.OfficeFilter())
		if err != nil {
			return nil, err
		}
		byName["profile"] = profileTable(counts, lang)
	}
	out := make([]reportTable, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out, nil
}

// handleReportTable sends one table of an office report as CSV or XLSX.
func (s *Server) handleReportTable(c *fiber.Ctx) error {
	name, ext := c.Params("table"), c.Params("ext")
	known := false
	for _, n := range officeTableNames {
		known = known || n == name
	}
	if !known || (ext != "csv" && ext != "xlsx") {
		return survey.NewError(survey.ENOTFOUND, "no such report table", "tabel laporan tidak ditemukan")
	}
	q, r, err := s.officeQuery(c)
	if err != nil {
		return err
	}
	tables, err := s.officeTables(c, q, r, []string{name})
	if err != nil {
		return err
	}
	if err := s.auth.Audit(c, "report_export", exportName(q, name)+"."+ext); err != nil {
		return err
	}
	return sendTables(c, exportName(q, name), ext, tables)
}

// handleReportWorkbook sends every table of an office report as one XLSX workbook.
func (s *Server) handleReportWorkbook(c *fiber.Ctx) error {
	q, r, err := s.officeQuery(c)
	if err != nil {
		return err
	}
	tables, err := s.officeTables(c, q, r, officeTableNames)
	if err != nil {
		return err
	}
	if err := s.auth.Audit(c, "report_export", exportName(q, "report")+".xlsx"); err != nil {
		return err
	}
	return sendTables(c, exportName(q, "report"), "xlsx", tables)
}

// handleEvidenceCSV sends a staff member's evidence for e-Kinerja as CSV.
func (s *Server) handleEvidenceCSV(c *fiber.Ctx) error {
	rep, _, err := s.personReportOf(c)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("bukti-dukung-%s-%s", rep.Staff.NIP, safeName(rep.Query.Code))
	if err := s.auth.Audit(c, "report_export", name+".csv"); err != nil {
		return err
	}
	return sendTables(c, name, "csv", []reportTable{evidenceTable(rep)})
}

func exportName(q reportQuery, table string) string {
	return fmt.Sprintf("skm-%d-%s-%s", q.Office.ID, safeName(q.Code), table)
}

// safeName keeps a period code usable in a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

// sendTables writes the tables as a download: CSV (one table) or XLSX (a sheet each).
func sendTables(c *fiber.Ctx, name, ext string, tables []reportTable) error {
	var body []byte
	var err error
	switch ext {
	case "csv":
		body, err = tableCSV(tables[0])
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	default:
		body, err = tablesXLSX(tables)
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.%s"`, name, ext))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(body)
}

// cellText is a cell as CSV text: numbers in their shortest form with a
// decimal point, text neutralised against formula injection.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return survey.NeutralizeCell(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	}
	return survey.NeutralizeCell(fmt.Sprint(v))
}

func tableCSV(t reportTable) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(t.Header); err != nil {
		return nil, fmt.Errorf("write %s.csv: %w", t.Name, err)
	}
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = cellText(v)
		}
		if err := w.Write(rec); err != nil {
			return nil, fmt.Errorf("write %s.csv: %w", t.Name, err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write %s.csv: %w", t.Name, err)
	}
	return b.Bytes(), nil
}

// tablesXLSX writes one sheet per table; numbers stay numbers, text is neutralised.
func tablesXLSX(tables []reportTable) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	for i, t := range tables {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", t.Name); err != nil {
				return nil, fmt.Errorf("xlsx sheet %s: %w", t.Name, err)
			}
		} else if _, err := f.NewSheet(t.Name); err != nil {
			return nil, fmt.Errorf("xlsx sheet %s: %w", t.Name, err)
		}
		header := make([]any, len(t.Header))
		for j, h := range t.Header {
			header[j] = h
		}
		if err := f.SetSheetRow(t.Name, "A1", &header); err != nil {
			return nil, fmt.Errorf("xlsx sheet %s: %w", t.Name, err)
		}
		for r, row := range t.Rows {
			cells := make([]any, len(row))
			for j, v := range row {
				if s, ok := v.(string); ok {
					v = survey.NeutralizeCell(s)
				}
				cells[j] = v
			}
			cell, err := excelize.CoordinatesToCellName(1, r+2)
			if err != nil {
				return nil, fmt.Errorf("xlsx sheet %s: %w", t.Name, err)
			}
			if err := f.SetSheetRow(t.Name, cell, &cells); err != nil {
				return nil, fmt.Errorf("xlsx sheet %s: %w", t.Name, err)
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("write xlsx: %w", err)
	}
	return buf.Bytes(), nil
}
