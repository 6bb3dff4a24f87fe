package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	_ "image/png" // staff photos may be PNG

	"golang.org/x/image/draw"

	"github.com/skmkiosk/skm/survey"
)

// PhotoSize is the longest edge of a stored photo: enough for a 96-px avatar
// on a high-density screen, small enough for a cheap phone on a slow link.
const PhotoSize = 192

var errBadPhoto = survey.Invalid("photo", "the photo must be a JPEG or PNG image no larger than 6000×6000 pixels",
	"foto harus gambar JPEG atau PNG paling besar 6000×6000 piksel")

// ShrinkPhoto decodes a JPEG or PNG, scales it to fit PhotoSize and encodes it as JPEG.
func ShrinkPhoto(data []byte) (*survey.Photo, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width > 6000 || cfg.Height > 6000 || cfg.Width == 0 || cfg.Height == 0 {
		return nil, errBadPhoto
	}
	src, _, err := image.Decode(bytes.NewReader(data))
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

// ETag returns a strong ETag for content.
func ETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}
