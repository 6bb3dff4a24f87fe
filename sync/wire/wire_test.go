package wire

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

func TestSecretRoundTrip(t *testing.T) {
	secret, pub, err := NewKioskKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(key.Public().(ed25519.PublicKey), pub) {
		t.Error("parsed secret has another public key")
	}
	for _, bad := range []string{"", "skm1-", "skm1-!!!", "abc", strings.TrimSuffix(secret, secret[len(secret)-2:])} {
		if _, err := ParseSecret(bad); err == nil {
			t.Errorf("ParseSecret(%q) accepted", bad)
		}
	}
}

func TestRequestSignature(t *testing.T) {
	secret, pub, _ := NewKioskKey()
	key, _ := ParseSecret(secret)
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"kiosk_id":"k1"}`)
	ts, sig := SignRequest(key, "POST", PathBatches, body, now)
	if err := VerifyRequest(pub, "POST", PathBatches, ts, sig, body, now.Add(time.Minute)); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	_, otherPub, _ := NewKioskKey()
	for name, tc := range map[string]struct {
		pub    []byte
		method string
		path   string
		body   []byte
		now    time.Time
	}{
		"tampered body": {pub, "POST", PathBatches, []byte(`{"kiosk_id":"k2"}`), now},
		"other path":    {pub, "POST", PathConfig, body, now},
		"other method":  {pub, "GET", PathBatches, body, now},
		"other key":     {otherPub, "POST", PathBatches, body, now},
		"stale":         {pub, "POST", PathBatches, body, now.Add(6 * time.Minute)},
		"future":        {pub, "POST", PathBatches, body, now.Add(-6 * time.Minute)},
	} {
		if err := VerifyRequest(tc.pub, tc.method, tc.path, ts, sig, tc.body, tc.now); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestHeadSignature(t *testing.T) {
	secret, pub, _ := NewKioskKey()
	key, _ := ParseSecret(secret)
	h := survey.SignedHead{Seq: 42, Hash: "abc"}
	h.Signature = SignHead(key, h.Seq, h.Hash)
	if !VerifyHead(pub, h) {
		t.Fatal("valid head refused")
	}
	h.Seq = 43
	if VerifyHead(pub, h) {
		t.Error("head with another seq accepted")
	}
}

func TestBatchFileRoundTrip(t *testing.T) {
	secret, pub, _ := NewKioskKey()
	key, _ := ParseSecret(secret)
	var buf bytes.Buffer
	fw, err := NewFileWriter(&buf, "k1", key, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := fw.Write(Batch{KioskID: "k1", BatchMeta: survey.BatchMeta{BatchID: string(rune('a' + i))}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	fr, err := NewFileReader(bytes.NewReader(buf.Bytes()))
	if err != nil || fr.Header.KioskID != "k1" {
		t.Fatalf("header %+v, %v", fr, err)
	}
	n := 0
	for {
		e, _, err := fr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !VerifyFileEntry(pub, e) {
			t.Errorf("entry %d refused", n)
		}
		var b Batch
		if err := json.Unmarshal(e.Batch, &b); err != nil || b.KioskID != "k1" {
			t.Errorf("entry %d = %+v, %v", n, b, err)
		}
		e.Batch = bytes.Replace(e.Batch, []byte(`"k1"`), []byte(`"k2"`), 1)
		if VerifyFileEntry(pub, e) {
			t.Errorf("altered entry %d accepted", n)
		}
		n++
	}
	if n != 3 {
		t.Errorf("read %d entries, want 3", n)
	}
	if _, err := NewFileReader(strings.NewReader("not a file\n")); err == nil {
		t.Error("accepted a file without the header")
	}
}
