package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/skmkiosk/skm/survey"
)

// speechStub stands in for the device's speech engine (headless Chromium
// has none): window.speechSynthesis with the given voices, recording what
// the page asks it to say. It tests the page's use of the Web Speech API,
// not a voice. voices "" removes speechSynthesis, as on a device without it.
func speechStub(voices string) string {
	if voices == "" {
		return `Object.defineProperty(window, "speechSynthesis", {value: undefined, configurable: true});`
	}
	return `window.__spoken = [];
Object.defineProperty(window, "speechSynthesis", {configurable: true, value: {
	speaking: false, pending: false, paused: false,
	getVoices: () => ` + voices + `,
	speak: u => window.__spoken.push({text: u.text, lang: u.lang, voice: u.voice ? u.voice.lang : ""}),
	cancel() {}, pause() {}, resume() {}, addEventListener() {}, removeEventListener() {}
}});
// A plain utterance: Chromium's own refuses a voice that is not one of its SpeechSynthesisVoice objects.
window.SpeechSynthesisUtterance = function (t) { this.text = t; this.lang = ""; this.voice = null; };`
}

// MustInjectBeforeScripts makes src run in every document of the tab before its own scripts.
func MustInjectBeforeScripts(tb testing.TB, ctx context.Context, src string) {
	tb.Helper()
	MustDo(tb, ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return err
	}))
}

// utterance is what the page asked the speech engine to say.
type utterance struct {
	Text, Lang, Voice string
}

// TestReadAloud: "Bacakan" reads a question, its element and its four
// answers with an Indonesian voice (also for Basa Sunda, whose own voice
// the device lacks); a screen reader names each button; without speech, or
// without JavaScript, the button is not shown and the survey still works.
func TestReadAloud(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)
	MustInjectBeforeScripts(t, ctx, speechStub(`[{lang: "en-US", name: "English"}, {lang: "id_ID", name: "Bahasa Indonesia"}]`))

	MustOpen(t, ctx, phone, k.URL+"/s/"+siti.Code+"?lang=id", "form[data-survey]")
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(`button[data-speak="q-sarana"]`)))
	tree := MustAXTree(t, ctx)
	MustFindAX(t, tree, "button", "Bacakan pertanyaan 9")
	if n := len(findAX(tree, "button", "Bacakan pertanyaan")); n != survey.NumElements {
		t.Errorf("%d read-aloud buttons for a screen reader, want one per question (%d)", n, survey.NumElements)
	}
	MustDo(t, ctx, chromedp.Click(chromedp.CSS(`button[data-speak="q-sarana"]`)))
	said := MustEval[[]utterance](t, ctx, `window.__spoken`)
	w := survey.DefaultWording("id")[survey.Sarana]
	if len(said) != 1 || said[0].Lang != "id_ID" && said[0].Lang != "id-ID" || said[0].Voice == "" {
		t.Fatalf("Bacakan said %+v, want one utterance with the Indonesian voice", said)
	}
	for _, want := range append([]string{"9. Sarana dan Prasarana", w.Text}, w.Labels[:]...) {
		if !strings.Contains(said[0].Text, want) {
			t.Errorf("Bacakan said %q, without %q", said[0].Text, want)
		}
	}

	// Basa Sunda: no Sundanese voice on the device, so the Indonesian one reads the Sundanese text.
	MustOpen(t, ctx, phone, k.URL+"/s/"+siti.Code+"?lang=su", "form[data-survey]")
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(`button[data-speak="q-waktu"]`)))
	MustFindAX(t, MustAXTree(t, ctx), "button", "Bacakeun patarosan 3")
	MustDo(t, ctx, chromedp.Click(chromedp.CSS(`button[data-speak="q-waktu"]`)))
	said = MustEval[[]utterance](t, ctx, `window.__spoken`)
	if su := survey.DefaultWording("su")[survey.Waktu]; len(said) != 1 || !strings.Contains(said[0].Text, su.Text) || !strings.HasPrefix(said[0].Voice, "id") {
		t.Errorf("Bacakeun in Basa Sunda said %+v", said)
	}
}

// TestReadAloudWithoutSpeech: a browser without speech, and one without
// JavaScript, show no read-aloud button; the survey is still sent.
func TestReadAloudWithoutSpeech(t *testing.T) {
	for _, tc := range []struct {
		name    string
		browser []chromedp.ExecAllocatorOption
	}{{"no speech engine", nil}, {"no JavaScript", []chromedp.ExecAllocatorOption{noJavaScript}}} {
		t.Run(tc.name, func(t *testing.T) {
			k := MustStartKiosk(t, kioskOptions{})
			siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
			ctx := MustBrowser(t, tc.browser...)
			MustInjectBeforeScripts(t, ctx, speechStub(""))
			MustOpen(t, ctx, phone, k.URL+"/s/"+siti.Code, "form[data-survey]")
			if n := MustEval[int](t, ctx, `[...document.querySelectorAll("button[data-speak]")].filter(b => b.offsetParent !== null).length`); n != 0 {
				t.Errorf("%d read-aloud buttons shown", n)
			}
			if len(findAX(MustAXTree(t, ctx), "button", "Bacakan")) != 0 {
				t.Error("a screen reader still finds a read-aloud button")
			}
			MustRateOnPhone(t, ctx, k)
		})
	}
}

