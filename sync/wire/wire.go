// Package wire is the kiosk–central sync protocol: the JSON shapes, the
// Ed25519 request and chain-head signatures, and the offline batch file.
// docs/sync-protocol.md specifies it for other implementations.
package wire

import (
	"time"

	"github.com/skmkiosk/skm/survey"
)

// Endpoints at central.
const (
	PathBatches = "/api/v1/sync/batches" // POST a Batch, answered with a BatchReply
	PathConfig  = "/api/v1/sync/config"  // GET the office's Config
	PathPhotos  = "/api/v1/sync/photos/" // GET PathPhotos + NIP: a staff photo (JPEG)
	PathVisits  = "/api/v1/sync/visits"  // POST VisitTallies, answered with VisitTalliesReply
	// PathFollowUps: POST FollowUps, answered with FollowUpsReply.
	PathFollowUps = "/api/v1/sync/followups"
	// PathHead: GET (?after=SEQ) central's ChainState of the kiosk; POST a
	// HeadReport (every sync attempt and heartbeat), answered with a HeadReply.
	PathHead = "/api/v1/sync/head"
	// PathWitness is central's public, unauthenticated beacon: a citizen's
	// phone GETs it from the thank-you page with the kiosk's signed head in
	// the query (WitnessQuery) and gets a 1×1 image.
	PathWitness = "/api/v1/witness"
	// PathReceipt is central's public page where a citizen checks a receipt code (?kode=).
	PathReceipt = "/tanda-terima"
)

// Limits.
const (
	// MaxBatchResponses bounds the responses of one batch.
	MaxBatchResponses = 5000
	// DefaultBatchResponses is a kiosk's batch size unless configured
	// (sync.batch_size). Each batch costs central and PostgreSQL a fixed
	// few milliseconds (a transaction, its lookups, the rollups, an fsync)
	// besides its rows: 1,000 syncs a large backlog about a fifth faster
	// than 500 (docs/benchmarks.md) for some 5 MiB more at each end.
	DefaultBatchResponses = 1000
	// MaxBodyBytes bounds a request body as sent (possibly gzip-compressed) and
	// after decompression.
	MaxBodyBytes = 32 << 20
	// MaxVisitTallies bounds the tallies of one POST to PathVisits.
	MaxVisitTallies = 20000
	// MaxClockSkew is how far a request's timestamp may be from central's clock.
	MaxClockSkew = 5 * time.Minute
	// MaxFollowUpRefs bounds the references of one POST to PathFollowUps.
	MaxFollowUpRefs = 1000
	// MaxSegments bounds the segments of one head report or batch.
	MaxSegments = 1000
)

// Batch is the body of POST /api/v1/sync/batches.
type Batch struct {
	KioskID string `json:"kiosk_id"`
	// Office, when given, must be the kiosk's office.
	Office string `json:"office,omitempty"`
	survey.BatchMeta
	// Segments are the kiosk's chain segments (an offline file's first
	// batch carries them; uploads send them with the head report first).
	Segments  []survey.Segment  `json:"segments,omitempty"`
	Responses []survey.Response `json:"responses"`
}

// HeadReport is the body of POST /api/v1/sync/head: the kiosk's signed head
// and every segment of its chain, sent at each sync attempt and heartbeat.
type HeadReport struct {
	KioskID  string            `json:"kiosk_id"`
	SentAt   time.Time         `json:"sent_at"`
	Head     survey.SignedHead `json:"head"`
	Segments []survey.Segment  `json:"segments"`
}

// HeadReply is central's answer to a HeadReport.
type HeadReply struct {
	ReceivedAt time.Time `json:"received_at"`
	// Findings counts the integrity findings the report raised.
	Findings int `json:"findings"`
}

// ChainState is the body of GET /api/v1/sync/head: what central holds and
// heard of from the kiosk.
type ChainState struct {
	survey.ChainState
	ServerTime time.Time `json:"server_time"`
	// ClockSkewLimitSeconds is central's clock_skew_limit: a kiosk whose
	// clock is further off says so (its ratings are flagged clock).
	ClockSkewLimitSeconds int64 `json:"clock_skew_limit_seconds"`
}

// Witness query parameters of PathWitness.
const (
	WitnessKiosk     = "k"
	WitnessSeq       = "s"
	WitnessHash      = "h"
	WitnessSignature = "g"
)

// BatchReply is central's answer: one result per uploaded response, so the
// kiosk marks exactly the stored and duplicate ones as synced.
type BatchReply struct {
	BatchID    string              `json:"batch_id"`
	ReceivedAt time.Time           `json:"received_at"`
	Results    []survey.ItemResult `json:"results"`
	survey.IngestCounts
}

// VisitTallies is the body of POST /api/v1/sync/visits: the kiosk's visit
// codes issued and rated per day, staff member and service, for its recent
// days. Central replaces what it held for those keys.
type VisitTallies struct {
	KioskID string              `json:"kiosk_id"`
	Tallies []survey.VisitTally `json:"tallies"`
}

// VisitTalliesReply is central's answer to VisitTallies.
type VisitTalliesReply struct {
	Saved      int       `json:"saved"`
	ReceivedAt time.Time `json:"received_at"`
}

// FollowUps is the body of POST /api/v1/sync/followups: the tracking codes
// the kiosk showed citizens whose low rating it holds a contact for, and the
// responses they refer to. Never a contact. Central opens a case for each
// new one and answers every code's status.
type FollowUps struct {
	KioskID   string               `json:"kiosk_id"`
	FollowUps []survey.FollowUpRef `json:"followups"`
}

// FollowUpsReply is central's answer: one result per reference, in order.
type FollowUpsReply struct {
	Results    []survey.FollowUpResult `json:"results"`
	ReceivedAt time.Time               `json:"received_at"`
}

// Config is the body of GET /api/v1/sync/config: central is the source of
// truth for the office's roster, catalogue and wording once a kiosk connects.
type Config struct {
	Office     string                    `json:"office"`
	Staff      []ConfigStaff             `json:"staff"`
	Services   []survey.Service          `json:"services"`
	Wording    map[string]survey.Wording `json:"wording"`
	ServerTime time.Time                 `json:"server_time"`
	// ReceivedSeq is the highest sequence number central holds from the
	// kiosk (0: none). A kiosk that marked responses above it as synced
	// sends them again: central lost them (it was restored from a backup).
	ReceivedSeq int64 `json:"received_seq"`
	// FollowUpElements are the elements whose answer 1 or 2 opens a
	// follow-up case (absent from centrals older than follow-ups).
	FollowUpElements []survey.Element `json:"followup_elements,omitempty"`
	// PublicURL is central's public address, for the follow-up status page
	// the kiosk's thank-you page points to ("" when central does not know it).
	PublicURL string `json:"public_url,omitempty"`
}

// ConfigStaff is a roster entry with its photo's ETag ("" without a photo).
type ConfigStaff struct {
	survey.Staff
	PhotoETag string `json:"photo_etag,omitempty"`
}

// ErrorReply is the body of every refusal (4xx, 5xx), as on every JSON API of the product.
type ErrorReply struct {
	Error struct {
		Code      string `json:"code"`
		Field     string `json:"field,omitempty"`
		Message   string `json:"message"`
		MessageID string `json:"message_id"`
	} `json:"error"`
}
