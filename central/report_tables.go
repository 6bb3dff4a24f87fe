package central

import (
	"fmt"
	"strings"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// reportTable is one table of a report as exported to CSV and XLSX: a row of
// column codes, then rows of strings, integers and floats (nil: empty cell,
// for a figure that is hidden or has no responses).
type reportTable struct {
	Name   string
	Header []string
	Rows   [][]any
}

// figureCells are the responses, IKM and grade of a row and the ratings
// it holds back; hidden or empty figures leave the IKM and grade empty and
// say why in the note.
func figureCells(g groupRow, lang string) []any {
	f := g.Figures
	switch {
	case g.Hidden:
		return []any{g.Count(), nil, nil, nil, nil, "suppressed", g.HeldBack}
	case f.Empty():
		return []any{g.Count(), nil, nil, nil, nil, "", g.HeldBack}
	}
	return []any{g.Count(), f.IKM, f.Value, string(f.Mutu), f.Kinerja(lang), "", g.HeldBack}
}

var figureHeader = []string{"responses", "ikm", "index", "mutu", "kinerja", "note", "held_back"}

func summaryTable(rep officeReport, lang string) reportTable {
	t := reportTable{Name: "summary", Header: append([]string{"scope"}, figureHeader...)}
	for _, v := range rep.Variants {
		t.Rows = append(t.Rows, append([]any{v.Key}, figureCells(v, lang)...))
	}
	return t
}

func elementsTable(f survey.Figures, hidden bool, lang string) reportTable {
	t := reportTable{Name: "elements", Header: []string{"code", "name", "nrr", "nrr_weighted", "mutu", "answers_1", "answers_2", "answers_3", "answers_4", "rank"}}
	for _, e := range f.Elements {
		row := []any{string(e.Element), e.Element.Name(lang)}
		if hidden || f.Empty() {
			row = append(row, nil, nil, nil, nil, nil, nil, nil, nil)
		} else {
			row = append(row, e.NRR, e.Weighted, string(e.Mutu), e.Answers[0], e.Answers[1], e.Answers[2], e.Answers[3], int64(e.Rank))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func groupTable(name string, rows []groupRow, lang string) reportTable {
	t := reportTable{Name: name, Header: append([]string{"key", "name"}, figureHeader...)}
	for _, g := range rows {
		t.Rows = append(t.Rows, append([]any{g.Key, g.Name(lang)}, figureCells(g, lang)...))
	}
	return t
}

var individualHeader = []string{"responses", "individual_index", "interval_low", "interval_high", "status"}

// individualCells are a person's count, index, interval and status.
func individualCells(x survey.Individual) []any {
	row := []any{x.Responses, nil, nil, nil, string(x.Status)}
	if x.Shown() {
		row[1] = x.Index
		if x.Interval.Defined {
			row[2], row[3] = x.Interval.Low, x.Interval.High
		}
	}
	return row
}

func staffTable(rows []staffRow) reportTable {
	t := reportTable{Name: "staff", Header: append(append([]string{"nip", "name", "unit", "counter"}, individualHeader...), "held_back")}
	for _, r := range rows {
		row := append([]any{r.Staff.NIP, r.Staff.Name, r.Staff.Unit, r.Staff.Counter}, individualCells(r.Individual)...)
		t.Rows = append(t.Rows, append(row, r.HeldBack))
	}
	return t
}

func candidateTable(name string, cs []survey.Candidate, heldBack map[string]personHeld, lang string) reportTable {
	h := append([]string{"nip", "name", "unit"}, individualHeader...)
	h = append(h, "responses_without_suspect", "index_without_suspect",
		"responses_trusted", "index_trusted", "interval_low_trusted", "interval_high_trusted",
		"responses_verified", "index_verified", "responses_unverified", "index_unverified",
		"channel_qr", "channel_visit", "channel_kiosk", "channel_api", "verified_share", "suspect_ratings", "flags",
		"contested", "contests", "evidence", "held_back")
	t := reportTable{Name: name, Header: h}
	for _, c := range cs {
		row := append([]any{c.Staff.NIP, c.Staff.Name, c.Staff.Unit}, individualCells(c.All)...)
		clean, trusted := individualCells(c.Clean), individualCells(c.Trusted)
		verified, unverified := individualCells(c.Verified), individualCells(c.Unverified)
		row = append(row, clean[0], clean[1], trusted[0], trusted[1], trusted[2], trusted[3], verified[0], verified[1], unverified[0], unverified[1],
			c.Channels.QR, c.Channels.Visit, c.Channels.Kiosk, c.Channels.API, c.VerifiedShare, c.Suspect, flagsText(c.Flags),
			yesNo(c.Contested()), contestsText(c.Contests, lang))
		var ev []string
		for _, e := range c.Evidence {
			ev = append(ev, e.Text(lang))
		}
		t.Rows = append(t.Rows, append(row, strings.Join(ev, "; "), heldBack[c.Staff.NIP].All))
	}
	return t
}

// flagsText lists flag counts as "burst 3, own_device 1".
func flagsText(fs []survey.FlagCount) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s %d", f.Flag, f.N)
	}
	return strings.Join(parts, ", ")
}

func contestsText(cs survey.Contests, lang string) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Text(lang)
	}
	return strings.Join(parts, "; ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func rtlTable(actions []survey.RTLAction) reportTable {
	t := reportTable{Name: "rtl", Header: []string{"id", "element", "action", "owner", "due", "status", "note", "created_by"}}
	for _, a := range actions {
		t.Rows = append(t.Rows, []any{a.ID, string(a.Element), a.Action, a.Owner, a.Due, string(a.Status), a.Note, a.CreatedBy})
	}
	return t
}

func profileTable(counts []survey.ProfileCount, lang string) reportTable {
	t := reportTable{Name: "profile", Header: []string{"field", "code", "label", "responses", "percent"}}
	for _, c := range counts {
		t.Rows = append(t.Rows, []any{c.Field, c.Code, c.Option.Label(lang), c.N, c.Share})
	}
	return t
}

// evidenceTable is a staff member's evidence for e-Kinerja (bukti dukung), in
// long form: one line per figure, month, element, comment or statement.
func evidenceTable(rep personReport) reportTable {
	t := reportTable{Name: "evidence", Header: []string{"nip", "name", "period", "section", "month", "element",
		"value", "interval_low", "interval_high", "responses", "status", "text"}}
	add := func(section, month, element string, value, low, high any, n int64, status, text string) {
		t.Rows = append(t.Rows, []any{rep.Staff.NIP, rep.Staff.Name, rep.Query.Code, section, month, element, value, low, high, n, status, text})
	}
	person := func(section, month string, x survey.Individual) {
		c := individualCells(x)
		add(section, month, "", c[1], c[2], c[3], x.Responses, string(x.Status), "")
	}
	person("individual", "", rep.Individual)
	add("held_back", "", "", nil, nil, nil, rep.HeldBack, "", "")
	person("individual_without_suspect", "", rep.WithoutSuspect)
	person("individual_verified", "", rep.Verified)
	person("individual_unverified", "", rep.Unverified)
	l := rep.Lists
	person("individual_trusted", "", l.Trusted)
	person("individual_verified_unflagged", "", l.Verified)
	for _, ch := range []struct {
		name string
		n    int64
	}{{survey.ChannelQR, l.Channels.QR}, {survey.ChannelVisit, l.Channels.Visit}, {survey.ChannelKiosk, l.Channels.Kiosk}, {survey.ChannelAPI, l.Channels.API}} {
		add("channel", "", ch.name, nil, nil, nil, ch.n, "", "")
	}
	add("verified_share", "", "", l.VerifiedShare, nil, nil, l.All.Responses, "", "")
	for _, f := range l.Flags {
		add("flag", "", f.Flag, nil, nil, nil, f.N, "", "")
	}
	for _, c := range l.Contests {
		add("contested", strings.Join(c.Months, " "), c.Kind, c.Shift, nil, nil, c.Ratings, "contested", c.Text("id"))
	}
	unit := func(month string, g groupRow) {
		c := figureCells(g, "id")
		add("unit_ikm", month, "", c[1], nil, nil, g.Count(), c[5].(string), g.Key)
	}
	unit("", rep.Unit)
	for _, m := range rep.Months {
		person("individual_month", m.Month, m.Individual)
		unit(m.Month, m.Unit)
	}
	for _, e := range rep.Elements {
		add("element", "", string(e.Element), e.NRR, nil, nil, e.Answers[0]+e.Answers[1]+e.Answers[2]+e.Answers[3], "", e.Element.Name("id"))
	}
	for _, c := range rep.Comments {
		add("comment", c.Month, "", nil, nil, nil, 0, "", c.Text)
	}
	for _, s := range rep.Statements {
		add("statement", s.CreatedAt.In(web.Jakarta).Format("2006-01"), "", nil, nil, nil, 0, "by "+s.RecordedBy, s.Text)
	}
	return t
}
