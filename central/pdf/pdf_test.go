package pdf_test

import (
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/central/pdf"
	"github.com/skmkiosk/skm/central/pdf/pdftest"
)

func sample(rows int) pdf.Document {
	t := pdf.Table{Header: []string{"Bulan", "Jumlah", "Indeks"}, Widths: []float64{2, 1, 1}, Right: []bool{false, true, true}}
	for i := range rows {
		t.Rows = append(t.Rows, []string{"Baris " + strings.Repeat("panjang ", i%4), "12", "87,50"})
	}
	return pdf.Document{Title: "Bukti Dukung Kinerja", Subtitle: "Disdukcapil Kota Serang · 2031 Triwulan 1", Author: "Central",
		Sections: []pdf.Section{
			{Heading: "Identitas", Blocks: []pdf.Block{pdf.Fields{{"Nama", "Siti Rahma"}, {"NIP", "196608011988031001"}}}},
			{Heading: "Angka", Blocks: []pdf.Block{t, pdf.Para{Text: "Catatan: belum final – ≥ 30 penilaian; ketidakpuasan, ‘kutipan’ “ganda”.", Note: true}}},
		},
		Closing: []pdf.Block{pdf.Signatures{{Role: "Pegawai", Name: "Siti Rahma", NIP: "196608011988031001"}, {Role: "Pejabat penilai"}}},
		Verify: pdf.Verification{ID: "abcdefghjkmnpqrstuvw", URL: "https://central.example.go.id/publik/dokumen/abcdefghjkmnpqrstuvw",
			IssuedAt: time.Date(2031, 4, 10, 3, 0, 0, 0, time.UTC), Issued: "10 April 2031 10.00 WIB"}}
}

// TestRenderReadsBack: the PDF is A4, embeds its fonts, and poppler reads
// back its text (Indonesian punctuation included), the document id on every
// page and the QR code of the verification address.
func TestRenderReadsBack(t *testing.T) {
	doc := sample(90) // enough rows for several pages
	b, err := pdf.Render(doc)
	if err != nil {
		t.Fatal(err)
	}
	info := pdftest.Info(t, b)
	if !strings.Contains(info["Page size"], "595.28 x 841.89") {
		t.Errorf("page size %q, want A4 (595.28 x 841.89 pts)", info["Page size"])
	}
	if info["Pages"] == "1" || info["Title"] != doc.Title {
		t.Errorf("pdfinfo = %v, want several pages and the title", info)
	}
	for _, f := range pdftest.Fonts(t, b) {
		if fields := strings.Fields(f); len(fields) < 5 || !strings.Contains(strings.ToLower(f), "dejavu") || fields[len(fields)-5] != "yes" {
			t.Errorf("font %q: want DejaVu, embedded", f)
		}
	}
	text := pdftest.Text(t, b)
	for _, want := range []string{"Bukti Dukung Kinerja", "Siti Rahma", "196608011988031001", "belum final – ≥ 30 penilaian", "“ganda”",
		"Pejabat penilai", "Verifikasi dokumen", "Halaman 1 dari " + info["Pages"]} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if pages, ids := strings.Count(text, "\f"), strings.Count(text, "No. dokumen "+doc.Verify.ID+" · periksa keaslian"); ids != pages {
		t.Errorf("the document id is in %d page footers, want all %d pages", ids, pages)
	}
	if codes := pdftest.QRCodes(t, b); len(codes) != 1 || codes[0] != doc.Verify.URL {
		t.Errorf("QR codes %q, want the verification address", codes)
	}
}

// BenchmarkRender measures a three-page document, fonts embedded (the cost
// of issuing one, before the report queries).
func BenchmarkRender(b *testing.B) {
	doc := sample(90)
	var size int
	for b.Loop() {
		out, err := pdf.Render(doc)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "bytes/doc")
}
