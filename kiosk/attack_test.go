package kiosk_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/skmkiosk/skm/survey"
)

// The attack suite: one case per class of gaming attempt that docs/security.md
// lists, each run over real HTTP against a kiosk on a loopback port (other
// machines are other loopback source addresses, 127.0.0.x; days pass on the
// kiosk's injected clock). Each case asserts what the kiosk itself does, and
// the runner asserts the invariant every class must meet at the kiosk: each
// attempt is refused, or the rating it leaves is flagged or unverified. An
// unverified rating (channel qr, kiosk or api) is what central keeps out of
// the evidence that decides the reward and coaching lists in an office that
// issues visit codes; the cases marked Central rely on that, because the
// kiosk cannot tell such an attacker from a citizen.
//
// The table is meant to grow end to end: a later suite can sync each case's
// kiosk to a central and assert the officer's list status there.

// attackEnv is one attack's kiosk: Siti Aminah (whose counter PC, the
// default loopback address, is logged in with her counter account and has
// opened her counter screen) and Budi Santoso, her rival.
type attackEnv struct {
	t       *testing.T
	k       *testKiosk
	admin   *http.Client
	counter *http.Client // Siti's counter PC
	siti    survey.Staff
	budi    survey.Staff
	// refused counts the attack's attempts the kiosk refused (any 4xx).
	refused int
	// since is the sequence number of the last rating before the attack.
	since int64
}

func newAttackEnv(t *testing.T) *attackEnv {
	t.Helper()
	k := MustStartKiosk(t)
	e := &attackEnv{t: t, k: k, siti: MustAddStaff(t, k, nipSiti, "Siti Aminah", "1"), budi: MustAddStaff(t, k, nipBudi, "Budi Santoso", "2")}
	e.admin = MustAdmin(t, k)
	e.counter = MustCounterAccount(t, k, e.admin, "loket1", nipSiti)
	resp, page := MustGet(t, e.counter, k.URL+"/counter/"+e.siti.Code) // registers the counter PC
	MustStatus(t, resp, page, http.StatusOK)
	MustNewVisit(t, k, e.counter, e.siti.Code, "KTPEL_BARU") // the office issues visit codes
	e.begin()
	return e
}

// begin marks the start of the attack: honest ratings made before are not its own.
func (e *attackEnv) begin() {
	e.t.Helper()
	e.since = 0
	if rs := MustPendingResponses(e.t, e.k); len(rs) > 0 {
		e.since = rs[len(rs)-1].Seq
	}
	e.refused = 0
}

// stored returns the ratings stored since begin.
func (e *attackEnv) stored() []survey.Response {
	e.t.Helper()
	var out []survey.Response
	for _, r := range MustPendingResponses(e.t, e.k) {
		if r.Seq > e.since {
			out = append(out, r)
		}
	}
	return out
}

// count notes a refusal and returns status.
func (e *attackEnv) count(status int) int {
	if status >= 400 {
		e.refused++
	}
	return status
}

// later moves the kiosk's clock on by d.
func (e *attackEnv) later(d time.Duration) { e.k.Clock.Set(e.k.Clock.Now().Add(d)) }

// rateStatic opens st's static QR survey with hc and submits every element at v.
func (e *attackEnv) rateStatic(hc *http.Client, st survey.Staff, v int) int {
	e.t.Helper()
	_, key := MustSurveyPage(e.t, hc, e.k.URL+"/s/"+st.Code)
	resp, _ := MustPostForm(e.t, hc, e.k.URL+"/s/"+st.Code+"/kirim", surveyValues(key, "KTPEL_BARU", fill(v)))
	return e.count(resp.StatusCode)
}

