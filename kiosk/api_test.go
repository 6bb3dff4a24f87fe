package kiosk_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/skmkiosk/skm/store/sqlite"
	"github.com/skmkiosk/skm/survey"
)

// apiError is the JSON body of every API error.
type apiError struct {
	Error struct {
		Code      string `json:"code"`
		Field     string `json:"field"`
		Message   string `json:"message"`
		MessageID string `json:"message_id"`
	} `json:"error"`
}

// MustErrorField parses an API error body, checks its shape and returns its field.
func MustErrorField(tb testing.TB, body string) string {
	tb.Helper()
	var e apiError
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		tb.Fatalf("error body is not {\"error\":{...}}: %v in %s", err, clip(body))
	}
	if e.Error.Code == "" || e.Error.Message == "" || e.Error.MessageID == "" {
		tb.Errorf("error body lacks code or messages: %s", body)
	}
	return e.Error.Field
}

// MustRawRequest writes raw bytes to the server at base and reads one response.
func MustRawRequest(tb testing.TB, base, raw string) (*http.Response, string) {
	tb.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		tb.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, base, nil)
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, string(b)
}

// responseBody is a complete, valid request to POST /api/v1/responses.
func responseBody(nip, service, key string) map[string]any {
	return map[string]any{"nip": nip, "service": service, "ratings": allFours(), "comment": "Pelayanan cepat",
		"profile": map[string]any{"age_band": "30-39", "sex": "P"}, "idempotency_key": key}
}

// responseJSON is responseBody encoded.
func responseJSON(nip, service, key string) string { return mustJSON(responseBody(nip, service, key)) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// created is the body of a 201 or a replayed 200.
type created struct {
	ID       string         `json:"id"`
	Seq      int64          `json:"seq"`
	NIP      string         `json:"nip"`
	Service  string         `json:"service"`
	Ratings  map[string]int `json:"ratings"`
	Replayed bool           `json:"replayed"`
}

// MustCreateResponse posts body and expects status; it returns the decoded reply.
func MustCreateResponse(tb testing.TB, base, body string, status int) created {
	tb.Helper()
	return MustCreateResponseFrom(tb, http.DefaultClient, base, body, status)
}

func TestAPICreateResponseDurableAndIdempotent(t *testing.T) {
	k := MustStartKiosk(t)
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")

	first := MustCreateResponse(t, k.URL, responseJSON(nipSiti, "KTPEL_BARU", "antrian-0001"), http.StatusCreated)
	if u, err := uuid.Parse(first.ID); err != nil || u.Version() != 7 {
		t.Errorf("id %q is not a UUIDv7 (%v)", first.ID, err)
	}
	if first.Seq != 1 || first.Replayed || first.NIP != nipSiti || first.Service != "KTPEL_BARU" || first.Ratings["sarana"] != 4 {
		t.Errorf("201 reply = %+v", first)
	}
	// The row is there before the reply, with what was sent.
	stored, err := k.DB.ResponseByID(context.Background(), first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Channel != survey.ChannelAPI || stored.Comment != "Pelayanan cepat" || stored.Profile.Sex != "P" || stored.Ratings.Get(survey.Waktu) != 4 {
		t.Errorf("stored = %+v", stored)
	}
	if got, want := stored.CreatedAt, testStart.UTC(); !got.Equal(want) || got.Location().String() != "UTC" {
		t.Errorf("created_at = %v, want %v in UTC", got, want)
	}

	replay := MustCreateResponse(t, k.URL, responseJSON(nipSiti, "KTPEL_BARU", "antrian-0001"), http.StatusOK)
	if replay.ID != first.ID || replay.Seq != first.Seq || !replay.Replayed {
		t.Errorf("replay = %+v, want id %s seq %d replayed", replay, first.ID, first.Seq)
	}
	other := responseBody(nipSiti, "KTPEL_BARU", "antrian-0001")
	other["comment"] = "Jawaban lain"
	resp, body := MustPostJSON(t, http.DefaultClient, k.URL+"/api/v1/responses", mustJSON(other))
	MustStatus(t, resp, body, http.StatusConflict)
	if f := MustErrorField(t, body); f != "idempotency_key" {
		t.Errorf("conflict field %q, want idempotency_key", f)
	}
	if n := MustCountResponses(t, k); n != 1 {
		t.Errorf("%d rows after a replay and a conflict, want 1", n)
	}

	// Without a key every request is a new response; charset is allowed.
	noKey := responseBody(nipSiti, "AKTA_LAHIR", "")
	delete(noKey, "idempotency_key")
	resp, body = MustPostRaw(t, http.DefaultClient, k.URL+"/api/v1/responses", "application/json; charset=utf-8", []byte(mustJSON(noKey)))
	MustStatus(t, resp, body, http.StatusCreated)
	second := MustCreateResponse(t, k.URL, mustJSON(noKey), http.StatusCreated)
	if second.Seq != 3 {
		t.Errorf("third response seq %d, want 3", second.Seq)
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		r, b := MustGet(t, http.DefaultClient, k.URL+loc)
		if r.StatusCode == http.StatusNotFound {
			t.Errorf("201 Location %s leads to 404: %s", loc, b)
		}
	}

	// Durable: a fresh open of the file after the server stops reads it back.
	k.Stop()
	db, err := sqlite.OpenKiosk(context.Background(), k.Path, sqlite.KioskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	again, err := db.ResponseByID(context.Background(), first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Seq != 1 || again.NIP != nipSiti || again.Ratings != stored.Ratings || again.Hash != stored.Hash {
		t.Errorf("reopened = %+v, want %+v", again, stored)
	}
	if n, err := db.CountResponses(context.Background()); err != nil || n != 3 {
		t.Errorf("reopened count %d (%v), want 3", n, err)
	}
}

func TestAPIConcurrentReplayStoresOne(t *testing.T) {
	k := MustStartKiosk(t)
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	body := responseJSON(nipSiti, "KTPEL_BARU", "ketuk-dua-kali")
	const n = 12
	statuses := make([]int, n)
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := http.Post(k.URL+"/api/v1/responses", "application/json", strings.NewReader(body))
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			var c created
			errs[i] = json.NewDecoder(resp.Body).Decode(&c)
			statuses[i], ids[i] = resp.StatusCode, c.ID
		})
	}
	wg.Wait()
	createdN := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		switch statuses[i] {
		case http.StatusCreated:
			createdN++
		case http.StatusOK:
		default:
			t.Errorf("status %d", statuses[i])
		}
		if ids[i] != ids[0] {
			t.Errorf("ids differ: %s and %s", ids[i], ids[0])
		}
	}
	if createdN != 1 {
		t.Errorf("%d of %d simultaneous posts got 201, want 1", createdN, n)
	}
	if got := MustCountResponses(t, k); got != 1 {
		t.Errorf("%d rows, want 1", got)
	}
}

