package e2e

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// charts describes each SVG chart of the page: its accessible title and how
// many shapes (bars, lines, points, labels) it draws.
const charts = `[...document.querySelectorAll("main svg")].map(s => ({
	title: (s.querySelector("title") || {}).textContent || "",
	shapes: s.querySelectorAll("rect, line, path, polyline, circle, text").length,
	width: s.getBoundingClientRect().width,
}))`

type chart struct {
	Title  string  `json:"title"`
	Shapes int     `json:"shapes"`
	Width  float64 `json:"width"`
}

// MustHaveCharts fails unless the page draws at least min charts, each
// visible, titled and with content.
func MustHaveCharts(tb testing.TB, ctx context.Context, page string, min int) {
	tb.Helper()
	cs := MustEval[[]chart](tb, ctx, charts)
	if len(cs) < min {
		tb.Errorf("%s draws %d charts, want at least %d", page, len(cs), min)
	}
	for i, c := range cs {
		if c.Title == "" || c.Shapes < 5 || c.Width == 0 {
			tb.Errorf("%s: chart %d (%q) has %d shapes and is %.0f px wide: want a titled, visible chart with content",
				page, i, c.Title, c.Shapes, c.Width)
		}
	}
}

// MustDownload clicks the link sel and waits until the browser saved the
// file it leads to; it returns the file's path and the name the server suggested.
func MustDownload(tb testing.TB, ctx context.Context, sel string) (path, name string) {
	tb.Helper()
	dir := tb.TempDir()
	events := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events}); err != nil {
		tb.Fatal(err)
	}
	begins := chromedp.BrowserEvents(ctx, browser.DownloadWillBegin)
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	MustDo(tb, ctx, chromedp.Click(chromedp.CSS(sel)))
	var guid string
	for ev, err := range begins {
		if err != nil {
			tb.Fatalf("no download began: %v", err)
		}
		guid, name = ev.GUID, ev.SuggestedFilename
		break
	}
	for ev, err := range progress {
		if err != nil {
			tb.Fatalf("download %s did not finish: %v", name, err)
		}
		if ev.GUID != guid {
			continue
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			tb.Fatalf("download %s was canceled", name)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	return filepath.Join(dir, guid), name
}

// TestCentralReports opens the appraisal reports after a kiosk synced: the
// office report and SKM report draw their charts, so does the staff
// member's page and the public page, and the office workbook downloads and
// opens as XLSX with the synced responses in it.
func TestCentralReports(t *testing.T) {
	c := MustStartCentral(t)
	ctx := MustBrowser(t)
	k, n := MustSeedCentral(t, ctx, c)

	MustOpen(t, ctx, desktop, c.URL+"/admin", "nav.admin")
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`nav.admin a[href="/admin/reports"]`)))
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`main a[href^="/admin/reports/`+k.OfficeID+`"]`)))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("#rpt-responses")))
	if got := MustText(t, ctx, "#rpt-responses"); got != fmt.Sprint(n) {
		t.Errorf("the office report counts %s responses, want %d", got, n)
	}
	MustHaveCharts(t, ctx, "office report", 3)
	officeReport := MustLocation(t, ctx)

	path, name := MustDownload(t, ctx, `a[href*="/export.xlsx"]`)
	if !strings.HasSuffix(name, ".xlsx") {
		t.Errorf("the workbook downloads as %q, want a .xlsx name", name)
	}
	MustOpenWorkbook(t, path, n, nipSiti)

	MustOpen(t, ctx, desktop, officeReport, "#rpt-staff")
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`#rpt-staff a[href*="/staff/`+nipSiti+`"]`)))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("#rpt-count")))
	if got := MustText(t, ctx, "h1"); got != "Siti Aminah" {
		t.Errorf("the staff page is headed %q, want Siti Aminah", got)
	}
	MustHaveCharts(t, ctx, "staff member's report", 1)

	for _, p := range []struct{ name, path string }{
		{"SKM report", "/admin/reports/" + k.OfficeID + "/skm"},
		{"public page", "/publik/" + k.OfficeID},
	} {
		MustOpen(t, ctx, desktop, c.URL+p.path, "main h1")
		MustHaveCharts(t, ctx, p.name, 1)
	}
}

// MustOpenWorkbook opens the downloaded XLSX with excelize and fails unless
// its summary sheet counts all n synced responses and its staff sheet lists
// the rated staff member.
func MustOpenWorkbook(tb testing.TB, path string, n int, nip string) {
	tb.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		tb.Fatalf("the downloaded workbook does not open: %v", err)
	}
	defer f.Close()
	rows := func(sheet string) [][]string {
		rs, err := f.GetRows(sheet)
		if err != nil {
			tb.Fatalf("workbook sheet %q: %v (sheets: %v)", sheet, err, f.GetSheetList())
		}
		return rs
	}
	all := ""
	for _, r := range rows("summary") {
		if len(r) > 1 && r[0] == "all" {
			all = r[1]
		}
	}
	if all != fmt.Sprint(n) {
		tb.Errorf("the workbook's summary counts %q responses in all, want %d", all, n)
	}
	listed := false
	for _, r := range rows("staff") {
		listed = listed || (len(r) > 0 && r[0] == nip)
	}
	if !listed {
		tb.Errorf("the workbook's staff sheet does not list %s", nip)
	}
}
