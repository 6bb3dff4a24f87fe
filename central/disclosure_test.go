package central_test

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central"
	"github.com/skmkiosk/skm/store/postgres/pgtest"
	"github.com/skmkiosk/skm/store/storetest"
	"github.com/skmkiosk/skm/survey"
)

// The disclosure audit (docs/reports-api.md, "Disclosure rule"): over a
// generated office with many small cells (days of 1–4 ratings, a unit of
// one staff member, rare services, a quiet month, flagged and verified
// ratings, a kiosk that uploads late), it asks for every report a client
// can ask for within the rules and checks each released figure against an
// independent implementation of the rule. It then proves that no response
// is determined by all of them together: every response lies in a class of
// responses that every released figure holds all or none of, each class
// holds at least min_cell responses with at least two different answers,
// so swapping the answers of two members changes no released number while
// it changes the answers of any group of fewer than min_cell.

func TestDisclosureAuditSQLite(t *testing.T) { testDisclosureAudit(t, openSQLite) }

func TestDisclosureAuditPostgres(t *testing.T) {
	testDisclosureAudit(t, func(tb testing.TB, now func() time.Time) survey.CentralStore { return pgtest.MustOpen(tb, now) })
}

// auditNow is 20 May 2031: January to April have settled (auditSettled),
// May has not; the audit's ratings run to May (auditMonths).
var auditNow = time.Date(2031, 5, 20, 10, 0, 0, 0, wib)

const (
	auditSettled = 4
	auditMonths  = 5
)

// auditStaff are the office's staff: a unit of three and two units of one;
// and a NIP on no roster.
var auditStaff = []struct{ nip, name, unit, counter string }{
	{nipSiti, "Siti Rahma", "Dafduk", "1"},
	{nipAgus, "Agus Salim", "Dafduk", "3"},
	{"198203142006042001", "Dewi Lestari", "Dafduk", "4"},
	{nipBudi, "Budi Santoso", "Capil", "2"},
	{"198807072012052004", "Yanto Prasetyo", "Umum", "7"},
}

const auditUnknownNIP = "199201012018011005"

var auditServices = []string{"KTPEL_BARU", "KK_BARU", "AKTA_LAHIR", "LEGALISIR"}

// auditRow is one generated response with what central stores about it.
type auditRow struct {
	r                    survey.Response
	kiosk                int
	received             time.Time
	month                int // report month of 2031
	unit, counter        string
	verified, suspect    bool
	nip, service, answer string // answer: every answer, comment and profile
}

type auditor struct {
	t        *testing.T
	rs       *reportServer
	token    string
	rows     []auditRow
	k        int
	groups   [][]int // the reference release groups, indices into rows
	groupOf  []int
	mu       sync.Mutex
	released map[string][]int // every released set, by its sorted members
	figures  int              // figures checked
}

func testDisclosureAudit(t *testing.T, open func(testing.TB, func() time.Time) survey.CentralStore) {
	start := time.Now()
	// The audit asks thousands of reports: no rate limit.
	rs := MustStartReportServer(t, open, func(c *central.Config) { c.Reports.APIRequestsPerMinute = 0 })
	rs.Clock.Set(auditNow)
	for _, st := range auditStaff {
		if st.nip != nipSiti && st.nip != nipAgus && st.nip != nipBudi { // on the roster already
			storetest.MustAddStaff(t, rs.Store, rs.Office.ID, st.nip, st.name, st.unit, st.counter)
		}
	}
	a := &auditor{t: t, rs: rs, k: 5, released: map[string][]int{}}
	a.generate(rand.New(rand.NewPCG(23, 2031)))
	a.ingest()
	a.referenceGroups()
	a.token = MustCreateToken(t, rs.Store, survey.RoleViewer, 0)

	for _, step := range []struct {
		name string
		run  func()
	}{{"day ranges", a.refusesDayRanges}, {"API", a.checkAPI}, {"appraisal", a.checkAppraisal}, {"exports", a.checkExports},
		{"person pages", a.checkPersonPages}, {"public page", a.checkPublic}, {"documents", a.checkDocuments}, {"proof", a.prove}} {
		at := time.Now()
		step.run()
		t.Logf("%s: %s", step.name, time.Since(at).Round(time.Millisecond))
	}
	t.Logf("%d responses, %d reference groups, %d figures checked, %d distinct released sets, in %s",
		len(a.rows), len(a.groups), a.figures, len(a.released), time.Since(start).Round(time.Millisecond))
}

