package kiosk

import (
	"html/template"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/sync/wire"
)

// receiptView is the thank-you page's receipt: the code of the citizen's
// rating, where central checks it, and the witness image's address.
type receiptView struct {
	Code       string
	CheckURL   template.URL
	CheckHost  string
	WitnessURL template.URL
}

// receipt returns the thank-you page's receipt, or nil when the witness is
// off or the page was opened without a receipt code of this kiosk. The
// image makes the phone (usually on mobile data, whatever the office's
// link) deliver the kiosk's signed head as it is now, which covers the
// citizen's rating, to central: the kiosk id, a sequence number, a hash and
// a signature; nothing of the rating, nothing of the citizen.
func (s *Server) receipt(c *fiber.Ctx) (*receiptView, error) {
	if !s.cfg.Witness() {
		return nil, nil
	}
	code, err := survey.ParseReceiptCode(c.Query("tanda"))
	if err != nil || code.KioskID != s.cfg.Central.KioskID {
		return nil, nil // no receipt to show: a page opened by hand, or an old link
	}
	seq, hash, sig, err := s.store.ChainHead(c.UserContext())
	if err != nil {
		return nil, err
	}
	base := s.cfg.Central.PublicURL
	q := url.Values{wire.WitnessKiosk: {s.cfg.Central.KioskID}, wire.WitnessSeq: {strconv.FormatInt(seq, 10)},
		wire.WitnessHash: {hash}, wire.WitnessSignature: {sig}}
	u, _ := url.Parse(base)
	return &receiptView{Code: code.String(), CheckHost: u.Host,
		CheckURL:   template.URL(base + wire.PathReceipt + "?" + url.Values{"kode": {code.String()}}.Encode()),
		WitnessURL: template.URL(base + wire.PathWitness + "?" + q.Encode())}, nil
}
