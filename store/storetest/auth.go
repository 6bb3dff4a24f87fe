package storetest

import (
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

func testTokens(t *testing.T, open Opener) {
	f := newFixture(t, open)
	o := MustCreateOffice(t, f.s, "Kantor")
	tok := survey.APIToken{Hash: "sha256:abc", Role: survey.RoleKepala, OfficeID: o.ID, Label: "dashboard kepala"}
	if err := f.s.CreateAPIToken(f.ctx, &tok); err != nil {
		t.Fatal(err)
	}
	if tok.ID == 0 || !tok.CreatedAt.Equal(T0) {
		t.Errorf("created token = %+v", tok)
	}
	got, err := f.s.APITokenByHash(f.ctx, "sha256:abc")
	if err != nil || got.ID != tok.ID || got.Role != tok.Role || got.OfficeID != o.ID || got.Label != tok.Label ||
		got.Revoked || !got.CreatedAt.Equal(T0) {
		t.Errorf("APITokenByHash = %+v (%v), want %+v", got, err, tok)
	}
	again := survey.APIToken{Hash: "sha256:abc", Role: survey.RoleViewer}
	wantCode(t, f.s.CreateAPIToken(f.ctx, &again), survey.ECONFLICT, "duplicate token hash")
	wantCode(t, f.s.CreateAPIToken(f.ctx, &survey.APIToken{Hash: "x", Role: "root"}), survey.EINVALID, "unknown role")
	_, err = f.s.APITokenByHash(f.ctx, "sha256:nope")
	wantCode(t, err, survey.EUNAUTHORIZED, "unknown token")

	viewer := survey.APIToken{Hash: "sha256:def", Role: survey.RoleViewer, Label: "dasbor"}
	if err := f.s.CreateAPIToken(f.ctx, &viewer); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RevokeAPIToken(f.ctx, tok.ID); err != nil {
		t.Fatalf("RevokeAPIToken: %v", err)
	}
	if err := f.s.RevokeAPIToken(f.ctx, tok.ID); err != nil {
		t.Errorf("revoking a revoked token: %v", err)
	}
	wantCode(t, f.s.RevokeAPIToken(f.ctx, viewer.ID+100), survey.ENOTFOUND, "revoke an unknown token")
	if got, err := f.s.APITokenByHash(f.ctx, "sha256:abc"); err != nil || !got.Revoked {
		t.Errorf("revoked token = %+v (%v), want revoked", got, err)
	}
	list, err := f.s.APITokens(f.ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("APITokens = %+v (%v), want 2", list, err)
	}
	if list[0].ID != tok.ID || !list[0].Revoked || list[0].OfficeID != o.ID || list[0].Label != tok.Label || !list[0].CreatedAt.Equal(T0) ||
		list[1].ID != viewer.ID || list[1].Revoked || list[1].Role != survey.RoleViewer {
		t.Errorf("APITokens = %+v", list)
	}
}

func mustCreateUser(t *testing.T, f *fixture, u survey.User) survey.User {
	t.Helper()
	if err := f.s.CreateUser(f.ctx, &u); err != nil {
		t.Fatalf("create user %s: %v", u.Username, err)
	}
	return u
}

func testUsers(t *testing.T, open Opener) {
	f := newFixture(t, open)
	admin := mustCreateUser(t, f, survey.User{Username: "admin", Role: survey.RoleAdmin, PasswordHash: "h1", Active: true})
	if admin.ID == 0 || !admin.CreatedAt.Equal(T0) {
		t.Errorf("created user = %+v", admin)
	}
	kepala := mustCreateUser(t, f, survey.User{Username: "kepala.serang", Role: survey.RoleKepala, OfficeID: 7, PasswordHash: "h2", Active: true})
	wantCode(t, f.s.CreateUser(f.ctx, &survey.User{Username: "ADMIN", Role: survey.RoleViewer, PasswordHash: "x"}),
		survey.ECONFLICT, "username taken in another case")
	wantCode(t, f.s.CreateUser(f.ctx, &survey.User{Username: "a", Role: survey.RoleViewer}), survey.EINVALID, "short username")
	if n, err := f.s.CountUsers(f.ctx); err != nil || n != 2 {
		t.Errorf("CountUsers = %d (%v), want 2", n, err)
	}
	got, err := f.s.UserByUsername(f.ctx, "Kepala.Serang")
	if err != nil || got.ID != kepala.ID || got.OfficeID != 7 || got.Role != survey.RoleKepala || got.PasswordHash != "h2" || !got.Active {
		t.Errorf("UserByUsername = %+v (%v)", got, err)
	}
	_, err = f.s.UserByID(f.ctx, admin.ID+kepala.ID+100)
	wantCode(t, err, survey.ENOTFOUND, "unknown user id")
	_, err = f.s.UserByUsername(f.ctx, "nobody")
	wantCode(t, err, survey.ENOTFOUND, "unknown username")

	kepala.PasswordHash, kepala.Role, kepala.Active = "h3", survey.RoleViewer, false
	if err := f.s.UpdateUser(f.ctx, &kepala); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.UserByID(f.ctx, kepala.ID); got.PasswordHash != "h3" || got.Role != survey.RoleViewer || got.Active {
		t.Errorf("after update = %+v", got)
	}
	missing := survey.User{ID: admin.ID + kepala.ID + 100, Role: survey.RoleViewer}
	wantCode(t, f.s.UpdateUser(f.ctx, &missing), survey.ENOTFOUND, "update unknown user")

	locked := T0.Add(15 * time.Minute)
	if err := f.s.RecordLogin(f.ctx, admin.ID, 5, locked); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.UserByID(f.ctx, admin.ID); got.FailedLogins != 5 || !got.LockedUntil.Equal(locked) {
		t.Errorf("after failed logins: %d failures, locked until %s", got.FailedLogins, got.LockedUntil)
	}
	if err := f.s.RecordLogin(f.ctx, admin.ID, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.UserByID(f.ctx, admin.ID); got.FailedLogins != 0 || !got.LockedUntil.IsZero() {
		t.Errorf("after a success: %d failures, locked until %s", got.FailedLogins, got.LockedUntil)
	}
	users, err := f.s.FindUsers(f.ctx)
	if err != nil || len(users) != 2 || users[0].Username != "admin" || users[1].Username != "kepala.serang" {
		t.Errorf("FindUsers = %+v (%v)", users, err)
	}
}

func testSessions(t *testing.T, open Opener) {
	f := newFixture(t, open)
	u := mustCreateUser(t, f, survey.User{Username: "admin", Role: survey.RoleAdmin, PasswordHash: "h", Active: true})
	old := survey.Session{TokenHash: "old", UserID: u.ID, CSRF: "c0", CreatedAt: T0.Add(-9 * time.Hour), ExpiresAt: T0.Add(-time.Hour)}
	if err := f.s.CreateSession(f.ctx, old); err != nil {
		t.Fatal(err)
	}
	s := survey.Session{TokenHash: "t1", UserID: u.ID, CSRF: "c1", CreatedAt: T0, ExpiresAt: T0.Add(8 * time.Hour)}
	if err := f.s.CreateSession(f.ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.SessionByTokenHash(f.ctx, "t1")
	if err != nil || got.UserID != u.ID || got.CSRF != "c1" || !got.CreatedAt.Equal(s.CreatedAt) || !got.ExpiresAt.Equal(s.ExpiresAt) {
		t.Errorf("SessionByTokenHash = %+v (%v), want %+v", got, err, s)
	}
	_, err = f.s.SessionByTokenHash(f.ctx, "old")
	wantCode(t, err, survey.EUNAUTHORIZED, "expired session swept at the next login")
	_, err = f.s.SessionByTokenHash(f.ctx, "nope")
	wantCode(t, err, survey.EUNAUTHORIZED, "unknown session")

	if err := f.s.DeleteSession(f.ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.SessionByTokenHash(f.ctx, "t1")
	wantCode(t, err, survey.EUNAUTHORIZED, "deleted session")
	for _, h := range []string{"a", "b"} {
		if err := f.s.CreateSession(f.ctx, survey.Session{TokenHash: h, UserID: u.ID, CSRF: h, CreatedAt: T0, ExpiresAt: T0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.DeleteUserSessions(f.ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"a", "b"} {
		_, err := f.s.SessionByTokenHash(f.ctx, h)
		wantCode(t, err, survey.EUNAUTHORIZED, "session of a user logged out everywhere")
	}
}

func testAudit(t *testing.T, open Opener) {
	f := newFixture(t, open)
	for i, action := range []string{"login", "kiosk.add", "kiosk.revoke"} {
		f.clock.Set(T0.Add(time.Duration(i) * time.Minute))
		if err := f.s.AddAudit(f.ctx, survey.AuditEntry{Username: "admin", Action: action, Detail: "d", Remote: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.s.FindAudit(f.ctx, 2)
	if err != nil || len(got) != 2 {
		t.Fatalf("FindAudit(2) = %+v (%v)", got, err)
	}
	if got[0].Action != "kiosk.revoke" || got[1].Action != "kiosk.add" || !got[0].At.Equal(T0.Add(2*time.Minute)) ||
		got[0].Username != "admin" || got[0].Remote != "10.0.0.1" || got[0].Detail != "d" {
		t.Errorf("audit log = %+v, want the newest two, newest first", got)
	}
}

func testSettings(t *testing.T, open Opener) {
	f := newFixture(t, open)
	if _, ok, err := f.s.Setting(f.ctx, "k"); err != nil || ok {
		t.Errorf("missing setting: ok %v err %v", ok, err)
	}
	for _, v := range []string{"v1", "v2"} {
		if err := f.s.SetSetting(f.ctx, "k", v); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := f.s.Setting(f.ctx, "k"); err != nil || !ok || got != v {
			t.Errorf("setting = %q %v (%v), want %q", got, ok, err, v)
		}
	}
	if err := f.s.DeleteSetting(f.ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := f.s.Setting(f.ctx, "k"); ok {
		t.Error("deleted setting still there")
	}
}

func testPing(t *testing.T, open Opener) {
	f := newFixture(t, open)
	if err := f.s.Ping(f.ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if err := f.s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := f.s.Ping(f.ctx); err == nil {
		t.Error("ping of a closed store succeeded")
	}
}

// testNULInText: text with a NUL byte, which PostgreSQL cannot store, is
// refused or not found on both stores, never an internal error (a 500).
func testNULInText(t *testing.T, open Opener) {
	f := newFixture(t, open)
	const nul = "ad\x00min"
	notInternal := func(err error, what string) {
		t.Helper()
		if code := survey.ErrorCode(err); code == survey.EINTERNAL {
			t.Errorf("%s: internal error %v, want a refusal or not found", what, err)
		}
	}
	_, err := f.s.UserByUsername(f.ctx, nul)
	notInternal(err, "UserByUsername")
	_, err = f.s.KioskByID(f.ctx, "k-\x00")
	notInternal(err, "KioskByID")
	_, err = f.s.OfficeByName(f.ctx, nul)
	notInternal(err, "OfficeByName")
	_, _, err = f.s.Setting(f.ctx, nul)
	notInternal(err, "Setting")
	o := survey.Office{Name: "Kantor\x00Pusat"}
	err = f.s.CreateOffice(f.ctx, &o)
	notInternal(err, "CreateOffice")
	if err == nil {
		if got, err := f.s.OfficeByID(f.ctx, o.ID); err != nil || got.Name != o.Name {
			t.Errorf("an office named with a NUL was stored as %q (%v)", got.Name, err)
		}
	}
}