func TestAPIRefusesBadInput(t *testing.T) {
	k := MustStartKiosk(t)
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	MustAddStaff(t, k, nipBudi, "Budi Santoso", "2")
	ctx := context.Background()
	if err := k.DB.SetStaffActive(ctx, nipBudi, false); err != nil {
		t.Fatal(err)
	}
	if err := k.DB.SaveService(ctx, &survey.Service{Code: "LAYANAN_LAMA", NameID: "Layanan lama", Active: false}); err != nil {
		t.Fatal(err)
	}

	with := func(change func(m map[string]any)) []byte {
		m := responseBody(nipSiti, "KTPEL_BARU", "")
		change(m)
		return []byte(mustJSON(m))
	}
	rating := func(e string, v any) []byte {
		return with(func(m map[string]any) {
			r := map[string]any{}
			for k, v := range allFours() {
				r[k] = v
			}
			r[e] = v
			m["ratings"] = r
		})
	}
	withRaw := func(field, rawValue string) []byte {
		// Replace the comment with raw bytes the JSON encoder would never write.
		b := with(func(m map[string]any) { m[field] = "@@RAW@@" })
		return []byte(strings.Replace(string(b), `"@@RAW@@"`, rawValue, 1))
	}
	valid := with(func(map[string]any) {})
	limit := k.Config.CommentLimit

	cases := []struct {
		name        string
		contentType string
		body        []byte
		status      int
		field       string
	}{
		{"unknown staff", "", with(func(m map[string]any) { m["nip"] = nipAgus }), 404, "nip"},
		{"inactive staff", "", with(func(m map[string]any) { m["nip"] = nipBudi }), 404, "nip"},
		{"missing nip", "", with(func(m map[string]any) { delete(m, "nip") }), 400, "nip"},
		{"nip not a string", "", with(func(m map[string]any) { m["nip"] = 196608011988031001 }), 400, "nip"},
		{"missing element", "", with(func(m map[string]any) {
			r := allFours()
			delete(r, "waktu")
			m["ratings"] = r
		}), 400, "ratings.waktu"},
		{"no ratings", "", with(func(m map[string]any) { delete(m, "ratings") }), 400, "ratings.persyaratan"},
		{"ratings not an object", "", with(func(m map[string]any) { m["ratings"] = []int{4, 4, 4, 4, 4, 4, 4, 4, 4} }), 400, "ratings"},
		{"rating 0", "", rating("persyaratan", 0), 400, "ratings.persyaratan"},
		{"rating 5", "", rating("biaya", 5), 400, "ratings.biaya"},
		{"rating -1", "", rating("sarana", -1), 400, "ratings.sarana"},
		{"rating 300", "", rating("sarana", 300), 400, "ratings.sarana"},
		{"rating as string", "", rating("prosedur", "4"), 400, "ratings.prosedur"},
		{"rating 3.5", "", rating("perilaku", 3.5), 400, "ratings.perilaku"},
		{"rating null", "", rating("produk", nil), 400, "ratings.produk"},
		{"unknown element", "", rating("kecepatan", 4), 400, "ratings.kecepatan"},
		{"unknown service", "", with(func(m map[string]any) { m["service"] = "PASPOR" }), 400, "service"},
		{"inactive service", "", with(func(m map[string]any) { m["service"] = "LAYANAN_LAMA" }), 400, "service"},
		{"missing service", "", with(func(m map[string]any) { delete(m, "service") }), 400, "service"},
		{"comment over the limit", "", with(func(m map[string]any) { m["comment"] = strings.Repeat("é", limit+1) }), 400, "comment"},
		{"invalid UTF-8 in comment", "", withRaw("comment", "\"sangat \xff baik\""), 400, "comment"},
		{"invalid UTF-8 after a comma", "", withRaw("comment", "\"cepat, \xfe\xff ramah\""), 400, "comment"},
		{"invalid UTF-8 in nip", "", withRaw("nip", "\"19660801198803100\xff\""), 400, "nip"},
		{"bad profile value", "", with(func(m map[string]any) { m["profile"] = map[string]string{"sex": "X"} }), 400, "profile.sex"},
		{"idempotency key too long", "", with(func(m map[string]any) { m["idempotency_key"] = strings.Repeat("k", 101) }), 400, "idempotency_key"},
		{"NUL in the idempotency key", "", with(func(m map[string]any) { m["idempotency_key"] = "antrian\x001" }), 400, "idempotency_key"},
		{"a field given twice", "", withRaw("nip", `"`+nipSiti+`","nip":"`+nipBudi+`"`), 400, "nip"},
		{"a field given twice in another case", "", withRaw("service", `"KTPEL_BARU","SERVICE":"KIA"`), 400, "SERVICE"},
		{"an element rated twice", "", withRaw("ratings", `{"persyaratan":4,"prosedur":4,"waktu":4,"biaya":4,"produk":4,"kompetensi":4,"perilaku":4,"pengaduan":4,"sarana":4,"waktu":1}`), 400, "ratings.waktu"},
		{"a profile field twice", "", withRaw("profile", `{"sex":"L","sex":"P"}`), 400, "profile.sex"},
		{"unknown top-level field", "", with(func(m map[string]any) { m["rating"] = 4 }), 400, "rating"},
		{"malformed JSON", "", []byte(`{"nip": "` + nipSiti + `", "service": `), 400, "body"},
		{"unquoted key", "", []byte(`{nip: 1}`), 400, "body"},
		{"trailing object", "", append(append([]byte{}, valid...), " {}"...), 400, "body"},
		{"trailing garbage", "", append(append([]byte{}, valid...), "x"...), 400, "body"},
		{"array body", "", []byte(`[]`), 400, "body"},
		{"empty body", "", []byte(``), 400, "body"},
		{"text/plain", "text/plain", valid, 415, "Content-Type"},
		{"form encoded", "application/x-www-form-urlencoded", valid, 415, "Content-Type"},
		{"no Content-Type", "-", valid, 415, "Content-Type"},
		{"look-alike type", "application/jsonp", valid, 415, "Content-Type"},
		{"body over the limit", "", with(func(m map[string]any) { m["comment"] = strings.Repeat("a", 20<<10) }), 413, "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ct := "application/json"
			switch tc.contentType {
			case "":
			case "-":
				ct = ""
			default:
				ct = tc.contentType
			}
			resp, body := MustPostRaw(t, http.DefaultClient, k.URL+"/api/v1/responses", ct, tc.body)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tc.status, clip(body))
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("error Content-Type %q", ct)
			}
			if got := MustErrorField(t, body); got != tc.field {
				t.Errorf("error field %q, want %q: %s", got, tc.field, body)
			}
			if n := MustCountResponses(t, k); n != 0 {
				t.Fatalf("%d rows stored after a refused request", n)
			}
		})
	}

	// A body declared over the route's limit is refused before it is read:
	// send only the 8 KiB the server reads ahead of any handler, so the test
	// does not race the server closing the connection.
	resp, body := MustRawRequest(t, k.URL, "POST /api/v1/responses HTTP/1.1\r\nHost: kiosk\r\n"+
		"Content-Type: application/json\r\nContent-Length: 9437184\r\n\r\n"+strings.Repeat("x", 8<<10))
	MustStatus(t, resp, body, http.StatusRequestEntityTooLarge)
	if got := MustErrorField(t, body); got != "body" {
		t.Errorf("9 MiB body: error field %q, want body", got)
	}

	// The same request, corrected, is accepted: the refusals above were for the reasons tested.
	MustCreateResponse(t, k.URL, string(valid), http.StatusCreated)
	exact := with(func(m map[string]any) { m["comment"] = strings.Repeat("é", limit) })
	MustCreateResponse(t, k.URL, string(exact), http.StatusCreated)
	if n := MustCountResponses(t, k); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}

