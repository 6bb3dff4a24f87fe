// Package pdf lays out central's printable documents — the e-Kinerja
// evidence and the SKM report — as A4 PDFs with embedded fonts, a document
// id on every page and a QR code to the public verification page. It knows
// nothing of reports: central fills a Document with text and tables, and
// this package places them (the only importer of go-pdf/fpdf).
package pdf

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/skmkiosk/skm/assets"
)

// Document is one printable document.
type Document struct {
	Title    string
	Subtitle string
	// Author names the issuer in the PDF's metadata (central's name).
	Author   string
	Sections []Section
	// Closing blocks follow the sections: the disclaimer and signature lines.
	Closing []Block
	Verify  Verification
}

// Section is a numbered part of a document.
type Section struct {
	Heading string
	Blocks  []Block
}

// Verification is what a reader needs to check the document: its id, the
// address of its verification page (the QR code's content), and when and
// by whom it was issued.
type Verification struct {
	ID       string
	URL      string
	IssuedAt time.Time
	// Issued is the issue time as printed (Asia/Jakarta, with its zone).
	Issued string
	// Lines are printed in the verification box under the QR code's caption.
	Lines []string
}

// Block is a part of a section.
type Block interface{ draw(w *writer) }

// Para is a paragraph; Small prints it smaller, Note in a shaded box.
type Para struct {
	Text  string
	Small bool
	Note  bool
}

// Fields is a table of labels and values (an identity block).
type Fields [][2]string

// Table is a table with a header row; Widths are relative column widths
// (equal when nil), Right marks the columns aligned right (numbers).
type Table struct {
	Header []string
	Rows   [][]string
	Widths []float64
	Right  []bool
	// Foot is an optional last row, printed bold.
	Foot []string
}

// Signatures are signature lines side by side.
type Signatures []Signature

// Signature is one signature line: a role above, a name and NIP below.
type Signature struct {
	Role, Name, NIP string
}

// A4 page geometry, in millimetres.
const (
	margin     = 18.0
	pageWidth  = 210.0
	pageHeight = 297.0
	bottom     = 22.0 // room for the footer
	qrSide     = 32.0
	lineHeight = 5.0
	family     = "DejaVu"
)

// writer wraps the PDF being written.
type writer struct {
	f     *fpdf.Fpdf
	width float64 // usable width
}

// Render lays d out as an A4 PDF, fonts embedded, with the document id and
// page number in every page's footer and the QR code of d.Verify.URL on the
// first page.
func Render(d Document) ([]byte, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, bottom)
	f.SetCompression(true)
	if err := loadFonts(f); err != nil {
		return nil, err
	}
	f.SetTitle(d.Title, true)
	f.SetSubject(d.Subtitle, true)
	f.SetAuthor(d.Author, true)
	f.SetCreator("SKM central", true)
	f.SetProducer("SKM central (go-pdf/fpdf)", true)
	f.SetKeywords("dokumen "+d.Verify.ID, true)
	f.SetCreationDate(d.Verify.IssuedAt)
	f.SetModificationDate(d.Verify.IssuedAt)
	f.SetCatalogSort(true)
	f.AliasNbPages("{nb}")
	w := &writer{f: f, width: pageWidth - 2*margin}
	f.SetFooterFunc(func() { w.footer(d.Verify) })
	f.AddPage()
	if err := w.header(d); err != nil {
		return nil, err
	}
	for i, s := range d.Sections {
		w.heading(fmt.Sprintf("%d. %s", i+1, s.Heading))
		for _, b := range s.Blocks {
			b.draw(w)
		}
	}
	for _, b := range d.Closing {
		b.draw(w)
	}
	w.verifyBox(d.Verify)
	var out bytes.Buffer
	if err := f.Output(&out); err != nil {
		return nil, fmt.Errorf("write PDF: %w", err)
	}
	return out.Bytes(), nil
}

