package survey

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Flags a kiosk sets on a response it stores. Like central's flags they are
// reasons for suspicion, never reasons to drop a rating: the response is
// stored and synced with them, and reports can be read with and without.
const (
	FlagBurst     = "burst"      // many ratings of one staff member within a short time
	FlagOwnDevice = "own_device" // sent from the rated staff member's own counter device or address
	FlagNoVisit   = "no_visit"   // the office issues visit codes, but this staff member had none recently
	FlagNoDevice  = "no_device"  // a static-QR rating from a browser that returned no device cookie
	// FlagCodeContested marks a rating through a visit code that another
	// device tried to open after the first one claimed it: the code may have
	// been photographed off the counter screen and used before the citizen.
	FlagCodeContested = "code_contested"
)

// Limits bound ratings through the static QR code and the unauthenticated
// API. A zero count turns its limit off.
type Limits struct {
	// PerDevice ratings of one staff member from one device (signed cookie) per DeviceWindow.
	PerDevice    int
	DeviceWindow time.Duration
	// PerAddress ratings of one staff member from one client address per AddressWindow.
	PerAddress    int
	AddressWindow time.Duration
	// More than BurstCount ratings of one staff member within BurstWindow are flagged FlagBurst.
	BurstCount  int
	BurstWindow time.Duration
	// NoVisitWindow: an unverified rating of a staff member without a visit in
	// this window, while the office issued visits in it, is flagged FlagNoVisit (0: off).
	NoVisitWindow time.Duration
}

// Intake is what the kiosk knows about a submission besides the response:
// who sent it (as keyed hashes, never in clear), which limits apply, and an
// optional follow-up contact. The store applies it in the transaction that
// stores the response, so concurrent requests cannot slip past a limit.
type Intake struct {
	// Device holds keyed hashes of the device cookie: current key first, then
	// the previous key's, so a window spanning a key rotation still counts.
	// Empty when the browser sent no valid cookie.
	Device []string
	// Address holds keyed hashes of the client address, likewise.
	Address []string
	// Limited applies Limits' refusals and the no_visit flag (static QR and
	// unauthenticated API, never a verified visit or the desk tablet).
	Limited bool
	Limits  Limits
	// NoVisitFlag applies the no_visit flag without the limits (the desk
	// tablet: one enrolled device, never limited, but its unverified ratings
	// are read like the static QR code's).
	NoVisitFlag bool
	// Claimant is who sends a rating through a visit (nil without one): the
	// store refuses it when another device claimed the visit first.
	Claimant *VisitClaimant
	// Contact, when given, is stored apart from the response.
	Contact *FollowUp
}

// Reasons an attempt is refused, as counted per day (Asia/Jakarta) and
// shown on the kiosk's summary.
const (
	RefusedDevice  = "device"  // a rating over limits.per_device
	RefusedAddress = "address" // a rating over limits.per_address
	// RefusedTablet: a request for the desk tablet's pages from a device no
	// admin enrolled (or from outside an enrolled tablet's pinned address).
	RefusedTablet = "tablet"
	// RefusedVisitTaken: a visit code opened on a device other than the one that claimed it.
	RefusedVisitTaken = "visit_taken"
	// RefusedMintAccount and RefusedMintToken: a visit code over
	// visits.per_account (counter account) or visits.per_token (counter token).
	RefusedMintAccount = "mint_account"
	RefusedMintToken   = "mint_token"
)

// RefusalReasons lists every reason in the order the summary shows them.
var RefusalReasons = []string{RefusedDevice, RefusedAddress, RefusedTablet, RefusedVisitTaken, RefusedMintAccount, RefusedMintToken}

// ErrRateLimited is the kind refusal of a rating over a limit (429).
func ErrRateLimited(reason string) *Error {
	e := &Error{Code: ERATELIMIT, Field: "rating",
		Message:   "thank you! A rating for this officer was already given from this device a short while ago; one rating per visit is enough",
		MessageID: "terima kasih! Penilaian untuk petugas ini sudah diberikan dari perangkat ini belum lama tadi; satu penilaian per kunjungan sudah cukup"}
	if reason == RefusedAddress {
		e.Message = "thank you! Many ratings for this officer came from this network a short while ago; please try again later or ask the officer for a visit code"
		e.MessageID = "terima kasih! Banyak penilaian untuk petugas ini datang dari jaringan ini belum lama tadi; silakan coba lagi nanti atau minta kode kunjungan kepada petugas"
	}
	return e
}

