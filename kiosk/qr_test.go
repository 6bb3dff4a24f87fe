package kiosk_test

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// MustDecodeQR decodes a PNG QR code and returns the text it encodes, and the image's size.
func MustDecodeQR(tb testing.TB, pngData []byte) (string, image.Rectangle) {
	tb.Helper()
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		tb.Fatalf("not a PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		tb.Fatal(err)
	}
	// The PNGs are pure codes with a quiet zone: without the PURE_BARCODE hint
	// gozxing misreads about 3 in 1,000 of them (measured by the browser
	// suite); with it, it cannot size small codes whose modules are not whole
	// pixels. Try the hint first, then the general detector.
	pure := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, pure)
	if err != nil {
		res, err = qrcode.NewQRCodeReader().Decode(bmp, nil)
	}
	if err != nil {
		tb.Fatalf("no QR code in the image: %v", err)
	}
	return res.GetText(), img.Bounds()
}

func TestQRCodeEncodesSurveyURL(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	if len(siti.Code) < 6 || strings.Contains(siti.Code, nipSiti) || strings.Contains(nipSiti, siti.Code) {
		t.Fatalf("code %q is not a short opaque code distinct from the NIP", siti.Code)
	}
	qrURL := k.URL + "/qr/" + siti.Code + ".png"

	resp, body := MustGet(t, http.DefaultClient, qrURL)
	MustStatus(t, resp, body, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "image/png" {
		t.Errorf("Content-Type %q, want image/png", ct)
	}
	text, bounds := MustDecodeQR(t, []byte(body))
	if want := k.URL + "/s/" + siti.Code; text != want {
		t.Errorf("QR encodes %q, want %q", text, want)
	}
	if bounds.Dx() != 256 || bounds.Dy() != 256 {
		t.Errorf("default QR is %v, want 256×256", bounds)
	}
	if strings.Contains(text, nipSiti) {
		t.Error("the QR code reveals the NIP")
	}
	// The encoded URL opens the survey.
	resp, page := MustGet(t, http.DefaultClient, text)
	MustStatus(t, resp, page, http.StatusOK)
	if !strings.Contains(page, "Siti Aminah") {
		t.Error("the URL in the QR code does not open the staff member's survey")
	}

	for _, size := range []int{128, 512, 1024} {
		resp, body := MustGet(t, http.DefaultClient, qrURL+"?size="+strconv.Itoa(size))
		MustStatus(t, resp, body, http.StatusOK)
		text, bounds := MustDecodeQR(t, []byte(body))
		if bounds.Dx() != size || text != k.URL+"/s/"+siti.Code {
			t.Errorf("size=%d: %v encoding %q", size, bounds, text)
		}
	}
	for _, bad := range []string{"127", "1025", "0", "-256", "abc", "256px", "1e3"} {
		resp, body := MustGet(t, http.DefaultClient, qrURL+"?size="+bad)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("size=%s: status %d, want 400", bad, resp.StatusCode)
		}
		if !strings.Contains(body, "128") || !strings.Contains(body, "1024") {
			t.Errorf("size=%s: the refusal does not give the bounds", bad)
		}
	}

	// Cached: a strong ETag, and 304 when the browser has it.
	resp, body = MustGet(t, http.DefaultClient, qrURL)
	tag := resp.Header.Get("ETag")
	if tag == "" || !strings.HasPrefix(tag, `"`) {
		t.Fatalf("ETag %q", tag)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Errorf("Cache-Control %q", cc)
	}
	req, _ := http.NewRequest(http.MethodGet, qrURL, nil)
	req.Header.Set("If-None-Match", tag)
	resp, notModified := MustDo(t, http.DefaultClient, req)
	MustStatus(t, resp, notModified, http.StatusNotModified)
	if notModified != "" {
		t.Errorf("304 with a body of %d bytes", len(notModified))
	}
	req, _ = http.NewRequest(http.MethodGet, qrURL, nil)
	req.Header.Set("If-None-Match", `"0000"`)
	resp, again := MustDo(t, http.DefaultClient, req)
	MustStatus(t, resp, again, http.StatusOK)
	if again != body {
		t.Error("the same QR code renders differently twice")
	}
	resp, other := MustGet(t, http.DefaultClient, qrURL+"?size=512")
	MustStatus(t, resp, other, http.StatusOK)
	if resp.Header.Get("ETag") == tag {
		t.Error("different sizes share an ETag")
	}

	// Neither the NIP nor a name without .png is a QR address.
	for _, p := range []string{"/qr/" + nipSiti + ".png", "/qr/" + siti.Code, "/qr/tidakada.png"} {
		resp, _ := MustGet(t, http.DefaultClient, k.URL+p)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
	resp, body = MustGet(t, http.DefaultClient, k.URL+"/s/"+nipSiti)
	MustStatus(t, resp, body, http.StatusNotFound)
}

func TestCardAndCounterPages(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "4")
	hc := MustNewClient(t)

	resp, card := MustGet(t, hc, k.URL+"/card/"+siti.Code)
	MustStatus(t, resp, card, http.StatusOK)
	for _, want := range []string{"Siti Aminah", "Loket 4", "Pindai untuk menilai layanan saya",
		`<img class="qr" src="/qr/` + siti.Code + `.png?size=512"`, `<img class="photo" src="/static/`, k.URL + "/s/" + siti.Code} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q", want)
		}
	}
	resp, counter := MustGet(t, hc, k.URL+"/counter/"+siti.Code)
	MustStatus(t, resp, counter, http.StatusOK)
	for _, want := range []string{"Siti Aminah", "Loket 4", `src="/qr/` + siti.Code + `.png?size=768"`, `width="512"`} {
		if !strings.Contains(counter, want) {
			t.Errorf("counter screen lacks %q", want)
		}
	}
	// The QR images the pages use decode to the survey URL.
	for _, src := range []string{"/qr/" + siti.Code + ".png?size=512", "/qr/" + siti.Code + ".png?size=768"} {
		resp, body := MustGet(t, hc, k.URL+src)
		MustStatus(t, resp, body, http.StatusOK)
		if text, _ := MustDecodeQR(t, []byte(body)); text != k.URL+"/s/"+siti.Code {
			t.Errorf("%s encodes %q", src, text)
		}
	}
	for _, p := range []string{"/card/tidakada", "/counter/tidakada", "/card/" + nipSiti} {
		resp, _ := MustGet(t, hc, k.URL+p)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
}