// loadFonts embeds DejaVu Sans, regular and bold (assets/fonts).
func loadFonts(f *fpdf.Fpdf) error {
	for style, file := range map[string]string{"": "fonts/DejaVuSans.ttf", "B": "fonts/DejaVuSans-Bold.ttf"} {
		b, err := fs.ReadFile(assets.Fonts, file)
		if err != nil {
			return fmt.Errorf("read font %s: %w", file, err)
		}
		f.AddUTF8FontFromBytes(family, style, b)
	}
	if err := f.Error(); err != nil {
		return fmt.Errorf("load fonts: %w", err)
	}
	return nil
}

// header prints the title and subtitle beside the QR code.
func (w *writer) header(d Document) error {
	f := w.f
	png, err := qrcode.Encode(d.Verify.URL, qrcode.Medium, 256)
	if err != nil {
		return fmt.Errorf("encode verification QR code: %w", err)
	}
	f.RegisterImageOptionsReader("verify-qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	x := pageWidth - margin - qrSide
	f.ImageOptions("verify-qr", x, margin-4, qrSide, qrSide, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, d.Verify.URL)
	textWidth := w.width - qrSide - 4
	f.SetFont(family, "B", 15)
	f.MultiCell(textWidth, 7, d.Title, "", "L", false)
	f.SetFont(family, "", 10)
	f.MultiCell(textWidth, lineHeight, d.Subtitle, "", "L", false)
	f.SetFont(family, "", 7.5)
	f.MultiCell(textWidth, 4, "No. dokumen "+d.Verify.ID+" · diterbitkan "+d.Verify.Issued, "", "L", false)
	if y := margin - 4 + qrSide + 2; f.GetY() < y {
		f.SetY(y)
	}
	f.SetDrawColor(120, 120, 120)
	f.Line(margin, f.GetY(), pageWidth-margin, f.GetY())
	f.Ln(2)
	return f.Error()
}

// footer prints the document id, the verification address and the page number.
func (w *writer) footer(v Verification) {
	f := w.f
	f.SetY(-15)
	f.SetFont(family, "", 7)
	f.SetTextColor(90, 90, 90)
	f.CellFormat(w.width, 3.5, "No. dokumen "+v.ID+" · periksa keaslian: "+v.URL, "", 1, "L", false, 0, "")
	f.CellFormat(w.width, 3.5, fmt.Sprintf("Halaman %d dari {nb}", f.PageNo()), "", 0, "R", false, 0, "")
	f.SetTextColor(0, 0, 0)
}

// room starts a new page unless h millimetres fit on this one.
func (w *writer) room(h float64) {
	if w.f.GetY()+h > pageHeight-bottom {
		w.f.AddPage()
	}
}

func (w *writer) heading(text string) {
	w.room(30) // a heading never ends a page: keep a table's header and first rows with it
	w.f.Ln(3)
	w.f.SetFont(family, "B", 11.5)
	w.f.MultiCell(w.width, 6.5, text, "", "L", false)
	w.f.Ln(1)
}

func (p Para) draw(w *writer) {
	f := w.f
	size, h := 9.5, lineHeight
	if p.Small {
		size, h = 8, 4
	}
	f.SetFont(family, "", size)
	if p.Note {
		f.SetFillColor(245, 240, 225)
		f.MultiCell(w.width, h+0.5, p.Text, "", "L", true)
	} else {
		f.MultiCell(w.width, h, p.Text, "", "L", false)
	}
	f.Ln(1.5)
}

func (fl Fields) draw(w *writer) {
	t := Table{Widths: []float64{1.35, 2.2}}
	for _, kv := range fl {
		t.Rows = append(t.Rows, []string{kv[0], kv[1]})
	}
	t.drawRows(w, true)
	w.f.Ln(1.5)
}

func (t Table) draw(w *writer) {
	t.drawRows(w, false)
	w.f.Ln(2)
}

// widths returns the column widths in millimetres.
func (t Table) widths(w *writer, cols int) []float64 {
	rel := t.Widths
	if len(rel) != cols {
		rel = make([]float64, cols)
		for i := range rel {
			rel[i] = 1
		}
	}
	var sum float64
	for _, x := range rel {
		sum += x
	}
	out := make([]float64, cols)
	for i, x := range rel {
		out[i] = w.width * x / sum
	}
	return out
}

// drawRows prints the header, rows and foot, wrapping cells and repeating
// the header on each new page; fields print their first column bold.
func (t Table) drawRows(w *writer, fields bool) {
	cols := len(t.Header)
	if cols == 0 && len(t.Rows) > 0 {
		cols = len(t.Rows[0])
	}
	if cols == 0 {
		return
	}
	ws := t.widths(w, cols)
	header := func() {
		if len(t.Header) > 0 {
			t.row(w, ws, t.Header, "B", true)
		}
	}
	w.room(12)
	header()
	for _, r := range t.Rows {
		if w.f.GetY()+t.height(w, ws, r, "") > pageHeight-bottom {
			w.f.AddPage()
			header()
		}
		style := ""
		if fields {
			style = "first"
		}
		t.row(w, ws, r, style, false)
	}
	if len(t.Foot) > 0 {
		w.room(t.height(w, ws, t.Foot, "B"))
		t.row(w, ws, t.Foot, "B", false)
	}
}

const cellFont = 8.5

// height returns the height of row r: its tallest wrapped cell.
func (t Table) height(w *writer, ws []float64, r []string, style string) float64 {
	w.f.SetFont(family, strings.TrimPrefix(style, "first"), cellFont)
	lines := 1
	for i, c := range r {
		if i < len(ws) {
			lines = max(lines, len(w.f.SplitText(c, ws[i])))
		}
	}
	return float64(lines)*4.2 + 1.6
}

// row prints one row of cells with borders; style "B" bolds it, "first"
// bolds the first cell, shade fills it grey.
func (t Table) row(w *writer, ws []float64, r []string, style string, shade bool) {
	f := w.f
	h := t.height(w, ws, r, style)
	x, y := f.GetX(), f.GetY()
	f.SetDrawColor(170, 170, 170)
	f.SetFillColor(235, 235, 235)
	for i := range ws {
		c := ""
		if i < len(r) {
			c = r[i]
		}
		st := style
		if style == "first" {
			st = ""
			if i == 0 {
				st = "B"
			}
		}
		f.SetFont(family, st, cellFont)
		fill := "D"
		if shade {
			fill = "FD"
		}
		f.Rect(x, y, ws[i], h, fill)
		align := "L"
		if i < len(t.Right) && t.Right[i] {
			align = "R"
		}
		f.SetXY(x, y+0.8)
		f.MultiCell(ws[i], 4.2, c, "", align, false)
		x += ws[i]
	}
	f.SetXY(margin, y+h)
}

func (s Signatures) draw(w *writer) {
	f := w.f
	w.room(40)
	f.Ln(6)
	col := w.width / float64(max(len(s), 2))
	y := f.GetY()
	for i, sg := range s {
		x := margin + float64(i)*col
		if len(s) == 1 { // one signature stands on the right, as on a letter
			x += col
		}
		f.SetFont(family, "", 9)
		f.SetXY(x, y)
		f.MultiCell(col-6, lineHeight, sg.Role, "", "L", false)
		f.SetXY(x, y+24)
		f.Line(x, y+23, x+col-12, y+23)
		f.MultiCell(col-6, lineHeight, sg.Name, "", "L", false)
		f.SetX(x)
		f.MultiCell(col-6, lineHeight, "NIP "+sg.NIP, "", "L", false)
	}
	f.SetXY(margin, y+40)
}

// verifyBox prints how to check the document, at its end.
func (w *writer) verifyBox(v Verification) {
	f := w.f
	w.room(34)
	f.Ln(4)
	f.SetFillColor(238, 243, 250)
	f.SetFont(family, "B", 9.5)
	f.MultiCell(w.width, 6, "Verifikasi dokumen", "", "L", true)
	f.SetFont(family, "", 8.5)
	text := "No. dokumen: " + v.ID + "\nHalaman verifikasi: " + v.URL + "\nDiterbitkan: " + v.Issued
	for _, l := range v.Lines {
		text += "\n" + l
	}
	f.MultiCell(w.width, 4.5, text, "", "L", true)
}