// RefusalCount is how many ratings a limit refused on a day (Asia/Jakarta).
type RefusalCount struct {
	Day    string `json:"day"`
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// FollowUp is a citizen's optional contact for a follow-up, given with
// explicit consent. It is stored apart from the response, never synced,
// and deleted once the follow-up is closed, once central reports its case
// answered, or after the retention period.
type FollowUp struct {
	ID         int64     `json:"id"`
	ResponseID string    `json:"response_id"`
	Contact    string    `json:"contact"`
	Consent    string    `json:"consent"` // the consent text the citizen agreed to, as shown
	Lang       string    `json:"lang"`
	CreatedAt  time.Time `json:"created_at"`
	// Code is the tracking code shown on the thank-you page when the rating
	// opens a case at central ("" otherwise); only the code and the
	// response's id are sent to central.
	Code string `json:"code,omitempty"`
	// Status is central's last word on the code (a FollowUpStatus,
	// FollowUpPending, FollowUpRefused, or "" before the first sync).
	Status string `json:"status,omitempty"`
	// Filled from the response when listed, for the person following up.
	Service string `json:"service,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// MaxContactLength bounds the contact field.
const MaxContactLength = 100

var contactPattern = regexp.MustCompile(`^(\+?[0-9][0-9 .\-]{6,20}|[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+)$`)

// ValidateFollowUp checks the optional contact of a survey: none at all, or
// a phone number or e-mail address with the consent box ticked.
func ValidateFollowUp(contact string, consent bool) (string, error) {
	contact = strings.TrimSpace(contact)
	switch {
	case contact == "" && !consent:
		return "", nil
	case contact == "":
		return "", Invalid("contact", "you ticked the follow-up box: write a phone number or e-mail address, or untick the box",
			"Anda mencentang kotak tindak lanjut: tulis nomor telepon atau alamat e-mail, atau hapus centangnya")
	case !consent:
		return "", Invalid("followup_consent", "tick the box to agree to be contacted, or leave the contact empty",
			"centang kotak persetujuan untuk dihubungi, atau kosongkan kontak")
	case !utf8.ValidString(contact) || utf8.RuneCountInString(contact) > MaxContactLength || !contactPattern.MatchString(contact):
		return "", Invalid("contact", "write a phone number (digits) or an e-mail address",
			"tulis nomor telepon (angka) atau alamat e-mail")
	}
	return contact, nil
}

// RetentionPolicy says how long the kiosk keeps each kind of data.
type RetentionPolicy struct {
	// SyncedResponses: responses central confirmed are deleted this long after (0: keep).
	SyncedResponses time.Duration
	// Visits: visit codes are deleted this long after they were issued.
	Visits time.Duration
	// Contacts: open follow-up contacts are deleted this long after they were given.
	Contacts time.Duration
	// Pseudonyms: device and address hashes (limit counters, counter devices)
	// are deleted this long after they were recorded.
	Pseudonyms time.Duration
	// Refusals: daily counts of refused ratings are deleted after this long.
	Refusals time.Duration
	// TrackingCodes: follow-up tracking codes (no contact in them) are
	// deleted this long after they were given.
	TrackingCodes time.Duration
	// Partials: unfinished surveys kept apart are deleted after this long.
	Partials time.Duration
}

// PurgeResult counts what a retention run deleted.
type PurgeResult struct {
	Responses  int64 `json:"responses"`
	Visits     int64 `json:"visits"`
	Contacts   int64 `json:"contacts"`
	Pseudonyms int64 `json:"pseudonyms"`
	Refusals   int64 `json:"refusals"`
	Keys       int64 `json:"keys"`
	Sessions   int64 `json:"sessions"`
	Codes      int64 `json:"tracking_codes"`
	Partials   int64 `json:"partials"`
}

// Total is the number of rows deleted.
func (p PurgeResult) Total() int64 {
	return p.Responses + p.Visits + p.Contacts + p.Pseudonyms + p.Refusals + p.Keys + p.Sessions + p.Codes + p.Partials
}

// IntakeStore is the kiosk's side of abuse limits, flags, follow-up
// contacts and retention.
type IntakeStore interface {
	// CreateResponseWith stores r like CreateResponse, applying in within the same transaction.
	CreateResponseWith(ctx context.Context, r *Response, in Intake) (created bool, err error)
	// RegisterCounterDevice records keyed hashes of a device and address
	// where nip's counter account opened its counter screen.
	RegisterCounterDevice(ctx context.Context, nip string, hashes []string) error
	// CountRefusals sums the ratings refused by limits in [from, to) per reason.
	CountRefusals(ctx context.Context, from, to time.Time) (map[string]int64, error)
	// CountRefusal counts one refused attempt at at for nip ("" when no staff
	// member is concerned) and reason; refusals inside a rating's
	// transaction are counted there.
	CountRefusal(ctx context.Context, at time.Time, nip, reason string) error
	// CountFlagged counts responses created in [from, to) that carry a flag.
	CountFlagged(ctx context.Context, from, to time.Time) (int64, error)
	// FindFollowUps lists the open follow-up contacts, oldest first.
	FindFollowUps(ctx context.Context) ([]FollowUp, error)
	// CloseFollowUp deletes a follow-up contact (its tracking code stays,
	// so central still learns of the case).
	CloseFollowUp(ctx context.Context, id int64) error
	// TrackingCodeOf returns the tracking code of a response (ENOTFOUND without one).
	TrackingCodeOf(ctx context.Context, responseID string) (string, error)
	// HasTrackingCode reports whether the kiosk gave the code.
	HasTrackingCode(ctx context.Context, code string) (bool, error)
	// PendingTrackingCodes lists, in code order after the code after, up to
	// limit codes whose case central has not yet answered or refused.
	PendingTrackingCodes(ctx context.Context, after string, limit int) ([]FollowUpRef, error)
	// ApplyFollowUpResults records central's answers at at; a case answered
	// deletes its contact. It returns how many contacts it deleted.
	ApplyFollowUpResults(ctx context.Context, results []FollowUpResult, at time.Time) (int64, error)
	// SavePartial keeps an unfinished survey apart from the responses (once per form).
	SavePartial(ctx context.Context, p Partial) error
	// CountPartials counts the unfinished surveys kept in [from, to).
	CountPartials(ctx context.Context, from, to time.Time) (int64, error)
	// Purge deletes what the retention policy says has expired at now.
	Purge(ctx context.Context, p RetentionPolicy, now time.Time) (PurgeResult, error)
}
