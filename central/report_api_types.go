package central

import (
	"math"

	"github.com/skmkiosk/skm/survey"
)

// The JSON shapes of the report API (docs/reports-api.md). Figures come from
// the same survey.Figures the pages and exports show.

type apiOffice struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type apiPeriod struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	From  string `json:"from"` // first day, YYYY-MM-DD
	To    string `json:"to"`   // last day asked, inclusive
	// ClosedThrough is the last day included: reports never include today.
	ClosedThrough *string `json:"closed_through"`
}

func apiPeriodOf(q reportQuery) apiPeriod {
	p := apiPeriod{Code: q.Code, Label: q.Asked.Label}
	p.From, p.To = q.Asked.Days()
	if l := q.LastDay(); l != "" {
		p.ClosedThrough = &l
	}
	return p
}

type apiFilter struct {
	Unit    string `json:"unit,omitempty"`
	Counter string `json:"counter,omitempty"`
	NIP     string `json:"nip,omitempty"`
	Service string `json:"service,omitempty"`
}

// apiFigures are the SKM figures of a set of responses; null figures when
// there are none or when the disclosure rule withholds them. Responses
// counts the ratings the figures rest on (all of them when suppressed);
// HeldBack those the rule leaves out.
type apiFigures struct {
	Responses  int64    `json:"responses"`
	HeldBack   int64    `json:"held_back"`
	IKM        *float64 `json:"ikm"`
	Index      *float64 `json:"index"`
	Mutu       string   `json:"mutu,omitempty"`
	Kinerja    string   `json:"kinerja,omitempty"`
	KinerjaEN  string   `json:"kinerja_en,omitempty"`
	Suppressed bool     `json:"suppressed,omitempty"`
}

type apiElement struct {
	Code         survey.Element `json:"code"`
	Name         string         `json:"name"`
	NRR          *float64       `json:"nrr"`
	Weighted     *float64       `json:"nrr_weighted"`
	Mutu         string         `json:"mutu,omitempty"`
	Answers      *[4]int64      `json:"answers"`
	Rank         int            `json:"rank,omitempty"`
	Attributable *bool          `json:"attributable,omitempty"`
}

type apiIKM struct {
	Office apiOffice `json:"office"`
	Period apiPeriod `json:"period"`
	Filter apiFilter `json:"filter"`
	apiFigures
	TemplateMode   bool           `json:"template_mode"`
	Elements       []apiElement   `json:"elements"`
	WithoutSuspect apiFigures     `json:"without_suspect"`
	Verified       apiFigures     `json:"verified"`
	Unverified     apiFigures     `json:"unverified"`
	Individual     *apiIndividual `json:"individual,omitempty"`
	// UnitIKM is, with nip, the IKM of the staff member's unit: the unit's
	// figures, never the person's.
	UnitIKM *apiUnitIKM `json:"unit_ikm,omitempty"`
	Visits  apiVisits   `json:"visits"`
	Note    string      `json:"note,omitempty"`
}

// apiUnitIKM is the IKM of a unit, graded like any unit.
type apiUnitIKM struct {
	Unit string `json:"unit"`
	apiFigures
}

// apiVisits are the one-time visit codes issued and rated in the report's
// office, period and filters, as the kiosks reported them: the response
// rate of visit codes (null without any).
type apiVisits struct {
	Issued       int64    `json:"issued"`
	Rated        int64    `json:"rated"`
	ResponseRate *float64 `json:"response_rate"`
}

func apiVisitsOf(v survey.VisitCounts) apiVisits {
	a := apiVisits{Issued: v.Issued, Rated: v.Rated}
	if v.Issued > 0 {
		a.ResponseRate = ptr(math.Round(v.Rate()*10) / 10)
	}
	return a
}

type apiInterval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// apiIndividual is a person's individual index: evidence with its count,
// interval and status, never a grade.
type apiIndividual struct {
	NIP            string           `json:"nip"`
	Name           string           `json:"name,omitempty"`
	Unit           string           `json:"unit,omitempty"`
	Attributable   []survey.Element `json:"attributable"`
	Responses      int64            `json:"responses"`
	HeldBack       int64            `json:"held_back"`
	Index          *float64         `json:"index"`
	Interval       *apiInterval     `json:"interval"`
	Status         string           `json:"status"`
	Final          bool             `json:"final"`
	MinResponses   int              `json:"min_responses"`
	Reason         string           `json:"reason,omitempty"`
	ReasonID       string           `json:"reason_id,omitempty"`
	WithoutSuspect *apiIndividual   `json:"without_suspect,omitempty"`
	*apiScrutiny
}

