package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/skmkiosk/skm/cmd/internal/cli"
	"github.com/skmkiosk/skm/kiosk"
	"github.com/skmkiosk/skm/kiosk/ticket"
	"github.com/skmkiosk/skm/survey"
)

// CounterTokenEnv holds the counter token `kiosk ticket print` creates
// visits with: an environment variable, never an argument another user
// could read in the process list.
const CounterTokenEnv = "KIOSK_COUNTER_TOKEN"

const ticketUsage = `usage: kiosk ticket print --out FILE|DEVICE [--width 58|80] [--number A-012] [--counter TEXT]
        (--nip NIP [--service CODE] [--kiosk URL]  |  --url SURVEY_URL [--expires RFC3339])
        [--preview FILE.png]
  With --nip it creates a one-time visit code (POST /api/v1/visits, the counter token in $` + CounterTokenEnv + `);
  with --url it prints a code the queue system already created. --out "-" writes to standard output.`

// ticketCommand prints a queue ticket with its rating QR code for an ESC/POS printer.
func ticketCommand(ctx context.Context, cfg kiosk.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "print" {
		return cli.Usagef("%s", ticketUsage)
	}
	fs := flag.NewFlagSet("ticket print", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "file or printer device")
	width := fs.Int("width", 58, "paper width in mm")
	number := fs.String("number", "", "queue number")
	counter := fs.String("counter", "", "counter or officer")
	nip := fs.String("nip", "", "staff member who served")
	service := fs.String("service", "", "service code")
	kioskURL := fs.String("kiosk", "", "the kiosk's address")
	surveyURL := fs.String("url", "", "a visit's survey_url")
	expires := fs.String("expires", "", "the visit's expires_at")
	preview := fs.String("preview", "", "also write the ticket's image as PNG")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 0 {
		return cli.Usagef("%v\n%s", errOr(err, "unexpected arguments"), ticketUsage)
	}
	paper, err := ticket.PaperOf(*width)
	if err != nil {
		return cli.Usagef("--width: %v", err)
	}
	if *out == "" || (*nip == "") == (*surveyURL == "") {
		return cli.Usagef("give --out, and either --nip or --url\n%s", ticketUsage)
	}
	t := ticket.Ticket{Office: cfg.OfficeName, Number: *number, Counter: *counter, Service: *service, URL: *surveyURL, Printed: time.Now().In(survey.Jakarta)}
	if *expires != "" {
		at, err := time.Parse(time.RFC3339, *expires)
		if err != nil {
			return cli.Usagef("--expires %q: use the expires_at of the visit (RFC 3339)", *expires)
		}
		t.ExpiresAt = at.In(survey.Jakarta)
	}
	if *nip != "" {
		base := *kioskURL
		if base == "" {
			base = kioskBase(cfg)
		}
		v, err := createVisit(ctx, base, *nip, *service)
		if err != nil {
			return err
		}
		t.URL, t.ExpiresAt = v.SurveyURL, v.ExpiresAt.In(survey.Jakarta)
	}
	b, err := ticket.Encode(t, paper)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	if *preview != "" {
		if err := writePreview(*preview, b); err != nil {
			return err
		}
	}
	if err := writeTicket(*out, b, stdout); err != nil {
		return err
	}
	if *out != "-" {
		fmt.Fprintf(stdout, "ticket printed to %s (%d bytes, %d mm)\n", *out, len(b), *width)
	}
	return nil
}

func errOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New(msg)
}

// kioskBase is the kiosk's own address from its configuration.
func kioskBase(cfg kiosk.Config) string {
	if cfg.PublicURL != "" {
		return cfg.PublicURL
	}
	_, port, _ := net.SplitHostPort(cfg.Listen)
	return "http://127.0.0.1:" + port
}

// visitReply is the part of POST /api/v1/visits' answer the ticket needs.
type visitReply struct {
	SurveyURL string    `json:"survey_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// createVisit asks the kiosk for a one-time visit code with the counter token.
func createVisit(ctx context.Context, base, nip, service string) (visitReply, error) {
	var v visitReply
	token := strings.TrimSpace(os.Getenv(CounterTokenEnv))
	if token == "" {
		return v, cli.Usagef("set %s to the counter's token (kiosk token create --role counter --nip NIP)", CounterTokenEnv)
	}
	body, _ := json.Marshal(map[string]string{"nip": nip, "service": service})
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/api/v1/visits", bytes.NewReader(body))
	if err != nil {
		return v, cli.Usagef("--kiosk %q: %v", base, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return v, fmt.Errorf("create a visit at %s: %w", base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return v, fmt.Errorf("create a visit at %s: %w", base, err)
	}
	if resp.StatusCode != http.StatusCreated {
		var e struct {
			Error struct{ Message, MessageID string } `json:"error"`
		}
		json.Unmarshal(raw, &e)
		msg := fmt.Sprintf("%s / %s", e.Error.MessageID, e.Error.Message)
		if resp.StatusCode >= 500 || e.Error.Message == "" {
			return v, fmt.Errorf("the kiosk answered %s: %s", resp.Status, strings.TrimSpace(string(raw)))
		}
		return v, cli.Usagef("the kiosk refused the visit (%s): %s", resp.Status, msg)
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.SurveyURL == "" {
		return v, fmt.Errorf("the kiosk's answer has no survey_url: %s", raw)
	}
	return v, nil
}

// writeTicket sends b to path: standard output for "-", a device as it is
// (a printer such as /dev/usb/lp0 is opened for writing, never created),
// otherwise a new or replaced file.
func writeTicket(path string, b []byte, stdout io.Writer) error {
	if path == "-" {
		_, err := stdout.Write(b)
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		flags = os.O_WRONLY
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return cli.Usagef("--out: %v", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("print to %s: %w", path, err)
	}
	return f.Close()
}

// writePreview writes the ticket's raster image as a PNG.
func writePreview(path string, b []byte) error {
	p, err := ticket.Parse(b)
	if err != nil || p.Image == nil {
		return fmt.Errorf("preview: %v", errOr(err, "no image"))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, p.Image); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return cli.Usagef("--preview: %v", err)
	}
	return nil
}