// rateStaticWith is rateStatic with header set on the submission.
func (e *attackEnv) rateStaticWith(hc *http.Client, st survey.Staff, v int, header http.Header) int {
	e.t.Helper()
	_, key := MustSurveyPage(e.t, hc, e.k.URL+"/s/"+st.Code)
	req, err := http.NewRequest(http.MethodPost, e.k.URL+"/s/"+st.Code+"/kirim", strings.NewReader(surveyValues(key, "KTPEL_BARU", fill(v)).Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header = header
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := MustDo(e.t, hc, req)
	return e.count(resp.StatusCode)
}

// rateAPI posts a rating of nip at v through the API without a visit code.
func (e *attackEnv) rateAPI(hc *http.Client, nip string, v int, key string) int {
	e.t.Helper()
	body := responseBody(nip, "KTPEL_BARU", key)
	body["ratings"] = fill(v)
	resp, _ := MustPostJSON(e.t, hc, e.k.URL+"/api/v1/responses", mustJSON(body))
	return e.count(resp.StatusCode)
}

// openVisit opens a visit code's survey with hc and returns the status and the form key.
func (e *attackEnv) openVisit(hc *http.Client, surveyURL string) (int, string) {
	e.t.Helper()
	resp, page := MustOpenSurvey(e.t, hc, surveyURL)
	if resp.StatusCode != http.StatusOK {
		return e.count(resp.StatusCode), ""
	}
	return resp.StatusCode, MustInputValue(e.t, page, "form_key")
}

// rateVisit opens a visit code with hc and rates it at v.
func (e *attackEnv) rateVisit(hc *http.Client, surveyURL string, v int) int {
	e.t.Helper()
	status, key := e.openVisit(hc, surveyURL)
	if status != http.StatusOK {
		return status
	}
	resp, _ := MustPostForm(e.t, hc, surveyURL+"/kirim", surveyValues(key, "", fill(v)))
	return e.count(resp.StatusCode)
}

// rateTablet rates st on the desk tablet hc at v.
func (e *attackEnv) rateTablet(hc *http.Client, st survey.Staff, v int) int {
	e.t.Helper()
	_, key := MustSurveyPage(e.t, hc, e.k.URL+"/kiosk/s/"+st.Code)
	resp, _ := MustPostForm(e.t, hc, e.k.URL+"/kiosk/s/"+st.Code+"/kirim", surveyValues(key, "KTPEL_BARU", fill(v)))
	return e.count(resp.StatusCode)
}

// phoneAt is a new browser (its own cookies) at address 127.0.0.n.
func (e *attackEnv) phoneAt(n int) *http.Client {
	return MustClientFrom(e.t, fmt.Sprintf("127.0.0.%d", n))
}

// mustFlagged fails unless every one of rs carries flag.
func mustFlagged(t *testing.T, rs []survey.Response, flag string) {
	t.Helper()
	for _, r := range rs {
		if !hasFlag(r.Flags, flag) {
			t.Errorf("rating %d: flags %v, want %s", r.Seq, r.Flags, flag)
		}
	}
}

// mustUnverified fails unless every one of rs is unverified and came through channel.
func mustUnverified(t *testing.T, rs []survey.Response, channel string) {
	t.Helper()
	for _, r := range rs {
		if r.Verified || r.Channel != channel || r.VisitID != "" {
			t.Errorf("rating %d: channel %s verified %v, want unverified on %s", r.Seq, r.Channel, r.Verified, channel)
		}
	}
}

// mustStatuses fails unless got equals want.
func mustStatuses(t *testing.T, what string, got, want []int) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: statuses %v, want %v", what, got, want)
	}
}

// attackClass is one row of the suite.
type attackClass struct {
	Class string
	// Kiosk says what the kiosk does; Central is set where only central's
	// weighting of unverified ratings neutralises the class on the lists.
	Kiosk   string
	Central bool
	Run     func(t *testing.T, e *attackEnv)
}