// apiScrutiny is what the appraisal lists weigh about a person, beside
// the figure of every rating: the figure they decide on, the verified and
// unverified ratings apart, how the ratings arrived, which are flagged, and
// the contested marker with its evidence.
type apiScrutiny struct {
	// Trusted leaves out suspect and contested ratings: the lists decide on it.
	Trusted        apiIndividual        `json:"trusted"`
	Verified       apiIndividual        `json:"verified"`
	Unverified     apiIndividual        `json:"unverified"`
	Channels       survey.ChannelCounts `json:"channels"`
	VerifiedShare  float64              `json:"verified_share"`
	SuspectRatings int64                `json:"suspect_ratings"`
	Flags          []survey.FlagCount   `json:"flags"`
	// VisitCodes: the office issued visit codes in the period, so unverified
	// ratings alone cannot make coaching nor remove a reward.
	VisitCodes bool         `json:"visit_codes"`
	Contested  bool         `json:"contested"`
	Contests   []apiContest `json:"contests"`
}

type apiContest struct {
	survey.Contest
	Text   string `json:"text"`
	TextID string `json:"text_id"`
}

// apiScrutinyOf converts a candidate's figures beside the all-ratings one.
func apiScrutinyOf(rules survey.ReportRules, c survey.Candidate, held personHeld) *apiScrutiny {
	a := &apiScrutiny{Trusted: apiIndividualOf(rules, c.Staff, c.Trusted, held.Trusted), Verified: apiIndividualOf(rules, c.Staff, c.Verified, held.Verified),
		Unverified: apiIndividualOf(rules, c.Staff, c.Unverified, held.Unverified), Channels: c.Channels, VerifiedShare: c.VerifiedShare,
		SuspectRatings: c.Suspect, Flags: c.Flags, VisitCodes: c.VisitCodes, Contested: c.Contested(), Contests: []apiContest{}}
	if a.Flags == nil {
		a.Flags = []survey.FlagCount{}
	}
	for _, x := range c.Contests {
		a.Contests = append(a.Contests, apiContest{Contest: x, Text: x.Text("en"), TextID: x.Text("id")})
	}
	return a
}

func ptr[T any](v T) *T { return &v }

// apiFiguresOf converts a row's figures, hiding them when the rule withholds them.
func apiFiguresOf(g groupRow, grade bool) apiFigures {
	f := g.Figures
	a := apiFigures{Responses: g.Count(), HeldBack: g.HeldBack, Suppressed: g.Hidden}
	if g.Hidden || f.Empty() {
		return a
	}
	a.IKM, a.Index = ptr(f.IKM), ptr(f.Value)
	if grade {
		a.Mutu, a.Kinerja, a.KinerjaEN = string(f.Mutu), f.Kinerja("id"), f.Kinerja("en")
	}
	return a
}

// ikmAnswer is the /api/v1/reports/ikm body of q from its office's release
// groups, without the individual part.
func ikmAnswer(r reports, q reportQuery, rel *survey.Release) apiIKM {
	variants := r.variants(rel, q.Filter())
	all := variants[0]
	f, hidden := all.Figures, all.Hidden
	// A person gets no grade: with nip, mutu and kinerja are left out.
	grade := q.NIP == ""
	out := apiIKM{Office: apiOffice{q.Office.ID, q.Office.Name}, Period: apiPeriodOf(q),
		Filter: apiFilter{Unit: q.Unit, Counter: q.Counter, NIP: q.NIP, Service: q.Service}, TemplateMode: f.Template,
		apiFigures: apiFiguresOf(all, grade)}
	for _, e := range f.Elements {
		ae := apiElement{Code: e.Element, Name: e.Element.Name("id")}
		if !hidden && !f.Empty() {
			ae.NRR, ae.Weighted, ae.Mutu, ae.Answers, ae.Rank = ptr(e.NRR), ptr(e.Weighted), string(e.Mutu), ptr(e.Answers), e.Rank
		}
		if !grade {
			ae.Attributable, ae.Mutu = ptr(r.rules.IsAttributable(e.Element)), ""
		}
		out.Elements = append(out.Elements, ae)
	}
	out.WithoutSuspect, out.Verified, out.Unverified = apiFiguresOf(variants[1], grade), apiFiguresOf(variants[2], grade), apiFiguresOf(variants[3], grade)
	if !grade {
		out.ungrade()
		out.Note = "a staff member is judged only on individual (the attributable elements) and is given no IKM and no grade; unit_ikm is the IKM of their unit"
	}
	return out
}