// TestLanguageSwitchAndScreenReader: the citizen switches the survey to
// Basa Jawa with the visible switch; a screen reader then meets each
// question as a group named by its Javanese question and each face as a
// radio button named by its Javanese answer; the rating stored is the same
// as in Indonesian. The large-text switch is a toggle button remembered on
// the device.
func TestLanguageSwitchAndScreenReader(t *testing.T) {
	k := MustStartKiosk(t, kioskOptions{})
	siti := k.MustAddStaff(t, nipSiti, "Siti Aminah", "1")
	ctx := MustBrowser(t)
	MustOpen(t, ctx, phone, k.URL+"/s/"+siti.Code+"?lang=id", "form[data-survey]")
	tree := MustAXTree(t, ctx)
	MustFindAX(t, tree, "group", "Bahasa")
	for _, name := range []string{"English", "Basa Jawa", "Basa Sunda"} {
		MustFindAX(t, tree, "link", name)
	}
	MustFollow(t, ctx, http.StatusOK, chromedp.Click(chromedp.CSS(`.langs a[hreflang="jv"]`)))
	MustDo(t, ctx, chromedp.WaitVisible(chromedp.CSS("form[data-survey]")))
	if got := MustEval[string](t, ctx, `document.documentElement.lang`); got != "jv" {
		t.Fatalf("after the switch the page is in %q", got)
	}
	jv := survey.DefaultWording("jv")
	tree = MustAXTree(t, ctx)
	for i, e := range survey.Elements {
		g := MustFindAX(t, tree, "group", jv[e].Text)
		if !strings.Contains(g.Name, fmt.Sprintf("%d. %s", i+1, jv[e].Name)) {
			t.Errorf("the %s group is named %q, without its number and Javanese name", e, g.Name)
		}
	}
	for _, l := range jv[survey.Perilaku].Labels {
		MustFindAX(t, tree, "radio", l)
	}
	MustFindAX(t, tree, "button", "Wacakna pitakonan 1")
	MustFindAX(t, tree, "StaticText", "Basa Jawa") // the current language, not a link

	// Large text: a toggle button, pressed, remembered on reload.
	sw := MustFindAX(t, tree, "button", "Huruf gedhe")
	if sw.Props["pressed"] != "false" {
		t.Errorf("the large-text switch is not an unpressed toggle: %+v", sw)
	}
	MustDo(t, ctx, chromedp.Click(chromedp.CSS("a[data-display]")))
	if !MustEval[bool](t, ctx, `document.documentElement.classList.contains("besar")`) {
		t.Fatal("the large-text switch did nothing")
	}
	if sw := MustFindAX(t, MustAXTree(t, ctx), "button", "Huruf gedhe"); sw.Props["pressed"] != "true" {
		t.Errorf("the switch is not pressed after a tap: %+v", sw)
	}
	big := MustEval[float64](t, ctx, `parseFloat(getComputedStyle(document.querySelector(".q legend")).fontSize)`)
	MustDo(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("form[data-survey]")))
	if !MustEval[bool](t, ctx, `document.documentElement.classList.contains("besar")`) {
		t.Error("the large-text choice was not remembered on the device")
	}
	if big < 20 {
		t.Errorf("large text sets questions at %.1f px", big)
	}
	MustFitWidth(t, ctx, "survey in Basa Jawa with large text")

	MustRateOnPhone(t, ctx, k)
}

// MustRateOnPhone answers the open survey with answers and service KIA,
// sends it, and checks the one response the kiosk then holds.
func MustRateOnPhone(tb testing.TB, ctx context.Context, k *kioskServer) {
	tb.Helper()
	MustDo(tb, ctx, tapAnswers(answers)...)
	MustDo(tb, ctx, chromedp.SetValue(chromedp.CSS("#service"), "KIA"))
	MustFollow(tb, ctx, http.StatusOK, chromedp.Click(chromedp.CSS("button[type=submit]")))
	MustDo(tb, ctx, chromedp.WaitVisible(chromedp.CSS(".thanks")))
	MustCheckStored(tb, k, nipSiti, "KIA", survey.ChannelQR, "")
}
