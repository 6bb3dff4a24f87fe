package web_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// pngClaiming is a valid 1×1 PNG whose header claims width×height pixels of
// the given bit depth and colour type: a decompression bomb's header.
func pngClaiming(tb testing.TB, width, height uint32, depth, colorType byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 1, 1))); err != nil {
		tb.Fatal(err)
	}
	b := buf.Bytes()
	ihdr := b[12 : 12+4+13] // "IHDR" and its 13 bytes
	binary.BigEndian.PutUint32(ihdr[4:], width)
	binary.BigEndian.PutUint32(ihdr[8:], height)
	ihdr[12], ihdr[13] = depth, colorType
	binary.BigEndian.PutUint32(b[12+4+13:], crc32.ChecksumIEEE(ihdr))
	return b
}

// A photo's size is read from its header and refused before it is decoded,
// by its pixel count or by what its decoded form would take.
func TestPhotoSizeIsCheckedBeforeDecoding(t *testing.T) {
	for _, tc := range []struct {
		what string
		data []byte
		says string
	}{
		{"6000×6000 RGBA (36 MP)", pngClaiming(t, 6000, 6000, 8, 6), "6000×6000 pixels (36.0 megapixels)"},
		{"100000×100000", pngClaiming(t, 100000, 100000, 8, 2), "100000×100000"},
		{"16-bit 3000×3000 (9 MP, 72 MB decoded)", pngClaiming(t, 3000, 3000, 16, 6), "3000×3000"},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := web.ShrinkPhoto(tc.data)
		runtime.ReadMemStats(&after)
		e := survey.AsError(err)
		if e == nil || e.Code != survey.EINVALID || e.Field != "photo" || !strings.Contains(e.Message, tc.says) ||
			!strings.Contains(e.MessageID, "megapiksel") {
			t.Errorf("%s: %v, want a refusal saying %q", tc.what, err, tc.says)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("%s: %d bytes allocated: it was decoded", tc.what, alloc)
		}
	}
	// A photo within the bounds is shrunk to PhotoSize and stored as JPEG.
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	img.Set(0, 0, color.White)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	p, err := web.ShrinkPhoto(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(p.JPEG))
	if err != nil || format != "jpeg" || cfg.Width != web.PhotoSize || cfg.Height != web.PhotoSize*3/4 {
		t.Errorf("shrunk photo: %s %dx%d (%v)", format, cfg.Width, cfg.Height, err)
	}
}
