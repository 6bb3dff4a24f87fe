// Package web is the HTTP plumbing the kiosk and central share: templates
// parsed at start, content-hashed static assets, translations, the one error
// mapping, security headers, sessions, CSRF and login throttling.
package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/skmkiosk/skm/survey"
)

// Languages supported, the default first.
var Languages = []string{"id", "en"}

// SurveyLanguages are the languages of the citizen's survey pages (the
// survey, the tablet's start screen, thank-you): Languages and the regional
// ones (survey.WordingLanguages). Every other page stays in Languages: a
// regional language falls back to the default there.
var SurveyLanguages = survey.WordingLanguages

// LanguageNames names each language in itself, for the language switch.
var LanguageNames = map[string]string{"id": "Bahasa Indonesia", "en": "English", "jv": "Basa Jawa", "su": "Basa Sunda"}

// Translator holds the UI strings of every language, by key.
type Translator struct {
	msgs map[string]map[string]string
}

// LoadTranslations reads every i18n/<topic>.<lang>.json of fsys (one topic
// per feature, so features add strings without touching each other's files),
// refuses a key defined twice, and checks that each language has exactly the
// keys of the default one.
//
// The regional survey languages (SurveyLanguages beyond Languages) hold only
// the survey pages' strings: their keys must exist in the default language,
// which T falls back to for any other key.
func LoadTranslations(fsys fs.FS) (*Translator, error) {
	tr := &Translator{msgs: map[string]map[string]string{}}
	for _, lang := range SurveyLanguages {
		all, err := loadLanguage(fsys, lang)
		if err != nil && (slices.Contains(Languages, lang) || !errors.Is(err, errNoFiles)) {
			return nil, err
		}
		tr.msgs[lang] = all
	}
	base := tr.msgs[Languages[0]]
	for _, lang := range SurveyLanguages[1:] {
		if missing := diffKeys(base, tr.msgs[lang]); len(missing) > 0 && slices.Contains(Languages, lang) {
			return nil, fmt.Errorf("translations %s lack keys: %s", lang, strings.Join(missing, ", "))
		}
		if extra := diffKeys(tr.msgs[lang], base); len(extra) > 0 {
			return nil, fmt.Errorf("translations %s have keys %s lacks: %s", lang, Languages[0], strings.Join(extra, ", "))
		}
	}
	return tr, nil
}

var errNoFiles = errors.New("no translations")

// loadLanguage reads every i18n/*.<lang>.json of fsys, refusing a key defined twice.
func loadLanguage(fsys fs.FS, lang string) (map[string]string, error) {
	files, err := fs.Glob(fsys, "i18n/*."+lang+".json")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("%w for %s (i18n/*.%s.json)", errNoFiles, lang, lang)
	}
	all := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("read translations %s: %w", f, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("parse translations %s: %w", f, err)
		}
		for k, v := range m {
			if _, dup := all[k]; dup {
				return nil, fmt.Errorf("translation key %q is defined twice (again in %s)", k, f)
			}
			all[k] = v
		}
	}
	return all, nil
}

func diffKeys(a, b map[string]string) []string {
	var out []string
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// T returns the string for key in lang, formatted with args: the default
// language's when lang lacks it. An unknown key comes back as itself, so a
// missing string is visible but never fatal.
func (tr *Translator) T(lang, key string, args ...any) string {
	s, ok := tr.msgs[lang][key]
	if !ok {
		s, ok = tr.msgs[Languages[0]][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key exists.
func (tr *Translator) Has(key string) bool {
	_, ok := tr.msgs[Languages[0]][key]
	return ok
}

// HasIn reports whether lang has its own string for key (no fallback).
func (tr *Translator) HasIn(lang, key string) bool {
	_, ok := tr.msgs[lang][key]
	return ok
}

// NormalizeLang returns lang if supported, else the default language.
func NormalizeLang(lang string) string {
	if slices.Contains(Languages, lang) {
		return lang
	}
	return Languages[0]
}

// NormalizeSurveyLang returns lang if the survey offers it, else the default language.
func NormalizeSurveyLang(lang string) string {
	if slices.Contains(SurveyLanguages, lang) {
		return lang
	}
	return Languages[0]
}