// generate makes four settled months and a May of ratings: most staff
// months busy, some quiet (1–4 ratings), days of one or two ratings, the
// issue's example (30 ratings of Siti on 10 February, one on the 11th),
// flagged and verified ratings, rare services, a NIP on no roster, and a
// second kiosk whose March ratings arrive on 9 April, after March settled.
func (a *auditor) generate(rng *rand.Rand) {
	add := func(kiosk int, nip string, at time.Time) {
		row := auditRow{kiosk: kiosk, nip: nip, unit: "", counter: ""}
		for _, st := range auditStaff {
			if st.nip == nip {
				row.unit, row.counter = st.unit, st.counter
			}
		}
		row.service = auditServices[rng.IntN(3)]
		if rng.IntN(25) == 0 {
			row.service = "LEGALISIR" // rare
		}
		var ratings survey.Ratings
		for i := range ratings {
			ratings[i] = int8(1 + rng.IntN(4))
		}
		row.verified = rng.IntN(3) == 0
		row.r = survey.Response{NIP: nip, Service: row.service, Ratings: ratings, Verified: row.verified, Channel: survey.ChannelQR,
			CreatedAt: at.UTC().Truncate(time.Microsecond),
			Profile: survey.Profile{AgeBand: survey.AgeBands[rng.IntN(6)].Code, Sex: survey.Sexes[rng.IntN(2)].Code,
				Education: survey.Educations[rng.IntN(6)].Code, Occupation: survey.Occupations[rng.IntN(7)].Code}}
		if rng.IntN(12) == 0 {
			row.r.Flags = []string{survey.FlagBurst}
		}
		if rng.IntN(5) == 0 {
			row.r.Comment = fmt.Sprintf("komentar %d", len(a.rows))
		}
		row.suspect = len(row.r.Flags) > 0 || nip == auditUnknownNIP
		a.rows = append(a.rows, row)
	}
	for m := 1; m <= auditMonths; m++ {
		for i, st := range auditStaff {
			n := 6 + rng.IntN(14)
			switch {
			case (m+i)%5 == 0:
				n = 1 + rng.IntN(4) // a quiet month
			case st.unit == "Umum" && m%2 == 0:
				n = 2
			}
			for j := range n {
				day := 1 + rng.IntN(27)
				if j < 2 && rng.IntN(2) == 0 {
					day = 28 // a day of one or two ratings
				}
				add(0, st.nip, time.Date(2031, time.Month(m), day, 8+rng.IntN(8), rng.IntN(60), 0, 0, wib))
			}
		}
		add(0, auditUnknownNIP, time.Date(2031, time.Month(m), 12, 10, 0, 0, 0, wib))
	}
	for range 30 {
		add(0, nipSiti, time.Date(2031, 2, 10, 8+rng.IntN(8), rng.IntN(60), 0, 0, wib))
	}
	add(0, nipSiti, time.Date(2031, 2, 11, 15, 0, 0, 0, wib)) // the lone rating of the issue
	for range 7 {
		add(1, auditStaff[rng.IntN(len(auditStaff))].nip, time.Date(2031, 3, 20+rng.IntN(10), 10, 0, 0, 0, wib))
	}
	slices.SortStableFunc(a.rows, func(x, y auditRow) int { return x.r.CreatedAt.Compare(y.r.CreatedAt) })
	for i := range a.rows {
		row := &a.rows[i]
		c := row.r.CreatedAt.In(wib)
		row.received = time.Date(c.Year(), c.Month(), c.Day()+1, 2, 0, 0, 0, wib) // the next night's sync
		if row.kiosk == 1 {
			row.received = time.Date(2031, 4, 9, 2, 0, 0, 0, wib) // after March settled on 8 April
		}
		created := row.r.CreatedAt.In(wib)
		row.month = int(created.Month())
		if settles := time.Date(2031, created.Month()+1, 1+survey.SettleDays, 0, 0, 0, 0, wib); !row.received.Before(settles) {
			row.month = int(row.received.In(wib).Month())
		}
		row.answer = fmt.Sprint(row.r.Ratings, row.r.Comment, row.r.Profile)
	}
}

// ingest uploads each kiosk's rows in order, a batch per night.
func (a *auditor) ingest() {
	kiosks := []survey.Kiosk{a.rs.Kiosk, storetest.MustCreateKiosk(a.t, a.rs.Store, a.rs.Office.ID)}
	for k, kiosk := range kiosks {
		var prev string
		var seq int64
		var batch []survey.Response
		var at time.Time
		flush := func() {
			if len(batch) > 0 {
				storetest.MustIngest(a.t, a.rs.Store, storetest.Request(kiosk.ID, batch, at))
				batch = nil
			}
		}
		for i := range a.rows {
			row := &a.rows[i]
			if row.kiosk != k {
				continue
			}
			if !row.received.Equal(at) {
				flush()
				at = row.received
			}
			seq++
			row.r.ID, row.r.Seq = fmt.Sprintf("0190a000-0000-7000-8000-%012d", i+1), seq
			row.r.PrevHash, row.r.Hash = prev, row.r.ChainHash(prev)
			prev = row.r.Hash
			batch = append(batch, row.r)
		}
		flush()
	}
}

