package survey

import "time"

// SyncRun is one upload attempt from a kiosk to central, as the kiosk records it.
type SyncRun struct {
	ID         int64     `json:"id"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Result     string    `json:"result"` // "ok", "partial", "failed", "running"
	Message    string    `json:"message,omitempty"`
	Buffered   int64     `json:"buffered"`   // responses the kiosk held when the run started
	Sent       int64     `json:"sent"`       // responses sent in this run
	Stored     int64     `json:"stored"`     // newly stored by central
	Duplicates int64     `json:"duplicates"` // central already had them
	Refused    int64     `json:"refused"`    // central refused them (conflicts)
	Pending    int64     `json:"pending"`    // still waiting after the run
}

// SyncStatus is what the kiosk's pages and /healthz show of its upload to central.
type SyncStatus struct {
	Connected   bool      `json:"connected"`
	CentralURL  string    `json:"central_url,omitempty"`
	Schedule    string    `json:"schedule,omitempty"`
	Running     bool      `json:"running"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastResult  string    `json:"last_result,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	Pending     int64     `json:"pending"`
	// LastHeartbeat is when central last took the kiosk's signed head
	// (a sync attempt or a heartbeat).
	LastHeartbeat time.Time `json:"last_heartbeat,omitzero"`
	// Clock is this computer's clock as central sees it.
	Clock ClockStatus `json:"clock"`
}

// Clock states.
const (
	ClockUnknown = "unknown" // central not reached yet
	ClockOK      = "ok"
	ClockOff     = "off" // off by more than central's clock_skew_limit
)

// ClockStatus compares the kiosk's clock with central's.
type ClockStatus struct {
	Status string `json:"status"`
	// SkewSeconds is this computer's clock minus central's.
	SkewSeconds int64 `json:"skew_seconds"`
	// LimitSeconds is central's clock_skew_limit: beyond it, ratings are
	// flagged clock at central.
	LimitSeconds int64 `json:"limit_seconds"`
}

// RestoreStatus is what a kiosk knows of the restore it started from, for
// its log, its sync page and `kiosk restore`.
type RestoreStatus struct {
	// BackupTakenAt is when the backup the file came from was written (zero
	// when the file was found behind central without being a backup).
	BackupTakenAt time.Time `json:"backup_taken_at,omitzero"`
	// FileSeq is the last entry the restored file held.
	FileSeq int64 `json:"file_seq"`
	// CentralSeq is the highest number central held or heard of, when
	// CentralAsked; HeldAtCentral counts the ratings after FileSeq that
	// central holds: gone from this file, not missing.
	CentralSeq    int64 `json:"central_seq"`
	CentralAsked  bool  `json:"central_asked"`
	HeldAtCentral int64 `json:"held_at_central"`
	// NextSeq is the restore segment's number: ratings continue after it
	// (0 when the file needed none).
	NextSeq    int64     `json:"next_seq"`
	RestoredAt time.Time `json:"restored_at"`
}
