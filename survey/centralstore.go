package survey

import (
	"context"
	"time"
)

// IngestRequest is one authenticated upload to store.
type IngestRequest struct {
	KioskID    string
	Meta       BatchMeta
	Responses  []Response
	ReceivedAt time.Time
	// SkewLimit is the clock difference above which a finding is recorded.
	SkewLimit time.Duration
	// VerifyHead checks the chain head's signature with the kiosk's public key.
	VerifyHead func(k Kiosk, h SignedHead) bool
	// Segments are the kiosk's chain segments sent with the batch (an
	// offline file's), checked with VerifySegment and stored first.
	Segments      []Segment
	VerifySegment func(k Kiosk, s Segment) bool
	// Source is HeadFromSync (default) or HeadFromFile: a file's head is old
	// by nature and is not checked for going backwards.
	Source string
}

// APIToken is a bearer token for central's JSON API. Only its hash is stored.
type APIToken struct {
	ID        int64     `json:"id"`
	Hash      string    `json:"-"`
	Role      Role      `json:"role"`
	OfficeID  int64     `json:"office_id,omitempty"` // a kepala token sees one office
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at"`
	Revoked   bool      `json:"revoked"`
}

// OfficeStore keeps offices and their kiosks.
type OfficeStore interface {
	CreateOffice(ctx context.Context, o *Office) error
	OfficeByID(ctx context.Context, id int64) (Office, error)
	OfficeByName(ctx context.Context, name string) (Office, error)
	FindOffices(ctx context.Context) ([]Office, error)

	CreateKiosk(ctx context.Context, k *Kiosk) error
	KioskByID(ctx context.Context, id string) (Kiosk, error)
	// FindKiosks lists the kiosks of an office, or of every office when officeID is 0.
	FindKiosks(ctx context.Context, officeID int64) ([]Kiosk, error)
	RevokeKiosk(ctx context.Context, id string, at time.Time) error
}

// RosterStore keeps each office's staff, service catalogue and survey wording.
// Central is their source of truth once a kiosk is connected.
type RosterStore interface {
	FindOfficeStaff(ctx context.Context, officeID int64, f StaffFilter) ([]Staff, error)
	OfficeStaffByNIP(ctx context.Context, officeID int64, nip string) (Staff, error)
	// CreateOfficeStaff adds a staff member; an existing NIP in the office is a conflict.
	CreateOfficeStaff(ctx context.Context, officeID int64, s *Staff) error
	UpdateOfficeStaff(ctx context.Context, officeID int64, s *Staff) error
	SetOfficeStaffActive(ctx context.Context, officeID int64, nip string, active bool) error
	// ImportOfficeStaff adds and updates staff by NIP in one transaction.
	ImportOfficeStaff(ctx context.Context, officeID int64, staff []Staff) (ImportResult, error)
	SetOfficeStaffPhoto(ctx context.Context, officeID int64, nip string, p Photo) error
	OfficeStaffPhoto(ctx context.Context, officeID int64, nip string) (Photo, error)

	// FindOfficeServices lists the catalogue; a new office starts with DefaultServices.
	FindOfficeServices(ctx context.Context, officeID int64, activeOnly bool) ([]Service, error)
	SaveOfficeService(ctx context.Context, officeID int64, s *Service) error

	// OfficeWording returns the wording overrides per language ("id", "en").
	OfficeWording(ctx context.Context, officeID int64) (map[string]Wording, error)
	SetOfficeWording(ctx context.Context, officeID int64, lang string, w Wording) error
}

// IngestStore stores uploaded responses exactly once and keeps the
// integrity findings and per-night receipts.
type IngestStore interface {
	// Ingest locks the kiosk, reads what PlanIngest needs, plans, and writes
	// the new rows, their daily rollups, the findings, the kiosk's new head
	// and a receipt row, all in one transaction. A revoked or unknown kiosk
	// is refused (EFORBIDDEN / EUNAUTHORIZED) without writing anything.
	Ingest(ctx context.Context, req IngestRequest) (IngestPlan, error)
	ResponseByID(ctx context.Context, id string) (StoredResponse, error)
	// CountResponses counts stored responses of a kiosk ("" for all).
	CountResponses(ctx context.Context, kioskID string) (int64, error)
	// HighestSeq returns the highest sequence number stored from the kiosk
	// (0 when none): the kiosk resends what it marked synced above it, which
	// is what a central restored from a backup lost.
	HighestSeq(ctx context.Context, kioskID string) (int64, error)
	// FindFindings lists recorded findings, newest first.
	FindFindings(ctx context.Context, f FindingFilter) ([]Finding, error)
	// FindGaps lists the sequence ranges missing from each kiosk's stored
	// responses (from 1 to its highest), derived from what is stored.
	FindGaps(ctx context.Context, kioskID string) ([]Finding, error)
	// FindReceipts aggregates uploads per kiosk and night (Asia/Jakarta), newest first.
	FindReceipts(ctx context.Context, f ReceiptFilter) ([]Receipt, error)
}

// TokenStore keeps API bearer tokens.
type TokenStore interface {
	CreateAPIToken(ctx context.Context, t *APIToken) error
	APITokenByHash(ctx context.Context, hash string) (APIToken, error)
	// APITokens lists every token, revoked ones too, oldest first.
	APITokens(ctx context.Context) ([]APIToken, error)
	// RevokeAPIToken refuses the token from now on; an unknown id is ENOTFOUND.
	// Revoking a revoked token changes nothing.
	RevokeAPIToken(ctx context.Context, id int64) error
}

// CentralStore is everything central keeps. store/sqlite and store/postgres
// implement it, and store/storetest runs one contract suite against both.
type CentralStore interface {
	OfficeStore
	RosterStore
	IngestStore
	TokenStore
	VisitTallyStore
	FollowUpStore
	AnchorStore
	AuthStore
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
	DeleteSetting(ctx context.Context, key string) error
	Ping(ctx context.Context) error
	Close() error
}
