package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

// officeName is the office the central tests register.
const officeName = "Disdukcapil Kota Serang"

// connectedKiosk is a kiosk registered at central, with its uploader.
type connectedKiosk struct {
	*kioskServer
	ID       string
	OfficeID string
	Uploader *upload.Uploader
}

var kioskConfigRE = regexp.MustCompile(`kiosk_id = "([^"]+)"\s+secret = "([^"]+)"`)

// MustRegisterKiosk does what a central admin does in the browser for a new
// office (logged in on central): add the office, add a staff member to its
// roster, register a kiosk and copy the kiosk's secret. It then starts that
// kiosk and pulls the roster from central once.
func MustRegisterKiosk(tb testing.TB, ctx context.Context, c *centralServer) *connectedKiosk {
	tb.Helper()
	MustOpen(tb, ctx, desktop, c.URL+"/admin/offices", `form[action="/admin/offices"]`)
	MustDo(tb, ctx, chromedp.SendKeys(chromedp.CSS("#name"), officeName))
	MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/admin/offices"] button[type=submit]`)))
	MustContain(tb, ctx, ".alert-ok", officeName)
	staffPath := MustRun(tb, ctx, chromedp.AttributeValue(chromedp.CSS(`table a[href$="/staff"]`), "href"))
	officeID := strings.TrimSuffix(strings.TrimPrefix(staffPath.Value, "/admin/offices/"), "/staff")

	MustOpen(tb, ctx, desktop, c.URL+staffPath.Value+"/new", "form #nip")
	MustDo(tb, ctx,
		chromedp.SendKeys(chromedp.CSS("#nip"), nipSiti),
		chromedp.SendKeys(chromedp.CSS("#name"), "Siti Aminah"),
		chromedp.SendKeys(chromedp.CSS("#counter"), "1"),
	)
	MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	MustContain(tb, ctx, "table", "Siti Aminah")

	MustOpen(tb, ctx, desktop, c.URL+"/admin/kiosks", `form[action="/admin/kiosks"]`)
	MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/admin/kiosks"] button[type=submit]`)))
	m := kioskConfigRE.FindStringSubmatch(MustText(tb, ctx, ".alert-ok pre"))
	if m == nil {
		tb.Fatalf("the kiosks page shows no kiosk_id and secret: %q", MustText(tb, ctx, ".alert-ok"))
	}
	key, err := wire.ParseSecret(m[2])
	if err != nil {
		tb.Fatal(err)
	}
	// The kiosk's [central] section, as pasted from the kiosks page.
	connect := func(kc *kiosk.Config) {
		queueSystem(kc)
		kc.Central = kiosk.CentralConfig{URL: c.URL, KioskID: m[1], Secret: m[2]}
	}
	k := MustStartKiosk(tb, kioskOptions{Key: key, Configure: connect})
	up := upload.New(k.DB, upload.Config{BaseURL: c.URL, KioskID: m[1], Key: key, Now: c.Clock.Now, Logger: discard})
	res := MustSync(tb, up)
	if res.Roster.Added != 1 {
		tb.Fatalf("the first sync added %d staff members from central, want 1", res.Roster.Added)
	}
	return &connectedKiosk{kioskServer: k, ID: m[1], OfficeID: officeID, Uploader: up}
}

// MustSync runs one sync and fails unless it left nothing pending.
func MustSync(tb testing.TB, up *upload.Uploader) upload.Result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := up.SyncOnce(ctx)
	if err != nil {
		tb.Fatalf("sync: %v", err)
	}
	if res.Pending != 0 {
		tb.Fatalf("sync left %d responses pending", res.Pending)
	}
	return res
}

// queueSystem turns the per-address limit off, as an office whose queue
// system posts ratings from one address does (limits.per_address = 0).
func queueSystem(c *kiosk.Config) { c.Limits.PerAddress = 0 }

