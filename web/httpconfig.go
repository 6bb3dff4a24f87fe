package web

import (
	"fmt"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// HTTPConfig is the [http] section of both applications' configuration: how
// many connections the server holds, from one address and in all, and how
// long it waits for a request's headers and on an idle connection.
type HTTPConfig struct {
	// MaxConnections bounds the open connections; one more is answered 503
	// and closed (0: no bound).
	MaxConnections int `toml:"max_connections"`
	// MaxConnectionsPerAddress bounds the open connections from one client
	// address (an IPv6 client's /64); one more is answered 429 and closed
	// (0: no bound).
	MaxConnectionsPerAddress int `toml:"max_connections_per_address"`
	// ReadHeaderTimeout is how long a connection may take to send a request's
	// headers, from when it opens or its first byte after an idle wait.
	ReadHeaderTimeout survey.Duration `toml:"read_header_timeout"`
	// IdleTimeout closes a kept-alive connection that sends nothing for this long.
	IdleTimeout survey.Duration `toml:"idle_timeout"`
}

// Validate names the first bad key of the section.
func (h HTTPConfig) Validate() error {
	if h.MaxConnections < 0 {
		return fmt.Errorf("http.max_connections: %d must not be negative (0 turns the bound off)", h.MaxConnections)
	}
	if h.MaxConnectionsPerAddress < 0 {
		return fmt.Errorf("http.max_connections_per_address: %d must not be negative (0 turns the bound off)", h.MaxConnectionsPerAddress)
	}
	if h.MaxConnections > 0 && h.MaxConnectionsPerAddress > h.MaxConnections {
		return fmt.Errorf("http.max_connections_per_address: %d must not be above max_connections %d", h.MaxConnectionsPerAddress, h.MaxConnections)
	}
	if d := h.ReadHeaderTimeout.D(); d < time.Second || d > 5*time.Minute {
		return fmt.Errorf("http.read_header_timeout: %s must be between 1s and 5m", d)
	}
	if d := h.IdleTimeout.D(); d < time.Second || d > time.Hour {
		return fmt.Errorf("http.idle_timeout: %s must be between 1s and 1h", d)
	}
	return nil
}
