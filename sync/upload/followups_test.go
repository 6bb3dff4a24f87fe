package upload_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/upload"
	"github.com/skmkiosk/skm/sync/wire"
)

// TestFollowUpLoop: a low rating with a contact and a tracking code opens a
// case at central after sync, without its contact; the office answers at
// central; the next sync deletes the contact on the kiosk. Both backends.
func TestFollowUpLoop(t *testing.T) {
	backends(t, func(t *testing.T, open func(t *testing.T) survey.CentralStore) {
		ctx := context.Background()
		store := open(t)
		c := MustStartCentral(t, store)
		kk, secret := c.MustAddKiosk(t)
		k := MustNewKiosk(t, c.URL, kk.ID, secret, 100)

		low := survey.Response{NIP: nip1, Service: "KTPEL_BARU", Channel: survey.ChannelQR, Comment: "petugas membentak",
			Ratings: survey.Ratings{4, 3, 3, 4, 4, 3, 1, 3, 4}} // perilaku 1
		code := survey.NewTrackingCode()
		contact := &survey.FollowUp{Contact: "0812 9999 1234", Consent: "Saya setuju dihubungi", Lang: "id", Code: code}
		if _, err := k.DB.CreateResponseWith(ctx, &low, survey.Intake{Contact: contact}); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Up.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		// The kiosk learnt central's follow-up rule with the roster.
		if got := upload.FollowUpElements(ctx, k.DB); !slices.Equal(got, survey.DefaultFollowUpElements) {
			t.Errorf("follow-up elements from central = %v", got)
		}
		cs, err := store.FollowUpCaseByCode(ctx, code)
		if err != nil {
			t.Fatalf("no case at central after sync: %v", err)
		}
		if cs.ResponseID != low.ID || cs.Status != survey.FollowUpReceived || !slices.Equal(cs.Elements, []survey.Element{survey.Perilaku}) ||
			cs.Comment != "petugas membentak" || cs.OfficeID != c.office.ID {
			t.Errorf("case at central = %+v", cs)
		}
		if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(fmtCase(cs), " ", ""), "-", ""), "08129999") {
			t.Errorf("the contact reached central: %+v", cs)
		}
		list, _ := k.DB.FindFollowUps(ctx)
		if len(list) != 1 || list[0].Status != string(survey.FollowUpReceived) || list[0].Contact == "" {
			t.Fatalf("kiosk's follow-ups after the first sync = %+v", list)
		}

		// The office answers; the next sync deletes the contact.
		if err := cs.Apply(survey.FollowUpUpdate{Status: survey.FollowUpAnswered, Answer: "Petugas sudah dibina.", By: "kepala", At: c.now()}); err != nil {
			t.Fatal(err)
		}
		if err := store.UpdateFollowUpCase(ctx, cs); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Up.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if list, _ := k.DB.FindFollowUps(ctx); len(list) != 0 {
			t.Errorf("the contact of an answered case is still on the kiosk: %+v", list)
		}
		if pending, _ := k.DB.PendingTrackingCodes(ctx, "", 10); len(pending) != 0 {
			t.Errorf("an answered case is still asked about: %+v", pending)
		}
	})
}

// mustSignedPost posts body as kiosk id signs it and returns the status and answer.
func mustSignedPost(t *testing.T, base, id string, key ed25519.PrivateKey, path string, body any) (int, string) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	ts, sig := wire.SignRequest(key, http.MethodPost, path, data, time.Now())
	req.Header.Set(wire.HeaderKiosk, id)
	req.Header.Set(wire.HeaderTimestamp, ts)
	req.Header.Set(wire.HeaderSignature, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(reply)
}

func fmtCase(c survey.FollowUpCase) string {
	return strings.Join([]string{c.Code, c.Action, c.Answer, c.Comment, c.NIP, c.Service, c.KioskID, c.ResponseID}, "|")
}

// TestFollowUpsRefusedForAnotherKiosk: references signed by one kiosk for
// another are refused (403), bad codes name their field (400).
func TestFollowUpsRefusedForAnotherKiosk(t *testing.T) {
	store := mustOpenSQLiteCentral(t)
	c := MustStartCentral(t, store)
	kk, secret := c.MustAddKiosk(t)
	k := MustNewKiosk(t, c.URL, kk.ID, secret, 100)
	for _, tc := range []struct {
		name   string
		body   wire.FollowUps
		status int
		field  string
	}{
		{"another kiosk", wire.FollowUps{KioskID: "k-other", FollowUps: []survey.FollowUpRef{{Code: survey.NewTrackingCode(), ResponseID: "x"}}}, http.StatusForbidden, ""},
		{"bad code", wire.FollowUps{KioskID: kk.ID, FollowUps: []survey.FollowUpRef{{Code: "nope", ResponseID: "x"}}}, http.StatusBadRequest, "followups[0].code"},
		{"no response id", wire.FollowUps{KioskID: kk.ID, FollowUps: []survey.FollowUpRef{{Code: survey.NewTrackingCode()}}}, http.StatusBadRequest, "followups[0].response_id"},
	} {
		status, reply := mustSignedPost(t, c.URL, kk.ID, k.Key, wire.PathFollowUps, tc.body)
		if status != tc.status || !strings.Contains(reply, tc.field) {
			t.Errorf("%s: %d %s, want %d naming %q", tc.name, status, reply, tc.status, tc.field)
		}
	}
}

// TestFollowUpsWaitForAnOlderCentral: a central without the endpoint (404)
// does not fail the sync; the codes wait for an upgraded central.
func TestFollowUpsWaitForAnOlderCentral(t *testing.T) {
	store := mustOpenSQLiteCentral(t)
	c := MustStartCentral(t, store)
	kk, secret := c.MustAddKiosk(t)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == wire.PathFollowUps {
			http.NotFound(w, r)
			return
		}
		forward(w, r, c.URL, http.DefaultClient)
	}))
	t.Cleanup(proxy.Close)
	k := MustNewKiosk(t, proxy.URL, kk.ID, secret, 100)
	r := survey.Response{NIP: nip1, Service: "KTPEL_BARU", Channel: survey.ChannelQR, Ratings: survey.Ratings{4, 3, 3, 4, 4, 1, 3, 3, 4}}
	code := survey.NewTrackingCode()
	if _, err := k.DB.CreateResponseWith(context.Background(), &r, survey.Intake{Contact: &survey.FollowUp{Contact: "a@b.id", Consent: "ok", Lang: "id", Code: code}}); err != nil {
		t.Fatal(err)
	}
	if res, err := k.Up.SyncOnce(context.Background()); err != nil || res.Pending != 0 {
		t.Fatalf("sync with an older central: %+v, %v", res, err)
	}
	if pending, _ := k.DB.PendingTrackingCodes(context.Background(), "", 10); len(pending) != 1 {
		t.Errorf("the code no longer waits: %+v", pending)
	}
}
