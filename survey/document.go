package survey

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// DocumentKind names what an issued document reports.
type DocumentKind string

// Document kinds (docs/reports-api.md "Verifiable documents").
const (
	// DocEvidence is a staff member's evidence for e-Kinerja (bukti dukung).
	DocEvidence DocumentKind = "evidence"
	// DocSKM is an office's SKM report (PermenPAN-RB 14/2017).
	DocSKM DocumentKind = "skm"
)

// Valid reports whether k is a known kind.
func (k DocumentKind) Valid() bool { return k == DocEvidence || k == DocSKM }

// DocFigure is one figure a document shows, as printed: the figures of a
// document are recomputed from central's data later and compared, key by key.
type DocFigure struct {
	Key   string `json:"key"`
	Label string `json:"label"` // Indonesian, as on the document
	Value string `json:"value"`
}

// Document is an issued PDF's record: what it reports, for whom, when and by
// whom it was issued, its SHA-256 and central's Ed25519 signature over its
// Statement. The PDF itself is not kept: its holder has it, and the hash
// tells whether a file is the one issued.
type Document struct {
	ID       string       `json:"id"`
	Kind     DocumentKind `json:"kind"`
	OfficeID int64        `json:"office_id"`
	// Period is the canonical period code; ClosedThrough the last day
	// (YYYY-MM-DD) the figures include, "" when none had closed.
	Period        string `json:"period"`
	ClosedThrough string `json:"closed_through"`
	// NIP is the staff member of an evidence document ("" for an office's).
	NIP string `json:"nip,omitempty"`
	// Subject is whom the document is about, as printed: the staff member's
	// name, or the office's name.
	Subject  string    `json:"subject"`
	IssuedAt time.Time `json:"issued_at"`
	// IssuedBy is the account ("user:NAME") or API token ("token:N") that asked.
	IssuedBy string `json:"issued_by"`
	SHA256   string `json:"sha256"` // of the PDF's bytes, hex
	// KeyID names the signing key; Signature is base64 Ed25519 over Statement().
	KeyID     string `json:"key_id"`
	Signature string `json:"signature"`
	// Figures are the figures printed; FiguresDigest their digest (FiguresDigest).
	Figures       []DocFigure `json:"figures"`
	FiguresDigest string      `json:"figures_digest"`
}

// documentID is the shape of a document id: 20 characters of NewCode's alphabet.
var documentID = regexp.MustCompile(`^[23456789abcdefghjkmnpqrstuvwxyz]{20}$`)

// NewDocumentID returns a random document id (about 99 bits): unguessable,
// so that only a holder of the document, or of its QR code, finds its page.
func NewDocumentID() string { return NewCode(20) }

// ValidDocumentID reports whether id has a document id's shape.
func ValidDocumentID(id string) bool { return documentID.MatchString(id) }

// FiguresDigest returns the SHA-256 (hex) of the figures in order, each as
// key, label and value, length-prefixed so that no two lists share a digest.
func FiguresDigest(figs []DocFigure) string {
	h := sha256.New()
	for _, f := range figs {
		for _, s := range []string{f.Key, f.Label, f.Value} {
			fmt.Fprintf(h, "%d:%s;", len(s), s)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Statement returns the bytes central signs for d: a versioned text naming
// the document, its kind, office, period, subject, issue time, the PDF's
// SHA-256 and the digest of its figures. Changing any of them in the stored
// record, or the file, breaks the signature's check.
func (d Document) Statement() []byte {
	var b strings.Builder
	b.WriteString("skm-document/1\n")
	for _, kv := range [][2]string{{"id", d.ID}, {"kind", string(d.Kind)}, {"office", fmt.Sprint(d.OfficeID)},
		{"period", d.Period}, {"closed_through", d.ClosedThrough}, {"nip", d.NIP}, {"subject", d.Subject},
		{"issued_at", d.IssuedAt.UTC().Format(time.RFC3339)}, {"sha256", d.SHA256}, {"figures", d.FiguresDigest}} {
		b.WriteString(kv[0] + "=" + strings.ReplaceAll(kv[1], "\n", " ") + "\n")
	}
	return []byte(b.String())
}

// Validate checks a record before it is stored, naming the first bad field.
func (d Document) Validate() error {
	switch {
	case !ValidDocumentID(d.ID):
		return Invalid("id", "a document id is 20 characters", "id dokumen 20 karakter")
	case !d.Kind.Valid():
		return Invalid("kind", fmt.Sprintf("%q is not a document kind", d.Kind), fmt.Sprintf("%q bukan jenis dokumen", d.Kind))
	case d.OfficeID <= 0 || d.Period == "":
		return Invalid("office", "a document needs an office and a period", "dokumen memerlukan kantor dan periode")
	case d.Kind == DocEvidence && d.NIP == "":
		return Invalid("nip", "an evidence document needs a NIP", "dokumen bukti dukung memerlukan NIP")
	case len(d.SHA256) != 64 || d.Signature == "" || d.KeyID == "" || d.FiguresDigest == "":
		return Invalid("sha256", "a document needs its hash, signature and figures digest", "dokumen memerlukan hash, tanda tangan dan ringkasan angka")
	case d.IssuedAt.IsZero() || d.IssuedBy == "":
		return Invalid("issued_by", "a document needs who issued it, and when", "dokumen memerlukan penerbit dan waktunya")
	}
	for _, s := range []string{d.Subject, d.IssuedBy, d.Period, d.ClosedThrough, d.NIP} {
		if !utf8.ValidString(s) || len(s) > 400 || strings.ContainsRune(s, 0) {
			return Invalid("subject", "document text must be valid and short", "teks dokumen harus sah dan pendek")
		}
	}
	return nil
}

// FigureChange is a figure whose value now differs from the document's, or
// that was added or dropped. The current value is deliberately not kept:
// the public verification page names what changed, never a figure the
// document does not show.
type FigureChange struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	// Printed is the value on the document ("" for a figure it lacks).
	Printed string `json:"printed"`
}

// CompareFigures lists the figures of printed whose value differs in now,
// and those only one of them has, in printed's order then now's.
func CompareFigures(printed, now []DocFigure) []FigureChange {
	cur := map[string]DocFigure{}
	for _, f := range now {
		cur[f.Key] = f
	}
	seen := map[string]bool{}
	var out []FigureChange
	for _, f := range printed {
		seen[f.Key] = true
		if c, ok := cur[f.Key]; !ok || c.Value != f.Value {
			out = append(out, FigureChange{Key: f.Key, Label: f.Label, Printed: f.Value})
		}
	}
	for _, f := range now {
		if !seen[f.Key] {
			out = append(out, FigureChange{Key: f.Key, Label: f.Label})
		}
	}
	return out
}

// ErrNoDocument is the answer for an id that names no issued document.
func ErrNoDocument() *Error {
	return NewError(ENOTFOUND, "no document with this id was issued by this central",
		"tidak ada dokumen dengan id ini yang diterbitkan oleh central ini")
}

// DocumentStore keeps the records of issued documents.
type DocumentStore interface {
	// CreateDocument validates and stores d; an id already stored is a conflict.
	CreateDocument(ctx context.Context, d *Document) error
	// DocumentByID returns an issued document's record (ErrNoDocument when none).
	DocumentByID(ctx context.Context, id string) (Document, error)
}
