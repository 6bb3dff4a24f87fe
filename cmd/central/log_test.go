package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
	"github.com/skmkiosk/skm/sync/wire"
)

// With [log] format = "json", every line central logs is JSON on standard
// output with a component; lines about a kiosk (a refused sync request)
// name it with kiosk_id.
func TestEveryCentralLogLineNamesItsComponent(t *testing.T) {
	bin := proctest.Central(t)
	addr := proctest.FreeAddr(t)
	base := "http://" + addr
	cfg := MustCentralConfigFile(t, addr, filepath.Join(t.TempDir(), "central.db"))
	ids := MustSetUpOffice(t, bin, cfg, 1)
	p := proctest.Start(t, base, bin, "-config", cfg)
	req, _ := http.NewRequest(http.MethodGet, base+wire.PathConfig, nil)
	req.Header.Set(wire.HeaderKiosk, ids[0][0])
	req.Header.Set(wire.HeaderTimestamp, "1")
	req.Header.Set(wire.HeaderSignature, "AAAA")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a badly signed request: %d", resp.StatusCode)
	}
	p.Stop(t)

	var kioskLines int
	for _, line := range strings.Split(p.Stdout.String(), "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if c, _ := l["component"].(string); c == "" {
			t.Errorf("log line without a component: %s", line)
		}
		if l["kiosk_id"] == ids[0][0] {
			kioskLines++
		}
	}
	if kioskLines == 0 {
		t.Errorf("the refused request was not logged with kiosk_id:\n%s", p.Stdout.String())
	}
}