// majorityUnit is the unit holding most of a staff member's ratings of a month.
func (a *auditor) majorityUnit(month int, nip string) string {
	count := map[string]int{}
	for _, r := range a.rows {
		if r.month == month && r.nip == nip {
			count[r.unit]++
		}
	}
	best := ""
	for u, n := range count {
		if n > count[best] || n == count[best] && u < best {
			best = u
		}
	}
	return best
}

// referenceGroups forms the release groups as docs/reports-api.md states
// the rule, written apart from survey.Release: per settled month and class
// (verified or not, suspect or not), a staff member's ratings, then the
// unit's rest, the office's rest, then the first quarter (no later quarter,
// semester or year of 2031 has settled).
func (a *auditor) referenceGroups() {
	a.groupOf = make([]int, len(a.rows))
	for i := range a.groupOf {
		a.groupOf[i] = -1
	}
	group := func(members []int) []int {
		if len(members) < a.k {
			return members
		}
		for _, i := range members {
			a.groupOf[i] = len(a.groups)
		}
		a.groups = append(a.groups, members)
		return nil
	}
	type class struct{ verified, suspect bool }
	classes := []class{{false, false}, {true, false}, {false, true}, {true, true}}
	nips := []string{auditUnknownNIP}
	for _, st := range auditStaff {
		nips = append(nips, st.nip)
	}
	rest := map[int]map[class][]int{} // month → class → the office's rest
	for m := 1; m <= auditSettled; m++ {
		rest[m] = map[class][]int{}
		for _, c := range classes {
			units := map[string][]int{}
			for _, nip := range nips {
				var leaf []int
				for i, r := range a.rows {
					if r.month == m && r.nip == nip && r.verified == c.verified && r.suspect == c.suspect {
						leaf = append(leaf, i)
					}
				}
				if len(leaf) > 0 {
					u := a.majorityUnit(m, nip)
					units[u] = append(units[u], group(leaf)...)
				}
			}
			var office []int
			for _, u := range slices.Sorted(maps.Keys(units)) {
				office = append(office, group(units[u])...)
			}
			rest[m][c] = group(office)
		}
	}
	for _, c := range classes {
		var quarter []int
		for m := 1; m <= 3; m++ {
			quarter = append(quarter, rest[m][c]...)
		}
		group(quarter)
	}
}

// auditView is a figure's selection: months from..to of 2031 and filters.
type auditView struct {
	from, to                    int
	unit, counter, nip, service string
	verified, suspect           survey.Tristate
}

func (v auditView) matches(r auditRow) bool {
	return r.month >= v.from && r.month <= v.to && (v.unit == "" || r.unit == v.unit) && (v.counter == "" || r.counter == v.counter) &&
		(v.nip == "" || r.nip == v.nip) && (v.service == "" || r.service == v.service) && v.verified.Keeps(r.verified) && v.suspect.Keeps(r.suspect)
}

// part is what the rule shows of v: the rows of the groups wholly inside
// it, whether it is suppressed, and how many rows it selects.
func (a *auditor) part(v auditView) (shown []int, total int, suppressed bool) {
	inside := map[int]int{}
	for i, r := range a.rows {
		if v.matches(r) {
			total++
			if g := a.groupOf[i]; g >= 0 {
				inside[g]++
			}
		}
	}
	for g, n := range inside {
		if n == len(a.groups[g]) {
			shown = append(shown, a.groups[g]...)
		}
	}
	slices.Sort(shown)
	strict := v.counter != "" || v.service != ""
	return shown, total, total > 0 && (len(shown) == 0 || strict && len(shown) < total)
}

// release records a released figure's set.
func (a *auditor) release(rows []int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.figures++
	if len(rows) > 0 {
		a.released[fmt.Sprint(rows)] = rows
	}
}

func (a *auditor) tally(rows []int) survey.Tally {
	var t survey.Tally
	for _, i := range rows {
		t.Add(a.rows[i].r.Ratings)
	}
	return t
}

func (a *auditor) scores(rows []int) []survey.PersonCell {
	var out []survey.PersonCell
	for _, i := range rows {
		r := a.rows[i].r
		s := int64(r.Ratings.Get(survey.Kompetensi) + r.Ratings.Get(survey.Perilaku))
		out = append(out, survey.PersonCell{NIP: r.NIP, N: 1, Sum: s, SumSq: s * s})
	}
	return out
}

// expectFigures checks an answer's responses, held_back, and index (or
// null) against v's part, and records the part as released.
func (a *auditor) expectFigures(what string, v auditView, responses, heldBack, index any) {
	a.t.Helper()
	shown, total, suppressed := a.part(v)
	wantN, wantIndex := len(shown), any(nil)
	if suppressed {
		wantN = total
		shown = nil // nothing of it is released
	} else if len(shown) > 0 && (v.nip == "" || index != nil) {
		// An API answer about one person gives no nine-element index; its
		// exports' rows do, and the release is the same.
		wantIndex = survey.DefaultReportRules().Figures(a.tally(shown)).Value
	}
	a.release(shown)
	if number(a.t, responses) != float64(wantN) || (heldBack != nil && number(a.t, heldBack) != float64(total-len(shown))) || !sameNumber(index, wantIndex) {
		a.t.Errorf("%s: responses %v, held back %v, index %v; the rule gives %d of %d, index %v", what, responses, heldBack, index, wantN, total, wantIndex)
	}
}

