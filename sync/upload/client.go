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
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync/atomic"
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
	log     *slog.Logger
	// offset is central's clock minus the kiosk's (nanoseconds), learnt from
	// central's answers (wire.HeaderTime) when the two differ by more than
	// clockTolerance; requests are signed with the kiosk's time plus it.
	offset atomic.Int64
	// skew is the kiosk's clock minus central's as last seen (nanoseconds,
	// to the second), once clockKnown.
	skew       atomic.Int64
	clockKnown atomic.Bool
}

// clockTolerance is how far the kiosk's clock may be from central's before
// requests are signed with central's time instead: well inside the window
// central accepts (wire.MaxClockSkew), and well above the header's
// one-second resolution plus a round trip.
const clockTolerance = time.Minute

// signingTime is the time a request is signed with.
func (c *client) signingTime() time.Time {
	return c.now().Add(time.Duration(c.offset.Load()))
}

// learnClock reads central's clock from an answer's wire.HeaderTime (Unix
// seconds; an older central sends none) and keeps the offset to the kiosk's
// clock when it is over clockTolerance (else none).
// It reports whether the offset changed by more than clockTolerance, that is
// whether a request refused for its timestamp is worth sending again. The
// kiosk's own time still goes into each batch (sent_at), so central sees the
// skew and records it as a finding; only the signature's timestamp, whose
// purpose is to bound replays, follows central's clock.
func (c *client) learnClock(header string) bool {
	sec, err := strconv.ParseInt(header, 10, 64)
	if err != nil {
		return false
	}
	d := time.Unix(sec, 0).Sub(c.now())
	c.skew.Store(int64(-d.Round(time.Second)))
	c.clockKnown.Store(true)
	if d > -clockTolerance && d < clockTolerance {
		d = 0
	}
	old := time.Duration(c.offset.Swap(int64(d)))
	changed := d-old > clockTolerance || old-d > clockTolerance
	if changed && d != 0 && c.log != nil {
		c.log.Warn("this computer's clock differs from central's; requests are signed with central's time, and central records the difference: set the date, time and time zone of this computer",
			"offset", d.Round(time.Second))
	}
	return changed
}

// do sends a signed request and returns the body of a 2xx answer. body is
// gzip-compressed when compress is set; the signature covers it as sent. A
// request refused (401) while the kiosk's clock turns out to be far from
// central's is signed again with central's time, once.
func (c *client) do(ctx context.Context, method, path string, body []byte, compress bool) ([]byte, error) {
	if compress {
		body = gzipBody(body)
	}
	return c.doEncoded(ctx, method, path, body, compress)
}

// gzipBody compresses at BestSpeed: a 500-response batch compresses about 8×
// instead of 9× in two thirds of the time (BenchmarkBatchGzip* in sync/wire).
func gzipBody(body []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level: cannot fail
	zw.Write(body)
	zw.Close()
	return buf.Bytes()
}

// doEncoded sends a body that is already gzip-compressed when gzipped is set.
func (c *client) doEncoded(ctx context.Context, method, path string, body []byte, gzipped bool) ([]byte, error) {
	compress := gzipped
	for attempt := 0; ; attempt++ {
		status, data, central, err := c.send(ctx, method, path, body, compress)
		if err != nil {
			return nil, err
		}
		clockMoved := c.learnClock(central)
		if status/100 == 2 {
			return data, nil
		}
		if status == http.StatusUnauthorized && clockMoved && attempt == 0 {
			continue
		}
		return nil, statusError(status, data)
	}
}

// send makes one signed request and returns the status, the body and central's clock (wire.HeaderTime) of the answer.
func (c *client) send(ctx context.Context, method, path string, body []byte, gzipped bool) (int, []byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, "", &Error{Permanent: true, Msg: fmt.Sprintf("bad central.url: %v", err)}
	}
	ts, sig := wire.SignRequest(c.key, method, path, body, c.signingTime())
	req.Header.Set(wire.HeaderKiosk, c.kioskID)
	req.Header.Set(wire.HeaderTimestamp, ts)
	req.Header.Set(wire.HeaderSignature, sig)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if gzipped {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, "", ctx.Err()
		}
		return 0, nil, "", &Error{Msg: fmt.Sprintf("central at %s cannot be reached (%v): check the network link and central.url", c.baseURL, err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, wire.MaxBodyBytes))
	if err != nil {
		return 0, nil, "", &Error{Status: resp.StatusCode, Msg: fmt.Sprintf("the answer from central was cut off (%v)", err)}
	}
	return resp.StatusCode, data, resp.Header.Get(wire.HeaderTime), nil
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
