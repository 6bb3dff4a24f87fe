package survey

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Tablet is a desk tablet an admin enrolled from the tablet's own browser.
// Only enrolled tablets are served the tablet pages (/kiosk): anyone else
// rates through a staff member's QR code, where the limits apply.
type Tablet struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// PinAddress, when set, is the only client address the tablet is served from.
	PinAddress string    `json:"pin_address,omitempty"`
	EnrolledBy string    `json:"enrolled_by"`
	EnrolledAt time.Time `json:"enrolled_at"`
	LastSeenAt time.Time `json:"last_seen_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// Revoked reports whether an admin revoked the tablet.
func (t Tablet) Revoked() bool { return !t.RevokedAt.IsZero() }

// MaxTabletName bounds a tablet's name, in characters.
const MaxTabletName = 60

// NewTabletID returns a random tablet id.
func NewTabletID() string { return NewCode(16) }

// ValidateTabletName trims a tablet's name and refuses an empty or overlong one.
func ValidateTabletName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxTabletName {
		return "", Invalid("name", "give the tablet a name of 1 to 60 characters, such as \"Tablet meja loket 1\"",
			"beri tablet nama 1 sampai 60 karakter, misalnya \"Tablet meja loket 1\"")
	}
	return name, nil
}

// TabletStore keeps the enrolled desk tablets.
type TabletStore interface {
	// CreateTablet stores a newly enrolled tablet; t.ID and t.EnrolledAt must be set.
	CreateTablet(ctx context.Context, t *Tablet) error
	// TabletByID returns a tablet, revoked or not (ENOTFOUND when unknown).
	TabletByID(ctx context.Context, id string) (Tablet, error)
	// FindTablets lists every tablet, active first, then by name.
	FindTablets(ctx context.Context) ([]Tablet, error)
	// RenameTablet changes a tablet's name.
	RenameTablet(ctx context.Context, id, name string) error
	// RevokeTablet revokes a tablet at at: it is refused from its next request.
	RevokeTablet(ctx context.Context, id string, at time.Time) error
	// TouchTablet records that the tablet was used at at.
	TouchTablet(ctx context.Context, id string, at time.Time) error
}
