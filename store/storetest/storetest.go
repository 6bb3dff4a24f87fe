// Package storetest is the contract suite of survey.CentralStore: the same
// tests run against every backend (store/sqlite and store/postgres), so the
// two behave alike. It also holds the helpers their benchmarks share.
package storetest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/survey"
)

// Opener opens a fresh, empty store whose clock is now.
type Opener func(t *testing.T, now func() time.Time) survey.CentralStore

// Tallier is implemented by both backends outside survey.CentralStore: it
// sums an office's daily rollups over [from, to) days.
type Tallier interface {
	Tally(ctx context.Context, officeID int64, from, to time.Time) (survey.Tally, error)
}

// RunCentralStore runs the contract suite against the stores open returns.
func RunCentralStore(t *testing.T, open func(t *testing.T, now func() time.Time) survey.CentralStore) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, open Opener)
	}{
		{"Migrations", testMigrations},
		{"Offices", testOffices},
		{"Kiosks", testKiosks},
		{"RevokedAndUnknownKiosks", testRevokedAndUnknownKiosks},
		{"Roster", testRoster},
		{"RosterImport", testRosterImport},
		{"StaffPhotos", testStaffPhotos},
		{"Services", testServices},
		{"Wording", testWording},
		{"IngestCleanChain", testIngestCleanChain},
		{"IngestSameBatchTwice", testIngestSameBatchTwice},
		{"IngestConflict", testIngestConflict},
		{"IngestEditedRow", testIngestEditedRow},
		{"IngestBrokenLink", testIngestBrokenLink},
		{"IngestHeadAndSkew", testIngestHeadAndSkew},
		{"AnchorHeads", testAnchorHeads},
		{"Segments", testSegments},
		{"SegmentsInABatch", testSegmentsInABatch},
		{"KioskRegistration", testKioskRegistration},
		{"Gaps", testGaps},
		{"UnknownStaff", testUnknownStaff},
		{"ConcurrentIngest", testConcurrentIngest},
		{"SameIDFromTwoKiosks", testSameIDFromTwoKiosks},
		{"Rollups", testRollups},
		{"RollupsWorkedExample", testRollupsWorkedExample},
		{"IngestLargeBatch", testIngestLargeBatch},
		{"Findings", testFindings},
		{"Tokens", testTokens},
		{"VisitTallies", testVisitTallies},
		{"FollowUps", testFollowUps},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"Audit", testAudit},
		{"Settings", testSettings},
		{"NULInText", testNULInText},
		{"Ping", testPing},
		{"ReportSums", testReportSums}, {"ReportPeriods", testReportPeriods}, {"ReportCells", testReportCells}, {"ReportPersonCells", testReportPersonCells}, {"ReportNoVisit", testReportNoVisit}, {"ReportComments", testReportComments}, {"ReportProfiles", testReportProfiles}, {"ReportWorkedExample", testReportWorkedExample}, {"ReportLateRows", testReportLateRows}, {"ReportAccess", testReportAccess}, {"ReportRTL", testReportRTL}, {"ReportStatements", testReportStatements},
		{"Documents", testDocuments},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open) })
	}
}

// Clock is a settable clock for stores under test.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's reading.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// T0 is the suite's starting time: 26 November 2026, 10:00 WIB.
var T0 = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

// Staff NIPs used by the suite (valid PNS NIPs).
const (
	NIP1 = "196608011988031001"
	NIP2 = "198512252010122003"
	NIP3 = "197203151995032002"
	// NIPUnknown is valid but on no roster.
	NIPUnknown = "199001012015031001"
)

// fixture bundles a fresh store with its clock.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	s     survey.CentralStore
	clock *Clock
}

func newFixture(t *testing.T, open Opener) *fixture {
	t.Helper()
	clock := NewClock(T0)
	return &fixture{t: t, ctx: context.Background(), s: open(t, clock.Now), clock: clock}
}

// MustCreateOffice creates an office named name.
func MustCreateOffice(tb testing.TB, s survey.CentralStore, name string) survey.Office {
	tb.Helper()
	o := survey.Office{Name: name}
	if err := s.CreateOffice(context.Background(), &o); err != nil {
		tb.Fatalf("create office %s: %v", name, err)
	}
	return o
}

// MustCreateKiosk registers a kiosk of the office with a new Ed25519 key.
func MustCreateKiosk(tb testing.TB, s survey.CentralStore, officeID int64) survey.Kiosk {
	tb.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	k := survey.Kiosk{ID: "k-" + uuid.NewString()[:8], OfficeID: officeID, PublicKey: pub}
	if err := s.CreateKiosk(context.Background(), &k); err != nil {
		tb.Fatalf("create kiosk: %v", err)
	}
	return k
}

// MustAddStaff adds an active staff member to an office's roster.
func MustAddStaff(tb testing.TB, s survey.CentralStore, officeID int64, nip, name, unit, counter string) survey.Staff {
	tb.Helper()
	st := survey.Staff{NIP: nip, Name: name, Position: "Pengadministrasi", Unit: unit, Counter: counter, Active: true}
	if err := s.CreateOfficeStaff(context.Background(), officeID, &st); err != nil {
		tb.Fatalf("add staff %s: %v", nip, err)
	}
	return st
}

// MustIngest stores a batch and fails the test on error.
func MustIngest(tb testing.TB, s survey.CentralStore, req survey.IngestRequest) survey.IngestPlan {
	tb.Helper()
	p, err := s.Ingest(context.Background(), req)
	if err != nil {
		tb.Fatalf("ingest %d responses of %s: %v", len(req.Responses), req.KioskID, err)
	}
	return p
}

// Request wraps responses into an upload received at at, signed head and all.
func Request(kioskID string, rs []survey.Response, at time.Time) survey.IngestRequest {
	req := survey.IngestRequest{KioskID: kioskID, Responses: rs, ReceivedAt: at,
		Meta: survey.BatchMeta{BatchID: uuid.NewString(), SentAt: at, Buffered: int64(len(rs))}}
	if n := len(rs); n > 0 {
		req.Meta.Head = survey.SignedHead{Seq: rs[n-1].Seq, Hash: rs[n-1].Hash, Signature: "test"}
	}
	return req
}