func TestAPIStaffServicesHealth(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "Loket 1")
	MustAddStaff(t, k, nipBudi, "Budi Santoso", "Loket 2")
	MustAddStaff(t, k, nipAgus, "Agus Salim", "Loket 3")
	ctx := context.Background()
	if err := k.DB.SetStaffActive(ctx, nipAgus, false); err != nil {
		t.Fatal(err)
	}

	resp, body := MustGet(t, http.DefaultClient, k.URL+"/api/v1/staff")
	MustStatus(t, resp, body, http.StatusOK)
	var raw []map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"nip", "name", "counter", "survey_url", "qr_url"} {
		for _, s := range raw {
			if _, ok := s[field]; !ok {
				t.Errorf("staff entry lacks %q: %v", field, s)
			}
		}
	}
	staff := MustAPIStaff(t, k.URL)
	if len(staff) != 2 {
		t.Fatalf("GET /api/v1/staff = %+v, want the 2 active staff", staff)
	}
	got := staff[0]
	if got.NIP != nipSiti || got.Name != "Siti Aminah" || got.Counter != "Loket 1" ||
		got.SurveyURL != k.URL+"/s/"+siti.Code || got.QRURL != k.URL+"/qr/"+siti.Code+".png" {
		t.Errorf("first staff entry = %+v (code %s)", got, siti.Code)
	}
	for _, s := range staff {
		if strings.Contains(s.SurveyURL, s.NIP) || strings.Contains(s.QRURL, s.NIP) {
			t.Errorf("URLs of %s contain the NIP: %s %s", s.NIP, s.SurveyURL, s.QRURL)
		}
	}

	if err := k.DB.SaveService(ctx, &survey.Service{Code: "LAYANAN_LAMA", NameID: "Layanan lama", Active: false}); err != nil {
		t.Fatal(err)
	}
	resp, body = MustGet(t, http.DefaultClient, k.URL+"/api/v1/services")
	MustStatus(t, resp, body, http.StatusOK)
	var services []survey.Service
	if err := json.Unmarshal([]byte(body), &services); err != nil {
		t.Fatal(err)
	}
	if len(services) != len(survey.DefaultServices()) {
		t.Errorf("%d services, want the %d active defaults", len(services), len(survey.DefaultServices()))
	}
	codes := map[string]bool{}
	for _, s := range services {
		codes[s.Code] = true
		if !s.Active || s.NameID == "" {
			t.Errorf("service entry %+v", s)
		}
	}
	if !codes["KTPEL_BARU"] || codes["LAYANAN_LAMA"] {
		t.Errorf("service codes %v: want KTPEL_BARU and not the inactive LAYANAN_LAMA", codes)
	}

	MustCreateResponse(t, k.URL, responseJSON(nipSiti, "KTPEL_BARU", "h1"), http.StatusCreated)
	MustCreateResponse(t, k.URL, responseJSON(nipBudi, "KTPEL_BARU", "h2"), http.StatusCreated)
	resp, body = MustGet(t, http.DefaultClient, k.URL+"/healthz")
	MustStatus(t, resp, body, http.StatusOK)
	var h struct {
		Status   string `json:"status"`
		Database string `json:"database"`
		Pending  int64  `json:"pending"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatal(err)
	}
	if h.Status != "ok" || h.Database != "ok" || h.Pending != 2 {
		t.Errorf("healthz = %s, want ok with pending 2", body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("healthz Cache-Control %q", cc)
	}
}

func TestAPINormalisesPrintedForms(t *testing.T) {
	k := MustStartKiosk(t)
	MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	m := responseBody("19660801 198803 1 001", "ktpel_baru", "")
	m["comment"] = "  Cepat\r\nsekali\u0007  "
	m["profile"] = map[string]string{"sex": "p", "age_band": " 30-39 "}
	c := MustCreateResponse(t, k.URL, mustJSON(m), http.StatusCreated)
	r, err := k.DB.ResponseByID(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.NIP != nipSiti || r.Service != "KTPEL_BARU" || r.Comment != "Cepat\nsekali" || r.Profile.Sex != "P" || r.Profile.AgeBand != "30-39" {
		t.Errorf("stored %+v", r)
	}
}

// MustCreateResponseFrom posts body from hc and expects status; it returns the decoded reply.
func MustCreateResponseFrom(tb testing.TB, hc *http.Client, base, body string, status int) created {
	tb.Helper()
	resp, reply := MustPostJSON(tb, hc, base+"/api/v1/responses", body)
	MustStatus(tb, resp, reply, status)
	var c created
	if err := json.Unmarshal([]byte(reply), &c); err != nil {
		tb.Fatalf("reply %s: %v", reply, err)
	}
	return c
}

func TestIdempotencyKeysAreScopedToTheirClient(t *testing.T) {
	k := MustStartKiosk(t)
	siti := MustAddStaff(t, k, nipSiti, "Siti Aminah", "1")
	queue, squatter := MustClientFrom(t, "127.0.0.2"), MustClientFrom(t, "127.0.0.3")
	ones := responseBody(nipSiti, "KTPEL_BARU", "antrian-2030-06-15-A017")
	ones["ratings"] = fill(1)

	// Someone guesses the queue system's next key and uses it first, with 1s.
	squatted := MustCreateResponseFrom(t, squatter, k.URL, mustJSON(ones), http.StatusCreated)
	// The genuine rating with that key is stored, not refused as a conflict, and its retry is a replay.
	genuine := MustCreateResponseFrom(t, queue, k.URL, responseJSON(nipSiti, "KTPEL_BARU", "antrian-2030-06-15-A017"), http.StatusCreated)
	if genuine.ID == squatted.ID {
		t.Fatal("the genuine rating was answered with the squatter's")
	}
	if again := MustCreateResponseFrom(t, queue, k.URL, responseJSON(nipSiti, "KTPEL_BARU", "antrian-2030-06-15-A017"), http.StatusOK); again.ID != genuine.ID {
		t.Errorf("the queue system's retry: %+v, want a replay of %s", again, genuine.ID)
	}
	if again := MustCreateResponseFrom(t, squatter, k.URL, mustJSON(ones), http.StatusOK); again.ID != squatted.ID {
		t.Errorf("the squatter's own retry: %+v, want a replay of %s", again, squatted.ID)
	}
	// Another staff member's rating with the same key from the same client is another rating too.
	MustAddStaff(t, k, nipBudi, "Budi Santoso", "2")
	MustCreateResponseFrom(t, queue, k.URL, responseJSON(nipBudi, "KTPEL_BARU", "antrian-2030-06-15-A017"), http.StatusCreated)

	// A survey form's key, read off a citizen's screen and sent first through the API,
	// does not make the citizen's form fail.
	phone := MustNewClient(t)
	_, formKey := MustSurveyPage(t, phone, k.URL+"/s/"+siti.Code)
	stolen := responseBody(nipSiti, "KTPEL_BARU", formKey)
	stolen["ratings"] = fill(1)
	MustCreateResponseFrom(t, squatter, k.URL, mustJSON(stolen), http.StatusCreated)
	resp, body := MustPostForm(t, phone, k.URL+"/s/"+siti.Code, surveyValues(formKey, "KTPEL_BARU", allFours()))
	if loc := MustRedirect(t, resp, body, "/s/"+siti.Code+"/terima-kasih"); strings.Contains(loc, "ulang") {
		t.Errorf("the citizen's form was answered as a replay: %s", loc)
	}
	if n := MustCountResponses(t, k); n != 5 {
		t.Errorf("%d responses, want 5", n)
	}
	// Every stored key carries its client's mark: the same key twice, under two marks.
	marks := map[string]bool{}
	for _, r := range MustPendingResponses(t, k) {
		key, mark, ok := strings.Cut(r.IdempotencyKey, "~")
		if !ok || len(mark) != 16 || marks[mark] {
			t.Errorf("stored key %q, want the client's key and a mark of its own", r.IdempotencyKey)
		}
		marks[mark] = key != ""
	}
}
