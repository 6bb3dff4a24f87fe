package web_test

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/skmkiosk/skm/assets"
	"github.com/skmkiosk/skm/web"
)

// MustMessages reads one language's translation files from the embedded assets.
func MustMessages(tb testing.TB, lang string) map[string]string {
	tb.Helper()
	files, err := fs.Glob(assets.FS, "i18n/*."+lang+".json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no i18n/*.%s.json: %v", lang, err)
	}
	m := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(assets.FS, f)
		if err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal(b, &m); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
	}
	return m
}

var verbRE = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

func TestTranslationsHaveTheSameKeys(t *testing.T) {
	id, en := MustMessages(t, "id"), MustMessages(t, "en")
	if len(id) < 50 {
		t.Fatalf("Indonesian has only %d keys", len(id))
	}
	for k, v := range id {
		w, ok := en[k]
		if !ok {
			t.Errorf("English lacks %q", k)
			continue
		}
		if strings.TrimSpace(v) == "" || strings.TrimSpace(w) == "" {
			t.Errorf("%q is empty in a language", k)
		}
		// Same format verbs in the same order, or Sprintf output breaks in one language.
		if a, b := strings.Join(verbRE.FindAllString(v, -1), " "), strings.Join(verbRE.FindAllString(w, -1), " "); a != b {
			t.Errorf("%q: verbs %q in id, %q in en", k, a, b)
		}
	}
	for k := range en {
		if _, ok := id[k]; !ok {
			t.Errorf("Indonesian lacks %q", k)
		}
	}
}

func TestLoadTranslationsRefusesMissingKeys(t *testing.T) {
	fsys := fstest.MapFS{
		"i18n/x.id.json": {Data: []byte(`{"a": "satu"}`)},
		"i18n/y.id.json": {Data: []byte(`{"b": "dua"}`)},
		"i18n/x.en.json": {Data: []byte(`{"a": "one", "c": "three"}`)},
	}
	_, err := web.LoadTranslations(fsys)
	if err == nil || !strings.Contains(err.Error(), "b") {
		t.Errorf("LoadTranslations with a missing key: %v, want an error naming b", err)
	}
	fsys["i18n/x.en.json"] = &fstest.MapFile{Data: []byte(`{"a": "one", "b": "two"}`)}
	tr, err := web.LoadTranslations(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.T("en", "b"); got != "two" {
		t.Errorf("T(en, b) = %q", got)
	}
	if got := tr.T("fr", "b"); got != "dua" {
		t.Errorf("an unknown language falls back to %q, want Indonesian", got)
	}
}

func TestLoadTranslationsRefusesDuplicateKeys(t *testing.T) {
	fsys := fstest.MapFS{
		"i18n/x.id.json": {Data: []byte(`{"a": "satu"}`)},
		"i18n/y.id.json": {Data: []byte(`{"a": "dua"}`)},
		"i18n/x.en.json": {Data: []byte(`{"a": "one"}`)},
	}
	if _, err := web.LoadTranslations(fsys); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate key: err = %v", err)
	}
}

func TestTemplateTranslationKeysExist(t *testing.T) {
	tr, err := web.LoadTranslations(assets.FS)
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile(`\.T "([^"]+)"`)
	var used []string
	err = fs.WalkDir(assets.FS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := fs.ReadFile(assets.FS, p)
		if err != nil {
			return err
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			used = append(used, m[1])
			if !tr.Has(m[1]) {
				t.Errorf("%s uses translation key %q, which assets/i18n lacks", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(used)
	if len(used) < 50 {
		t.Errorf("only %d keys found in templates; the pattern is wrong", len(used))
	}
}

func TestNormalizeLang(t *testing.T) {
	for in, want := range map[string]string{"id": "id", "en": "en", "": "id", "fr": "id", "EN": "id"} {
		if got := web.NormalizeLang(in); got != want {
			t.Errorf("NormalizeLang(%q) = %q, want %q", in, got, want)
		}
	}
}
