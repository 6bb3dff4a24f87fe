// Package upload is the kiosk's side of sync: it pulls the office's roster
// from central and uploads buffered responses, oldest first, in batches,
// marking each synced only once central confirms it.
package upload

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/skmkiosk/skm/sync/wire"
)

// Error is a failed exchange with central. Permanent errors (401, 403, 400)
// need a person to act; retrying cannot help. Others are retried.
type Error struct {
	Permanent bool
	Status    int // HTTP status, 0 for network errors
	Msg       string
}

func (e *Error) Error() string { return e.Msg }

// IsPermanent reports whether err needs a person rather than a retry.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// CheckURL refuses plain HTTP to a central that is not on a loopback address,
// unless allowInsecure: ratings and the roster would cross the network unencrypted.
func CheckURL(raw string, allowInsecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("central.url %q is not an absolute URL", raw)
	}
	if u.Scheme == "https" || allowInsecure {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" {
		return nil
	}
	return fmt.Errorf("central.url %q uses plain http to another machine: use https, or set central.allow_insecure = true", raw)
}

// NewHTTPClient returns a client that trusts the system roots plus, when
// caFile is given, a private certificate authority.
func NewHTTPClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = 2 * time.Minute
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("central.ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("central.ca_file: %s holds no PEM certificate", caFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: tr}, nil
}

// client signs requests to central with the kiosk's key.
type client struct {
	http    *http.Client
	baseURL string
	kioskID string
	key     ed25519.PrivateKey
	now     func() time.Time
}

// do sends a signed request and returns the body of a 2xx answer. body is
// gzip-compressed when compress is set; the signature covers it as sent.
func (c *client) do(ctx context.Context, method, path string, body []byte, compress bool) ([]byte, error) {
	if compress {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(body)
		zw.Close()
		body = buf.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Permanent: true, Msg: fmt.Sprintf("bad central.url: %v", err)}
	}
	ts, sig := wire.SignRequest(c.key, method, path, body, c.now())
	req.Header.Set(wire.HeaderKiosk, c.kioskID)
	req.Header.Set(wire.HeaderTimestamp, ts)
	req.Header.Set(wire.HeaderSignature, sig)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if compress {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{Msg: fmt.Sprintf("central at %s cannot be reached (%v): check the network link and central.url", c.baseURL, err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, wire.MaxBodyBytes))
	if err != nil {
		return nil, &Error{Status: resp.StatusCode, Msg: fmt.Sprintf("the answer from central was cut off (%v)", err)}
	}
	if resp.StatusCode/100 == 2 {
		return data, nil
	}
	return nil, statusError(resp.StatusCode, data)
}

func statusError(status int, data []byte) error {
	var er wire.ErrorReply
	msg := http.StatusText(status)
	if json.Unmarshal(data, &er) == nil && er.Error.Message != "" {
		msg = er.Error.Message
	}
	e := &Error{Status: status, Msg: fmt.Sprintf("central answered %d: %s", status, msg)}
	switch status {
	case http.StatusUnauthorized:
		e.Permanent = true
		e.Msg += " — check central.kiosk_id and central.secret, and the kiosk's clock"
	case http.StatusForbidden:
		e.Permanent = true
		e.Msg += " — this kiosk may be revoked or registered to another office; ask the central administrator"
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		e.Permanent = true
		e.Msg += " — central cannot read what this kiosk sends; update the kiosk program or lower sync.batch_size"
	}
	return e
}
