package survey

import (
	"regexp"
	"strconv"
	"strings"
)

// ReceiptCode is what the thank-you page gives a citizen for their rating:
// the kiosk, the rating's sequence number and the first characters of its
// hash. With it, central's public page says whether central holds that
// rating ("received on …") or not yet; it reveals nothing of the answers,
// and the hash prefix keeps a code from being guessed from another.
type ReceiptCode struct {
	KioskID string
	Seq     int64
	Check   string // the first ReceiptCheckLen hex characters of the rating's hash
}

// ReceiptCheckLen is how many hex characters of the hash a code carries
// (32 bits: guessing a code takes billions of tries, beyond any rate limit).
const ReceiptCheckLen = 8

// NewReceiptCode returns the code of the rating at seq with hash.
func NewReceiptCode(kioskID string, seq int64, hash string) ReceiptCode {
	if len(hash) > ReceiptCheckLen {
		hash = hash[:ReceiptCheckLen]
	}
	return ReceiptCode{KioskID: kioskID, Seq: seq, Check: hash}
}

// String writes the code as KIOSK-SEQ-CHECK, for example k-7h3k9m2p4q-1240-5e7a1c9b.
func (c ReceiptCode) String() string {
	return c.KioskID + "-" + strconv.FormatInt(c.Seq, 10) + "-" + c.Check
}

var receiptPattern = regexp.MustCompile(`^(k-[a-z0-9]{1,40})-([1-9][0-9]{0,17})-([0-9a-f]{` + strconv.Itoa(ReceiptCheckLen) + `})$`)

// ParseReceiptCode reads a code as a citizen may type it: spaces around it
// and upper case are forgiven.
func ParseReceiptCode(s string) (ReceiptCode, error) {
	m := receiptPattern.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return ReceiptCode{}, Invalid("kode", "this is not a receipt code: it looks like k-7h3k9m2p4q-1240-5e7a1c9b, as shown on the thank-you page",
			"ini bukan kode tanda terima: bentuknya seperti k-7h3k9m2p4q-1240-5e7a1c9b, seperti pada halaman terima kasih")
	}
	seq, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return ReceiptCode{}, Invalid("kode", "the receipt code's number is too large", "nomor pada kode tanda terima terlalu besar")
	}
	return ReceiptCode{KioskID: m[1], Seq: seq, Check: m[3]}, nil
}