// number reads a figure from JSON (a number) or a table (text).
func number(tb testing.TB, v any) float64 {
	tb.Helper()
	if s, ok := v.(string); ok {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			tb.Fatalf("%q is not a number", s)
		}
		return f
	}
	return num(tb, v)
}

func sameNumber(got, want any) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	g, ok := got.(float64)
	if !ok {
		g, _ = strconv.ParseFloat(fmt.Sprint(got), 64)
	}
	return g == want.(float64)
}

// auditPeriod is a period code with its first and last months of 2031,
// cut to the settled ones.
type auditPeriod struct {
	code     string
	from, to int
}

// auditPeriods are every period a client may ask for in 2031: each range
// of settled months (months and the first quarter among them), and May, the
// second quarter, the first semester and the year, which reach past the
// settled months and are cut to them (a range ending in May is cut as the
// semester and the quarter are, to the same months as a range ending in
// April, and answers as that range does).
func auditPeriods() []auditPeriod {
	var out []auditPeriod
	for from := 1; from <= auditSettled; from++ {
		for to := from; to <= auditSettled; to++ {
			out = append(out, auditPeriod{fmt.Sprintf("2031-%02d~2031-%02d", from, to), from, to})
		}
	}
	return append(out, auditPeriod{"2031-05", auditMonths, auditSettled}, auditPeriod{"2031-Q2", 4, auditSettled},
		auditPeriod{"2031-S1", 1, auditSettled}, auditPeriod{"2031", 1, auditSettled})
}

// filterSets lists every combination of unit, counter, NIP and service
// that selects at least one response: any other selects none, and its
// answer is empty (checked on a sample).
func (a *auditor) filterSets() []auditView {
	seen := map[auditView]bool{}
	for _, r := range a.rows {
		for mask := range 16 {
			var v auditView
			if mask&1 != 0 {
				v.unit = r.unit
			}
			if mask&2 != 0 {
				v.counter = r.counter
			}
			if mask&4 != 0 {
				v.nip = r.nip
			}
			if mask&8 != 0 {
				v.service = r.service
			}
			if (mask&1 != 0 && r.unit == "") || (mask&2 != 0 && r.counter == "") {
				continue // an empty value means no filter
			}
			seen[v] = true
		}
	}
	out := slices.Collect(maps.Keys(seen))
	slices.SortFunc(out, func(x, y auditView) int {
		return cmp.Or(cmp.Compare(x.unit, y.unit), cmp.Compare(x.counter, y.counter), cmp.Compare(x.nip, y.nip), cmp.Compare(x.service, y.service))
	})
	return out
}

func (v auditView) query() string {
	q := url.Values{}
	for _, p := range [][2]string{{"unit", v.unit}, {"counter", v.counter}, {"nip", v.nip}, {"service", v.service}} {
		if p[1] != "" {
			q.Set(p[0], p[1])
		}
	}
	if s := q.Encode(); s != "" {
		return "&" + s
	}
	return ""
}

// refusesDayRanges: the issue's subtraction (10–11 February minus 10
// February) and any other range of days are refused, with or without filters.
func (a *auditor) refusesDayRanges() {
	for _, q := range []string{"from=2031-02-10&to=2031-02-11", "from=2031-02-10&to=2031-02-10&nip=" + nipSiti, "period=2031-02-01~2031-02-27&unit=Umum"} {
		got := MustAPI(a.t, a.rs.URL, a.token, fmt.Sprintf("/api/v1/reports/ikm?office=%d&%s", a.rs.Office.ID, q), http.StatusBadRequest)
		if e, _ := got["error"].(map[string]any); e == nil || e["code"] != survey.EINVALID {
			a.t.Errorf("%s: %v, want a 400 naming the periods allowed", q, got)
		}
	}
}

// checkAPI asks /api/v1/reports/ikm for every period and filter
// combination and checks every figure of each answer.
func (a *auditor) checkAPI() {
	filters := a.filterSets()
	a.t.Logf("%d periods × %d filter combinations", len(auditPeriods()), len(filters))
	jobs := make(chan [2]int)
	var wg sync.WaitGroup
	for range 4 { // loopback requests overlap their database commits
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				a.checkIKM(auditPeriods()[j[0]], filters[j[1]])
			}
		}()
	}
	for p := range auditPeriods() {
		for f := range filters {
			jobs <- [2]int{p, f}
		}
	}
	close(jobs)
	wg.Wait()
	// Filters that select nothing release nothing.
	for _, q := range []string{"&unit=Capil&nip=" + nipSiti, "&counter=7&service=AKTA_LAHIR&unit=Dafduk", "&service=KIA"} {
		got := MustAPI(a.t, a.rs.URL, a.token, fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=2031-S1%s", a.rs.Office.ID, q), http.StatusOK)
		if num(a.t, got["responses"]) != 0 || got["index"] != nil {
			a.t.Errorf("%s selects nothing but answers %v responses, index %v", q, got["responses"], got["index"])
		}
	}
}