var attackClasses = []attackClass{
	{
		Class: "staff rating themselves: counter PC",
		Kiosk: "the first rating flagged own_device (unverified qr); repeats refused by limits.per_device",
		Run: func(t *testing.T, e *attackEnv) {
			var got []int
			for range 3 {
				got = append(got, e.rateStatic(e.counter, e.siti, 4))
			}
			mustStatuses(t, "self-ratings from the counter PC", got, []int{303, 429, 429})
			mustFlagged(t, e.stored(), survey.FlagOwnDevice)
			mustUnverified(t, e.stored(), survey.ChannelQR)
		},
	},
	{
		Class:   "staff rating themselves: own phone on the office Wi-Fi",
		Kiosk:   "unverified qr, one per device per 4 h; flagged own_device when the Wi-Fi reaches the kiosk through the counter PC's address",
		Central: true, // a phone with an address of its own looks like a citizen's at the kiosk
		Run: func(t *testing.T, e *attackEnv) {
			wifi := e.phoneAt(20)
			mustStatuses(t, "own phone, own address", []int{e.rateStatic(wifi, e.siti, 4), e.rateStatic(wifi, e.siti, 4)}, []int{303, 429})
			behindNAT := MustNewClient(t) // the counter PC's address, as a NAT shows the Wi-Fi
			mustStatuses(t, "own phone behind the counter's NAT", []int{e.rateStatic(behindNAT, e.siti, 4)}, []int{303})
			rs := e.stored()
			mustUnverified(t, rs, survey.ChannelQR)
			if len(rs) != 2 || hasFlag(rs[0].Flags, survey.FlagOwnDevice) || !hasFlag(rs[1].Flags, survey.FlagOwnDevice) {
				t.Errorf("stored %+v, want the NAT one flagged own_device", rs)
			}
		},
	},
	{
		Class:   "staff rating themselves: own phone on mobile data, paced over days",
		Kiosk:   "unverified qr, unflagged: one a day stays under every limit",
		Central: true,
		Run: func(t *testing.T, e *attackEnv) {
			phone := e.phoneAt(30)
			for range 10 {
				if status := e.rateStatic(phone, e.siti, 4); status != http.StatusSeeOther {
					t.Errorf("a paced self-rating: %d", status)
				}
				e.later(24 * time.Hour)
			}
			mustUnverified(t, e.stored(), survey.ChannelQR)
		},
	},
	{
		Class:   "staff rating themselves: the desk tablet",
		Kiosk:   "unverified kiosk ratings (the enrolled tablet is never limited); past limits.burst_count within the burst window flagged burst",
		Central: true,
		Run: func(t *testing.T, e *attackEnv) {
			tablet, _ := MustEnrollTablet(t, e.k, "Tablet meja")
			e.begin()
			for range 8 {
				e.rateTablet(tablet, e.siti, 4)
				e.later(time.Minute)
			}
			rs := e.stored()
			mustUnverified(t, rs, survey.ChannelKiosk)
			mustFlagged(t, rs[5:], survey.FlagBurst)
		},
	},
	{
		Class: "staff rating themselves: scanning their own visit code",
		Kiosk: "verified but flagged own_device when opened or rated from the counter device or its address",
		Run: func(t *testing.T, e *attackEnv) {
			surveyURL, _ := MustNewVisit(t, e.k, e.counter, e.siti.Code, "KTPEL_BARU")
			mustStatuses(t, "own code on the counter PC", []int{e.rateVisit(e.counter, surveyURL, 4)}, []int{303})
			surveyURL, _ = MustNewVisit(t, e.k, e.counter, e.siti.Code, "KTPEL_BARU")
			mustStatuses(t, "own code on a phone behind the counter's address", []int{e.rateVisit(MustNewClient(t), surveyURL, 4)}, []int{303})
			rs := e.stored()
			mustFlagged(t, rs, survey.FlagOwnDevice)
			for _, r := range rs {
				if !r.Verified || r.Channel != survey.ChannelVisit {
					t.Errorf("rating %d: %+v, want a verified visit rating", r.Seq, r)
				}
			}
		},
	},
	{
		Class: "a burst from one device",
		Kiosk: "refused past limits.per_device (1 per staff member per 4 h), each refusal counted",
		Run: func(t *testing.T, e *attackEnv) {
			phone := e.phoneAt(40)
			var got []int
			for range 6 {
				got = append(got, e.rateStatic(phone, e.budi, 1))
			}
			mustStatuses(t, "six ratings from one phone", got, []int{303, 429, 429, 429, 429, 429})
			mustUnverified(t, e.stored(), survey.ChannelQR)
		},
	},
	{
		Class: "a rival flooded with 1s from many browsers behind one address",
		Kiosk: "refused past limits.per_address (10 per hour); those stored are unverified, past the 5th in 10 minutes flagged burst",
		Run: func(t *testing.T, e *attackEnv) {
			refusedAt := -1
			for i := range 15 {
				if e.rateStatic(e.phoneAt(50), e.budi, 1) == http.StatusTooManyRequests && refusedAt < 0 {
					refusedAt = i
				}
			}
			rs := e.stored()
			if len(rs) != 10 || refusedAt != 10 || e.refused != 5 {
				t.Errorf("%d stored, first refused at %d, %d refused; want 10, 10, 5", len(rs), refusedAt, e.refused)
			}
			mustUnverified(t, rs, survey.ChannelQR)
			mustFlagged(t, rs[5:], survey.FlagBurst)
		},
	},
	{
		Class:   "a rival flooded with 1s from rotating addresses, fast",
		Kiosk:   "every one stored unverified; past the 5th in 10 minutes flagged burst",
		Central: true,
		Run: func(t *testing.T, e *attackEnv) {
			for i := range 12 {
				e.rateStatic(e.phoneAt(60+i), e.budi, 1)
			}
			rs := e.stored()
			mustUnverified(t, rs, survey.ChannelQR)
			mustFlagged(t, rs[5:], survey.FlagBurst)
		},
	},
	{
		Class:   "a rival flooded with 1s, paced over days",
		Kiosk:   "unverified qr, unflagged: three a day from new browsers stay under every limit",
		Central: true,
		Run: func(t *testing.T, e *attackEnv) {
			for day := range 10 {
				for i := range 3 {
					if status := e.rateStatic(e.phoneAt(80+i), e.budi, 1); status != http.StatusSeeOther {
						t.Errorf("day %d: %d", day, status)
					}
					e.later(2 * time.Hour)
				}
				e.later(18 * time.Hour)
			}
			mustUnverified(t, e.stored(), survey.ChannelQR)
		},
	},
	{
		Class: "cookies cleared or blocked",
		Kiosk: "a cleared cookie still meets limits.per_address; a browser without cookies is flagged no_device and meets it too",
		Run: func(t *testing.T, e *attackEnv) {
			var got []int
			for range 6 {
				got = append(got, e.rateStatic(e.phoneAt(90), e.budi, 1)) // a fresh cookie jar each time
			}
			for range 6 {
				got = append(got, e.rateStatic(MustNewCookielessClient(t, "127.0.0.90"), e.budi, 1))
			}
			mustStatuses(t, "cleared then blocked cookies from one address", got,
				[]int{303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 429, 429})
			rs := e.stored()
			mustUnverified(t, rs, survey.ChannelQR)
			mustFlagged(t, rs[6:], survey.FlagNoDevice)
		},
	},
	{
		Class: "forwarded-for headers",
		Kiosk: "ignored: the kiosk limits by the connection's address, so a made-up X-Forwarded-For escapes nothing",
		Run: func(t *testing.T, e *attackEnv) {
			refused := 0
			for i := range 12 {
				h := http.Header{}
				h.Set("X-Forwarded-For", fmt.Sprintf("10.1.%d.%d", i, i+1))
				h.Set("X-Real-Ip", fmt.Sprintf("10.2.%d.1", i))
				h.Set("Forwarded", fmt.Sprintf("for=10.3.%d.1", i))
				if e.rateStaticWith(MustNewCookielessClient(t, "127.0.0.100"), e.budi, 1, h) == http.StatusTooManyRequests {
					refused++
				}
			}
			if refused != 2 {
				t.Errorf("%d refused, want 2: the forged headers moved the address limit", refused)
			}
			mustUnverified(t, e.stored(), survey.ChannelQR)
			mustFlagged(t, e.stored(), survey.FlagNoDevice)
		},
	},
	{
		Class: "the desk tablet's form posted from a phone",
		Kiosk: "refused (403) and counted: the tablet's pages serve enrolled tablets only, and a form key read off the tablet does not help",
		Run: func(t *testing.T, e *attackEnv) {
			tablet, _ := MustEnrollTablet(t, e.k, "Tablet meja")
			_, key := MustSurveyPage(t, tablet, e.k.URL+"/kiosk/s/"+e.budi.Code)
			phone := e.phoneAt(110)
			resp, _ := MustGet(t, phone, e.k.URL+"/kiosk/s/"+e.budi.Code)
			e.count(resp.StatusCode)
			var got []int
			for range 3 {
				resp, _ := MustPostForm(t, phone, e.k.URL+"/kiosk/s/"+e.budi.Code+"/kirim", surveyValues(key, "KTPEL_BARU", fill(1)))
				got = append(got, e.count(resp.StatusCode))
			}
			mustStatuses(t, "the tablet's form from a phone", got, []int{403, 403, 403})
			if len(e.stored()) != 0 || e.refused != 4 {
				t.Errorf("%d stored, %d refused; want 0 and 4", len(e.stored()), e.refused)
			}
		},
	},
	{
		Class: "the rating API without a visit code",
		Kiosk: "unverified api ratings, limited per address like the static QR code (429 past 10 an hour)",
		Run: func(t *testing.T, e *attackEnv) {
			client := e.phoneAt(120)
			for i := range 14 {
				e.rateAPI(client, nipBudi, 1, fmt.Sprintf("flood-%d", i))
			}
			rs := e.stored()
			if len(rs) != 10 || e.refused != 4 {
				t.Errorf("%d stored, %d refused; want 10 and 4", len(rs), e.refused)
			}
			mustUnverified(t, rs, survey.ChannelAPI)
			mustFlagged(t, rs[5:], survey.FlagBurst)
		},
	},
	{
		Class: "a visit code replayed",
		Kiosk: "refused (409): a visit is spent in the transaction that stores its rating",
		Run: func(t *testing.T, e *attackEnv) {
			surveyURL, _ := MustNewVisit(t, e.k, e.counter, e.siti.Code, "KTPEL_BARU")
			citizen := e.phoneAt(130)
			_, key := MustSurveyPage(t, citizen, surveyURL)
			resp, body := MustPostForm(t, citizen, surveyURL+"/kirim", surveyValues(key, "", allFours()))
			MustRedirect(t, resp, body, "/s/")
			e.begin() // the citizen's rating is not the attack's
			token := strings.TrimPrefix(surveyURL, e.k.URL+"/v/")
			var got []int
			resp, _ = MustPostForm(t, citizen, surveyURL+"/kirim", surveyValues(key, "", fill(1))) // the same form, other answers
			got = append(got, e.count(resp.StatusCode))
			resp, _ = MustPostJSON(t, citizen, e.k.URL+"/api/v1/responses", visitResponseJSON(token, "lagi", nil))
			got = append(got, e.count(resp.StatusCode))
			status, _ := e.openVisit(e.phoneAt(131), surveyURL)
			got = append(got, status)
			mustStatuses(t, "the used code again", got, []int{409, 409, 409})
			if len(e.stored()) != 0 {
				t.Errorf("a replay stored %d ratings", len(e.stored()))
			}
		},
	},
	{
		Class: "a visit code used for another officer",
		Kiosk: "refused (400): the token is signed for its staff member, and a NIP or staff code that differs breaks it",
		Run: func(t *testing.T, e *attackEnv) {
			surveyURL, _ := MustNewVisit(t, e.k, e.counter, e.siti.Code, "KTPEL_BARU")
			token := strings.TrimPrefix(surveyURL, e.k.URL+"/v/")
			attacker := e.phoneAt(140)
			var got []int
			resp, _ := MustPostJSON(t, attacker, e.k.URL+"/api/v1/responses",
				mustJSON(map[string]any{"visit_token": token, "nip": nipBudi, "ratings": fill(1)}))
			got = append(got, e.count(resp.StatusCode))
			parts := strings.Split(token, ".")
			parts[2] = e.budi.Code
			moved := strings.Join(parts, ".")
			status, _ := e.openVisit(attacker, e.k.URL+"/v/"+moved)
			got = append(got, status)
			resp, _ = MustPostJSON(t, attacker, e.k.URL+"/api/v1/responses", visitResponseJSON(moved, "", nil))
			got = append(got, e.count(resp.StatusCode))
			mustStatuses(t, "Siti's code for Budi", got, []int{400, 400, 400})
			if len(e.stored()) != 0 {
				t.Errorf("stored %d ratings", len(e.stored()))
			}
		},
	},
	{
		Class: "a visit code photographed off the counter screen and used before the citizen",
		Kiosk: "the citizen is refused kindly (409) and the counter screen shows the code taken and contested; the thief's rating is flagged code_contested",
		Run: func(t *testing.T, e *attackEnv) {
			surveyURL, visitPage := MustNewVisit(t, e.k, e.counter, e.siti.Code, "KTPEL_BARU")
			thief, citizen := e.phoneAt(150), e.phoneAt(151)
			status, key := e.openVisit(thief, surveyURL)
			if status != http.StatusOK {
				t.Fatalf("the thief opens first: %d", status)
			}
			if status, _ := e.openVisit(citizen, surveyURL); status != http.StatusConflict {
				t.Errorf("the citizen after the thief: %d, want 409", status)
			}
			e.refused-- // the citizen's refusal is not the attack's
			resp, page := MustGet(t, e.counter, e.k.URL+visitPage)
			MustStatus(t, resp, page, http.StatusOK)
			if !strings.Contains(page, "sudah dibuka di sebuah perangkat") || !strings.Contains(page, "(1 kali)") {
				t.Errorf("the counter screen does not show the code taken and contested:\n%s", clip(text(page)))
			}
			resp, body := MustPostForm(t, thief, surveyURL+"/kirim", surveyValues(key, "", fill(1)))
			MustRedirect(t, resp, body, "/s/")
			rs := e.stored()
			if len(rs) != 1 || !rs[0].Verified {
				t.Fatalf("stored %+v", rs)
			}
			mustFlagged(t, rs, survey.FlagCodeContested)
		},
	},
}

