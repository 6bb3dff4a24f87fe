package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // staff photos may be PNG

	"golang.org/x/image/draw"

	"github.com/skmkiosk/skm/survey"
)

// PhotoSize is the longest edge of a stored photo: enough for a 96-px avatar
// on a high-density screen, small enough for a cheap phone on a slow link.
const PhotoSize = 192

// A photo's size is checked from its header, before it is decoded: its
// pixels at most MaxPhotoPixels (a 12-megapixel phone photo fits), and their
// decoded form, at the bytes per pixel of its colour model, at most
// maxDecodedPhoto. One photo is decoded at a time.
const (
	MaxPhotoPixels  = 16_000_000
	maxDecodedPhoto = 64 << 20
)

var errBadPhoto = survey.Invalid("photo", "the photo must be a JPEG or PNG image",
	"foto harus berupa gambar JPEG atau PNG")

// decoding lets one photo be decoded at a time.
var decoding = make(chan struct{}, 1)

// ShrinkPhoto decodes a JPEG or PNG, scales it to fit PhotoSize and encodes it as JPEG.
func ShrinkPhoto(data []byte) (*survey.Photo, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errBadPhoto
	}
	if err := checkPhotoSize(cfg); err != nil {
		return nil, err
	}
	decoding <- struct{}{}
	src, _, err := image.Decode(bytes.NewReader(data))
	<-decoding
	if err != nil {
		return nil, errBadPhoto
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > PhotoSize || h > PhotoSize {
		if w > h {
			w, h = PhotoSize, h*PhotoSize/w
		} else {
			w, h = w*PhotoSize/h, PhotoSize
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, max(w, 1), max(h, 1)))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return &survey.Photo{JPEG: out.Bytes(), ETag: ETag(out.Bytes())}, nil
}

// checkPhotoSize refuses a photo too large to decode, from its header.
func checkPhotoSize(cfg image.Config) error {
	pixels := int64(cfg.Width) * int64(cfg.Height)
	mp := float64(pixels) / 1e6
	if pixels > MaxPhotoPixels || pixels*bytesPerPixel(cfg.ColorModel) > maxDecodedPhoto {
		return survey.Invalid("photo",
			fmt.Sprintf("the photo is %d×%d pixels (%.1f megapixels); shrink it to at most %d megapixels (%d for a 16-bit PNG) and upload it again",
				cfg.Width, cfg.Height, mp, MaxPhotoPixels/1_000_000, maxDecodedPhoto/8/1_000_000),
			fmt.Sprintf("foto berukuran %d×%d piksel (%.1f megapiksel); kecilkan menjadi paling banyak %d megapiksel (%d untuk PNG 16-bit) lalu unggah lagi",
				cfg.Width, cfg.Height, mp, MaxPhotoPixels/1_000_000, maxDecodedPhoto/8/1_000_000))
	}
	return nil
}

// bytesPerPixel is what image.Decode allocates per pixel for a colour model
// (YCbCr at its largest, without chroma subsampling).
func bytesPerPixel(m color.Model) int64 {
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	return 4 // RGBA, NRGBA, CMYK
}

// ETag returns a strong ETag for content.
func ETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}
