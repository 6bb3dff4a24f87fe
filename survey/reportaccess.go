package survey

import (
	"context"
	"time"
)

// ReportAccess records one report query: who asked for what, when, so that
// misuse of reports can be traced (docs/security.md). It holds the query,
// never a figure.
type ReportAccess struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
	// Actor is the username, or "token N (label)" for an API token.
	Actor string `json:"actor"`
	Role  Role   `json:"role"`
	// Via is "page", "export" or "api".
	Via string `json:"via"`
	// What names the report: office, appraisal, skm, rtl, staff, evidence,
	// a table (summary.csv), a workbook, or the API's ikm and appraisal.
	What     string `json:"what"`
	OfficeID int64  `json:"office_id"`
	Period   string `json:"period"`
	// Filter is the query's unit, counter, nip and service as a query string.
	Filter string `json:"filter"`
	Remote string `json:"remote"`
}

// ReportAccessFilter selects recorded report queries; zero fields do not filter.
type ReportAccessFilter struct {
	OfficeID int64
	Actor    string
	Limit    int
}

// ReportAccessStore keeps the record of report queries.
type ReportAccessStore interface {
	// AddReportAccess records a query; a zero At is now. a.ID is set.
	AddReportAccess(ctx context.Context, a *ReportAccess) error
	// FindReportAccess lists recorded queries, newest first.
	FindReportAccess(ctx context.Context, f ReportAccessFilter) ([]ReportAccess, error)
	// PurgeReportAccess deletes the queries recorded before t and counts them.
	PurgeReportAccess(ctx context.Context, before time.Time) (int64, error)
}
