package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
)

// serviceKeys reads the [Service] section of a systemd unit as key → values.
func serviceKeys(tb testing.TB, path string) map[string][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	keys := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = line
		case section == "[Service]":
			k, v, _ := strings.Cut(line, "=")
			keys[k] = append(keys[k], v)
		}
	}
	return keys
}

// The units in deploy/systemd run each service as its own user with the
// hardening the runbook promises, restart it on failure, give SIGTERM more
// time than the programs' shutdown bound, and pass `systemd-analyze verify`
// (where it is installed) with ExecStart pointing at the built binaries.
func TestSystemdUnitsAreHardened(t *testing.T) {
	dir := "../../deploy/systemd"
	for unit, data := range map[string]string{"skm-kiosk.service": "/var/lib/skm", "skm-central.service": "/var/lib/skm-central"} {
		keys := serviceKeys(t, filepath.Join(dir, unit))
		for k, want := range map[string]string{
			"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
			"PrivateDevices": "yes", "Restart": "on-failure", "KillSignal": "SIGTERM", "CapabilityBoundingSet": "",
			"ReadWritePaths": data, "RestrictSUIDSGID": "yes", "MemoryDenyWriteExecute": "yes",
		} {
			if got := keys[k]; len(got) != 1 || got[0] != want {
				t.Errorf("%s: %s=%q, want %q", unit, k, got, want)
			}
		}
		if u := keys["User"]; len(u) != 1 || u[0] == "" || u[0] == "root" {
			t.Errorf("%s: User=%v, want a dedicated user", unit, u)
		}
		stop, err := time.ParseDuration(strings.Join(keys["TimeoutStopSec"], ""))
		if err != nil || stop < ShutdownTimeout+10*time.Second {
			t.Errorf("%s: TimeoutStopSec=%v (%v), want at least %s: the program may take %s to finish requests", unit, keys["TimeoutStopSec"], err, ShutdownTimeout+10*time.Second, ShutdownTimeout)
		}
		if !strings.Contains(strings.Join(keys["ExecStart"], ""), "-config /etc/skm/") {
			t.Errorf("%s: ExecStart=%v, want -config /etc/skm/...", unit, keys["ExecStart"])
		}
	}

	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed: the units' syntax is not verified")
	}
	tmp := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var units []string
	replacer := strings.NewReplacer("/usr/local/bin/skm-kiosk", proctest.Kiosk(t), "/usr/local/bin/skm-central", proctest.Central(t))
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(tmp, e.Name())
		if err := os.WriteFile(p, []byte(replacer.Replace(string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
		units = append(units, p)
	}
	out, err := exec.Command("systemd-analyze", append([]string{"verify", "--man=no"}, units...)...).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
