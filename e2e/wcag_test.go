package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// wcagTags are the axe-core rule tags of WCAG 2.2 level AA: every A and AA
// rule of 2.0, 2.1 and 2.2 (docs/accessibility.md).
var wcagTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// MustPassWCAG22 runs axe-core with only the WCAG 2.2 AA rules and fails on
// any violation, whatever its impact: the citizen pages' bar.
func MustPassWCAG22(tb testing.TB, ctx context.Context, page string) {
	tb.Helper()
	src := MustAxeSource(tb)
	MustDo(tb, ctx, chromedp.Evaluate[chromedp.Void](src))
	tags, _ := json.Marshal(wcagTags)
	vs := MustRun(tb, ctx, chromedp.Evaluate[[]axeViolation](
		`axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]}).then(r => r.violations)`,
		chromedp.EvalAwaitPromise))
	for _, v := range vs {
		tb.Errorf("axe (WCAG 2.2 AA) on %s: %s", page, v)
	}
}

// smallTargets lists the visible controls smaller than 44 × 44 CSS px. A
// radio button or check box hidden behind its label (the answer faces)
// counts by its label, which is what a finger touches.
const smallTargets = `(() => {
	const bad = [];
	for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]')) {
		if (el.matches('.skip') || el.closest('[hidden], dialog:not([open])')) continue;
		const st = getComputedStyle(el);
		if (st.display === 'none' || st.visibility === 'hidden') continue;
		let r = el.getBoundingClientRect();
		if ((el.type === 'radio' || el.type === 'checkbox') && el.labels && el.labels.length) {
			const lr = el.labels[0].getBoundingClientRect();
			if (lr.width >= 43.5 && lr.height >= 43.5) continue;
			r = lr;
		}
		if (r.width === 0 && r.height === 0) continue;
		if (r.width < 43.5 || r.height < 43.5) bad.push(Math.round(r.width) + "×" + Math.round(r.height) + " " + el.outerHTML.slice(0, 110));
	}
	return bad;
})()`

// MustHaveTouchTargets fails for every control under 44 × 44 px, as measured in the browser.
func MustHaveTouchTargets(tb testing.TB, ctx context.Context, page string) {
	tb.Helper()
	for _, el := range MustEval[[]string](tb, ctx, smallTargets) {
		tb.Errorf("%s: touch target under 44 × 44 px: %s", page, el)
	}
}

// focusShown reports, for the focused element, "" when its focus is
// visible (an outline of at least 2 px, or a box shadow, on it or on the
// label standing in for a hidden input), else the element.
const focusShown = `(() => {
	const el = document.activeElement;
	if (!el || el === document.body) return "nothing focused";
	const hidden = (el.type === 'radio' || el.type === 'checkbox') && getComputedStyle(el).opacity === '0';
	const t = hidden && el.labels.length ? el.labels[0] : el;
	const st = getComputedStyle(t);
	const outline = st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2;
	const shadow = st.boxShadow && st.boxShadow !== 'none';
	return outline || shadow ? "" : el.outerHTML.slice(0, 110);
})()`

