package main

import (
	"context"
	"encoding/json"
	"image"
	"image/draw"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk/ticket"
)

// TestTicketPrint: `kiosk ticket print --nip` creates a one-time visit with
// the counter token from the environment and writes an ESC/POS ticket to a
// file; parsed back, its QR code opens that visit's survey on the running
// kiosk. A code the queue system made prints with --url; bad input is a
// usage error (exit code 2).
func TestTicketPrint(t *testing.T) {
	cfg := MustConfig(t)
	path := MustConfigFile(t, cfg, "office_name = 'Disdukcapil Kota Serang'")
	MustRunCommand(t, path, "staff", "import", MustWriteFile(t, t.TempDir(), "roster.csv", roster))
	var reply map[string]string
	if err := json.Unmarshal([]byte(MustRunCommand(t, path, "token", "create", "--role", "counter", "--nip", nipSiti, "--json")), &reply); err != nil {
		t.Fatal(err)
	}
	m, _ := MustRunMain(t, cfg)
	t.Setenv(CounterTokenEnv, reply["token"])
	dir := t.TempDir()
	for _, mm := range []string{"58", "80"} {
		out := filepath.Join(dir, "ticket-"+mm+".bin")
		MustRunCommand(t, path, "ticket", "print", "--kiosk", m.PublicURL, "--nip", nipSiti, "--service", "KTPEL_BARU",
			"--number", "A-012", "--width", mm, "--out", out, "--preview", out+".png")
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ticket.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		u := decodeTicketQR(t, p.Image)
		if !strings.HasPrefix(u, m.PublicURL+"/v/v1.") {
			t.Fatalf("%s mm: QR code %q, want a visit of %s", mm, u, m.PublicURL)
		}
		if status, page := MustGet(t, u); status != http.StatusOK || !strings.Contains(page, "<form") {
			t.Errorf("%s mm: the ticket's code opens %d", mm, status)
		}
		if text := strings.Join(p.Lines, "\n"); !strings.Contains(text, "Disdukcapil Kota Serang") || !strings.Contains(text, "A-012") {
			t.Errorf("%s mm: ticket text %q", mm, text)
		}
		if _, err := os.Stat(out + ".png"); err != nil {
			t.Errorf("%s mm: no preview: %v", mm, err)
		}
	}
	// A code made by the queue system itself, printed to standard output.
	raw := MustRunCommand(t, path, "ticket", "print", "--url", m.PublicURL+"/v/v1.abc", "--expires", "2030-06-15T05:00:00Z", "--out", "-")
	if p, err := ticket.Parse([]byte(raw)); err != nil || !strings.Contains(strings.Join(p.Lines, " "), "15-06-2030 12:00 WIB") {
		t.Errorf("ticket of a given code: %v %q", err, p.Lines)
	}
	for _, bad := range [][]string{
		{"ticket"},
		{"ticket", "print", "--nip", nipSiti}, // no --out
		{"ticket", "print", "--out", "x.bin"}, // neither --nip nor --url
		{"ticket", "print", "--out", "x.bin", "--url", "u", "--nip", nipSiti},
		{"ticket", "print", "--out", "x.bin", "--url", "u", "--width", "76"},
		{"ticket", "print", "--out", "x.bin", "--url", "u", "--expires", "tomorrow"},
		{"ticket", "print", "--out", filepath.Join(dir, "x.bin"), "--kiosk", m.PublicURL, "--nip", nipBudi}, // another staff member's
	} {
		if err := run(context.Background(), append([]string{"-config", path}, bad...), io.Discard, io.Discard); cli.ExitCode(err) != 2 {
			t.Errorf("kiosk %s: %v, want exit code 2", strings.Join(bad, " "), err)
		}
	}
	t.Setenv(CounterTokenEnv, "")
	if err := run(context.Background(), []string{"-config", path, "ticket", "print", "--out", "-", "--nip", nipSiti, "--kiosk", m.PublicURL}, io.Discard, io.Discard); cli.ExitCode(err) != 2 {
		t.Errorf("without a token: %v, want exit code 2", err)
	}
}

func decodeTicketQR(t *testing.T, img *image.Gray) string {
	t.Helper()
	if img == nil {
		t.Fatal("the ticket has no image")
	}
	b := img.Bounds()
	framed := image.NewGray(image.Rect(0, 0, b.Dx()+40, b.Dy()+40))
	draw.Draw(framed, framed.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(framed, b.Add(image.Pt(20, 20)), img, b.Min, draw.Src)
	bmp, err := gozxing.NewBinaryBitmapFromImage(framed)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode the ticket's QR code: %v", err)
	}
	return res.GetText()
}
