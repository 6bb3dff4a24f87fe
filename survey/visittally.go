package survey

import (
	"context"
	"fmt"
	"time"
)

// VisitTally counts, for one day (Asia/Jakarta), staff member and service,
// the visit codes a kiosk issued and how many of them were rated. Kiosks
// send their tallies to central with each sync, so central can show each
// office's and each staff member's response rate beside their figures.
type VisitTally struct {
	Day     string `json:"day"` // YYYY-MM-DD, Asia/Jakarta
	NIP     string `json:"nip"`
	Service string `json:"service"`
	Issued  int64  `json:"issued"`
	Rated   int64  `json:"rated"`
}

// MaxVisitsPerTally bounds one tally's counts: more visit codes than this
// for one person, service and day is not a real office.
const MaxVisitsPerTally = 100_000

// Check refuses a tally that cannot be true; the error names the field.
func (t VisitTally) Check() error {
	if _, err := time.Parse(time.DateOnly, t.Day); err != nil {
		return Invalid("day", fmt.Sprintf("day %q is not a date (YYYY-MM-DD)", t.Day), fmt.Sprintf("hari %q bukan tanggal (YYYY-MM-DD)", t.Day))
	}
	if t.NIP == "" || len(t.NIP) > 32 {
		return Invalid("nip", "a tally needs the staff member's NIP", "tally memerlukan NIP petugas")
	}
	if t.Service == "" || len(t.Service) > 64 {
		return Invalid("service", "a tally needs a service code of at most 64 characters", "tally memerlukan kode layanan paling panjang 64 karakter")
	}
	if t.Issued < 0 || t.Issued > MaxVisitsPerTally {
		return Invalid("issued", fmt.Sprintf("issued must be 0 to %d", MaxVisitsPerTally), fmt.Sprintf("issued harus 0 sampai %d", MaxVisitsPerTally))
	}
	if t.Rated < 0 || t.Rated > t.Issued {
		return Invalid("rated", "rated must be between 0 and issued", "rated harus antara 0 dan issued")
	}
	return nil
}

// CheckVisitTallies checks each tally; the error names the first bad one.
func CheckVisitTallies(tallies []VisitTally) error {
	for i, t := range tallies {
		if err := t.Check(); err != nil {
			return fmt.Errorf("tally %d: %w", i, err)
		}
	}
	return nil
}

// VisitTallyStore keeps the kiosks' visit tallies at central.
type VisitTallyStore interface {
	// SaveVisitTallies replaces the kiosk's tallies for the days, staff and
	// services given (a kiosk resends its recent days as ratings arrive);
	// the others are kept. Counts never move backwards: each of issued and
	// rated keeps the higher of what was stored and what arrived, so an
	// older signed tally replayed (a request, an offline file imported
	// late) cannot lower them. An unknown kiosk is ENOTFOUND.
	SaveVisitTallies(ctx context.Context, kioskID string, tallies []VisitTally) error
	// CountVisitTallies sums the tallies of f's office in [f.From, f.To),
	// narrowed by f's NIP and service, and by unit and counter through the
	// office's current roster. f.Verified and f.Suspect do not apply.
	CountVisitTallies(ctx context.Context, f ReportFilter) (VisitCounts, error)
}