// checkIKM asks /api/v1/reports/ikm for one period and filter combination
// and checks every figure of the answer.
func (a *auditor) checkIKM(p auditPeriod, f auditView) {
	v := f
	v.from, v.to = p.from, p.to
	got := MustAPI(a.t, a.rs.URL, a.token, fmt.Sprintf("/api/v1/reports/ikm?office=%d&period=%s%s", a.rs.Office.ID, p.code, f.query()), http.StatusOK)
	what := p.code + f.query()
	a.expectFigures(what, v, got["responses"], got["held_back"], got["index"])
	if shown, _, suppressed := a.part(v); !suppressed && len(shown) > 0 {
		want := a.tally(shown)
		for i, e := range got["elements"].([]any) {
			answers, _ := e.(map[string]any)["answers"].([]any)
			if answers == nil && v.nip != "" && i != survey.Kompetensi.Index() && i != survey.Perilaku.Index() {
				continue // an answer about one person gives only the elements they are judged on
			}
			for j := range 4 {
				if num(a.t, answers[j]) != float64(want.Dist[i][j]) {
					a.t.Errorf("%s: element %d answers %v, the rule gives %v", what, i, answers, want.Dist[i])
					break
				}
			}
		}
	}
	for key, edit := range map[string]func(*auditView){
		"without_suspect": func(x *auditView) { x.suspect = survey.TriNo },
		"verified":        func(x *auditView) { x.verified = survey.TriYes },
		"unverified":      func(x *auditView) { x.verified = survey.TriNo },
	} {
		w := v
		edit(&w)
		f := got[key].(map[string]any)
		a.expectFigures(what+" "+key, w, f["responses"], f["held_back"], f["index"])
	}
	if v.nip != "" {
		a.expectPerson(what, v, got["individual"].(map[string]any))
		if u := got["unit_ikm"]; u != nil {
			unit := u.(map[string]any)
			w := auditView{from: v.from, to: v.to, unit: unit["unit"].(string)}
			a.expectFigures(what+" unit_ikm", w, unit["responses"], unit["held_back"], unit["index"])
		}
	}

}

// expectPerson checks an answer's individual figures about one person:
// all ratings, without suspect ones, verified unflagged ones, unverified
// ones, and the trusted basis (without suspect and contested ratings).
func (a *auditor) expectPerson(what string, v auditView, ind map[string]any) {
	a.t.Helper()
	a.expectIndividual(what+" individual", v, ind)
	if _, _, suppressed := a.part(v); suppressed {
		// A withheld person's figure withholds every figure of theirs.
		for _, key := range []string{"without_suspect", "verified", "unverified", "trusted"} {
			if x, _ := ind[key].(map[string]any); x != nil && x["index"] != nil {
				a.t.Errorf("%s %s: index %v of a withheld figure", what, key, x["index"])
			}
		}
		return
	}
	w := v
	w.suspect = survey.TriNo
	a.expectIndividual(what+" without suspect", w, ind["without_suspect"].(map[string]any))
	if ind["verified"] == nil {
		return
	}
	w.verified = survey.TriYes
	a.expectIndividual(what+" verified", w, ind["verified"].(map[string]any))
	w = v
	w.verified = survey.TriNo
	a.expectIndividual(what+" unverified", w, ind["unverified"].(map[string]any))
	// The trusted basis leaves out the unverified ratings a contest covers.
	contested := map[int]bool{}
	for _, c := range ind["contests"].([]any) {
		c := c.(map[string]any)
		months, _ := c["months"].([]any)
		for m := v.from; m <= v.to; m++ {
			if c["kind"] != survey.ContestShift || slices.Contains(months, any(fmt.Sprintf("2031-%02d", m))) {
				contested[m] = true
			}
		}
	}
	var keep []int
	for m := v.from; m <= v.to; m++ {
		for _, c := range []auditView{{verified: survey.TriYes}, {verified: survey.TriNo}} {
			if c.verified == survey.TriNo && contested[m] {
				continue
			}
			x := v
			x.from, x.to, x.verified, x.suspect = m, m, c.verified, survey.TriNo
			shown, _, _ := a.part(x)
			keep = append(keep, shown...)
		}
	}
	slices.Sort(keep)
	a.expectShown(what+" trusted", keep, ind["trusted"].(map[string]any))
}

