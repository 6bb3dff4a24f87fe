package survey

import (
	"strings"
	"time"
)

// Partial is an unfinished desk-tablet survey that a reset kept ([kiosk]
// unfinished = "keep_partial"). It is stored apart from responses, so no IKM,
// report, export or sync ever reads it; the kiosk's summary counts them, to
// show where citizens give up. It holds no comment, profile or contact.
type Partial struct {
	FormKey   string    `json:"-"` // one partial per rendered form
	NIP       string    `json:"nip"`
	Service   string    `json:"service,omitempty"`
	Ratings   Ratings   `json:"ratings"` // 0 for the elements not answered
	Channel   string    `json:"channel"`
	CreatedAt time.Time `json:"created_at"`
}

// Answered counts the elements answered.
func (p Partial) Answered() int {
	n := 0
	for _, v := range p.Ratings {
		if v != 0 {
			n++
		}
	}
	return n
}

// Validate refuses a partial without a form, a staff member or any answer,
// or with an answer out of range.
func (p *Partial) Validate() error {
	p.Service = strings.ToUpper(strings.TrimSpace(p.Service))
	if p.FormKey == "" || p.NIP == "" {
		return Invalid("form_key", "an unfinished survey needs its form and staff member", "survei yang belum selesai memerlukan formulir dan petugasnya")
	}
	for i, v := range p.Ratings {
		if v < 0 || v > 4 {
			return Invalid("ratings."+string(Elements[i]), "answers are 1 to 4", "jawaban bernilai 1 sampai 4")
		}
	}
	if p.Answered() == 0 {
		return Invalid("ratings", "nothing was answered; nothing to keep", "belum ada jawaban; tidak ada yang disimpan")
	}
	return nil
}
