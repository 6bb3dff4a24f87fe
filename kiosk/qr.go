package kiosk

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// QR sizes in pixels: the default, and the bounds of ?size=.
const (
	qrDefaultSize = 256
	qrMinSize     = 128
	qrMaxSize     = 1024
)

// qrCache keeps rendered QR PNGs in memory by content and size: encoding one
// costs about a millisecond, and counter screens ask for the same codes all day.
type qrCache struct {
	mu    sync.Mutex
	max   int
	items map[string][]byte
}

func newQRCache(max int) *qrCache { return &qrCache{max: max, items: map[string][]byte{}} }

// PNG returns the PNG for content at size, encoding it on the first request.
func (q *qrCache) PNG(content string, size int) ([]byte, error) {
	key := strconv.Itoa(size) + " " + content
	q.mu.Lock()
	png, ok := q.items[key]
	q.mu.Unlock()
	if ok {
		return png, nil
	}
	png, err := encodeQR(content, size)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	if len(q.items) >= q.max {
		for k := range q.items { // drop an arbitrary entry; the cache only bounds memory
			delete(q.items, k)
			break
		}
	}
	q.items[key] = png
	q.mu.Unlock()
	return png, nil
}

// encodeQR renders content as a size×size PNG QR code (error correction M).
func encodeQR(content string, size int) ([]byte, error) {
	png, err := qrcode.Encode(content, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("encode QR code: %w", err)
	}
	return png, nil
}

func qrSize(c *fiber.Ctx) (int, error) {
	v := c.Query("size")
	if v == "" {
		return qrDefaultSize, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < qrMinSize || n > qrMaxSize {
		return 0, survey.Invalid("size", "size must be a whole number of pixels from 128 to 1024",
			"size harus bilangan bulat 128 sampai 1024 piksel")
	}
	return n, nil
}

func (s *Server) handleQR(c *fiber.Ctx) error {
	code, ok := strings.CutSuffix(c.Params("file"), ".png")
	if !ok {
		return fiber.ErrNotFound
	}
	st, err := s.activeStaff(c, code)
	if err != nil {
		return err
	}
	size, err := qrSize(c)
	if err != nil {
		return err
	}
	return s.sendQR(c, s.SurveyURL(st.Code), size)
}

func (s *Server) sendQR(c *fiber.Ctx, content string, size int) error {
	png, err := s.qr.PNG(content, size)
	if err != nil {
		return err
	}
	tag := web.ETag(png)
	c.Set(fiber.HeaderETag, tag)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	if c.Get(fiber.HeaderIfNoneMatch) == tag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}

func (s *Server) handlePhoto(c *fiber.Ctx) error {
	code, ok := strings.CutSuffix(c.Params("file"), ".jpg")
	if !ok {
		return fiber.ErrNotFound
	}
	// Only an active staff member's photo is public, like their survey and card.
	st, err := s.activeStaff(c, code)
	if err != nil {
		return err
	}
	p, err := s.store.StaffPhoto(c.UserContext(), st.Code)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, p.ETag)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	if c.Get(fiber.HeaderIfNoneMatch) == p.ETag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, "image/jpeg")
	return c.Send(p.JPEG)
}

type qrPage struct {
	Staff     survey.Staff
	PhotoURL  string
	SurveyURL string
	QRURL     string
}

func (s *Server) handleCard(c *fiber.Ctx) error {
	st, err := s.activeStaff(c, c.Params("code"))
	if err != nil {
		return err
	}
	p := s.page(c, "card_title", qrPage{Staff: st, PhotoURL: s.photoURL(st), SurveyURL: s.SurveyURL(st.Code)})
	return s.render.Render(c, fiber.StatusOK, "card", p)
}
