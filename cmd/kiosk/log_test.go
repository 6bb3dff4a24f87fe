package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
)

// MustLogLines splits a process's standard output into its JSON log lines;
// any other line must be part of the start-up banner (address, tablet
// address, set-up link), not a stray message.
func MustLogLines(tb testing.TB, stdout string) []map[string]any {
	tb.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(stdout, "\n") {
		switch trimmed := strings.TrimSpace(line); {
		case trimmed == "":
		case strings.HasPrefix(trimmed, "{"):
			var m map[string]any
			if err := json.Unmarshal([]byte(trimmed), &m); err != nil {
				tb.Errorf("a log line is not JSON: %v: %s", err, line)
				continue
			}
			lines = append(lines, m)
		case strings.Contains(trimmed, " ready:"), strings.Contains(trimmed, "Tablet mode:"),
			strings.Contains(trimmed, "First-time set-up"), strings.HasPrefix(trimmed, "http"):
		default:
			tb.Errorf("standard output holds a line that is neither a JSON log line nor the banner: %q", line)
		}
	}
	return lines
}

// With [log] format = "json", every line a connected kiosk logs — start,
// retention, the scheduled sync, shutdown — is JSON on standard output with
// a component and the kiosk's id.
func TestEveryLogLineNamesComponentAndKiosk(t *testing.T) {
	centralURL, kioskID, secret, _ := MustStartCentral(t)
	bin := proctest.Kiosk(t)
	addr := proctest.FreeAddr(t)
	base := "http://" + addr
	db := filepath.Join(dataDir(t), "kiosk.db")
	cfg := MustKioskConfigFile(t, addr, db, fmt.Sprintf(`[central]
url = %q
kiosk_id = %q
secret = %q
[sync]
schedule = "@every 1s"
jitter = "0s"
`, centralURL, kioskID, secret))
	MustImportRoster(t, bin, cfg)
	p := proctest.Start(t, base, bin, "-config", cfg)
	client := &http.Client{Timeout: 10 * time.Second}
	for i := range 5 {
		if a := submit(client, base, newRating(fmt.Sprint("log-", i))); a.Status != http.StatusCreated {
			t.Fatalf("submit: %d %v %s", a.Status, a.Err, a.Body)
		}
	}
	waitFor(t, 30*time.Second, "a sync to log its result", func() bool { return strings.Contains(p.Stdout.String(), `"msg":"sync done"`) })
	p.Stop(t)

	lines := MustLogLines(t, p.Stdout.String())
	components := map[string]bool{}
	for _, l := range lines {
		c, _ := l["component"].(string)
		if c == "" || l["kiosk_id"] != kioskID {
			t.Errorf("log line without component or kiosk_id %s: %v", kioskID, l)
		}
		components[c] = true
	}
	for _, want := range []string{"main", "retention", "sync"} {
		if !components[want] {
			t.Errorf("no log line from component %q (saw %v)", want, components)
		}
	}
}
