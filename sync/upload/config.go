package upload

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// Setting keys the kiosk's pages read.
const (
	SettingManaged = "managed_by_central" // "1" once central manages the roster
	SettingWording = "central_wording_"   // + language: central's wording overrides, JSON
	SettingOffice  = "central_office"
)

// pullConfig makes the kiosk's roster, catalogue and wording equal to
// central's, and returns the highest sequence number central holds from
// the kiosk (wire.Config.ReceivedSeq).
func (u *Uploader) pullConfig(ctx context.Context) (survey.ImportResult, int64, error) {
	var res survey.ImportResult
	data, err := u.c.do(ctx, http.MethodGet, wire.PathConfig, nil, false)
	if err != nil {
		return res, 0, err
	}
	var cfg wire.Config
	if err := json.Unmarshal(data, &cfg); err != nil {
		return res, 0, &Error{Msg: fmt.Sprintf("central's configuration is not readable (%v); will retry", err)}
	}
	res, err = u.applyConfig(ctx, cfg)
	return res, cfg.ReceivedSeq, err
}

func (u *Uploader) applyConfig(ctx context.Context, cfg wire.Config) (res survey.ImportResult, err error) {
	staff := make([]survey.Staff, len(cfg.Staff))
	for i, s := range cfg.Staff {
		staff[i] = s.Staff
	}
	asOf := cfg.ServerTime // central validated the roster by its clock; the kiosk's may be wrong
	if asOf.IsZero() {
		asOf = u.cfg.Now()
	}
	if res, err = u.store.ReplaceRosterAsOf(ctx, staff, asOf); err != nil {
		return res, fmt.Errorf("apply central's roster: %w", err)
	}
	if err := u.store.ReplaceServices(ctx, cfg.Services); err != nil {
		return res, fmt.Errorf("apply central's service catalogue: %w", err)
	}
	for _, lang := range survey.WordingLanguages {
		b, err := json.Marshal(cfg.Wording[lang])
		if err != nil {
			return res, err
		}
		if err := u.store.SetSetting(ctx, SettingWording+lang, string(b)); err != nil {
			return res, err
		}
	}
	if err := u.store.SetSetting(ctx, SettingOffice, cfg.Office); err != nil {
		return res, err
	}
	// A central older than follow-ups sends neither: the kiosk keeps its defaults.
	if len(cfg.FollowUpElements) > 0 {
		if err := u.store.SetSetting(ctx, SettingFollowUpElements, survey.JoinElements(cfg.FollowUpElements)); err != nil {
			return res, err
		}
	}
	if cfg.PublicURL != "" {
		if err := u.store.SetSetting(ctx, SettingPublicURL, cfg.PublicURL); err != nil {
			return res, err
		}
	}
	if err := u.store.SetSetting(ctx, SettingManaged, "1"); err != nil {
		return res, err
	}
	return res, u.pullPhotos(ctx, cfg.Staff)
}

// pullPhotos fetches the photos whose ETag changed and drops removed ones.
func (u *Uploader) pullPhotos(ctx context.Context, staff []wire.ConfigStaff) error {
	have, err := u.store.PhotoETags(ctx)
	if err != nil {
		return err
	}
	for _, s := range staff {
		switch {
		case s.PhotoETag == "" && have[s.NIP] != "":
			err = u.store.SetStaffPhoto(ctx, s.NIP, survey.Photo{})
		case s.PhotoETag != "" && s.PhotoETag != have[s.NIP]:
			var jpeg []byte
			if jpeg, err = u.c.do(ctx, http.MethodGet, wire.PathPhotos+s.NIP, nil, false); err == nil {
				err = u.store.SetStaffPhoto(ctx, s.NIP, survey.Photo{JPEG: jpeg, ETag: s.PhotoETag})
			}
		}
		if err != nil {
			return fmt.Errorf("photo of %s: %w", s.NIP, err)
		}
	}
	return nil
}
