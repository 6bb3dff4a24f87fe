package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// axePath is axe-core as `npm ci --prefix e2e/testdata` installs it
// (version pinned in testdata/package.json). It is a test asset: the servers
// never serve it.
var axePath = filepath.Join("testdata", "node_modules", "axe-core", "axe.min.js")

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(axePath)
	return string(b), err
})

// MustAxeSource returns axe.min.js, skipping the test when it is not
// installed, except in CI (CI=true), where .ci/run installs it.
func MustAxeSource(tb testing.TB) string {
	tb.Helper()
	src, err := axeSource()
	if err == nil {
		return src
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("axe-core is missing (%v): CI must run `npm ci --prefix e2e/testdata`", err)
	}
	tb.Skipf("axe-core is missing (%v); run `npm ci --prefix e2e/testdata`", err)
	return ""
}

// axeViolation is one failed axe rule with the elements that fail it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

func (v axeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n\t\t%v %s", n.Target, n.HTML)
	}
	return b.String()
}

// MustPassAxe runs axe-core on the tab's current page and fails the test on
// every serious or critical violation, naming the page, each rule's id and
// impact and the elements' selectors. Minor and moderate findings are logged.
func MustPassAxe(tb testing.TB, ctx context.Context, page string) {
	tb.Helper()
	src := MustAxeSource(tb)
	// A page keeps axe after the first injection; reloading it is harmless.
	MustDo(tb, ctx, chromedp.Evaluate[chromedp.Void](src))
	vs := MustRun(tb, ctx, chromedp.Evaluate[[]axeViolation](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	for _, v := range vs {
		switch v.Impact {
		case "serious", "critical":
			tb.Errorf("axe on %s: %s", page, v)
		default:
			tb.Logf("axe on %s (not failing): %s", page, v)
		}
	}
}
