package kiosk_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/assets"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// TestGoCodeTranslationKeysExist checks the translation keys the kiosk's Go
// code passes to pages: an unknown key would be shown to citizens as is.
func TestGoCodeTranslationKeysExist(t *testing.T) {
	tr, err := web.LoadTranslations(assets.FS)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile(`(?:s\.page\(c, |s\.surveyPage\(c, |\.T\(|Tr\.T\(lang, )"([a-z0-9_]+)"`)
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(src), -1) {
			if strings.HasSuffix(m[1], "_") {
				continue // the prefix of a key built at run time, checked below
			}
			found++
			if !tr.Has(m[1]) {
				t.Errorf("%s uses translation key %q, which assets/i18n lacks", f, m[1])
			}
		}
	}
	for _, reason := range survey.RefusalReasons { // the summary's refused attempts
		found++
		if !tr.Has("refused_" + reason) {
			t.Errorf("no translation for refusal reason %q", reason)
		}
	}
	for _, f := range survey.ProfileFields {
		found++
		if !tr.Has("profile_" + f.Name) {
			t.Errorf("no translation for profile field %q", f.Name)
		}
	}
	if found < 15 {
		t.Errorf("only %d keys found; the pattern is wrong", found)
	}
}

// surveyPages are the templates shown in the survey's language, regional
// ones included (Server.surveyPage), and surveyGoKeys the keys their Go
// code passes besides the templates'.
var (
	surveyPages  = []string{"kiosk/survey", "kiosk/thanks", "kiosk/tablet", "kiosk/limited", "kiosk/visit_refused", "shared/base"}
	surveyGoKeys = []string{"survey_title", "thanks_title", "tablet_title", "limited_title", "visit_refused_title",
		"followup_consent_text", "counter_label", "photo_of"}
)

// TestSurveyKeysInEveryLanguage checks that every string the survey pages
// show exists in each language the survey offers, so that a page in Basa
// Jawa or Basa Sunda never falls back to Indonesian half-way.
func TestSurveyKeysInEveryLanguage(t *testing.T) {
	tr, err := web.LoadTranslations(assets.FS)
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile(`\.T "([a-z0-9_]+)"`)
	keys := map[string]bool{}
	for _, k := range surveyGoKeys {
		keys[k] = true
	}
	for _, f := range survey.ProfileFields {
		keys["profile_"+f.Name] = true
	}
	for _, name := range surveyPages {
		src, err := fs.ReadFile(assets.FS, "templates/"+name+".html")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(src), -1) {
			keys[m[1]] = true
		}
	}
	delete(keys, "app_name") // the brand of pages outside the tablet, never shown with the survey
	if len(keys) < 40 {
		t.Fatalf("only %d survey keys found; the pattern is wrong", len(keys))
	}
	for _, lang := range web.SurveyLanguages {
		for k := range keys {
			if !tr.HasIn(lang, k) {
				t.Errorf("the survey offers %s, but %q has no %s text", lang, k, lang)
			}
		}
	}
}
