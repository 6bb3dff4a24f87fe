package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
	"github.com/skmkiosk/skm/web"
)

// A citizen rates on a phone with JavaScript off. The thank-you page shows
// a receipt code and, through an image from central's public address (the
// only other origin its Content-Security-Policy allows), makes the phone
// deliver the kiosk's signed head to central, which keeps it as a witness.
// Central's public page then says the rating is not yet received; after
// the kiosk's sync, that it was received, and on which day; never the
// answers. /privasi says what the image sends. (TestAccessibilityCentralPages
// checks the receipt page with axe.)
func TestThankYouPageWitnessAndReceipt(t *testing.T) {
	c := MustStartCentral(t)
	ctx := context.Background()
	o := survey.Office{Name: officeName}
	if err := c.DB.CreateOffice(ctx, &o); err != nil {
		t.Fatal(err)
	}
	ck, secret, err := central.NewKiosk(ctx, c.DB, o)
	if err != nil {
		t.Fatal(err)
	}
	key, err := wire.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	k := MustStartKiosk(t, kioskOptions{Key: key, Configure: func(cfg *kiosk.Config) {
		cfg.Central = kiosk.CentralConfig{URL: c.URL, KioskID: ck.ID, Secret: secret, PublicURL: c.URL}
	}})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")

	b := MustBrowser(t, noJavaScript)
	MustOpen(t, b, phone, k.URL+"/s/"+siti.Code, "form[data-survey]")
	MustDo(t, b, tapAnswers(answers)...)
	MustDo(t, b, chromedp.SetValue(chromedp.CSS("#service"), "KTPEL_BARU"))
	MustFollow(t, b, http.StatusOK, chromedp.Click(chromedp.CSS("button[type=submit]")))
	MustDo(t, b, chromedp.WaitVisible(chromedp.CSS(".thanks")))
	if !MustEval[bool](t, b, scriptingDisabled) {
		t.Fatal("the browser runs scripts; this test needs JavaScript off")
	}
	code := strings.TrimSpace(MustText(t, b, "#receipt-code"))
	rc, err := survey.ParseReceiptCode(code)
	if err != nil || rc.KioskID != ck.ID || rc.Seq != 1 {
		t.Fatalf("receipt code %q (%v), want one for the kiosk's first rating", code, err)
	}
	thanks := MustLocation(t, b)

	// The phone delivered the head: central holds it as a witness.
	deadline := time.Now().Add(10 * time.Second)
	for {
		heads, err := c.DB.FindHeads(ctx, ck.ID, 10)
		if err == nil && len(heads) == 1 && heads[0].Source == survey.HeadFromWitness && heads[0].Seq == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("central's head history = %+v (%v), want the witnessed head 1", heads, err)
		}
		time.Sleep(50 * time.Millisecond) // polling an observable condition with a deadline
	}

	// The page's policy lets images come from central's address, and nothing else.
	resp, err := k.HTTP.Get(thanks)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "img-src 'self' data: "+c.URL+";") || strings.Count(csp, c.URL) != 1 {
		t.Errorf("thank-you page CSP %q, want img-src to allow %s only", csp, c.URL)
	}

	check := c.URL + wire.PathReceipt + "?" + url.Values{"kode": {code}}.Encode()
	MustOpen(t, b, phone, check, "#receipt-result")
	MustContain(t, b, "#receipt-result", "Belum diterima")
	up := upload.New(k.DB, upload.Config{BaseURL: c.URL, KioskID: ck.ID, Key: key, Now: c.Clock.Now, Logger: discard})
	MustSync(t, up)
	MustOpen(t, b, phone, check, "#receipt-result")
	MustContain(t, b, "#receipt-result", "Diterima pusat pada "+c.Clock.Now().In(web.Jakarta).Format("02-01-2006"))
	if page := MustText(t, b, "main"); strings.Contains(page, "KTPEL") || strings.Contains(page, "Sangat") {
		t.Errorf("the receipt page shows something of the rating: %q", page)
	}
	MustOpenStatus(t, b, phone, c.URL+wire.PathReceipt+"?kode=bukan-kode", "main", http.StatusBadRequest)
	MustContain(t, b, ".alert-error", "bukan kode tanda terima")

	MustOpen(t, b, phone, k.URL+"/privasi", "#privacy-witness")
	MustContain(t, b, "#privacy-witness", c.URL, "tidak disimpan")
}
