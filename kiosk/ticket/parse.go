package ticket

import (
	"fmt"
	"image"
	"image/color"
	"strings"
)

// Printed is what Parse reads back from ESC/POS bytes: the lines of text
// and the raster images stacked as printed.
type Printed struct {
	Lines []string
	Image *image.Gray // nil without a raster image
	Cut   bool
}

// Parse reads the commands Encode writes and refuses any other escape
// sequence: a reader of what would come out of the printer, for tests and
// `kiosk ticket print --preview`.
func Parse(b []byte) (Printed, error) {
	var p Printed
	var text strings.Builder
	var bands []*image.Gray
	for i := 0; i < len(b); {
		switch c := b[i]; {
		case c == '\n':
			p.Lines = append(p.Lines, text.String())
			text.Reset()
			i++
		case c == 0x1b || c == 0x1d:
			n, band, err := command(b[i:])
			if err != nil {
				return p, fmt.Errorf("at byte %d: %w", i, err)
			}
			if band != nil {
				bands = append(bands, band)
			}
			p.Cut = p.Cut || (c == 0x1d && b[i+1] == 'V')
			i += n
		case c >= 0x20 && c < 0x7f:
			text.WriteByte(c)
			i++
		default:
			return p, fmt.Errorf("at byte %d: unexpected byte %#x", i, c)
		}
	}
	if text.Len() > 0 {
		p.Lines = append(p.Lines, text.String())
	}
	p.Image = stack(bands)
	return p, nil
}

// command returns the length of the command at the start of b, and its
// image for GS v 0.
func command(b []byte) (int, *image.Gray, error) {
	if len(b) < 2 {
		return 0, nil, fmt.Errorf("truncated command")
	}
	fixed := map[string]int{"\x1b@": 2, "\x1ba": 3, "\x1bE": 3, "\x1bd": 3, "\x1d!": 3, "\x1dV": 4}
	if n, ok := fixed[string(b[:2])]; ok {
		if len(b) < n {
			return 0, nil, fmt.Errorf("truncated command %q", b[:2])
		}
		return n, nil, nil
	}
	if len(b) >= 8 && b[0] == 0x1d && b[1] == 'v' && b[2] == '0' && b[3] == 0 {
		wb, rows := int(b[4])|int(b[5])<<8, int(b[6])|int(b[7])<<8
		n := 8 + wb*rows
		if len(b) < n || wb == 0 || rows == 0 {
			return 0, nil, fmt.Errorf("truncated raster image of %d×%d bytes", wb, rows)
		}
		img := image.NewGray(image.Rect(0, 0, wb*8, rows))
		for y := range rows {
			for x := range wb * 8 {
				v := uint8(0xff)
				if b[8+y*wb+x/8]&(0x80>>(x%8)) != 0 {
					v = 0
				}
				img.SetGray(x, y, color.Gray{Y: v})
			}
		}
		return n, img, nil
	}
	return 0, nil, fmt.Errorf("unknown command %q", b[:2])
}

// stack puts the bands one below the other.
func stack(bands []*image.Gray) *image.Gray {
	if len(bands) == 0 {
		return nil
	}
	w, h := 0, 0
	for _, b := range bands {
		w, h = max(w, b.Bounds().Dx()), h+b.Bounds().Dy()
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	y := 0
	for _, b := range bands {
		for r := 0; r < b.Bounds().Dy(); r++ {
			copy(img.Pix[(y+r)*img.Stride:], b.Pix[r*b.Stride:r*b.Stride+b.Bounds().Dx()])
		}
		y += b.Bounds().Dy()
	}
	return img
}
