package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
	"github.com/skmkiosk/skm/web"
)

// With every ingest slot taken, an upload is told to come back (503) and
// nothing is stored; once a slot frees, the same upload is stored.
func TestBusyCentralAnswers503(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.OpenCentral(ctx, filepath.Join(t.TempDir(), "central.db"), sqlite.CentralOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	o := survey.Office{Name: "Disdukcapil"}
	if err := store.CreateOffice(ctx, &o); err != nil {
		t.Fatal(err)
	}
	secret, pub, _ := wire.NewKioskKey()
	key, _ := wire.ParseSecret(secret)
	k := survey.Kiosk{ID: "k-busytest", OfficeID: o.ID, PublicKey: pub}
	if err := store.CreateKiosk(ctx, &k); err != nil {
		t.Fatal(err)
	}
	h := &Handler{Store: store, MaxConcurrent: 1}
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: web.ErrorHandler(slog.New(slog.NewTextHandler(io.Discard, nil)), nil)})
	h.Register(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	defer app.ShutdownWithTimeout(5 * time.Second)

	r := survey.Response{ID: "01900000-0000-7000-8000-000000000001", Seq: 1, NIP: "196608011988031001", Service: "KIA",
		Ratings: survey.Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4}, Channel: survey.ChannelQR, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	r.Hash = r.ChainHash("")
	body, _ := json.Marshal(wire.Batch{KioskID: k.ID, Responses: []survey.Response{r}})
	post := func() int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+wire.PathBatches, bytes.NewReader(body))
		ts, sig := wire.SignRequest(key, http.MethodPost, wire.PathBatches, body, time.Now())
		req.Header.Set(wire.HeaderKiosk, k.ID)
		req.Header.Set(wire.HeaderTimestamp, ts)
		req.Header.Set(wire.HeaderSignature, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if !h.acquire() { // another kiosk's upload holds the only slot
		t.Fatal("no slot free at start")
	}
	if got := post(); got != http.StatusServiceUnavailable {
		t.Errorf("upload while busy: %d, want 503", got)
	}
	if n, _ := store.CountResponses(ctx, ""); n != 0 {
		t.Errorf("a refused upload stored %d responses", n)
	}
	h.release()
	if got := post(); got != http.StatusOK {
		t.Errorf("upload after the slot freed: %d, want 200", got)
	}
	if n, _ := store.CountResponses(ctx, ""); n != 1 {
		t.Errorf("stored %d responses, want 1", n)
	}
}
