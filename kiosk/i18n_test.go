package kiosk_test

import (
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
	keyRE := regexp.MustCompile(`(?:s\.page\(c, |\.T\(|Tr\.T\(lang, )"([a-z0-9_]+)"`)
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
