package survey

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration read from configuration text such as "90s",
// "15m", "2h" or "90d" (days, which Go's own syntax lacks).
type Duration time.Duration

// UnmarshalText parses a duration; a bare "0" is zero.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%q is not a duration such as 90d, 2h or 30s", s)
		}
		*d = Duration(n * float64(24*time.Hour))
		return nil
	}
	if s == "0" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 90d, 2h or 30s", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration in Go's syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
