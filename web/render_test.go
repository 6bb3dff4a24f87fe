package web_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/skmkiosk/skm/web"
)

// TestRendererRefusesUnknownAssetsAtStart checks that an asset name a
// template uses is resolved when the renderer is built, so that a typo stops
// start-up rather than the first citizen's page.
func TestRendererRefusesUnknownAssetsAtStart(t *testing.T) {
	static, err := web.NewStatic(fstest.MapFS{"css/app.css": {Data: []byte("body{}")}}, "/static")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := web.LoadTranslations(fstest.MapFS{
		"i18n/app.id.json": {Data: []byte(`{"k":"v"}`)},
		"i18n/app.en.json": {Data: []byte(`{"k":"v"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	page := func(body string) fstest.MapFS {
		return fstest.MapFS{
			"templates/shared/base.html": {Data: []byte(`{{define "base"}}<link href="{{asset "css/app.css"}}">{{end}}`)},
			"templates/kiosk/page.html":  {Data: []byte(body)},
		}
	}
	for _, tc := range []struct{ name, body, want string }{
		{"known, nested in if and range", `{{if .}}{{range .}}<script src="{{asset "css/app.css"}}"></script>{{end}}{{end}}`, ""},
		{"unknown", `<img src="{{asset "icons/missing.svg"}}">`, `unknown static file "icons/missing.svg"`},
		{"unknown inside with", `{{with .}}<img src="{{asset "js/nope.js"}}">{{end}}`, `unknown static file "js/nope.js"`},
		{"computed", `<img src="{{asset (printf "icons/face-%d.svg" 1)}}">`, "asset takes a quoted name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := web.NewRenderer(page(tc.body), "kiosk", tr, static)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("renderer: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("renderer error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
