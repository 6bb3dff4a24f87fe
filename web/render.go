package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"text/template/parse"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

// Jakarta is the zone every time is shown in (WIB): survey.Jakarta.
var Jakarta = survey.Jakarta

// Renderer executes page templates parsed once at start-up: a broken
// template stops the server from starting, not a citizen's request.
type Renderer struct {
	pages  map[string]*template.Template
	Tr     *Translator
	Static *Static
	// CSRF, when set, gives each page the token its forms must carry.
	CSRF func(*fiber.Ctx) string
}

// NewRenderer parses each page of templates/common and templates/<dir>
// together with the partials of templates/shared and templates/<dir>/partials.
func NewRenderer(fsys fs.FS, dir string, tr *Translator, static *Static) (*Renderer, error) {
	r := &Renderer{pages: map[string]*template.Template{}, Tr: tr, Static: static}
	funcs := template.FuncMap{
		"asset": static.URL,
		"dict":  dict,
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i + 1
			}
			return s
		},
		"add": func(a, b int) int { return a + b },
	}
	var partials, pages []string
	for _, pattern := range []string{"templates/shared/*.html", path.Join("templates", dir, "partials", "*.html")} {
		m, err := fs.Glob(fsys, pattern)
		if err != nil {
			return nil, err
		}
		partials = append(partials, m...)
	}
	for _, pattern := range []string{"templates/common/*.html", path.Join("templates", dir, "*.html")} {
		m, err := fs.Glob(fsys, pattern)
		if err != nil {
			return nil, err
		}
		pages = append(pages, m...)
	}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(fsys, append(append([]string{}, partials...), p)...)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", p, err)
		}
		if err := checkAssets(t, static); err != nil {
			return nil, fmt.Errorf("template %s: %w", p, err)
		}
		r.pages[name] = t
	}
	if len(r.pages) == 0 {
		return nil, fmt.Errorf("no templates under templates/%s", dir)
	}
	return r, nil
}

