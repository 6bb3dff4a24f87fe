package survey

import (
	"time"
)

// Office is a service office (unit penyelenggara pelayanan) with its kiosks,
// roster and service catalogue, as central knows it.
type Office struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Kiosk is a front-desk server registered at central. Central keeps only its
// Ed25519 public key: nothing in central's database lets a reader sign as it.
type Kiosk struct {
	ID         string    `json:"kiosk_id"`
	OfficeID   int64     `json:"office_id"`
	OfficeName string    `json:"office"`
	PublicKey  []byte    `json:"-"`
	Revoked    bool      `json:"revoked"`
	CreatedAt  time.Time `json:"created_at"`
	// RegisteredAt is when the kiosk was first registered: a response made
	// before it has a doubtful time (flagged clock). Zero when unknown (a
	// kiosk registered again after central was restored, without --registered).
	// CreateKiosk sets it to CreatedAt when zero, unless RegisteredUnknown.
	RegisteredAt      time.Time `json:"registered_at,omitzero"`
	RegisteredUnknown bool      `json:"-"`
	RevokedAt         time.Time `json:"revoked_at,omitzero"`
	LastSeenAt        time.Time `json:"last_seen_at,omitzero"`
	// ClockSkew is the kiosk clock minus central's, as last observed.
	ClockSkew time.Duration `json:"clock_skew"`
	// Head is the highest sequence number central holds from the kiosk, and its hash.
	Head KioskHead `json:"head"`
}

// KioskHead is a position in a kiosk's hash chain.
type KioskHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// StoredResponse is a response as central holds it.
type StoredResponse struct {
	Response
	OfficeID     int64     `json:"office_id"`
	Unit         string    `json:"unit"`    // the staff member's unit when the response arrived
	Counter      string    `json:"counter"` // and counter
	ReceivedAt   time.Time `json:"received_at"`
	Fingerprint  string    `json:"fingerprint"`
	UnknownStaff bool      `json:"unknown_staff"`
	Suspect      bool      `json:"suspect"` // has a flag: shown with and without in reports
}

// Day returns the Asia/Jakarta calendar date (YYYY-MM-DD) of the response,
// the key of daily rollups.
func (r StoredResponse) Day(jakarta *time.Location) string {
	return r.CreatedAt.In(jakarta).Format("2006-01-02")
}

// IngestStatus says what central did with one uploaded response.
type IngestStatus string

// Statuses of an uploaded response. A kiosk marks stored and duplicate ones as synced.
const (
	StatusStored    IngestStatus = "stored"    // new, now stored
	StatusDuplicate IngestStatus = "duplicate" // already stored with the same content
	StatusRefused   IngestStatus = "refused"   // not stored; Reason says why
)

// ItemResult is central's answer for one uploaded response.
type ItemResult struct {
	ID     string       `json:"id"`
	Seq    int64        `json:"seq"`
	Status IngestStatus `json:"status"`
	Reason string       `json:"reason,omitempty"`
}

// Kinds of integrity findings.
const (
	FindingGap          = "gap"           // sequence numbers missing: rows deleted before upload
	FindingChainBreak   = "chain_break"   // a row edited, inserted or reordered before upload
	FindingConflict     = "conflict"      // a known id replayed with different content
	FindingSeqReuse     = "seq_reuse"     // a sequence number arrived twice with different ids
	FindingHeadMismatch = "head_mismatch" // the signed chain head does not match the rows
	FindingClockSkew    = "clock_skew"    // the kiosk clock is off by more than the limit
	FindingFork         = "fork"          // rows or heads contradict a head central had heard of
	FindingClock        = "clock"         // responses whose time cannot be right (flagged clock)
)

// Finding is one integrity problem central detected, naming the kiosk and range.
type Finding struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	KioskID    string    `json:"kiosk_id"`
	OfficeID   int64     `json:"office_id"`
	FromSeq    int64     `json:"from_seq"`
	ToSeq      int64     `json:"to_seq"`
	Detail     string    `json:"detail"`
	DetectedAt time.Time `json:"detected_at"`
}

// FindingFilter selects findings; zero fields do not filter.
type FindingFilter struct {
	KioskID  string
	OfficeID int64
	Kind     string
	Limit    int
}

// Receipt reconciles one kiosk's night: what it held, sent, and what central
// stored, already had or refused, and the gaps still open.
type Receipt struct {
	KioskID    string    `json:"kiosk_id"`
	OfficeID   int64     `json:"office_id"`
	Night      string    `json:"night"` // Asia/Jakarta date of the upload, YYYY-MM-DD
	Batches    int64     `json:"batches"`
	Buffered   int64     `json:"buffered"` // the kiosk's pending count when the night's upload began (its first batch)
	Sent       int64     `json:"sent"`
	Stored     int64     `json:"stored"`
	Duplicates int64     `json:"duplicates"`
	Refused    int64     `json:"refused"`
	Gaps       int64     `json:"gaps"` // sequence numbers missing at the end of the night
	LastAt     time.Time `json:"last_at"`
}

// ReceiptFilter selects receipts; zero fields do not filter.
type ReceiptFilter struct {
	KioskID  string
	OfficeID int64
	Limit    int
}

// BatchMeta describes one upload request.
type BatchMeta struct {
	BatchID  string     `json:"batch_id"`
	SentAt   time.Time  `json:"sent_at"`  // the kiosk's clock when it sent the batch
	Buffered int64      `json:"buffered"` // responses pending at the kiosk when the batch was built
	Head     SignedHead `json:"head"`
}

// SignedHead is the kiosk's chain head with the kiosk's signature over it.
type SignedHead struct {
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	Signature string `json:"signature"`
}
