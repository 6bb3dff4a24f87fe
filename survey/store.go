package survey

import (
	"context"
	"time"
)

// StaffFilter selects staff members.
type StaffFilter struct {
	ActiveOnly bool
}

// ImportResult counts what a roster import changed.
type ImportResult struct {
	Added       int `json:"added"`
	Updated     int `json:"updated"`
	Deactivated int `json:"deactivated"`
}

// Photo is a staff member's picture, re-encoded as a small JPEG.
type Photo struct {
	JPEG []byte
	ETag string
}

// StaffStore keeps an office's roster.
type StaffStore interface {
	FindStaff(ctx context.Context, f StaffFilter) ([]Staff, error)
	StaffByCode(ctx context.Context, code string) (Staff, error)
	StaffByNIP(ctx context.Context, nip string) (Staff, error)
	CreateStaff(ctx context.Context, s *Staff) error
	UpdateStaff(ctx context.Context, s *Staff) error
	SetStaffActive(ctx context.Context, nip string, active bool) error
	ImportStaff(ctx context.Context, staff []Staff) (ImportResult, error)
	SetStaffPhoto(ctx context.Context, nip string, p Photo) error
	StaffPhoto(ctx context.Context, code string) (Photo, error)
}

// ServiceStore keeps an office's service catalogue.
type ServiceStore interface {
	FindServices(ctx context.Context, activeOnly bool) ([]Service, error)
	SaveService(ctx context.Context, s *Service) error
}

// ResponseStore buffers responses durably.
type ResponseStore interface {
	// CreateResponse validates r against the roster and catalogue, assigns its
	// sequence number and chain hash, and returns only after a durable commit.
	// created is false when r.IdempotencyKey was already used for the same
	// content: r is then filled with the stored response.
	CreateResponse(ctx context.Context, r *Response) (created bool, err error)
	ResponseByID(ctx context.Context, id string) (Response, error)
	// Summarize tallies the responses created in [from, to).
	Summarize(ctx context.Context, from, to time.Time) (Summary, error)
	CountPending(ctx context.Context) (int64, error)
}

// WriteStats counts the kiosk store's grouped commits since it opened: the
// commits that stored responses, the responses they stored, the time the
// single writer spent on them (Busy, from its first statement to the
// acknowledgement) and, of that, in the COMMIT itself, whose fsync makes the
// group durable. Busy against elapsed time says whether the writer is the
// bottleneck.
type WriteStats struct {
	Commits   int64
	Responses int64
	Busy      time.Duration
	Commit    time.Duration
}

// Summary tallies responses in a period, for the office and per staff member.
type Summary struct {
	Office  Tally
	ByStaff map[string]int64 // responses per NIP
}
