package survey

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var rosterNow = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

func TestParseRosterGood(t *testing.T) {
	in := "\xef\xbb\xbfnip,name,position,unit,counter\n" +
		"19660801 198803 1 001,Siti Aminah,Pengadministrasi,Pendaftaran Penduduk,Loket 1\n" +
		"\n" +
		"198512252010122003,\"Budi, S.Kom\",Operator,Pencatatan Sipil,Loket 2\n"
	staff, err := ParseRoster(strings.NewReader(in), rosterNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(staff) != 2 || staff[0].NIP != "196608011988031001" || staff[1].Name != "Budi, S.Kom" || staff[1].Type != PNS {
		t.Errorf("staff = %+v", staff)
	}
	var buf bytes.Buffer
	if err := WriteRoster(&buf, staff); err != nil {
		t.Fatal(err)
	}
	again, err := ParseRoster(&buf, rosterNow)
	if err != nil || !reflect.DeepEqual(again, staff) {
		t.Errorf("round trip = %+v, %v", again, err)
	}
}

func TestParseRosterSemicolonAndType(t *testing.T) {
	in := "NIP;Name;Position;Unit;Counter;Type\n199203152023211001;Rina;Operator;Dafduk;3;PPPK\n"
	staff, err := ParseRoster(strings.NewReader(in), rosterNow)
	if err != nil || len(staff) != 1 || staff[0].Type != PPPK {
		t.Fatalf("staff = %+v, err = %v", staff, err)
	}
}

func TestParseRosterBadRows(t *testing.T) {
	in := "nip,name,position,unit,counter\n" +
		"196608011988031001,Siti,,Dafduk,1\n" + // line 2 ok
		"12345,Budi,,Dafduk,2\n" + // line 3 short NIP
		"196608011988031001,Siti again,,Dafduk,1\n" + // line 4 duplicate
		"198512252010122003,,,Capil,2\n" + // line 5 no name
		"198512252010122003,X,,Capil,2,PNS,extra\n" + // line 6 too many fields
		"199203152023211001,Rina,,Dafduk,3\n" // line 7: PPPK number without type → strict PNS check fails
	_, err := ParseRoster(strings.NewReader(in), rosterNow)
	var re *RosterError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want *RosterError", err)
	}
	var lines []int
	for _, r := range re.Rows {
		lines = append(lines, r.Line)
		if r.Reason == "" {
			t.Errorf("line %d without a reason", r.Line)
		}
	}
	if want := []int{3, 4, 5, 6, 7}; !reflect.DeepEqual(lines, want) {
		t.Errorf("bad lines = %v, want %v (%v)", lines, want, re)
	}
	if !strings.Contains(re.Rows[1].Reason, "line 2") {
		t.Errorf("duplicate reason %q does not point to line 2", re.Rows[1].Reason)
	}
}

func TestParseRosterBadHeader(t *testing.T) {
	for _, in := range []string{"", "nip,name\n", "nip,name,position,unit,counter,email\n"} {
		_, err := ParseRoster(strings.NewReader(in), rosterNow)
		var re *RosterError
		if !errors.As(err, &re) || re.Rows[0].Line != 1 {
			t.Errorf("%q: err = %v, want a line-1 error", in, err)
		}
	}
}

func TestNeutralizeCell(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+62": "'+62", "-x": "'-x", "@SUM": "'@SUM", "ok": "ok", "": ""} {
		if got := NeutralizeCell(in); got != want {
			t.Errorf("NeutralizeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRosterRoundTripKeepsRiskyCells(t *testing.T) {
	staff := []Staff{{NIP: "196608011988031001", Name: "=Siti", Position: "+Operator", Unit: "@Dafduk", Counter: "-1", Type: PNS, Active: true}}
	var buf bytes.Buffer
	if err := WriteRoster(&buf, staff); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), ",=Siti") {
		t.Fatalf("export not neutralised: %s", buf.String())
	}
	again, err := ParseRoster(&buf, rosterNow)
	if err != nil || !reflect.DeepEqual(again, staff) {
		t.Errorf("round trip = %+v, %v; want %+v", again, err, staff)
	}
}
