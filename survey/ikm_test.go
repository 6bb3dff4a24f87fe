package survey

import (
	"math"
	"testing"
)

// tallyWithSums builds n responses whose per-element sums are sums (in the
// order of Elements), by lowering answers from 4 until each sum is reached.
func tallyWithSums(t *testing.T, n int, sums map[Element]int) Tally {
	t.Helper()
	rs := make([]Ratings, n)
	for i := range rs {
		for j := range rs[i] {
			rs[i][j] = 4
		}
	}
	for e, sum := range sums {
		deficit := 4*n - sum
		if deficit < 0 || deficit > 3*n {
			t.Fatalf("sum %d impossible for %d responses", sum, n)
		}
		for i := 0; deficit > 0; i++ {
			d := min(deficit, 3)
			rs[i].Set(e, 4-d)
			deficit -= d
		}
	}
	var tl Tally
	for _, r := range rs {
		tl.Add(r)
	}
	return tl
}

func TestIndexWorkedExampleB(t *testing.T) {
	// docs/domain.md#examples (B): Triwulan III, n = 29.
	tl := tallyWithSums(t, 29, map[Element]int{
		Persyaratan: 105, Prosedur: 101, Waktu: 100, Biaya: 116, Produk: 102,
		Kompetensi: 105, Perilaku: 106, Sarana: 105, Pengaduan: 115,
	})
	x := tl.Index()
	if got, want := x.Rounded(), 91.48; got != want {
		t.Errorf("exact IKM = %v, want %v", got, want)
	}
	if math.Abs(x.Converted-91.4751) > 0.0001 {
		t.Errorf("converted = %v, want 91.4751", x.Converted)
	}
	if x.Mutu != MutuA || x.Mutu.Kinerja("id") != "Sangat Baik" {
		t.Errorf("mutu = %s %s, want A Sangat Baik", x.Mutu, x.Mutu.Kinerja("id"))
	}
	if got, want := Round2(tl.NRR(Persyaratan)), 3.62; got != want {
		t.Errorf("NRR persyaratan = %v, want %v", got, want)
	}
	tx := tl.TemplateIndex()
	if got, want := tx.Rounded(), 91.38; got != want {
		t.Errorf("template-mode IKM = %v, want %v", got, want)
	}
	if !tx.Template {
		t.Error("template index not labelled as such")
	}
	for _, v := range []float64{x.Rounded(), tx.Rounded()} {
		if v == 90.56 {
			t.Error("IKM equals the 0,11 bug's 90.56")
		}
	}
}

func TestIndexAllFours(t *testing.T) {
	// docs/domain.md#examples (A): one respondent, all 4 → 100.00, A.
	var tl Tally
	tl.Add(Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4})
	x := tl.Index()
	if x.Rounded() != 100 || x.Mutu != MutuA {
		t.Errorf("all fours = %v %s, want 100 A", x.Rounded(), x.Mutu)
	}
	if got := tl.TemplateIndex().Rounded(); got != 99.9 {
		t.Errorf("template all fours = %v, want 99.9 (the 0,111 artefact)", got)
	}
}

func TestIndexAllOnes(t *testing.T) {
	var tl Tally
	tl.Add(Ratings{1, 1, 1, 1, 1, 1, 1, 1, 1})
	if x := tl.Index(); x.Rounded() != 25 || x.Mutu != MutuD || x.Mutu.Kinerja("id") != "Tidak Baik" {
		t.Errorf("all ones = %v %s", x.Rounded(), x.Mutu)
	}
}

func TestIndexEmpty(t *testing.T) {
	var tl Tally
	x := tl.Index()
	if !x.Empty() || x.Mutu != "" || x.Converted != 0 {
		t.Errorf("empty tally gave %+v", x)
	}
}

func TestClassifyBoundaries(t *testing.T) {
	// docs/domain.md#examples (D), from mean NRR to converted value to grade.
	for _, tc := range []struct {
		meanNRR float64
		want    float64
		mutu    Mutu
	}{
		{3.5324, 88.31, MutuA}, {3.5320, 88.30, MutuB},
		{3.0644, 76.61, MutuB}, {3.0640, 76.60, MutuC},
		{2.6000, 65.00, MutuC}, {2.5996, 64.99, MutuD},
		{1, 25, MutuD}, {4, 100, MutuA},
	} {
		conv := tc.meanNRR * 25
		if got := Round2(conv); got != tc.want {
			t.Errorf("Round2(%v×25) = %v, want %v", tc.meanNRR, got, tc.want)
		}
		if got := Classify(conv); got != tc.mutu {
			t.Errorf("Classify(%v) = %s, want %s", conv, got, tc.mutu)
		}
	}
	// Values between table rows are classified after rounding, so no gaps.
	for _, tc := range []struct {
		v    float64
		mutu Mutu
	}{{88.305, MutuA}, {88.304, MutuB}, {76.605, MutuB}, {76.604, MutuC}, {64.995, MutuC}, {64.994, MutuD}} {
		if got := Classify(tc.v); got != tc.mutu {
			t.Errorf("Classify(%v) = %s, want %s", tc.v, got, tc.mutu)
		}
	}
}

func TestIndexExactRoundingOnIntegers(t *testing.T) {
	// 2 respondents with total 2·9·4 − 1 = 71 points: 25·71/18 = 98.6111… → 98.61.
	var tl Tally
	tl.Add(Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4})
	tl.Add(Ratings{3, 4, 4, 4, 4, 4, 4, 4, 4})
	if got := tl.Index().Cents; got != 9861 {
		t.Errorf("cents = %d, want 9861", got)
	}
}

func TestTallyMerge(t *testing.T) {
	var a, b, all Tally
	r1, r2 := Ratings{1, 2, 3, 4, 1, 2, 3, 4, 1}, Ratings{4, 4, 4, 4, 4, 4, 4, 4, 4}
	a.Add(r1)
	b.Add(r2)
	all.Add(r1)
	all.Add(r2)
	a.Merge(b)
	if a != all {
		t.Errorf("merge = %+v, want %+v", a, all)
	}
}