// ungrade removes from an answer about one person every figure of the
// nine-element IKM: the index, the weighted NRR, the elements they are not
// judged on; the counts stay.
func (a *apiIKM) ungrade() {
	a.IKM, a.Index = nil, nil
	for _, v := range []*apiFigures{&a.WithoutSuspect, &a.Verified, &a.Unverified} {
		v.IKM, v.Index = nil, nil
	}
	for i := range a.Elements {
		e := &a.Elements[i]
		e.Weighted, e.Rank = nil, 0
		if e.Attributable == nil || !*e.Attributable {
			e.NRR, e.Answers = nil, nil
		}
	}
}

func apiIndividualOf(rules survey.ReportRules, st survey.Staff, x survey.Individual, heldBack int64) apiIndividual {
	a := apiIndividual{NIP: st.NIP, Name: st.Name, Unit: st.Unit, Attributable: rules.Attributable, Responses: x.Responses, HeldBack: heldBack,

		Status: string(x.Status), Final: x.Final(), MinResponses: rules.MinResponses, Reason: x.Reason("en"), ReasonID: x.Reason("id")}
	if x.Shown() {
		a.Index = ptr(x.Index)
		if x.Interval.Defined {
			a.Interval = &apiInterval{Low: x.Interval.Low, High: x.Interval.High}
		}
	}
	return a
}

type apiRules struct {
	MinResponses       int                 `json:"min_responses"`
	MinCell            int                 `json:"min_cell"`
	Attributable       []survey.Element    `json:"attributable"`
	RewardLowerBound   float64             `json:"reward_lower_bound"`
	CoachingUpperBound float64             `json:"coaching_upper_bound"`
	CoachingWeakMonths int                 `json:"coaching_weak_months"`
	TemplateMode       bool                `json:"template_mode"`
	Contest            survey.ContestRules `json:"contest"`
}

type apiEvidence struct {
	survey.Evidence
	Text   string `json:"text"`
	TextID string `json:"text_id"`
}

type apiCandidate struct {
	apiIndividual
	Counter  string        `json:"counter,omitempty"`
	Evidence []apiEvidence `json:"evidence"`
}

type apiAppraisal struct {
	Office   apiOffice      `json:"office"`
	Period   apiPeriod      `json:"period"`
	Rules    apiRules       `json:"rules"`
	Reward   []apiCandidate `json:"reward"`
	Coaching []apiCandidate `json:"coaching"`
	Others   []apiCandidate `json:"others"`
	Note     string         `json:"note"`
}

func apiCandidates(rules survey.ReportRules, cs []survey.Candidate, heldBack map[string]personHeld) []apiCandidate {
	out := []apiCandidate{}
	for _, c := range cs {
		held := heldBack[c.Staff.NIP]
		a := apiCandidate{apiIndividual: apiIndividualOf(rules, c.Staff, c.All, held.All), Counter: c.Staff.Counter, Evidence: []apiEvidence{}}
		clean := apiIndividualOf(rules, c.Staff, c.Clean, held.Clean)
		a.WithoutSuspect = &clean
		a.apiScrutiny = apiScrutinyOf(rules, c, held)
		for _, e := range c.Evidence {
			a.Evidence = append(a.Evidence, apiEvidence{Evidence: e, Text: e.Text("en"), TextID: e.Text("id")})
		}
		out = append(out, a)
	}
	return out
}

func appraisalAnswer(rep appraisalReport) apiAppraisal {
	r := rep.Rules
	return apiAppraisal{Office: apiOffice{rep.Query.Office.ID, rep.Query.Office.Name}, Period: apiPeriodOf(rep.Query),
		Rules: apiRules{MinResponses: r.MinResponses, MinCell: r.MinCell, Attributable: r.Attributable, RewardLowerBound: r.RewardLowerBound,
			CoachingUpperBound: r.CoachingUpperBound, CoachingWeakMonths: r.CoachingWeakMonths, TemplateMode: r.TemplateMode, Contest: r.Contest},
		Reward: apiCandidates(r, rep.Appraisal.Reward, rep.HeldBack), Coaching: apiCandidates(r, rep.Appraisal.Coaching, rep.HeldBack),
		Others: apiCandidates(r, rep.Appraisal.Others, rep.HeldBack),
		Note:   "evidence for the appraiser (PermenPAN-RB 6/2022); no predikat kinerja is assigned (UU 27/2022 Pasal 10)"}
}
