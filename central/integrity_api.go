package central

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
)

// integrityFinding is one entry of GET /api/v1/integrity.
type integrityFinding struct {
	Kind       string    `json:"kind"`
	KioskID    string    `json:"kiosk_id"`
	OfficeID   int64     `json:"office_id"`
	Office     string    `json:"office"`
	FromSeq    int64     `json:"from_seq"`
	ToSeq      int64     `json:"to_seq"`
	Detail     string    `json:"detail"`
	DetectedAt time.Time `json:"detected_at,omitzero"`
	// Source is "recorded" (found at ingest, kept) or "derived" (a gap, open now).
	Source string `json:"source"`
}

// integrityReply is the body of GET /api/v1/integrity.
type integrityReply struct {
	Findings []integrityFinding `json:"findings"`
	Count    int                `json:"count"`
}

// handleAPIIntegrity lists every integrity finding within the token's scope:
// the recorded ones (chain breaks, conflicts, reused sequence numbers, head
// mismatches, clock skew) and the open gaps derived from what is stored.
// ?kiosk= and ?kind= filter.
func (s *Server) handleAPIIntegrity(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, _ := c.Locals(localReportToken).(survey.APIToken)
	var scope int64
	if t.Role == survey.RoleKepala {
		scope = t.OfficeID
	}
	kiosk, kind := c.Query("kiosk"), c.Query("kind")
	offices, err := s.store.FindOffices(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, o := range offices {
		names[o.ID] = o.Name
	}
	out := integrityReply{Findings: []integrityFinding{}}
	add := func(f survey.Finding, source string) {
		out.Findings = append(out.Findings, integrityFinding{Kind: f.Kind, KioskID: f.KioskID, OfficeID: f.OfficeID, Office: names[f.OfficeID],
			FromSeq: f.FromSeq, ToSeq: f.ToSeq, Detail: f.Detail, DetectedAt: f.DetectedAt, Source: source})
	}
	if kind == "" || kind == survey.FindingGap {
		gaps, err := s.store.FindGaps(ctx, kiosk)
		if err != nil {
			return err
		}
		for _, g := range gaps {
			if scope == 0 || g.OfficeID == scope {
				add(g, "derived")
			}
		}
	}
	if kind != survey.FindingGap {
		recorded, err := s.store.FindFindings(ctx, survey.FindingFilter{OfficeID: scope, KioskID: kiosk, Kind: kind, Limit: 100000})
		if err != nil {
			return err
		}
		for _, f := range recorded {
			add(f, "recorded")
		}
	}
	out.Count = len(out.Findings)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}
