package kiosk

import (
	"bytes"
	"image"
	"image/jpeg"
	_ "image/png" // staff photos may be PNG

	"github.com/gofiber/fiber/v2"
	"golang.org/x/image/draw"

	"github.com/skmkiosk/skm/survey"
)

// photoSize is the edge of the stored square-bounded photo: enough for a
// 96-px avatar on a high-density screen, small enough for a cheap phone.
const photoSize = 192

var errBadPhoto = survey.Invalid("photo", "the photo must be a JPEG or PNG image no larger than 6000×6000 pixels",
	"foto harus gambar JPEG atau PNG paling besar 6000×6000 piksel")

// formPhoto reads the optional "photo" upload and re-encodes it as a small JPEG.
func formPhoto(c *fiber.Ctx) (*survey.Photo, error) {
	data, err := formFile(c, "photo", 5<<20)
	if err != nil || len(data) == 0 {
		return nil, err
	}
	return ShrinkPhoto(data)
}

// ShrinkPhoto decodes a JPEG or PNG, scales it to fit photoSize and encodes it as JPEG.
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
	if w > photoSize || h > photoSize {
		if w > h {
			w, h = photoSize, h*photoSize/w
		} else {
			w, h = w*photoSize/h, photoSize
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, max(w, 1), max(h, 1)))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return &survey.Photo{JPEG: out.Bytes(), ETag: etag(out.Bytes())}, nil
}