// MustRateThroughAPI posts n ratings to the kiosk's JSON API, as a queue
// system does. More than limits.per_address (10) need queueSystem.
func (k *kioskServer) MustRateThroughAPI(tb testing.TB, nip string, n int) {
	tb.Helper()
	for i := range n {
		ratings := map[survey.Element]int{}
		for j, e := range survey.Elements {
			ratings[e] = 1 + (i+j)%4
		}
		body, err := json.Marshal(map[string]any{"nip": nip, "service": "KTPEL_BARU", "ratings": ratings,
			"idempotency_key": fmt.Sprintf("antrian-%s-%03d", nip, i)})
		if err != nil {
			tb.Fatal(err)
		}
		resp, err := k.HTTP.Post(k.URL+"/api/v1/responses", "application/json", bytes.NewReader(body))
		if err != nil {
			tb.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			tb.Fatalf("POST /api/v1/responses: status %d, want 201", resp.StatusCode)
		}
	}
}

// MustSeedCentral sets central up through the browser, registers a kiosk,
// lets a citizen rate at that kiosk on a phone, adds ratings from the queue
// system and syncs them all. It returns the kiosk and how many ratings central holds.
func MustSeedCentral(tb testing.TB, ctx context.Context, c *centralServer) (*connectedKiosk, int) {
	tb.Helper()
	MustSetUpAdmin(tb, ctx, c.MustSetupLink(tb))
	k := MustRegisterKiosk(tb, ctx, c)
	siti, err := k.DB.StaffByNIP(context.Background(), nipSiti)
	if err != nil {
		tb.Fatal(err)
	}
	MustOpen(tb, ctx, phone, k.URL+"/s/"+siti.Code, "form[data-survey]")
	MustDo(tb, ctx, tapAnswers(answers)...)
	MustDo(tb, ctx, chromedp.SetValue(chromedp.CSS("#service"), "KTPEL_BARU"))
	MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS("button[type=submit]")))
	MustDo(tb, ctx, chromedp.WaitVisible(chromedp.CSS(".thanks")))
	const fromQueue = 11
	k.MustRateThroughAPI(tb, nipSiti, fromQueue)
	if res := MustSync(tb, k.Uploader); res.Stored != 1+fromQueue {
		tb.Fatalf("central stored %d of %d ratings", res.Stored, 1+fromQueue)
	}
	// Reports show settled months: read them after this month settles,
	// logged in again (the session has long expired by then).
	c.SettleMonth()
	MustLogIn(tb, ctx, c.URL)
	return k, 1 + fromQueue
}

// TestCentralPages runs central as its admin sees it after the first night:
// the dashboard, offices, kiosks, integrity and reconciliation pages render
// the synced kiosk's numbers.
func TestCentralPages(t *testing.T) {
	c := MustStartCentral(t)
	ctx := MustBrowser(t)
	k, n := MustSeedCentral(t, ctx, c)

	MustOpen(t, ctx, desktop, c.URL+"/admin", ".grid")
	stats := MustEval[[]string](t, ctx, `[...document.querySelectorAll(".grid .stat")].map(e => e.textContent.trim())`)
	if want := []string{"1", "1", fmt.Sprint(n), "0"}; strings.Join(stats, " ") != strings.Join(want, " ") {
		t.Errorf("dashboard figures (offices, kiosks, responses, gaps) = %v, want %v", stats, want)
	}
	MustContain(t, ctx, "main table", k.ID, officeName)

	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`nav.admin a[href="/admin/offices"]`)))
	MustContain(t, ctx, "main table", officeName)
	if got := MustText(t, ctx, "main table tbody td.num"); got != "1" {
		t.Errorf("the offices page counts %s kiosks, want 1", got)
	}

	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`nav.admin a[href="/admin/kiosks"]`)))
	MustContain(t, ctx, "main table", k.ID, officeName)

	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`nav.admin a[href="/admin/integrity"]`)))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := MustEval[int](t, ctx, `document.querySelectorAll("main table tbody tr").length`); got != 0 {
		t.Errorf("the integrity page lists %d findings for a clean upload, want none", got)
	}

	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`nav.admin a[href="/admin/reconciliation"]`)))
	row := MustEval[[]string](t, ctx, `[...document.querySelector("main table tbody tr").cells].map(c => c.textContent.trim())`)
	if len(row) < 9 || row[1] != k.ID || row[5] != fmt.Sprint(n) {
		t.Errorf("reconciliation row %v, want kiosk %s with %d stored", row, k.ID, n)
	}

	MustOpen(t, ctx, desktop, c.URL+"/admin/offices/"+k.OfficeID+"/staff", "main table")
	MustContain(t, ctx, "main table", nipSiti, "Siti Aminah")
}
