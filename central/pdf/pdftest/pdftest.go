// Package pdftest reads PDFs back in tests with poppler's tools: the text
// of every page (pdftotext) and the QR codes of its images (pdfimages, then
// gozxing). Without the tools tests skip, except when CI=true: there a
// missing tool fails the run rather than hiding the tests (.ci/run installs
// poppler-utils).
package pdftest

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// tool returns the path of a poppler tool, skipping (or, in CI, failing) without it.
func tool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is missing: CI must read the PDFs back (apt-get install poppler-utils)", name)
		}
		tb.Skipf("%s is missing (apt-get install poppler-utils)", name)
	}
	return p
}

// write stores doc in a temporary file and returns its path.
func write(tb testing.TB, doc []byte) string {
	tb.Helper()
	dir := tb.TempDir()
	path := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Text returns the text of doc, pages in order, laid out as printed
// (pdftotext -layout), failing when poppler cannot read it.
func Text(tb testing.TB, doc []byte) string {
	tb.Helper()
	out, err := exec.Command(tool(tb, "pdftotext"), "-layout", "-enc", "UTF-8", write(tb, doc), "-").CombinedOutput()
	if err != nil {
		tb.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out)
}

// Info returns pdfinfo's fields of doc (Pages, Page size, Title, …).
func Info(tb testing.TB, doc []byte) map[string]string {
	tb.Helper()
	out, err := exec.Command(tool(tb, "pdfinfo"), write(tb, doc)).CombinedOutput()
	if err != nil {
		tb.Fatalf("pdfinfo: %v: %s", err, out)
	}
	fields := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return fields
}

// Fonts returns pdffonts' lines of doc, one per font, after its header.
func Fonts(tb testing.TB, doc []byte) []string {
	tb.Helper()
	out, err := exec.Command(tool(tb, "pdffonts"), write(tb, doc)).CombinedOutput()
	if err != nil {
		tb.Fatalf("pdffonts: %v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 {
		return nil
	}
	return lines[2:]
}

// QRCodes extracts the images of doc (pdfimages -png) and returns the
// content of every QR code among them.
func QRCodes(tb testing.TB, doc []byte) []string {
	tb.Helper()
	dir := tb.TempDir()
	if out, err := exec.Command(tool(tb, "pdfimages"), "-png", write(tb, doc), filepath.Join(dir, "img")).CombinedOutput(); err != nil {
		tb.Fatalf("pdfimages: %v: %s", err, out)
	}
	files, err := filepath.Glob(filepath.Join(dir, "img-*.png"))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	var codes []string
	for _, file := range files {
		if text, ok := DecodeQRFile(tb, file); ok {
			codes = append(codes, text)
		}
	}
	return codes
}

// DecodeQRFile decodes the QR code in a PNG file; ok is false without one.
func DecodeQRFile(tb testing.TB, file string) (string, bool) {
	tb.Helper()
	f, err := os.Open(file)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		tb.Fatalf("decode %s: %v", file, err)
	}
	return DecodeQR(img)
}

// DecodeQR decodes the QR code in img; ok is false without one.
func DecodeQR(img image.Image) (string, bool) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", false
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		return "", false
	}
	return res.GetText(), true
}
