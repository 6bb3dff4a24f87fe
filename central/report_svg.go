package central

import (
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"

	"github.com/skmkiosk/skm/survey"
)

// Charts are drawn on the server as SVG: no script, no library, no CDN, and
// they print. Each has a title for screen readers; the page shows the same
// figures in a table beside it.

// Colours of the A–D bands (as the grade badges) and of the answers 1–4.
var (
	bandFill   = map[survey.Mutu]string{survey.MutuA: "#d3f0e1", survey.MutuB: "#e8f5d3", survey.MutuC: "#fdeed3", survey.MutuD: "#fde4e2"}
	answerFill = [4]string{"#9b1c12", "#f2a65a", "#9ed8bb", "#0b6e4f"}
	answerText = [4]string{"#ffffff", "#1b1f1d", "#1b1f1d", "#ffffff"}
)

// bands are the grade bands on the converted scale 25–100, lowest first
// (docs/domain.md#ikm); on the 1–4 scale divide by 25.
var bands = []struct {
	mutu     survey.Mutu
	from, to float64
}{{survey.MutuD, 25, 65}, {survey.MutuC, 65, 76.61}, {survey.MutuB, 76.61, 88.31}, {survey.MutuA, 88.31, 100}}

// svg collects the elements of one chart.
type svg struct {
	b    strings.Builder
	lang string
}

func (s *svg) open(id, title string, w, h int) {
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-t" font-family="system-ui, sans-serif" font-size="12">`,
		w, h, w, h, id)
	fmt.Fprintf(&s.b, `<title id="%s-t">%s</title>`, id, html.EscapeString(title))
}