// expectShown checks a figure whose rows the rule shows are given.
func (a *auditor) expectShown(what string, shown []int, ind map[string]any) {
	a.t.Helper()
	x := survey.DefaultReportRules().Individual(a.scores(shown))
	var wantIndex any
	if x.Shown() {
		wantIndex = x.Index
		a.release(shown)
	} else {
		a.release(nil)
	}
	if x.Shown() && (number(a.t, ind["responses"]) != float64(x.Responses) || !sameNumber(ind["index"], wantIndex)) {
		a.t.Errorf("%s: responses %v, index %v; the rule gives %d, %v", what, ind["responses"], ind["index"], x.Responses, wantIndex)
	}
	if !x.Shown() && ind["index"] != nil {
		a.t.Errorf("%s: index %v where the rule shows none", what, ind["index"])
	}
}

// expectIndividual checks a person's individual index against v's part.
func (a *auditor) expectIndividual(what string, v auditView, ind map[string]any) {
	a.t.Helper()
	shown, total, suppressed := a.part(v)
	x := survey.DefaultReportRules().Individual(a.scores(shown))
	wantN, wantIndex := x.Responses, any(nil)
	if suppressed {
		wantN = int64(total)
		shown = nil
	} else if x.Shown() {
		wantIndex = x.Index
	}
	a.release(shown)
	if number(a.t, ind["responses"]) != float64(wantN) || !sameNumber(ind["index"], wantIndex) {
		a.t.Errorf("%s: responses %v, index %v; the rule gives %d, %v", what, ind["responses"], ind["index"], wantN, wantIndex)
	}
}

// checkAppraisal asks for the reward and coaching lists of every period.
func (a *auditor) checkAppraisal() {
	for _, p := range auditPeriods() {
		got := MustAPI(a.t, a.rs.URL, a.token, fmt.Sprintf("/api/v1/reports/appraisal?office=%d&period=%s", a.rs.Office.ID, p.code), http.StatusOK)
		for _, list := range []string{"reward", "coaching", "others"} {
			for _, c := range got[list].([]any) {
				cand := c.(map[string]any)
				v := auditView{from: p.from, to: p.to, nip: cand["nip"].(string)}
				a.expectPerson(p.code+" appraisal "+v.nip, v, cand)
			}
		}
	}
}

// checkExports reads the workbook of every period, and of the first quarter
// and semester filtered by a unit and by a staff member (whose tables are
// views the API check asks for one by one), and checks each table's rows:
// each is a figure of its own.
func (a *auditor) checkExports() {
	admin := a.rs.MustLogin(a.t, "auditor", survey.RoleAdmin, 0, "")
	for _, p := range auditPeriods() {
		filters := []auditView{{}}
		if p.code == "2031-01~2031-03" || p.code == "2031-S1" {
			filters = append(filters, auditView{unit: "Dafduk"}, auditView{nip: nipSiti})
		}
		for _, f := range filters {
			base := auditView{from: p.from, to: p.to, unit: f.unit, nip: f.nip}
			_, body := admin.MustGet(a.t, fmt.Sprintf("/admin/reports/%d/export.xlsx?period=%s%s", a.rs.Office.ID, p.code, f.query()), http.StatusOK)
			x := mustXLSX(a.t, body)
			sheet := func(name string) ([]string, [][]string) {
				rows, err := x.GetRows(name)
				if err != nil || len(rows) == 0 {
					a.t.Fatalf("%s: sheet %s: %v", p.code, name, err)
				}
				return rows[0], rows[1:]
			}
			cell := func(h, row []string, name string) any {
				for i, c := range h {
					if c == name {
						if i >= len(row) || row[i] == "" {
							return nil
						}
						return row[i]
					}
				}
				a.t.Fatalf("no column %s in %v", name, h)
				return nil
			}
			what := "export " + p.code + f.query()
			h, rows := sheet("summary")
			for _, r := range rows {
				v := base
				switch r[0] {
				case "without_suspect":
					v.suspect = survey.TriNo
				case "verified":
					v.verified = survey.TriYes
				case "unverified":
					v.verified = survey.TriNo
				}
				a.expectFigures(what+" summary "+r[0], v, cell(h, r, "responses"), cell(h, r, "held_back"), cell(h, r, "index"))
			}
			for _, split := range []struct {
				sheet string
				set   func(*auditView, string)
			}{
				{"months", func(v *auditView, k string) { v.from, _ = strconv.Atoi(k[5:]); v.to = v.from }},
				{"units", func(v *auditView, k string) { v.unit = k }},
				{"counters", func(v *auditView, k string) { v.counter = k }},
				{"services", func(v *auditView, k string) { v.service = k }},
			} {
				h, rows := sheet(split.sheet)
				for _, r := range rows {
					v := base
					split.set(&v, r[0])
					a.expectFigures(what+" "+split.sheet+" "+r[0], v, cell(h, r, "responses"), cell(h, r, "held_back"), cell(h, r, "index"))
				}
			}
			h, rows = sheet("staff")
			for _, r := range rows {
				v := base
				v.nip = r[0]
				a.expectIndividual(what+" staff "+r[0], v, map[string]any{"responses": cell(h, r, "responses"), "index": cell(h, r, "individual_index")})
			}
			if f != (auditView{}) {
				continue
			}
			// The respondent profile counts the ratings the office's figure rests on.
			shown, _, _ := a.part(base)
			want := map[[2]string]int{}
			for _, i := range shown {
				pr := a.rows[i].r.Profile
				want[[2]string{"sex", pr.Sex}]++
				want[[2]string{"age_band", pr.AgeBand}]++
			}
			h, rows = sheet("profile")
			for _, r := range rows {
				if field := r[0]; field == "sex" || field == "age_band" {
					if n, _ := strconv.Atoi(fmt.Sprint(cell(h, r, "responses"))); n != want[[2]string{field, r[1]}] {
						a.t.Errorf("%s profile %s %s = %d, the rule gives %d", what, field, r[1], n, want[[2]string{field, r[1]}])
					}
				}
			}
		}
	}
}

