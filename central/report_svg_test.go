package central

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/survey"
)

// mustParseSVG checks that s is well-formed XML and counts its elements by name.
func mustParseSVG(tb testing.TB, s string) map[string]int {
	tb.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	counts := map[string]int{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return counts
		}
		if err != nil {
			tb.Fatalf("chart is not well-formed: %v\n%s", err, s)
		}
		if se, ok := tok.(xml.StartElement); ok {
			counts[se.Name.Local]++
		}
	}
}

func TestCharts(t *testing.T) {
	var tl survey.Tally
	for i := range 10 {
		tl.Add(survey.Ratings{4, 3, 2, 1, 4, 3, 4, int8(1 + i%4), 3})
	}
	f := survey.DefaultReportRules().Figures(tl)
	nrr := string(nrrChart("n", `NRR <per> "unsur" & mutu`, "id", f))
	c := mustParseSVG(t, nrr)
	// 4 grade bands and 9 bars.
	if c["rect"] != 13 || c["title"] != 1 || !strings.Contains(nrr, "&lt;per&gt;") || !strings.Contains(nrr, ">2,30<") {
		t.Errorf("NRR chart: %v", c)
	}
	dist := string(distChart("d", "t", "en", f, [4]string{"a", "b", "c", "d"}))
	if c := mustParseSVG(t, dist); c["rect"] < 9 {
		t.Errorf("distribution chart: %v", c)
	}
	trend := string(trendChart("t", "t", "id", []string{"2031-01", "2031-02", "2031-03"}, []trendSeries{
		{Name: "<b>", Values: []float64{80, 0, 90}, Shown: []bool{true, false, true}},
		{Name: "unit", Values: []float64{70, 75, 76}, Shown: []bool{true, true, true}},
	}))
	c = mustParseSVG(t, trend)
	// The first series has a gap in February, so no line joins its points;
	// the second draws two segments; plus one legend line each.
	if c["line"] != 4 || c["circle"] != 2 || !strings.Contains(trend, "&lt;b&gt;") || !strings.Contains(trend, "76,61") {
		t.Errorf("trend chart: %v", c)
	}
	empty := string(nrrChart("e", "t", "en", survey.DefaultReportRules().Figures(survey.Tally{})))
	if c := mustParseSVG(t, empty); c["rect"] != 4 {
		t.Errorf("empty NRR chart draws bars: %v", c)
	}
}