// checkAssets resolves every {{asset "name"}} of t's templates, so that an
// unknown or computed asset name stops start-up instead of a page render.
func checkAssets(t *template.Template, static *Static) error {
	for _, tt := range t.Templates() {
		if tt.Tree == nil {
			continue
		}
		var err error
		eachCommand(tt.Tree.Root, func(cmd *parse.CommandNode) {
			if err != nil || len(cmd.Args) == 0 {
				return
			}
			if id, ok := cmd.Args[0].(*parse.IdentifierNode); !ok || id.Ident != "asset" {
				return
			}
			if len(cmd.Args) != 2 {
				err = fmt.Errorf("%s: asset takes one name", tt.Name())
				return
			}
			lit, ok := cmd.Args[1].(*parse.StringNode)
			switch {
			case !ok:
				err = fmt.Errorf("%s: asset takes a quoted name, so that it can be checked at start (got %s)", tt.Name(), cmd.Args[1])
			case !static.Has(lit.Text):
				err = fmt.Errorf("%s: unknown static file %q", tt.Name(), lit.Text)
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// eachCommand calls fn for every command of the template tree under n.
func eachCommand(n parse.Node, fn func(*parse.CommandNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				eachCommand(c, fn)
			}
		}
	case *parse.ActionNode:
		eachCommand(n.Pipe, fn)
	case *parse.TemplateNode:
		eachCommand(n.Pipe, fn)
	case *parse.IfNode:
		eachBranch(&n.BranchNode, fn)
	case *parse.RangeNode:
		eachBranch(&n.BranchNode, fn)
	case *parse.WithNode:
		eachBranch(&n.BranchNode, fn)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				eachCommand(c, fn)
			}
		}
	case *parse.CommandNode:
		fn(n)
		for _, a := range n.Args {
			eachCommand(a, fn)
		}
	case *parse.ChainNode:
		eachCommand(n.Node, fn)
	}
}

func eachBranch(b *parse.BranchNode, fn func(*parse.CommandNode)) {
	eachCommand(b.Pipe, fn)
	eachCommand(b.List, fn)
	eachCommand(b.ElseList, fn)
}

func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs key-value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// Page is what every template receives.
type Page struct {
	Lang      string
	Title     string
	Path      string // the current path, for the language switch
	Query     string // the current query without lang, for the language switch
	CSRF      string
	User      *survey.User
	Office    string
	Error     *survey.Error
	Flash     string
	BodyClass string
	Kiosk     bool // the locked tablet flow: no links out
	Data      any
	// Languages are the choices of the language switch: Languages, or
	// SurveyLanguages on the survey pages (see SurveyPage).
	Languages []string
	// Citizen pages offer the large-text switch; LargeText is its state.
	Citizen   bool
	LargeText bool
	tr        *Translator
}

// SurveyPage makes p a citizen's survey page: in the survey's language,
// which may be a regional one, with every survey language on the switch.
func (p *Page) SurveyPage(c *fiber.Ctx) {
	p.Lang, p.Languages, p.Citizen = SurveyLangOf(c), SurveyLanguages, true
}

// LangName names lang in itself.
func (p *Page) LangName(lang string) string { return LanguageNames[lang] }

// DisplayURL returns the current URL with the large-text switch flipped.
func (p *Page) DisplayURL() string {
	v := DisplayLarge
	if p.LargeText {
		v = "biasa"
	}
	q := DisplayCookie + "=" + v
	if rest := stripParam(p.Query, DisplayCookie); rest != "" {
		q = rest + "&" + q
	}
	return p.Path + "?" + q
}

// stripParam removes name's parameters from an encoded query.
func stripParam(query, name string) string {
	var keep []string
	for _, kv := range strings.Split(query, "&") {
		if kv != "" && !strings.HasPrefix(kv, name+"=") {
			keep = append(keep, kv)
		}
	}
	return strings.Join(keep, "&")
}

// T translates key into the page's language.
func (p *Page) T(key string, args ...any) string { return p.tr.T(p.Lang, key, args...) }

// ErrorText returns the page error in the page's language.
func (p *Page) ErrorText() string {
	if p.Error == nil {
		return ""
	}
	return p.Error.Localized(p.Lang)
}

// Num formats x with two decimals, with a decimal comma in Indonesian.
func (p *Page) Num(x float64) string {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	if p.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Counter labels a counter (loket): "Loket 3" for "3". A counter that
// already starts with the label's word in any language ("Loket 1",
// "Counter 1", as rosters often write it) is shown as it is.
func (p *Page) Counter(counter string) string {
	for _, lang := range Languages {
		word, _, _ := strings.Cut(p.tr.T(lang, "counter_label"), "%")
		word = strings.TrimSpace(word)
		if word != "" && len(counter) >= len(word) && strings.EqualFold(counter[:len(word)], word) {
			return counter
		}
	}
	return p.T("counter_label", counter)
}

// Time formats t in Asia/Jakarta.
func (p *Page) Time(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(Jakarta).Format("02-01-2006 15:04") + " WIB"
}

// Date formats t's Asia/Jakarta date.
func (p *Page) Date(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(Jakarta).Format("02-01-2006")
}

// LangURL returns the current URL switched to lang.
func (p *Page) LangURL(lang string) string {
	q := "lang=" + lang
	if rest := stripParam(p.Query, DisplayCookie); rest != "" {
		q = rest + "&" + q
	}
	return p.Path + "?" + q
}

// NewPage starts a page for the request: language, path, CSRF token and user.
func (r *Renderer) NewPage(c *fiber.Ctx, title string, data any) *Page {
	p := &Page{Lang: LangOf(c), Path: c.Path(), Data: data, tr: r.Tr, Languages: Languages, LargeText: LargeText(c)}
	p.Title = p.T(title)
	args := c.Context().QueryArgs()
	var q []string
	for k, v := range args.All() {
		if string(k) != "lang" {
			q = append(q, string(k)+"="+template.URLQueryEscaper(string(v)))
		}
	}
	p.Query = strings.Join(q, "&")
	if s, ok := c.Locals(localSession).(*sessionInfo); ok && s != nil {
		p.User = &s.user
	}
	if r.CSRF != nil {
		p.CSRF = r.CSRF(c)
	}
	return p
}

// Render executes the named page into a buffer, then sends it with status.
func (r *Renderer) Render(c *fiber.Ctx, status int, name string, p *Page) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("render: no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// Has reports whether a page template exists.
func (r *Renderer) Has(name string) bool { _, ok := r.pages[name]; return ok }
