package upload

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// SettingVisitsSent holds the Asia/Jakarta day (YYYY-MM-DD) of the last run
// whose visit tallies central accepted.
const SettingVisitsSent = "sync.visits_sent_day"

// visitLookback is how far before the last accepted run's day the tallies
// are sent again: the longest a visit code stays valid ([visits] ttl, at
// most 7 days) and a day more, so a code rated after that run is counted.
const visitLookback = 8 * 24 * time.Hour

// sendVisitTallies sends central the visit tallies of the days since the
// last accepted run's day less visitLookback (every day, the first time),
// so central can show the response rate of visit codes.
func (u *Uploader) sendVisitTallies(ctx context.Context) error {
	today := u.cfg.Now().In(survey.Jakarta).Format(time.DateOnly)
	var since time.Time
	last, ok, err := u.store.Setting(ctx, SettingVisitsSent)
	if err != nil {
		return err
	}
	if day, err := time.ParseInLocation(time.DateOnly, last, survey.Jakarta); ok && err == nil {
		since = day.Add(-visitLookback)
	}
	tallies, err := u.store.VisitTallies(ctx, since)
	if err != nil {
		return err
	}
	for chunk := range slices.Chunk(tallies, wire.MaxVisitTallies) {
		n := len(chunk)
		body, err := json.Marshal(wire.VisitTallies{KioskID: u.cfg.KioskID, Tallies: chunk})
		if err != nil {
			return fmt.Errorf("encode visit tallies: %w", err)
		}
		data, err := u.c.do(ctx, http.MethodPost, wire.PathVisits, body, true)
		if err != nil {
			return err
		}
		var reply wire.VisitTalliesReply
		if err := json.Unmarshal(data, &reply); err != nil || reply.Saved != n {
			return &Error{Msg: fmt.Sprintf("central's answer to the visit tallies is not readable or incomplete (%d of %d saved, %v); will retry", reply.Saved, n, err)}
		}
	}
	return u.store.SetSetting(ctx, SettingVisitsSent, today)
}
