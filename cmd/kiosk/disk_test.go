package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
	"github.com/skmkiosk/skm/survey"
)

// These tests give the kiosk a filesystem of its own, mounted by the test:
// a small tmpfs that fills up, and an ext4 image that turns read-only with
// an error, as a failing disk does. They need root; elsewhere they skip
// and say why (proctest.RequireRoot, proctest.Mount).

// staffCode returns the survey code of the first staff member.
func staffCode(t *testing.T, base string) string {
	t.Helper()
	status, body := MustGet(t, base+"/api/v1/staff")
	var staff []struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal([]byte(body), &staff); status != http.StatusOK || err != nil || len(staff) == 0 {
		t.Fatalf("GET /api/v1/staff: %d %v", status, err)
	}
	return staff[0].Code
}

var (
	stylesheet = regexp.MustCompile(`href="(/static/[^"]+\.css)"`)
	formFields = regexp.MustCompile(`action="([^"]+)"[^>]*data-survey>\s*<input type="hidden" name="form_key" value="([^"]+)"`)
)

// mustRefuseForm submits the citizen's survey form: the page it gets back
// says, in Bahasa Indonesia, that the disk is full (503).
func mustRefuseForm(t *testing.T, base, code string) {
	t.Helper()
	_, page := MustGet(t, base+"/s/"+code)
	m := formFields.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no survey form on /s/%s", code)
	}
	form := url.Values{"form_key": {m[2]}, "service": {"KTPEL_BARU"}}
	for _, e := range survey.Elements {
		form.Set(string(e), "4")
	}
	resp, err := http.PostForm(base+m[1], form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "disk penuh") {
		t.Errorf("the survey form on a full disk: %d, want 503 and a page saying \"disk penuh\":\n%s", resp.StatusCode, clip(string(body)))
	}
}

// mustPagesLoad checks that the citizens' pages and their stylesheet load.
// diskKiosk is a kiosk serving, with the test roster, a database in a
// folder on a file system the test mounted.
type diskKiosk struct {
	base, db, cfg, code string // code: a staff member's survey code
	p                   *proctest.Proc
}

// startKioskOn starts bin on dir/kiosk.db and checks that its pages load.
func startKioskOn(t *testing.T, bin, dir string) diskKiosk {
	t.Helper()
	addr := proctest.FreeAddr(t)
	k := diskKiosk{base: "http://" + addr, db: filepath.Join(dir, "kiosk.db")}
	k.cfg = MustKioskConfigFile(t, addr, k.db, "")
	MustImportRoster(t, bin, k.cfg)
	k.p = proctest.Start(t, k.base, bin, "-config", k.cfg)
	k.code = staffCode(t, k.base)
	mustPagesLoad(t, k.base, k.code)
	return k
}

