package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// Setting keys of central's follow-up rule and public address, from the
// last configuration pulled.
const (
	SettingFollowUpElements = "central_followup_elements" // comma-separated element codes
	SettingPublicURL        = "central_public_url"
)

// sendFollowUps sends central the tracking codes whose case it has not
// answered, in pages, and records its answers: new codes open cases, open
// ones report their status, and an answered case deletes its contact here.
// A central older than follow-ups (404) is logged once per run, not an error.
func (u *Uploader) sendFollowUps(ctx context.Context) error {
	deleted, err := u.followUpPages(ctx)
	if deleted > 0 {
		u.log.Info("follow-ups answered at central: their contacts deleted", "deleted", deleted)
	}
	return err
}

// followUpPages sends every page of pending codes and returns how many contacts the answers deleted.
func (u *Uploader) followUpPages(ctx context.Context) (int64, error) {
	after, deleted := "", int64(0)
	for {
		refs, err := u.store.PendingTrackingCodes(ctx, after, wire.MaxFollowUpRefs)
		if err != nil || len(refs) == 0 {
			return deleted, err
		}
		body, err := json.Marshal(wire.FollowUps{KioskID: u.cfg.KioskID, FollowUps: refs})
		if err != nil {
			return deleted, fmt.Errorf("encode follow-ups: %w", err)
		}
		data, err := u.c.do(ctx, http.MethodPost, wire.PathFollowUps, body, true)
		var se *Error
		if errors.As(err, &se) && se.Status == http.StatusNotFound {
			u.log.Warn("central does not take follow-up tracking codes yet (upgrade central); the codes wait", "pending", len(refs))
			return deleted, nil
		}
		if err != nil {
			return deleted, err
		}
		var reply wire.FollowUpsReply
		if err := json.Unmarshal(data, &reply); err != nil || len(reply.Results) != len(refs) {
			return deleted, &Error{Msg: fmt.Sprintf("central's answer to the follow-ups is not readable or incomplete (%d of %d, %v); will retry", len(reply.Results), len(refs), err)}
		}
		n, err := u.store.ApplyFollowUpResults(ctx, reply.Results, u.cfg.Now())
		deleted += n
		if err != nil || len(refs) < wire.MaxFollowUpRefs {
			return deleted, err
		}
		after = refs[len(refs)-1].Code
	}
}

// FollowUpElements returns the elements whose low answer opens a case, as
// central last said, or survey.DefaultFollowUpElements.
func FollowUpElements(ctx context.Context, s interface {
	Setting(ctx context.Context, key string) (string, bool, error)
}) []survey.Element {
	if v, ok, err := s.Setting(ctx, SettingFollowUpElements); err == nil && ok && v != "" {
		return survey.SplitElements(v)
	}
	return survey.DefaultFollowUpElements
}