func (s *svg) rect(x, y, w, h float64, fill, extra string) {
	fmt.Fprintf(&s.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"%s/>`, x, y, max(w, 0), h, fill, extra)
}

func (s *svg) text(x, y float64, anchor, fill, text string) {
	fmt.Fprintf(&s.b, `<text x="%.1f" y="%.1f" text-anchor="%s" fill="%s">%s</text>`, x, y, anchor, fill, html.EscapeString(text))
}

func (s *svg) line(x1, y1, x2, y2 float64, stroke, extra string) {
	fmt.Fprintf(&s.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"%s/>`, x1, y1, x2, y2, stroke, extra)
}

func (s *svg) html() template.HTML {
	s.b.WriteString("</svg>")
	return template.HTML(s.b.String()) // every text above is escaped
}

// num formats x with d decimals, with a decimal comma in Indonesian.
func (s *svg) num(x float64, d int) string {
	out := strconv.FormatFloat(x, 'f', d, 64)
	if s.lang != "en" {
		out = strings.Replace(out, ".", ",", 1)
	}
	return out
}

// nrrChart draws each element's NRR as a bar on the 1–4 scale over the A–D bands.
func nrrChart(id, title, lang string, f survey.Figures) template.HTML {
	const left, plot, top, row = 300.0, 420.0, 26.0, 26.0
	s := &svg{lang: lang}
	h := top + row*float64(len(f.Elements)) + 26
	s.open(id, title, 780, int(h))
	x := func(v float64) float64 { return left + (v-1)/3*plot }
	for _, b := range bands {
		x0, x1 := x(b.from/25), x(b.to/25)
		s.rect(x0, top-6, x1-x0, h-top-14, bandFill[b.mutu], "")
		s.text((x0+x1)/2, top-10, "middle", "#1b1f1d", string(b.mutu))
	}
	for i, e := range f.Elements {
		y := top + row*float64(i)
		s.text(left-8, y+13, "end", "#1b1f1d", e.Element.Name(lang))
		if e.Answers == [4]int64{} {
			s.text(left+4, y+13, "start", "#55605b", "–")
			continue
		}
		s.rect(x(1), y+2, x(e.NRR)-x(1), 16, "#0b6e4f", "")
		s.text(x(e.NRR)+4, y+14, "start", "#1b1f1d", s.num(e.NRR, 2))
	}
	axis := h - 20
	s.line(x(1), axis, x(4), axis, "#55605b", "")
	for v := 1; v <= 4; v++ {
		s.line(x(float64(v)), axis, x(float64(v)), axis+4, "#55605b", "")
		s.text(x(float64(v)), axis+16, "middle", "#1b1f1d", strconv.Itoa(v))
	}
	return s.html()
}

// trendSeries is one line of a trend chart; a month without a shown value is a gap.
type trendSeries struct {
	Name   string
	Values []float64
	Shown  []bool
}

// trendChart draws series of converted values (25–100) over months, over the A–D bands.
func trendChart(id, title, lang string, months []string, series []trendSeries) template.HTML {
	const left, right, top, bottom = 50.0, 740.0, 30.0, 240.0
	s := &svg{lang: lang}
	s.open(id, title, 780, 264+20*len(series))
	y := func(v float64) float64 { return bottom - (v-25)/75*(bottom-top) }
	step := (right - left) / float64(max(len(months), 1))
	x := func(i int) float64 { return left + step*(float64(i)+0.5) }
	for _, b := range bands {
		s.rect(left, y(b.to), right-left, y(b.from)-y(b.to), bandFill[b.mutu], "")
		s.text(right+8, (y(b.from)+y(b.to))/2+4, "start", "#1b1f1d", string(b.mutu))
	}
	for _, v := range []float64{25, 65, 76.61, 88.31, 100} {
		s.text(left-6, y(v)+4, "end", "#55605b", s.num(v, -1))
	}
	for i, m := range months {
		s.text(x(i), bottom+16, "middle", "#1b1f1d", m)
	}
	styles := []struct{ stroke, dash string }{{"#0b6e4f", ""}, {"#1d4ed8", ` stroke-dasharray="6 4"`}, {"#6b3a00", ` stroke-dasharray="2 3"`}}
	for k, sr := range series {
		st := styles[k%len(styles)]
		prev := -1
		for i, v := range sr.Values {
			if i >= len(sr.Shown) || !sr.Shown[i] {
				prev = -1
				continue
			}
			if prev >= 0 {
				s.line(x(prev), y(sr.Values[prev]), x(i), y(v), st.stroke, ` stroke-width="2"`+st.dash)
			}
			if k == 0 {
				fmt.Fprintf(&s.b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>`, x(i), y(v), st.stroke)
			} else {
				s.rect(x(i)-4, y(v)-4, 8, 8, st.stroke, "")
			}
			// The first series is labelled above its points, the others below.
			dy := -8.0
			if k > 0 {
				dy = 18 + float64(k-1)*12
			}
			s.text(x(i), y(v)+dy, "middle", "#1b1f1d", s.num(v, 2))
			prev = i
		}
		ly := bottom + 40 + float64(k)*20
		s.line(left, ly-4, left+30, ly-4, st.stroke, ` stroke-width="2"`+st.dash)
		s.text(left+38, ly, "start", "#1b1f1d", sr.Name)
	}
	return s.html()
}

// distChart draws each element's answers 1–4 as a bar split by share, with a legend.
func distChart(id, title, lang string, f survey.Figures, legend [4]string) template.HTML {
	const left, plot, top, row = 300.0, 460.0, 8.0, 26.0
	s := &svg{lang: lang}
	h := top + row*float64(len(f.Elements)) + 30
	s.open(id, title, 780, int(h))
	for i, e := range f.Elements {
		y := top + row*float64(i)
		s.text(left-8, y+13, "end", "#1b1f1d", e.Element.Name(lang))
		var n int64
		for _, c := range e.Answers {
			n += c
		}
		if n == 0 {
			s.text(left+4, y+13, "start", "#55605b", "–")
			continue
		}
		x := left
		for a, c := range e.Answers {
			w := plot * float64(c) / float64(n)
			s.rect(x, y+2, w, 18, answerFill[a], "")
			if w >= 34 {
				s.text(x+w/2, y+15, "middle", answerText[a], s.num(100*float64(c)/float64(n), 0)+"%")
			}
			x += w
		}
	}
	ly := h - 10
	for a, l := range legend {
		lx := left + float64(a)*118
		s.rect(lx, ly-10, 12, 12, answerFill[a], "")
		s.text(lx+16, ly, "start", "#1b1f1d", fmt.Sprintf("%d %s", a+1, l))
	}
	return s.html()
}
