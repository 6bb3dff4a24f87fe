package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Static serves embedded files under content-hashed URLs
// (/static/<hash>/<name>), so a kiosk browser may cache them for a year and
// still sees a new release at once. Files are held in memory, with a gzip copy.
type Static struct {
	prefix string
	files  map[string]*staticFile // by name, e.g. "css/app.css"
}

type staticFile struct {
	hash  string
	body  []byte
	gz    []byte
	ctype string
}

// NewStatic loads every file of fsys (rooted at the static directory).
func NewStatic(fsys fs.FS, prefix string) (*Static, error) {
	s := &Static{prefix: prefix, files: map[string]*staticFile{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		f := &staticFile{hash: hex.EncodeToString(sum[:5]), body: b, ctype: mime.TypeByExtension(path.Ext(p))}
		if f.ctype == "" {
			f.ctype = "application/octet-stream"
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		if gz.Len() < len(b) {
			f.gz = gz.Bytes()
		}
		s.files[p] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	return s, nil
}

// Has reports whether the named file exists.
func (s *Static) Has(name string) bool {
	_, ok := s.files[name]
	return ok
}

// URL returns the hashed URL of the named file. It panics on an unknown
// name: NewRenderer resolves every name a template passes to "asset" before
// the server starts, so only a Go caller with a wrong literal can reach it.
func (s *Static) URL(name string) string {
	f, ok := s.files[name]
	if !ok {
		panic(fmt.Sprintf("unknown static file %q", name))
	}
	return s.prefix + "/" + f.hash + "/" + name
}

// Handler serves GET <prefix>/<hash>/<name>.
func (s *Static) Handler(c *fiber.Ctx) error {
	rest := strings.TrimPrefix(c.Path(), s.prefix+"/")
	hash, name, ok := strings.Cut(rest, "/")
	f, found := s.files[name]
	if !ok || !found {
		return fiber.ErrNotFound
	}
	if hash == f.hash {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache") // an old page asking for an old version
	}
	c.Set(fiber.HeaderContentType, f.ctype)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	if f.gz != nil && strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(f.gz)
	}
	return c.Send(f.body)
}
