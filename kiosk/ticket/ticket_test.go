package ticket_test

import (
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/skmkiosk/skm/kiosk/ticket"
)

const visitURL = "http://192.168.1.10:8080/v/v1.3xk8q2m9p4r7t5wz.nj5zd9x8.KTPEL_BARU.1907722800.1907730000.xCZt086yhGGfGUfAGKIDog"

func decode(t *testing.T, img image.Image) string {
	t.Helper()
	// A margin of white around the print, as the paper gives the camera.
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
		t.Fatalf("decode the printed QR code: %v", err)
	}
	return res.GetText()
}

// TestTicketRoundTrip: a ticket rendered for 58 and 80 mm rolls, written to
// a file and parsed back as a printer reads it, has its text lines within
// the roll's columns, a raster image the roll's width, and a QR code that
// decodes to the visit's address.
func TestTicketRoundTrip(t *testing.T) {
	expires := time.Date(2030, 6, 15, 12, 0, 0, 0, time.FixedZone("WIB", 7*3600))
	for _, mm := range []int{58, 80} {
		paper, err := ticket.PaperOf(mm)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ticket.Encode(ticket.Ticket{Office: "Disdukcapil Kota Serang – Mal Pelayanan Publik", Number: "A-012",
			Counter: "Loket 3 · Siti Rahma", Service: "Penerbitan KTP-el baru", URL: visitURL, ExpiresAt: expires}, paper)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "ticket.bin")
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ticket.Parse(raw)
		if err != nil {
			t.Fatalf("%d mm: %v", mm, err)
		}
		text := strings.Join(p.Lines, "\n")
		for _, want := range []string{"Disdukcapil Kota Serang - Mal", "A-012", "Loket 3 - Siti Rahma", "Penerbitan KTP-el baru",
			"Berlaku sampai / valid until\n15-06-2030 12:00 WIB", "Nilai layanan kami"} {
			if !strings.Contains(text, want) {
				t.Errorf("%d mm: text lacks %q:\n%s", mm, want, text)
			}
		}
		for _, l := range p.Lines {
			if len(l) > paper.Columns {
				t.Errorf("%d mm: line %q is wider than %d columns", mm, l, paper.Columns)
			}
		}
		if p.Image == nil || p.Image.Bounds().Dx() != paper.Dots || !p.Cut {
			t.Fatalf("%d mm: image %v, cut %v; want %d dots wide and a cut", mm, p.Image.Bounds(), p.Cut, paper.Dots)
		}
		if got := decode(t, p.Image); got != visitURL {
			t.Errorf("%d mm: QR code decodes to %q, want the visit address", mm, got)
		}
	}
}

func TestTicketRefusals(t *testing.T) {
	if _, err := ticket.PaperOf(76); err == nil {
		t.Error("a 76 mm roll was accepted")
	}
	paper, _ := ticket.PaperOf(58)
	if _, err := ticket.Encode(ticket.Ticket{Office: "Kantor"}, paper); err == nil {
		t.Error("a ticket without an address was rendered")
	}
	if _, err := ticket.Encode(ticket.Ticket{URL: "http://x/" + strings.Repeat("a", 2000)}, paper); err == nil {
		t.Error("an address too long for the roll was rendered")
	}
	if _, err := ticket.Parse([]byte{0x1b, 'Z', 1}); err == nil {
		t.Error("an unknown command was parsed")
	}
}
