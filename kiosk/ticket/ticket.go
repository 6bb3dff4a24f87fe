// Package ticket renders a queue ticket with its one-time rating QR code
// for ESC/POS thermal printers, 58 and 80 mm (docs/api.md "Queue tickets").
// Text uses the printer's own font; the QR code is a raster image (GS v 0),
// which every ESC/POS printer prints alike, unlike its QR command (GS ( k).
// Parse reads the commands back, for tests and previews.
package ticket

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"strings"
	"time"
	"unicode/utf8"

	qrcode "github.com/skip2/go-qrcode"
)

// Ticket is what one queue ticket shows.
type Ticket struct {
	Office  string // the office's name, at the top
	Number  string // the queue number, large ("A-012"); may be empty
	Counter string // the counter or officer, optional
	Service string // the service, optional
	// URL is the visit's survey address (survey_url of POST /api/v1/visits):
	// what the QR code encodes.
	URL string
	// ExpiresAt is when the code stops working (zero: not printed).
	ExpiresAt time.Time
	// Printed is when the ticket is printed.
	Printed time.Time
}

// Paper is a roll's geometry: printable dots across (203 dpi) and
// characters per line of the printer's font A.
type Paper struct {
	Dots, Columns int
}

// PaperOf returns the paper of a roll width in millimetres (58 or 80).
func PaperOf(mm int) (Paper, error) {
	switch mm {
	case 58:
		return Paper{Dots: 384, Columns: 32}, nil
	case 80:
		return Paper{Dots: 576, Columns: 48}, nil
	}
	return Paper{}, fmt.Errorf("paper width %d mm: use 58 or 80", mm)
}

// ESC/POS commands used (Epson's reference, followed by the common printers).
var (
	cmdInit      = []byte{0x1b, '@'}
	cmdCenter    = []byte{0x1b, 'a', 1}
	cmdLeft      = []byte{0x1b, 'a', 0}
	cmdBoldOn    = []byte{0x1b, 'E', 1}
	cmdBoldOff   = []byte{0x1b, 'E', 0}
	cmdBig       = []byte{0x1d, '!', 0x11} // double width and height
	cmdNormal    = []byte{0x1d, '!', 0x00}
	cmdFeedLines = []byte{0x1b, 'd'}           // + n
	cmdCut       = []byte{0x1d, 'V', 66, 0x00} // feed to the cutter, partial cut
)

// minModule is the smallest QR module, in dots (3 dots at 203 dpi is
// 0.38 mm): smaller ones blur on thermal paper and phones misread them.
const minModule = 3

// maxBand bounds the rows of one GS v 0 command: some printers' buffers
// hold no more, so a taller image goes in bands.
const maxBand = 128

// Encode renders t for paper as ESC/POS: the office, the queue number, the
// counter and service, the QR code of t.URL with a line asking to rate, the
// expiry time, then a cut.
func Encode(t Ticket, paper Paper) ([]byte, error) {
	if t.URL == "" {
		return nil, fmt.Errorf("ticket: no survey address to encode")
	}
	var b bytes.Buffer
	b.Write(cmdInit)
	b.Write(cmdCenter)
	line := func(s string) {
		for _, l := range wrap(ascii(s), paper.Columns) {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	b.Write(cmdBoldOn)
	line(t.Office)
	b.Write(cmdBoldOff)
	if t.Number != "" {
		line("Nomor antrean / Queue number")
		b.Write(cmdBig)
		for _, l := range wrap(ascii(t.Number), paper.Columns/2) {
			b.WriteString(l + "\n")
		}
		b.Write(cmdNormal)
	}
	for _, s := range []string{t.Counter, t.Service} {
		if s != "" {
			line(s)
		}
	}
	b.WriteByte('\n')
	line("Nilai layanan kami: pindai kode ini setelah dilayani")
	line("Rate our service: scan this code after being served")
	img, err := QRImage(t.URL, paper)
	if err != nil {
		return nil, err
	}
	writeRaster(&b, img)
	if !t.ExpiresAt.IsZero() {
		line("Berlaku sampai / valid until")
		line(t.ExpiresAt.Format("02-01-2006 15:04 MST"))
	}
	line("Sekali pakai / one rating only")
	if !t.Printed.IsZero() {
		line(t.Printed.Format("02-01-2006 15:04"))
	}
	b.Write(cmdLeft)
	b.Write(append(cmdFeedLines, 4))
	b.Write(cmdCut)
	return b.Bytes(), nil
}

// QRImage draws the QR code of content (error correction M, with its quiet
// zone) as black and white dots the width of paper, centred, each module a
// whole number of dots and the code about three quarters of the roll wide.
func QRImage(content string, paper Paper) (*image.Gray, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("encode ticket QR code: %w", err)
	}
	bits := q.Bitmap()
	n := len(bits)
	scale := paper.Dots * 3 / 4 / n
	if scale < minModule {
		return nil, fmt.Errorf("ticket QR code: %d modules do not fit %d dots at %d dots each; shorten the address", n, paper.Dots, minModule)
	}
	img := image.NewGray(image.Rect(0, 0, paper.Dots, n*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	left := (paper.Dots - n*scale) / 2
	for y, row := range bits {
		for x, on := range row {
			if !on {
				continue
			}
			for dy := range scale {
				for dx := range scale {
					img.SetGray(left+x*scale+dx, y*scale+dy, color.Gray{})
				}
			}
		}
	}
	return img, nil
}

// writeRaster prints img (black where darker than mid-grey) with GS v 0,
// in bands of at most maxBand rows.
func writeRaster(b *bytes.Buffer, img *image.Gray) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	wb := (w + 7) / 8
	for top := 0; top < h; top += maxBand {
		rows := min(maxBand, h-top)
		b.Write([]byte{0x1d, 'v', '0', 0, byte(wb), byte(wb >> 8), byte(rows), byte(rows >> 8)})
		for y := top; y < top+rows; y++ {
			line := make([]byte, wb)
			for x := range w {
				if img.GrayAt(x, y).Y < 0x80 {
					line[x/8] |= 0x80 >> (x % 8)
				}
			}
			b.Write(line)
		}
	}
}

// ascii replaces what the printer's default code page (PC437) may lack:
// typographic dashes and quotes become ASCII, other letters lose their
// accents where NFD would, anything else becomes '?'.
func ascii(s string) string {
	repl := map[rune]string{'–': "-", '—': "-", '‘': "'", '’': "'", '“': "\"", '”': "\"", '·': "-", '…': "...",
		'é': "e", 'è': "e", 'ê': "e", 'á': "a", 'à': "a", 'â': "a", 'í': "i", 'ó': "o", 'ô': "o", 'ú': "u", 'ü': "u", 'ç': "c", 'ñ': "n"}
	var out strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			out.WriteByte(' ')
		case r >= 0x20 && r < 0x7f:
			out.WriteRune(r)
		case repl[r] != "":
			out.WriteString(repl[r])
		case r != utf8.RuneError:
			out.WriteByte('?')
		}
	}
	return out.String()
}

// wrap breaks s into lines of at most n characters, at spaces where it can.
func wrap(s string, n int) []string {
	var lines []string
	for _, word := range strings.Fields(s) {
		for len(word) > n {
			lines = append(lines, word[:n])
			word = word[n:]
		}
		if k := len(lines); k > 0 && len(lines[k-1])+1+len(word) <= n && lines[k-1] != "" {
			lines[k-1] += " " + word
		} else {
			lines = append(lines, word)
		}
	}
	return lines
}
