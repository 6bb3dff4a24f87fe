package central

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

// TestSigningKeyRotation: the first key is made once; a signed record checks
// until any of its fields changes; after a rotation new documents use the
// new key, the old key's private half is gone, and what it signed still checks.
func TestSigningKeyRotation(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.OpenCentral(ctx, filepath.Join(t.TempDir(), "central.db"), sqlite.CentralOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2031, 4, 10, 3, 0, 0, 0, time.UTC)
	first, err := EnsureSigningKey(ctx, db, now)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := EnsureSigningKey(ctx, db, now.Add(time.Hour)); err != nil || again.ID != first.ID {
		t.Fatalf("second start made key %s (%v), want the first, %s", again.ID, err, first.ID)
	}
	d := survey.Document{ID: survey.NewDocumentID(), Kind: survey.DocSKM, OfficeID: 1, Period: "2031-Q1", Subject: "Kantor",
		IssuedAt: now, SHA256: strings.Repeat("0f", 32), FiguresDigest: survey.FiguresDigest(nil)}
	if err := signDocument(ctx, db, now, &d); err != nil {
		t.Fatal(err)
	}
	keys, _ := SigningKeys(ctx, db)
	if _, ok := checkSignature(keys, d); !ok || d.KeyID != first.ID {
		t.Fatalf("a fresh signature does not check (key %s)", d.KeyID)
	}
	for name, edit := range map[string]func(*survey.Document){
		"hash":    func(x *survey.Document) { x.SHA256 = strings.Repeat("0e", 32) },
		"subject": func(x *survey.Document) { x.Subject = "Kantor Lain" },
		"period":  func(x *survey.Document) { x.Period = "2031-Q2" },
		"figures": func(x *survey.Document) {
			x.FiguresDigest = survey.FiguresDigest([]survey.DocFigure{{Key: "ikm", Value: "99,00"}})
		},
		"key": func(x *survey.Document) { x.KeyID = "0000000000000000" },
	} {
		x := d
		edit(&x)
		if _, ok := checkSignature(keys, x); ok {
			t.Errorf("a record with its %s changed still checks", name)
		}
	}
	next, err := RotateSigningKey(ctx, db, now.Add(24*time.Hour))
	if err != nil || next.ID == first.ID {
		t.Fatalf("rotate: %v, %v", next.ID, err)
	}
	keys, _ = SigningKeys(ctx, db)
	if len(keys) != 2 || keys[0].Seed != "" || keys[0].RetiredAt == nil || keys[1].Seed == "" {
		t.Errorf("keys after rotation = %+v, want the old one retired without its private half", keys)
	}
	if k, ok := checkSignature(keys, d); !ok || k.ID != first.ID {
		t.Error("a document signed before the rotation no longer checks")
	}
	d2 := d
	d2.ID = survey.NewDocumentID()
	if err := signDocument(ctx, db, now, &d2); err != nil || d2.KeyID != next.ID {
		t.Errorf("a document signed after the rotation used key %s (%v), want %s", d2.KeyID, err, next.ID)
	}
}
