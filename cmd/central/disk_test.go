package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
	"github.com/skmkiosk/skm/sync/upload"
)

// Central's SQLite database on a disk that fills up (a tmpfs the test
// mounts; root only): /healthz answers 503 naming the disk, an upload is
// refused with 503 and stays pending at the kiosk (a retry, not a loss);
// once space returns central is healthy again by itself and the upload
// completes, exactly once.
func TestCentralHealthzOnFullDisk(t *testing.T) {
	proctest.RequireRoot(t)
	bin := proctest.Central(t)
	mnt := proctest.Mount(t, "-t", "tmpfs", "-o", "size=16m", "tmpfs")
	addr := proctest.FreeAddr(t)
	base := "http://" + addr
	db := filepath.Join(mnt, "central.db")
	cfg := MustCentralConfigFile(t, addr, db)
	ids := MustSetUpOffice(t, bin, cfg, 1)
	k := MustNewKiosk(t, base, ids[0][0], ids[0][1])
	k.MustRate(t, 200)
	p := proctest.Start(t, base, bin, "-config", cfg)

	filler := proctest.FillDisk(t, mnt)
	if err := p.WaitHealth(10*time.Second, http.StatusServiceUnavailable); err != nil {
		t.Fatalf("/healthz on a full disk: %v", err)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "disk") {
		t.Errorf("/healthz body %s does not name the disk", body)
	}
	_, err = k.Up.SyncOnce(context.Background())
	if err == nil || upload.IsPermanent(err) || !strings.Contains(err.Error(), "503") {
		t.Errorf("upload to a full central: %v, want a 503 to retry", err)
	}
	if n := k.pending(t); n != 200 {
		t.Errorf("%d pending after the refused upload, want 200", n)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitHealthy(30 * time.Second); err != nil {
		t.Fatalf("after space returned: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if res, err := k.Up.Run(ctx, upload.Backoff{Base: 5 * time.Millisecond, Max: 50 * time.Millisecond}); err != nil || res.Pending != 0 {
		t.Fatalf("upload after space returned: %+v %v", res, err)
	}
	p.Stop(t)
	MustVerifyExactlyOnce(t, db, []*testKiosk{k})
}