func TestAttackSuite(t *testing.T) {
	for _, a := range attackClasses {
		t.Run(strings.NewReplacer(" ", "_", ":", "", ",", "").Replace(a.Class), func(t *testing.T) {
			e := newAttackEnv(t)
			a.Run(t, e)
			// The invariant of every class at the kiosk: refused, or flagged, or unverified.
			rs := e.stored()
			flagged, unverified := 0, 0
			for _, r := range rs {
				switch {
				case len(r.Flags) > 0:
					flagged++
				case !r.Verified:
					unverified++
				default:
					t.Errorf("rating %d is verified and unflagged: %+v", r.Seq, r)
				}
			}
			if len(rs) == 0 && e.refused == 0 {
				t.Error("the attack neither stored nor was refused anything: the case is broken")
			}
			t.Logf("%s: %d refused, %d stored (%d flagged, %d unverified and unflagged)%s — %s", a.Class, e.refused, len(rs),
				flagged, unverified, map[bool]string{true: "; central weighs the unverified", false: ""}[a.Central], a.Kiosk)
		})
	}
	if len(attackClasses) < 16 {
		t.Errorf("%d attack classes, want the 16 of docs/security.md", len(attackClasses))
	}
}

// TestAttackSuiteHonestRatingsAreNotFlagged is the other side: a day of
// ordinary citizens through every channel leaves no flag and no refusal.
func TestAttackSuiteHonestRatingsAreNotFlagged(t *testing.T) {
	e := newAttackEnv(t)
	tablet, _ := MustEnrollTablet(t, e.k, "Tablet meja")
	budi := MustCounterAccount(t, e.k, e.admin, "loket2", nipBudi) // every counter issues visit codes
	e.begin()
	for i := range 10 {
		phone := e.phoneAt(200 + i)
		e.rateStatic(phone, []survey.Staff{e.siti, e.budi}[i%2], 3+i%2)
		surveyURL, _ := MustNewVisit(t, e.k, e.counter, e.siti.Code, "KK_BARU")
		e.rateVisit(phone, surveyURL, 4)
		MustNewVisit(t, e.k, budi, e.budi.Code, "KIA") // a citizen who does not rate
		e.rateTablet(tablet, e.budi, 3)
		e.later(25 * time.Minute)
	}
	csrf := MustCSRF(t, e.counter, e.k.URL+"/counter/"+e.siti.Code)
	resp, body := MustPostForm(t, e.counter, e.k.URL+"/counter/"+e.siti.Code+"/visits", url.Values{"csrf": {csrf}, "service": {"KIA"}, "tablet": {"1"}})
	MustRedirect(t, resp, body, "/counter/")
	resp, start := MustGet(t, tablet, e.k.URL+"/kiosk")
	MustStatus(t, resp, start, http.StatusOK)
	m := tabletVisitRE.FindStringSubmatch(start)
	if m == nil {
		t.Fatal("the tablet does not offer the visit")
	}
	_, key := MustSurveyPage(t, tablet, e.k.URL+m[1])
	resp, body = MustPostForm(t, tablet, e.k.URL+m[1]+"/kirim", surveyValues(key, "", allFours()))
	MustRedirect(t, resp, body, "/kiosk/terima-kasih")
	rs := e.stored()
	if len(rs) != 31 || e.refused != 0 {
		t.Fatalf("%d stored, %d refused; want 31 and 0", len(rs), e.refused)
	}
	for _, r := range rs {
		if len(r.Flags) > 0 {
			t.Errorf("honest rating %d (%s) flagged %v", r.Seq, r.Channel, r.Flags)
		}
	}
}