func mustPagesLoad(t *testing.T, base, code string) {
	t.Helper()
	// /kiosk from a device that is not an enrolled tablet: its kind page
	// still loads, though the refusal cannot be counted.
	want := map[string]int{"/": http.StatusOK, "/kiosk": http.StatusForbidden, "/s/" + code: http.StatusOK, "/privasi": http.StatusOK}
	for _, path := range []string{"/", "/kiosk", "/s/" + code, "/privasi"} {
		status, body := MustGet(t, base+path)
		if status != want[path] {
			t.Errorf("GET %s = %d while the disk cannot be written: %s", path, status, clip(body))
			continue
		}
		if m := stylesheet.FindStringSubmatch(body); m != nil {
			if status, _ := MustGet(t, base+m[1]); status != http.StatusOK {
				t.Errorf("GET %s = %d", m[1], status)
			}
		}
	}
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// mustRefuse checks a submission's answer: 503 with Retry-After and a JSON
// error that names the disk.
func mustRefuse(t *testing.T, r rating, a answer) {
	t.Helper()
	if a.Err != nil || a.Status != http.StatusServiceUnavailable {
		t.Fatalf("%s on an unwritable disk: %d %v %s, want 503", r.Key, a.Status, a.Err, a.Body)
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(a.Body), &e); err != nil || e.Error.Code != "unavailable" || !strings.Contains(e.Error.Message, "disk") {
		t.Errorf("503 body %s: want code unavailable and a message about the disk", a.Body)
	}
}

// A full disk: once the database can no longer grow, every submission is
// refused with 503 and a message about the disk (never a 201 that is not
// stored, never half a row), /healthz answers 503, the pages still load;
// when space returns the kiosk takes ratings again by itself, without a
// restart, and each refused rating sent again is stored (201: it had not
// been half-written).
func TestDiskFullRefusesThenRecovers(t *testing.T) {
	proctest.RequireRoot(t)
	bin := proctest.Kiosk(t)
	mnt := proctest.Mount(t, "-t", "tmpfs", "-o", "size=16m", "tmpfs")
	k := startKioskOn(t, bin, mnt)
	base, db, p, code := k.base, k.db, k.p, k.code
	client := &http.Client{Timeout: 30 * time.Second}
	l := newLedger()
	for i := range 50 {
		r := newRating("before-" + strconv.Itoa(i))
		if a := submit(client, base, r); a.Status != http.StatusCreated {
			t.Fatalf("before the disk filled: %d %v %s", a.Status, a.Err, a.Body)
		} else if err := l.record(r, a); err != nil {
			t.Fatal(err)
		}
	}

	filler := proctest.FillDisk(t, mnt)
	// Space the database file had already taken may still hold a few
	// ratings (each one durable: 201); then every one is refused.
	var refused []rating
	accepted := 0
	for i := 0; i < 3000 && len(refused) == 0; i++ {
		r := newRating("full-" + strconv.Itoa(i))
		a := submit(client, base, r)
		if err := l.record(r, a); err != nil {
			t.Fatal(err)
		}
		switch a.Status {
		case http.StatusCreated:
			accepted++
		case http.StatusServiceUnavailable:
			mustRefuse(t, r, a)
			refused = append(refused, r)
			t.Logf("first refusal: %s", a.Body)
		default:
			t.Fatalf("%s on a full disk: %d %v %s", r.Key, a.Status, a.Err, a.Body)
		}
	}
	if len(refused) == 0 {
		t.Fatal("3000 ratings accepted on a full disk: the test did not fill it")
	}
	// From the first rating that could not be stored, /healthz says so,
	// whatever a smaller write of its own might still manage.
	if status, body := MustGet(t, base+"/healthz"); status != http.StatusServiceUnavailable || !strings.Contains(body, "disk") {
		t.Errorf("/healthz right after the first refusal: %d %s, want 503 naming the disk", status, body)
	}
	for i := range 20 {
		r := newRating("refused-" + strconv.Itoa(i))
		a := submit(client, base, r)
		mustRefuse(t, r, a)
		if err := l.record(r, a); err != nil {
			t.Fatal(err)
		}
		refused = append(refused, r)
	}
	t.Logf("full disk: %d more ratings fitted in space the database already had, then every one was refused", accepted)
	mustRefuseForm(t, base, code)
	if status, body := MustGet(t, base+"/healthz"); status != http.StatusServiceUnavailable || !strings.Contains(body, "disk") {
		t.Errorf("/healthz on a full disk: %d %s, want 503 naming the disk", status, body)
	}
	mustPagesLoad(t, base, code)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitHealthy(30 * time.Second); err != nil {
		t.Fatalf("after space returned: %v", err)
	}
	for _, r := range refused {
		a := submit(client, base, r)
		if a.Status != http.StatusCreated {
			t.Fatalf("%s sent again after space returned: %d %v %s, want 201", r.Key, a.Status, a.Err, a.Body)
		}
		if err := l.record(r, a); err != nil {
			t.Fatal(err)
		}
	}
	p.Stop(t)
	MustVerifyKioskFile(t, db, l)
}

// A disk that turns read-only under the running kiosk (an ext4 error with
// errors=remount-ro, as a failing disk does): every submission gets 503,
// /healthz answers 503, the pages load, SIGTERM still ends the process;
// after the disk is checked (e2fsck) and mounted again, the kiosk starts on
// the same file with every rating it had answered 201, and takes the
// refused ones.
func TestReadOnlyDiskRefuses(t *testing.T) {
	proctest.RequireRoot(t)
	for _, tool := range []string{"mkfs.ext4", "e2fsck", "findmnt"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (e2fsprogs, util-linux) to make an ext4 test disk", tool)
		}
	}
	bin := proctest.Kiosk(t)
	img := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 32<<20); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", img).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v: %s", err, out)
	}
	mnt := proctest.Mount(t, "-o", "loop,errors=remount-ro", img)
	out, err := exec.Command("findmnt", "-n", "-o", "SOURCE", mnt).Output()
	if err != nil {
		t.Fatal(err)
	}
	trigger := "/sys/fs/ext4/" + filepath.Base(strings.TrimSpace(string(out))) + "/trigger_fs_error"
	if _, err := os.Stat(trigger); err != nil {
		t.Skipf("this kernel cannot inject an ext4 error (%v)", err)
	}

	k := startKioskOn(t, bin, mnt)
	base, db, cfg, p, code := k.base, k.db, k.cfg, k.p, k.code
	client := &http.Client{Timeout: 30 * time.Second}
	l := newLedger()
	for i := range 20 {
		r := newRating("before-" + strconv.Itoa(i))
		a := submit(client, base, r)
		if a.Status != http.StatusCreated {
			t.Fatalf("before the error: %d %v %s", a.Status, a.Err, a.Body)
		}
		l.record(r, a)
	}

	if err := os.WriteFile(trigger, []byte("1"), 0o200); err != nil {
		t.Fatalf("inject the ext4 error: %v", err)
	}
	var refused []rating
	for i := range 10 {
		r := newRating("ro-" + strconv.Itoa(i))
		a := submit(client, base, r)
		mustRefuse(t, r, a)
		if i == 0 {
			t.Logf("first refusal: %s", a.Body)
		}
		l.record(r, a)
		refused = append(refused, r)
	}
	if status, body := MustGet(t, base+"/healthz"); status != http.StatusServiceUnavailable {
		t.Errorf("/healthz on a read-only disk: %d %s, want 503", status, body)
	}
	mustPagesLoad(t, base, code)
	p.Signal(t, syscall.SIGTERM)
	t.Logf("exit code after SIGTERM on a read-only disk: %d", p.Wait(t, ShutdownTimeout+20*time.Second))

	// Repair as the runbook says: unmount, e2fsck, mount, start.
	if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v: %s", err, out)
	}
	if out, err := exec.Command("e2fsck", "-f", "-y", img).CombinedOutput(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() > 1 { // 1: errors corrected
			t.Fatalf("e2fsck: %v: %s", err, out)
		}
	}
	if out, err := exec.Command("mount", "-o", "loop", img, mnt).CombinedOutput(); err != nil {
		t.Fatalf("mount again: %v: %s", err, out)
	}
	p = proctest.Start(t, base, bin, "-config", cfg)
	for _, r := range refused {
		a := submit(client, base, r)
		if a.Status != http.StatusCreated {
			t.Fatalf("%s after the repair: %d %v %s, want 201", r.Key, a.Status, a.Err, a.Body)
		}
		l.record(r, a)
	}
	p.Stop(t)
	MustVerifyKioskFile(t, db, l)
}