// checkPersonPages reads each staff member's evidence CSV of every period:
// their figure, each month's, their unit's, and their comments.
func (a *auditor) checkPersonPages() {
	admin := a.rs.MustLogin(a.t, "auditor2", survey.RoleAdmin, 0, "")
	for _, p := range auditPeriods() {
		for _, st := range auditStaff {
			_, body := admin.MustGet(a.t, fmt.Sprintf("/admin/reports/%d/staff/%s/evidence.csv?period=%s", a.rs.Office.ID, st.nip, p.code), http.StatusOK)
			h, rows := csvTable(a.t, body)
			what := "evidence " + st.nip + " " + p.code
			person := auditView{from: p.from, to: p.to, nip: st.nip}
			var comments []string
			for _, r := range rows {
				get := func(name string) any {
					if c := col(a.t, h, r, name); c != "" {
						return c
					}
					return nil
				}
				switch col(a.t, h, r, "section") {
				case "individual":
					a.expectIndividual(what, person, map[string]any{"responses": get("responses"), "index": get("value")})
				case "individual_month":
					v := person
					v.from, _ = strconv.Atoi(col(a.t, h, r, "month")[5:])
					v.to = v.from
					a.expectIndividual(what+" "+col(a.t, h, r, "month"), v, map[string]any{"responses": get("responses"), "index": get("value")})
				case "comment":
					comments = append(comments, col(a.t, h, r, "text"))
				}
			}
			shown, _, suppressed := a.part(person)
			var want []string
			if x := survey.DefaultReportRules().Individual(a.scores(shown)); !suppressed && x.Shown() {
				for _, i := range shown {
					if c := a.rows[i].r.Comment; c != "" {
						want = append(want, c)
					}
				}
			}
			slices.Sort(want)
			slices.Sort(comments)
			if !slices.Equal(comments, want) {
				a.t.Errorf("%s: comments %q, the rule shows %q", what, comments, want)
			}
		}
	}
}

// csvTable parses a CSV export into its header and rows.
func csvTable(tb testing.TB, body string) ([]string, [][]string) {
	tb.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) == 0 {
		tb.Fatalf("parse CSV: %v\n%s", err, body)
	}
	return rows[0], rows[1:]
}

// checkPublic reads the public page of every period.
func (a *auditor) checkPublic() {
	anon := &browser{base: a.rs.URL, hc: &http.Client{Timeout: 30 * time.Second}}
	for _, p := range auditPeriods() {
		_, page := anon.MustGet(a.t, fmt.Sprintf("/publik/%d?period=%s", a.rs.Office.ID, p.code), http.StatusOK)
		v := auditView{from: p.from, to: p.to}
		shown, _, suppressed := a.part(v)
		if suppressed || len(shown) == 0 {
			a.release(nil)
			if strings.Contains(page, `id="rpt-ikm"`) {
				a.t.Errorf("public %s shows a figure the rule withholds", p.code)
			}
			continue
		}
		a.release(shown)
		want := survey.DefaultReportRules().Figures(a.tally(shown))
		if got := byID(a.t, page, "rpt-responses"); got != strconv.Itoa(len(shown)) || pageNum(a.t, byID(a.t, page, "rpt-ikm")) != want.IKM {
			a.t.Errorf("public %s: %s responses, IKM %s; the rule gives %d, %v", p.code, got, byID(a.t, page, "rpt-ikm"), len(shown), want.IKM)
		}
	}
}

