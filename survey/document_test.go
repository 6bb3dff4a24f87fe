package survey_test

import (
	"reflect"
	"testing"

	"github.com/skmkiosk/skm/survey"
)

func TestCompareFigures(t *testing.T) {
	printed := []survey.DocFigure{{Key: "n", Label: "Jumlah", Value: "31"}, {Key: "index", Label: "Indeks", Value: "87,50"}, {Key: "old", Label: "Lama", Value: "x"}}
	now := []survey.DocFigure{{Key: "n", Label: "Jumlah", Value: "32"}, {Key: "index", Label: "Indeks", Value: "87,50"}, {Key: "new", Label: "Baru", Value: "y"}}
	want := []survey.FigureChange{
		{Key: "n", Label: "Jumlah", Printed: "31"}, // changed: the printed value only
		{Key: "old", Label: "Lama", Printed: "x"},  // gone
		{Key: "new", Label: "Baru"},                // new: nothing printed, and its value not told
	}
	if got := survey.CompareFigures(printed, now); !reflect.DeepEqual(got, want) {
		t.Errorf("CompareFigures = %+v, want %+v", got, want)
	}
	if got := survey.CompareFigures(printed, printed); len(got) != 0 {
		t.Errorf("the same figures differ: %+v", got)
	}
}

func TestFiguresDigestAndStatement(t *testing.T) {
	a := []survey.DocFigure{{Key: "ab", Label: "c", Value: "d"}}
	b := []survey.DocFigure{{Key: "a", Label: "bc", Value: "d"}} // the same characters, other boundaries
	if survey.FiguresDigest(a) == survey.FiguresDigest(b) {
		t.Error("two different figure lists share a digest")
	}
	d := survey.Document{ID: survey.NewDocumentID(), Kind: survey.DocSKM, Subject: "Kantor\nperiod=2099"}
	if s := string(d.Statement()); len(splitLines(s)) != 11 {
		t.Errorf("a newline in a field adds a line to the signed text:\n%s", s)
	}
	if !survey.ValidDocumentID(d.ID) || survey.ValidDocumentID("ABCDEFGHJKMNPQRSTUVW") || survey.ValidDocumentID("abc") {
		t.Error("document id shapes")
	}
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i, c := range s {
		if c == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
