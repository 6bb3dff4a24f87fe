package wire

import (
	"bufio"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// FileFormat names the offline batch file format.
const FileFormat = "skm-batch-file/1"

// FileHeader is the first line of an offline batch file.
type FileHeader struct {
	Format    string    `json:"format"`
	KioskID   string    `json:"kiosk_id"`
	CreatedAt time.Time `json:"created_at"`
}

// FileEntry is one further line: a batch or the kiosk's visit tallies
// (VisitTallies), as exact JSON bytes, and the kiosk's signature over them.
// Exactly one of Batch and Visits is set. The file needs no clock check: it
// may travel for days.
type FileEntry struct {
	Signature string          `json:"signature"`
	Batch     json.RawMessage `json:"batch,omitempty"`
	Visits    json.RawMessage `json:"visits,omitempty"`
}

// FileWriter writes an offline batch file (JSON lines) for `central import`.
type FileWriter struct {
	w   *bufio.Writer
	key ed25519.PrivateKey
}

// NewFileWriter writes the header and returns a writer for batches.
func NewFileWriter(w io.Writer, kioskID string, key ed25519.PrivateKey, now time.Time) (*FileWriter, error) {
	fw := &FileWriter{w: bufio.NewWriter(w), key: key}
	if err := fw.line(FileHeader{Format: FileFormat, KioskID: kioskID, CreatedAt: now.UTC()}); err != nil {
		return nil, err
	}
	return fw, nil
}

// Write appends one signed batch.
func (fw *FileWriter) Write(b Batch) error {
	raw, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode batch: %w", err)
	}
	return fw.line(FileEntry{Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(fw.key, fileMessage(raw))), Batch: raw})
}

// WriteVisits appends the kiosk's signed visit tallies.
func (fw *FileWriter) WriteVisits(v VisitTallies) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode visit tallies: %w", err)
	}
	return fw.line(FileEntry{Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(fw.key, visitsMessage(raw))), Visits: raw})
}

// Flush writes buffered lines out.
func (fw *FileWriter) Flush() error { return fw.w.Flush() }

func (fw *FileWriter) line(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = fw.w.Write(b)
	return err
}

func fileMessage(batch []byte) []byte { return append([]byte("SKM-FILE1\n"), batch...) }

// visitsMessage differs from fileMessage so that a signed batch cannot pass
// for tallies, or the reverse.
func visitsMessage(visits []byte) []byte { return append([]byte("SKM-FILE1-VISITS\n"), visits...) }

// VerifyFileEntry checks an entry's signature with the kiosk's public key.
func VerifyFileEntry(pub ed25519.PublicKey, e FileEntry) bool {
	raw, err := base64.StdEncoding.DecodeString(e.Signature)
	msg := fileMessage(e.Batch)
	if len(e.Visits) > 0 {
		msg = visitsMessage(e.Visits)
	}
	return err == nil && len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, msg, raw)
}

// FileReader reads an offline batch file one batch at a time, so a file of
// any size is read in constant memory.
type FileReader struct {
	Header FileHeader
	sc     *bufio.Scanner
	line   int
}

// NewFileReader reads and checks the header line.
func NewFileReader(r io.Reader) (*FileReader, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxBodyBytes)
	fr := &FileReader{sc: sc}
	if !sc.Scan() {
		return nil, fmt.Errorf("the file is empty or unreadable: %v", sc.Err())
	}
	fr.line = 1
	if err := json.Unmarshal(sc.Bytes(), &fr.Header); err != nil || fr.Header.Format != FileFormat {
		return nil, fmt.Errorf("line 1: not a batch file written by `kiosk export` (format %q expected)", FileFormat)
	}
	return fr, nil
}

// Next returns the next entry and its line number, or io.EOF.
func (fr *FileReader) Next() (FileEntry, int, error) {
	var e FileEntry
	if !fr.sc.Scan() {
		if err := fr.sc.Err(); err != nil {
			return e, fr.line + 1, fmt.Errorf("line %d: %w", fr.line+1, err)
		}
		return e, fr.line, io.EOF
	}
	fr.line++
	if err := json.Unmarshal(fr.sc.Bytes(), &e); err != nil || (len(e.Batch) == 0) == (len(e.Visits) == 0) {
		return e, fr.line, fmt.Errorf("line %d: not a batch or visit-tally entry", fr.line)
	}
	return e, fr.line, nil
}

// ErrBadFileSignature reports an entry whose signature does not verify.
var ErrBadFileSignature = errors.New("the batch signature does not verify with the kiosk's key: the file was altered or comes from another kiosk")