// checkDocuments issues, through the API, every staff member's evidence PDF
// and the SKM report PDF of the first quarter and semester, and checks the
// figures each document records (those it prints and its verification
// page recomputes) against the rule.
func (a *auditor) checkDocuments() {
	ds := a.rs.Store.(survey.DocumentStore)
	issue := func(path string) map[string]string {
		a.t.Helper()
		req, err := http.NewRequest(http.MethodGet, a.rs.URL+path, nil)
		if err != nil {
			a.t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+a.token)
		resp, body := MustDo(a.t, http.DefaultClient, req)
		if resp.StatusCode != http.StatusOK {
			a.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, clip(body))
		}
		d, err := ds.DocumentByID(context.Background(), resp.Header.Get("X-Document-Id"))
		if err != nil {
			a.t.Fatalf("GET %s: document %q: %v", path, resp.Header.Get("X-Document-Id"), err)
		}
		figs := map[string]string{}
		for _, f := range d.Figures {
			figs[f.Key] = f.Value
		}
		return figs
	}
	// docIndex reads an index as a document prints it ("87,50 (80,12–93,40)"), or nil.
	docIndex := func(s string) any {
		n, err := strconv.ParseFloat(strings.Replace(strings.Split(s, " ")[0], ",", ".", 1), 64)
		if err != nil {
			return nil
		}
		return n
	}
	for _, p := range []auditPeriod{{"2031-01~2031-03", 1, 3}, {"2031-S1", 1, auditSettled}} {
		for _, st := range auditStaff {
			figs := issue(fmt.Sprintf("/api/v1/reports/evidence.pdf?office=%d&period=%s&nip=%s", a.rs.Office.ID, p.code, st.nip))
			v := auditView{from: p.from, to: p.to, nip: st.nip}
			what := "evidence PDF " + st.nip + " " + p.code
			for _, x := range []struct {
				key  string
				edit func(*auditView)
			}{{"", func(*auditView) {}}, {"without_suspect.", func(w *auditView) { w.suspect = survey.TriNo }},
				{"verified.", func(w *auditView) { w.verified, w.suspect = survey.TriYes, survey.TriNo }},
				{"unverified.", func(w *auditView) { w.verified = survey.TriNo }}} {
				w := v
				x.edit(&w)
				a.expectIndividual(what+" "+x.key+"index", w, map[string]any{"responses": figs[cmp.Or(x.key, "all.")+"responses"], "index": docIndex(figs[x.key+"index"])})
			}
			for m := p.from; m <= p.to; m++ {
				key := fmt.Sprintf("month.2031-%02d.", m)
				w := v
				w.from, w.to = m, m
				a.expectIndividual(what+" "+key, w, map[string]any{"responses": figs[key+"responses"], "index": docIndex(figs[key+"index"])})
			}
		}
		figs := issue(fmt.Sprintf("/api/v1/reports/skm.pdf?office=%d&period=%s", a.rs.Office.ID, p.code))
		shown, _, suppressed := a.part(auditView{from: p.from, to: p.to})
		want := survey.DefaultReportRules().Figures(a.tally(shown))
		if !suppressed {
			a.release(shown)
		}
		if got := docIndex(figs["ikm"]); suppressed || !sameNumber(got, want.IKM) || figs["responses"] != strconv.Itoa(len(shown)) {
			a.t.Errorf("SKM PDF %s: %s responses, IKM %s; the rule gives %d, %v", p.code, figs["responses"], figs["ikm"], len(shown), want.IKM)
		}
	}
}

// prove splits the responses into classes that every released set holds
// all or none of, and requires each class of released responses to hold at
// least min_cell responses with at least two different answers: swapping
// two members' answers then changes no released number, while it changes
// the answers of any group of fewer than min_cell (the group cannot hold a
// whole class). The issue's lone rating of 11 February is one such response.
func (a *auditor) prove() {
	signature := make([]string, len(a.rows))
	var keys []string
	for k := range a.released {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for s, k := range keys {
		for _, i := range a.released[k] {
			signature[i] += strconv.Itoa(s) + ","
		}
	}
	classes := map[string][]int{}
	for i, sig := range signature {
		if sig != "" {
			classes[sig] = append(classes[sig], i)
		}
	}
	smallest := len(a.rows)
	for _, members := range classes {
		smallest = min(smallest, len(members))
		answers := map[string]bool{}
		for _, i := range members {
			answers[a.rows[i].answer] = true
		}
		if len(members) < a.k || len(answers) < 2 {
			a.t.Errorf("responses %v are told apart from all others by the released figures: %d of them, %d different answers",
				members, len(members), len(answers))
		}
	}
	lone := slices.IndexFunc(a.rows, func(r auditRow) bool { return r.r.CreatedAt.Equal(time.Date(2031, 2, 11, 15, 0, 0, 0, wib).UTC()) })
	if lone < 0 || signature[lone] == "" {
		a.t.Errorf("the lone rating of 11 February is in no released figure: the audit proves nothing about it")
	} else if members := classes[signature[lone]]; len(members) < a.k {
		a.t.Errorf("the lone rating of 11 February shares its class with %d responses only", len(members))
	}
	if len(a.released) < 100 || a.figures < 1000 {
		a.t.Errorf("only %d released sets of %d figures: the audit asked too little", len(a.released), a.figures)
	}
	a.t.Logf("%d classes of released responses, the smallest of %d", len(classes), smallest)
}
