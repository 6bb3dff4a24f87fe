package survey

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Tristate filters on a yes/no property: either value, only yes, or only no.
type Tristate int8

// Tristate values.
const (
	TriAny Tristate = iota
	TriYes
	TriNo
)

// Keeps reports whether a row with value v passes the filter.
func (t Tristate) Keeps(v bool) bool {
	switch t {
	case TriYes:
		return v
	case TriNo:
		return !v
	}
	return true
}

// ReportFilter selects stored responses for a report. OfficeID and the
// period are required; the other zero fields do not filter.
type ReportFilter struct {
	OfficeID int64
	Unit     string
	Counter  string
	NIP      string
	Service  string
	// From and To bound the period [From, To): midnights Asia/Jakarta.
	From, To time.Time
	Verified Tristate
	Suspect  Tristate // TriNo leaves suspect responses out
}

// Check refuses a filter that would mix offices or has no period: every
// report is of one office.
func (f ReportFilter) Check() error {
	if f.OfficeID <= 0 {
		return Invalid("office", "a report needs an office", "laporan memerlukan kantor")
	}
	if f.From.IsZero() || f.To.IsZero() {
		return Invalid("period", "a report needs a period", "laporan memerlukan periode")
	}
	return nil
}

// Narrow reports whether the filter selects less than a whole office, so that
// its figures are a cell subject to the k-threshold.
func (f ReportFilter) Narrow() bool {
	return f.Unit != "" || f.Counter != "" || f.NIP != "" || f.Service != ""
}

// Cell is one group of daily rollups: the responses of one month, unit,
// counter, staff member, service, verification and suspicion. Reports add
// cells up along any dimension, so that every table of one report comes from
// the same rows and their counts reconcile.
type Cell struct {
	Month    string `json:"month"` // YYYY-MM, Asia/Jakarta
	Unit     string `json:"unit"`
	Counter  string `json:"counter"`
	NIP      string `json:"nip"`
	Service  string `json:"service"`
	Verified bool   `json:"verified"`
	Suspect  bool   `json:"suspect"`
	Tally    Tally  `json:"-"`
}

// Dimension is what a report table groups cells by.
type Dimension string

// Dimensions of report tables.
const (
	ByMonth    Dimension = "month"
	ByUnit     Dimension = "unit"
	ByCounter  Dimension = "counter"
	ByNIP      Dimension = "nip"
	ByService  Dimension = "service"
	ByVerified Dimension = "verified"
	BySuspect  Dimension = "suspect"
)

// Key returns the cell's value along d.
func (c Cell) Key(d Dimension) string {
	switch d {
	case ByMonth:
		return c.Month
	case ByUnit:
		return c.Unit
	case ByCounter:
		return c.Counter
	case ByNIP:
		return c.NIP
	case ByService:
		return c.Service
	case ByVerified:
		return strconv.FormatBool(c.Verified)
	case BySuspect:
		return strconv.FormatBool(c.Suspect)
	}
	return ""
}

// Dest returns a pointer to the cell's field for d, for a store to scan
// into; nil for an unknown dimension.
func (c *Cell) Dest(d Dimension) any {
	switch d {
	case ByMonth:
		return &c.Month
	case ByUnit:
		return &c.Unit
	case ByCounter:
		return &c.Counter
	case ByNIP:
		return &c.NIP
	case ByService:
		return &c.Service
	case ByVerified:
		return &c.Verified
	case BySuspect:
		return &c.Suspect
	}
	return nil
}

// AllDimensions lists every dimension a cell can be grouped by.
var AllDimensions = []Dimension{ByMonth, ByUnit, ByCounter, ByNIP, ByService, ByVerified, BySuspect}

// Group is the tally of the cells sharing one key.
type Group struct {
	Key   string
	Tally Tally
}

// GroupCells adds cells up by their key along d, keys in ascending order.
func GroupCells(cells []Cell, d Dimension) []Group {
	byKey := map[string]*Tally{}
	for _, c := range cells {
		k := c.Key(d)
		if byKey[k] == nil {
			byKey[k] = &Tally{}
		}
		byKey[k].Merge(c.Tally)
	}
	out := make([]Group, 0, len(byKey))
	for k, t := range byKey {
		out = append(out, Group{Key: k, Tally: *t})
	}
	slices.SortFunc(out, func(a, b Group) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

// SumCells adds up the cells keep accepts (every cell when keep is nil).
func SumCells(cells []Cell, keep func(Cell) bool) Tally {
	var t Tally
	for _, c := range cells {
		if keep == nil || keep(c) {
			t.Merge(c.Tally)
		}
	}
	return t
}

// Comment is a citizen's comment as reports show it: the text and the month,
// nothing that would tell which visit it came from. Its staff member and
// class only decide whether the report's release shows it (Part.ShowsLeaf).
type Comment struct {
	Month    string `json:"month"`
	Text     string `json:"text"`
	NIP      string `json:"-"`
	Verified bool   `json:"-"`
	Suspect  bool   `json:"-"`
}

// ProfileCell counts the responses sharing one respondent profile, staff
// member, month and class (which only decide what a report's release shows).
type ProfileCell struct {
	Profile  Profile
	Month    string
	NIP      string
	Verified bool
	Suspect  bool
	N        int64
}

// ProfileCount is one line of the respondent profile table.
type ProfileCount struct {
	Field  string  `json:"field"` // age_band, sex, education, occupation
	Code   string  `json:"code"`  // "" for responses that left the field empty
	N      int64   `json:"responses"`
	Share  float64 `json:"percent"` // of all responses, rounded to two decimals
	Option Option  `json:"-"`
}

// CountProfiles turns profile cells into per-field counts, in the order of
// ProfileFields and their options, with a final line per field for
// responses that left it empty.
func CountProfiles(cells []ProfileCell) []ProfileCount {
	var total int64
	for _, c := range cells {
		total += c.N
	}
	var out []ProfileCount
	for _, f := range ProfileFields {
		counts := map[string]int64{}
		for _, c := range cells {
			counts[profileValue(c.Profile, f.Name)] += c.N
		}
		for _, o := range append(slices.Clone(f.Options), Option{Code: "", ID: "Tidak diisi", EN: "Not given"}) {
			pc := ProfileCount{Field: f.Name, Code: o.Code, N: counts[o.Code], Option: o}
			if total > 0 {
				pc.Share = Round2(100 * float64(pc.N) / float64(total))
			}
			out = append(out, pc)
		}
	}
	return out
}

func profileValue(p Profile, field string) string {
	switch field {
	case "age_band":
		return p.AgeBand
	case "sex":
		return p.Sex
	case "education":
		return p.Education
	case "occupation":
		return p.Occupation
	}
	return ""
}