// MustShowFocus presses Tab through the page (at most max stops, until
// focus comes back to the first stop) and fails at every stop whose focus
// is not visible.
func MustShowFocus(tb testing.TB, ctx context.Context, page string, max int) int {
	tb.Helper()
	MustDo(tb, ctx, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)`))
	first, stops := "", 0
	for range max {
		MustDo(tb, ctx, chromedp.KeyEvent(kb.Tab))
		id := MustEval[string](tb, ctx, `(() => { const e = document.activeElement; return e && e !== document.body ? e.outerHTML.slice(0, 200) : ""; })()`)
		if id == first || id == "" { // back at the start, or out of the page to the browser's own controls
			break
		}
		if first == "" {
			first = id
		}
		stops++
		if bad := MustEval[string](tb, ctx, focusShown); bad != "" {
			tb.Errorf("%s: focus is not visible on %s", page, bad)
		}
	}
	if stops < 2 {
		tb.Errorf("%s: Tab reached %d controls; the check saw nothing", page, stops)
	}
	return stops
}

// narrow is the 320 CSS px a page must fit at (WCAG 2.2, 1.4.10 Reflow):
// a small phone, or a 1280 px screen at 400 %.
var narrow = viewport{Name: "narrow phone", Width: 320, Height: 640, Mobile: true}

// MustReflow lays the page out again at 320 px and as a 1280 px desktop at
// 200 % zoom (640 CSS px at device scale 2) and fails if it scrolls sideways.
func MustReflow(tb testing.TB, ctx context.Context, page, sel string) {
	tb.Helper()
	for _, v := range []struct {
		name  string
		width int64
		act   chromedp.Action[chromedp.Void]
	}{
		{"320 px", narrow.Width, narrow.emulate()},
		{"200 % zoom", 640, chromedp.EmulateViewport(640, 450, chromedp.EmulateScale(2))},
	} {
		MustDo(tb, ctx, v.act, chromedp.WaitVisible(chromedp.CSS(sel)))
		width := MustEval[int](tb, ctx, `document.documentElement.scrollWidth`)
		client := MustEval[int](tb, ctx, `document.documentElement.clientWidth`)
		if int64(client) != v.width {
			tb.Fatalf("%s at %s: the layout viewport is %d px, want %d", page, v.name, client, v.width)
		}
		if width > client {
			tb.Errorf("%s at %s scrolls sideways (%d px in %d); too wide:\n\t%s", page, v.name, width, client,
				strings.Join(MustEval[[]string](tb, ctx, overflowing), "\n\t"))
		}
	}
}

// citizenPage is a page citizens use, ready once sel is visible.
type citizenPage struct {
	name, path, sel, lang string
	v                     viewport
}

// MustMeetWCAG22 checks a citizen page as the accessibility bar asks: the
// axe rules of WCAG 2.2 AA and the existing checks (language, labels),
// 44 px touch targets, visible focus on every Tab stop, and reflow at
// 320 px and at 200 % zoom. It opens the page itself.
func MustMeetWCAG22(tb testing.TB, ctx context.Context, base string, p citizenPage) {
	tb.Helper()
	MustOpen(tb, ctx, p.v, base+p.path, p.sel)
	MustCheckOpenPage(tb, ctx, p)
	MustReflow(tb, ctx, p.name, p.sel)
}

// MustCheckOpenPage runs the checks that need no reload on the tab's current page.
func MustCheckOpenPage(tb testing.TB, ctx context.Context, p citizenPage) {
	tb.Helper()
	MustBeAccessible(tb, ctx, p.name, p.lang)
	MustPassWCAG22(tb, ctx, p.name)
	MustHaveTouchTargets(tb, ctx, p.name)
	MustShowFocus(tb, ctx, p.name, 120)
}

// axNode is a node of the accessibility tree: what a screen reader reads.
type axNode struct {
	Role, Name string
	Props      map[string]string
}

// MustAXTree returns the page's accessibility tree (Chromium's, through
// the DevTools Accessibility domain), leaving out ignored nodes.
func MustAXTree(tb testing.TB, ctx context.Context) []axNode {
	tb.Helper()
	var nodes []*accessibility.Node
	MustDo(tb, ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		res, err := cdp.Call(ctx, t, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
		nodes = res.Nodes
		return err
	}))
	str := func(v *accessibility.Value) string {
		if v == nil || len(v.Value) == 0 {
			return ""
		}
		var s any
		if err := json.Unmarshal(v.Value, &s); err != nil {
			return string(v.Value)
		}
		return fmt.Sprint(s)
	}
	var out []axNode
	for _, n := range nodes {
		if n.Ignored {
			continue
		}
		x := axNode{Role: str(n.Role), Name: strings.TrimSpace(str(n.Name)), Props: map[string]string{}}
		for _, p := range n.Properties {
			x.Props[string(p.Name)] = str(p.Value)
		}
		out = append(out, x)
	}
	return out
}

// findAX returns the nodes of role whose name contains name.
func findAX(nodes []axNode, role, name string) []axNode {
	var out []axNode
	for _, n := range nodes {
		if n.Role == role && strings.Contains(n.Name, name) {
			out = append(out, n)
		}
	}
	return out
}

// MustFindAX fails unless the tree has a node of role named with name, and returns it.
func MustFindAX(tb testing.TB, nodes []axNode, role, name string) axNode {
	tb.Helper()
	found := findAX(nodes, role, name)
	if len(found) == 0 {
		var roles []string
		for _, n := range nodes {
			if n.Role == role {
				roles = append(roles, fmt.Sprintf("%q", n.Name))
			}
		}
		tb.Fatalf("a screen reader finds no %s named %q; the %ss are: %s", role, name, role, strings.Join(roles, ", "))
	}
	return found[0]
}
