package load

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// StartupResult is the time from starting the kiosk's process to its first
// 2xx answer (GET /healthz, which writes to the database).
type StartupResult struct {
	Fresh time.Duration // a new database: created, migrated and seeded
	Warm  time.Duration // the same database again
}

// MeasureStartup starts the kiosk (kioskd's serve, wired as cmd/kiosk) twice on one new database and times each
// start to its first answered request. The request is sent at once, on a
// connection the listener queues until the server takes it: no polling.
func MeasureStartup(ctx context.Context, dir, kioskd string) (StartupResult, error) {
	var res StartupResult
	tmp, err := os.MkdirTemp(dir, "startup-")
	if err != nil {
		return res, fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	db := filepath.Join(tmp, "kiosk.db")
	for _, d := range []*time.Duration{&res.Fresh, &res.Warm} {
		ch, err := StartChild(ctx, kioskd, "serve", []string{"-db", db}, true)
		if err != nil {
			return res, err
		}
		at, err := firstAnswer(ch.Addr, "/healthz", 60*time.Second)
		if err != nil {
			return res, errors.Join(err, ch.Stop())
		}
		*d = at.Sub(ch.Started)
		if err := ch.Stop(); err != nil {
			return res, err
		}
	}
	return res, nil
}

// Resource is one download of the survey page.
type Resource struct {
	Path     string
	Status   int
	Encoding string // Content-Encoding
	Body     int    // bytes of the body as sent (compressed)
	Wire     int    // status line, headers and body
}

// PageWeight is what a phone downloads to show the survey the first time.
type PageWeight struct {
	Resources  []Resource
	Body, Wire int // sums
}

var (
	pageRefs = regexp.MustCompile(`(?:href|src)="(/[^"]*)"`)
	cssRefs  = regexp.MustCompile(`url\(['"]?(/[^'")]+)['"]?\)`)
)

// MeasurePage starts a kiosk with one staff member and downloads the survey
// page as a phone does the first time, asking for gzip: the HTML, then every
// same-origin file it and its stylesheets refer to (CSS, JavaScript, icons,
// the staff photo when there is one). Links to other pages (<a href>) are
// not followed.
func MeasurePage(ctx context.Context, dir, kioskd string) (PageWeight, error) {
	var pw PageWeight
	tmp, err := os.MkdirTemp(dir, "page-")
	if err != nil {
		return pw, fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	ch, err := StartChild(ctx, kioskd, "serve", []string{"-db", filepath.Join(tmp, "kiosk.db"), "-staff", "1"}, true)
	if err != nil {
		return pw, err
	}
	defer ch.Stop()
	if _, err := firstAnswer(ch.Addr, "/healthz", 60*time.Second); err != nil {
		return pw, err
	}
	c, err := dial(ch.Addr)
	if err != nil {
		return pw, err
	}
	defer c.Close()
	get := func(path string) (Resource, []byte, error) {
		r, err := c.do("GET", path, "Accept-Encoding: gzip\r\nUser-Agent: Mozilla/5.0 (Linux; Android 10) loadgen\r\n", nil, time.Now().Add(30*time.Second), true)
		if err != nil {
			return Resource{}, nil, fmt.Errorf("GET %s: %w", path, err)
		}
		res := Resource{Path: path, Status: r.Status, Encoding: r.Headers["content-encoding"], Body: len(r.Body), Wire: r.Wire}
		body := bytes.Clone(r.Body)
		if res.Encoding == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				return res, nil, fmt.Errorf("GET %s: %w", path, err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				return res, nil, fmt.Errorf("GET %s: %w", path, err)
			}
		}
		if r.Status != 200 {
			return res, nil, fmt.Errorf("GET %s answered %d", path, r.Status)
		}
		return res, body, nil
	}
	_, staffJSON, err := get("/api/v1/staff")
	if err != nil {
		return pw, err
	}
	var staff []struct{ Code string }
	if err := json.Unmarshal(staffJSON, &staff); err != nil || len(staff) == 0 {
		return pw, fmt.Errorf("read the staff list %q: %v", staffJSON, err)
	}
	page, html, err := get("/s/" + staff[0].Code)
	if err != nil {
		return pw, err
	}
	pw.Resources = append(pw.Resources, page)
	seen := map[string]bool{page.Path: true}
	queue := refs(pageRefs, html, nil)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] || !isAsset(p) {
			continue
		}
		seen[p] = true
		res, body, err := get(p)
		if err != nil {
			return pw, err
		}
		pw.Resources = append(pw.Resources, res)
		if filepath.Ext(p) == ".css" {
			queue = refs(cssRefs, body, queue)
		}
	}
	for _, r := range pw.Resources {
		pw.Body += r.Body
		pw.Wire += r.Wire
	}
	return pw, nil
}

func refs(re *regexp.Regexp, b []byte, out []string) []string {
	for _, m := range re.FindAllSubmatch(b, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// isAsset tells a file the page loads from a link to another page.
func isAsset(p string) bool {
	return slices.ContainsFunc([]string{"/static/", "/photo/", "/qr/"}, func(prefix string) bool {
		return strings.HasPrefix(p, prefix)
	})
}
