// Package web is the HTTP plumbing the kiosk and central share: templates
// parsed at start, content-hashed static assets, translations, the one error
// mapping, security headers, sessions, CSRF and login throttling.
package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Languages supported, the default first.
var Languages = []string{"id", "en"}

// Translator holds the UI strings of every language, by key.
type Translator struct {
	msgs map[string]map[string]string
}

// LoadTranslations reads every i18n/<topic>.<lang>.json of fsys (one topic
// per feature, so features add strings without touching each other's files),
// refuses a key defined twice, and checks that each language has exactly the
// keys of the default one.
func LoadTranslations(fsys fs.FS) (*Translator, error) {
	tr := &Translator{msgs: map[string]map[string]string{}}
	for _, lang := range Languages {
		files, err := fs.Glob(fsys, "i18n/*."+lang+".json")
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("no translations for %s (i18n/*.%s.json)", lang, lang)
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
		tr.msgs[lang] = all
	}
	base := tr.msgs[Languages[0]]
	for _, lang := range Languages[1:] {
		if missing := diffKeys(base, tr.msgs[lang]); len(missing) > 0 {
			return nil, fmt.Errorf("translations %s lack keys: %s", lang, strings.Join(missing, ", "))
		}
		if extra := diffKeys(tr.msgs[lang], base); len(extra) > 0 {
			return nil, fmt.Errorf("translations %s have keys %s lacks: %s", lang, Languages[0], strings.Join(extra, ", "))
		}
	}
	return tr, nil
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

// T returns the string for key in lang, formatted with args. An unknown key
// comes back as itself, so a missing string is visible but never fatal.
func (tr *Translator) T(lang, key string, args ...any) string {
	m, ok := tr.msgs[lang]
	if !ok {
		m = tr.msgs[Languages[0]]
	}
	s, ok := m[key]
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

// NormalizeLang returns lang if supported, else the default language.
func NormalizeLang(lang string) string {
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return Languages[0]
}
