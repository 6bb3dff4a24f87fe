package e2e

import (
	"context"
	"net/url"
	"sort"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// surveyBudget is the most a citizen's phone may download to show the
// survey the first time: HTML, CSS, JavaScript, images and fonts, as sent
// (compressed), headers included. Offices pay for mobile data and citizens
// scan on weak signals.
const surveyBudget = 30 * 1024

// resource is one request of a page load and the bytes it cost.
type resource struct {
	URL      string
	Type     network.ResourceType
	Bytes    float64
	Finished bool
	Failed   string
}

// pageLoad records a page load's requests from the network domain's events.
type pageLoad struct {
	mu        sync.Mutex
	byID      map[network.RequestID]*resource
	order     []network.RequestID
	docLoader cdp.LoaderID
	idle      chan struct{}
	idleOnce  sync.Once
}

// listen records the tab's requests from now on. The tab signals networkIdle
// (no request for 500 ms) after the load; then every request is counted.
func (l *pageLoad) listen(tb testing.TB, ctx context.Context) {
	tb.Helper()
	l.byID, l.idle = map[network.RequestID]*resource{}, make(chan struct{})
	// Listen's func runs in the tab's read loop: record and return.
	err := chromedp.Listen(ctx, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if _, ok := l.byID[e.RequestID]; !ok {
				l.order = append(l.order, e.RequestID)
			}
			l.byID[e.RequestID] = &resource{URL: e.Request.URL, Type: e.Type}
			if e.Type == network.ResourceTypeDocument {
				l.docLoader = e.LoaderID
			}
		case *network.EventLoadingFinished:
			if r := l.byID[e.RequestID]; r != nil {
				r.Bytes, r.Finished = e.EncodedDataLength, true
			}
		case *network.EventLoadingFailed:
			if r := l.byID[e.RequestID]; r != nil {
				r.Failed = e.ErrorText
			}
		case *page.EventLifecycleEvent:
			if e.Name == "networkIdle" && l.docLoader != "" && e.LoaderID == l.docLoader {
				l.idleOnce.Do(func() { close(l.idle) })
			}
		}
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// MustWaitIdle waits for the page's network to go quiet and returns its requests.
func (l *pageLoad) MustWaitIdle(tb testing.TB, ctx context.Context) []resource {
	tb.Helper()
	select {
	case <-l.idle:
	case <-ctx.Done():
		tb.Fatalf("the page's network never went idle: %v", ctx.Err())
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]resource, len(l.order))
	for i, id := range l.order {
		out[i] = *l.byID[id]
	}
	return out
}

// TestSurveyPageWeight loads the survey as a citizen's phone does the first
// time (empty cache) and fails when the transfer is over surveyBudget or when
// any request goes anywhere but the kiosk: no CDN, font service or analytics.
func TestSurveyPageWeight(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	k.MustSetPhoto(t, nipSiti, MustJPEG(t, colorSkin))
	ctx := MustBrowser(t)
	MustDo(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
		return err
	}))
	var load pageLoad
	load.listen(t, ctx)
	MustOpen(t, ctx, phone, k.Server.SurveyURL(siti.Code), "form[data-survey]")
	rs := load.MustWaitIdle(t, ctx)

	server, err := url.Parse(k.URL)
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	kinds := map[network.ResourceType]bool{}
	for _, r := range rs {
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "data" && u.Host != server.Host) {
			t.Errorf("the survey requested %s: every request must go to the kiosk at %s", r.URL, server.Host)
		}
		if r.Failed != "" || !r.Finished {
			t.Errorf("request %s did not finish (%q)", r.URL, r.Failed)
		}
		kinds[r.Type] = true
		total += r.Bytes
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].Bytes > rs[j].Bytes })
	for _, r := range rs {
		t.Logf("%7.0f B  %-10s %s", r.Bytes, r.Type, r.URL)
	}
	t.Logf("%7.0f B  in %d requests (budget %d B)", total, len(rs), surveyBudget)
	for _, want := range []network.ResourceType{network.ResourceTypeDocument, network.ResourceTypeStylesheet,
		network.ResourceTypeScript, network.ResourceTypeImage} {
		if !kinds[want] {
			t.Errorf("no %s request was seen: the measurement missed part of the page", want)
		}
	}
	if total > surveyBudget {
		t.Errorf("the survey page costs %.0f bytes on first visit, over the budget of %d", total, surveyBudget)
	}
}
