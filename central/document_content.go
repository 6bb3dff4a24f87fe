package central

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/skmkiosk/skm/central/pdf"
	"github.com/skmkiosk/skm/survey"
	"github.com/skmkiosk/skm/web"
)

// The content of the documents central issues, in Bahasa Indonesia, built
// from the same report views as the pages and the API. Each figure printed
// is also recorded (figures.add) so that the verification page can
// recompute the document's figures later and name what changed.

// figures records the figures a document prints, in order.
type figures struct{ list []survey.DocFigure }

// add records a figure and returns its printed value.
func (f *figures) add(key, label, value string) string {
	f.list = append(f.list, survey.DocFigure{Key: key, Label: label, Value: value})
	return value
}

// idDec formats x with places decimals and a decimal comma.
func idDec(x float64, places int) string {
	return strings.Replace(strconv.FormatFloat(x, 'f', places, 64), ".", ",", 1)
}

func count(n int64) string { return strconv.FormatInt(n, 10) }

var idMonths = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}

// idDate prints a day as "10 April 2031".
func idDate(t time.Time) string {
	t = t.In(web.Jakarta)
	return fmt.Sprintf("%d %s %d", t.Day(), idMonths[t.Month()-1], t.Year())
}

// idDateTime prints an instant as "10 April 2031 10.00 WIB".
func idDateTime(t time.Time) string {
	return idDate(t) + " " + t.In(web.Jakarta).Format("15.04") + " WIB"
}

// idDay prints a YYYY-MM-DD day as "31 Maret 2031" ("–" when empty).
func idDay(day string) string {
	t, err := time.ParseInLocation(time.DateOnly, day, web.Jakarta)
	if err != nil {
		return "–"
	}
	return idDate(t)
}

// periodText describes the report's period and the days it includes.
func periodText(q reportQuery) string {
	if q.LastDay() == "" {
		return q.Asked.Label + " (belum ada hari yang selesai)"
	}
	return fmt.Sprintf("%s (hari %s sampai %s)", q.Asked.Label, idDay(q.FirstDay()), idDay(q.LastDay()))
}

// statusText names a per-person status.
func statusText(x survey.Individual) string {
	switch x.Status {
	case survey.PersonFinal:
		return "final"
	case survey.PersonNotFinal:
		return "belum final"
	case survey.PersonSuppressed:
		return "disembunyikan"
	}
	return "belum ada penilaian"
}

// indexText prints an individual index with its interval, or why it is not shown.
func indexText(x survey.Individual) string {
	if !x.Shown() {
		if x.Status == survey.PersonSuppressed {
			return fmt.Sprintf("disembunyikan (tidak ada kelompok utuh ≥ %d penilaian)", x.MinCell)
		}
		return "–"
	}
	s := idDec(x.Index, 2)
	if x.Interval.Defined {
		s += fmt.Sprintf(" (%s–%s)", idDec(x.Interval.Low, 2), idDec(x.Interval.High, 2))
	}
	return s
}

// groupText prints a group's IKM and grade, or why it is not shown.
func groupText(g groupRow, minCell int) string {
	switch {
	case g.Hidden:
		return fmt.Sprintf("disembunyikan (tidak ada kelompok utuh ≥ %d penilaian)", minCell)
	case g.Figures.Empty():
		return "–"
	case g.Figures.Mutu == "":
		return idDec(g.Figures.IKM, 2)
	}
	return idDec(g.Figures.IKM, 2) + " (" + string(g.Figures.Mutu) + ")"
}

// digestOf returns a short digest of texts, to notice a change without printing them twice.
func digestOf(texts []string) string {
	h := sha256.New()
	for _, t := range texts {
		fmt.Fprintf(h, "%d:%s;", len(t), t)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// rulesFields prints the rules a document's figures follow.
func rulesFields(r survey.ReportRules, figs *figures) pdf.Fields {
	tmpl := "tidak (bobot tepat 1/9)"
	if r.TemplateMode {
		tmpl = "ya (bobot templat 0,111)"
	}
	return pdf.Fields{
		{"Unsur tanggung jawab petugas", figs.add("rules.attributable", "Unsur tanggung jawab petugas", r.AttributableNames("id"))},
		{"Minimum penilaian agar final", figs.add("rules.min_responses", "Minimum penilaian agar final", strconv.Itoa(r.MinResponses))},
		{"Minimum penilaian agar ditampilkan", figs.add("rules.min_cell", "Minimum penilaian agar ditampilkan", strconv.Itoa(r.MinCell))},
		{"Batas daftar penghargaan", figs.add("rules.reward", "Batas daftar penghargaan", "batas bawah interval ≥ "+idDec(r.RewardLowerBound, 2))},
		{"Batas daftar pembinaan", figs.add("rules.coaching", "Batas daftar pembinaan", fmt.Sprintf("batas atas interval < %s; unsur terlemah %d bulan",
			idDec(r.CoachingUpperBound, 2), r.CoachingWeakMonths))},
		{"Penanda dipersoalkan", figs.add("rules.contest", "Penanda dipersoalkan", fmt.Sprintf("|z| ≥ %s dan selisih ≥ %s poin; %s %% hari tanpa kode; %d bulan pembanding",
			idDec(r.Contest.Z, 2), idDec(r.Contest.Shift, 0), idDec(r.Contest.NoVisitShare, 0), r.Contest.BaselineMonths))},
		{"Mode templat", figs.add("rules.template_mode", "Mode templat", tmpl)},
	}
}

// evidenceContent is a staff member's evidence for e-Kinerja (bukti
// dukung, PermenPAN-RB 6/2022) and the figures it prints.
func evidenceContent(tr *web.Translator, rep personReport) (pdf.Document, []survey.DocFigure) {
	var figs figures
	q, st, c := rep.Query, rep.Staff, rep.Lists
	doc := pdf.Document{Title: "Bukti Dukung Kinerja: Penilaian Layanan oleh Masyarakat",
		Subtitle: fmt.Sprintf("%s · NIP %s · %s · %s", st.Name, st.NIP, q.Office.Name, q.Asked.Label)}
	ident := pdf.Fields{{"Nama", st.Name}, {"NIP", st.NIP}, {"Jabatan", st.Position}, {"Unit", st.Unit}, {"Kantor", q.Office.Name},
		{"Periode", figs.add("period", "Periode", periodText(q))},
		{"Kegunaan", "Bukti dukung untuk evaluasi kinerja pegawai (PermenPAN-RB 6/2022), untuk diunggah ke e-Kinerja BKN."}}

	main := pdf.Fields{
		{"Jumlah penilaian", figs.add("responses", "Jumlah penilaian", count(c.All.Responses))},
		{"Indeks individu (interval 95 %)", figs.add("index", "Indeks individu", indexText(c.All))},
		{"Status", figs.add("status", "Status", statusText(c.All))},
	}
	if !c.All.Final() {
		main = append(main, [2]string{"Alasan", figs.add("reason", "Alasan", c.All.Reason("id"))})
	}
	variants := pdf.Table{Header: []string{"Cakupan penilaian", "Jumlah", "Indeks individu (interval 95 %)", "Status"},
		Widths: []float64{3, 1, 2.4, 1.3}, Right: []bool{false, true, false, false}}
	for _, v := range []struct {
		key, label string
		x          survey.Individual
	}{{"all", "Semua penilaian", c.All}, {"without_suspect", "Tanpa penilaian yang mencurigakan", c.Clean},
		{"trusted", "Dasar daftar: tanpa yang mencurigakan atau dipersoalkan", c.Trusted},
		{"verified", "Terverifikasi (kode kunjungan) tanpa tanda", c.Verified}, {"unverified", "Tidak terverifikasi", c.Unverified}} {
		variants.Rows = append(variants.Rows, []string{v.label, figs.add(v.key+".responses", v.label+": jumlah", count(v.x.Responses)),
			figs.add(v.key+".index", v.label+": indeks", indexText(v.x)), figs.add(v.key+".status", v.label+": status", statusText(v.x))})
	}
	unitLabel := "IKM unit " + st.Unit
	unit := pdf.Fields{{unitLabel, figs.add("unit_ikm", "IKM unit", groupText(rep.Unit, rep.Rules.MinCell)) +
		fmt.Sprintf(" dari %s penilaian", figs.add("unit_responses", "IKM unit: jumlah", count(rep.Unit.Count())))}}

	channels := pdf.Table{Header: []string{"Saluran", "Penilaian"}, Widths: []float64{3, 1}, Right: []bool{false, true}}
	for _, ch := range []struct {
		key, label string
		n          int64
	}{{"qr", "QR statis petugas", c.Channels.QR}, {"visit", "Kode kunjungan sekali pakai", c.Channels.Visit},
		{"kiosk", "Tablet meja", c.Channels.Kiosk}, {"api", "API (sistem antrean)", c.Channels.API}} {
		channels.Rows = append(channels.Rows, []string{ch.label, figs.add("channel."+ch.key, "Saluran "+ch.label, count(ch.n))})
	}
	flags := "tidak ada"
	if len(c.Flags) > 0 {
		var parts []string
		for _, f := range c.Flags {
			parts = append(parts, fmt.Sprintf("%s %d", f.Flag, f.N))
		}
		flags = strings.Join(parts, ", ")
	}
	visitCodes := "tidak"
	if c.VisitCodes {
		visitCodes = "ya"
	}
	contested := "tidak"
	if c.Contested() {
		contested = "ya"
	}
	scrutiny := pdf.Fields{
		{"Porsi terverifikasi", figs.add("verified_share", "Porsi terverifikasi", idDec(c.VerifiedShare, 2)+" %")},
		{"Penilaian bertanda", figs.add("suspect", "Penilaian bertanda", count(c.Suspect))},
		{"Tanda", figs.add("flags", "Tanda", flags)},
		{"Kantor menerbitkan kode kunjungan", figs.add("visit_codes", "Kantor menerbitkan kode kunjungan", visitCodes)},
		{"Penanda dipersoalkan", figs.add("contested", "Penanda dipersoalkan", contested)},
	}
	scrutinyBlocks := []pdf.Block{channels, scrutiny}
	for i, x := range c.Contests {
		scrutinyBlocks = append(scrutinyBlocks, pdf.Para{Text: figs.add(fmt.Sprintf("contest.%d", i), "Penanda dipersoalkan: "+x.Kind, x.Text("id")), Note: true})
	}
	if c.Contested() {
		scrutinyBlocks = append(scrutinyBlocks, pdf.Para{Text: tr.T("id", "rpt_contested_intro"), Small: true})
	}
	if c.VisitCodes {
		scrutinyBlocks = append(scrutinyBlocks, pdf.Para{Text: tr.T("id", "rpt_rule_visit_codes"), Small: true})
	}

	months := pdf.Table{Header: []string{"Bulan", "Penilaian", "Indeks individu (interval 95 %)", "IKM unit"},
		Widths: []float64{1, 1, 2.4, 2}, Right: []bool{false, true, false, false}}
	for _, m := range rep.Months {
		months.Rows = append(months.Rows, []string{m.Month, figs.add("month."+m.Month+".responses", "Bulan "+m.Month+": jumlah", count(m.Individual.Responses)),
			figs.add("month."+m.Month+".index", "Bulan "+m.Month+": indeks", indexText(m.Individual)),
			figs.add("month."+m.Month+".unit", "Bulan "+m.Month+": IKM unit", groupText(m.Unit, rep.Rules.MinCell))})
	}
	elementBlocks := []pdf.Block{pdf.Para{Text: tr.T("id", "rpt_individual_intro", rep.Rules.AttributableNames("id")), Small: true}}
	if len(rep.Elements) > 0 {
		el := pdf.Table{Header: []string{"Unsur", "NRR (1–4)"}, Widths: []float64{3, 1}, Right: []bool{false, true}}
		for _, e := range rep.Elements {
			el.Rows = append(el.Rows, []string{e.Element.Name("id"), figs.add("element."+string(e.Element), "NRR "+e.Element.Name("id"), idDec(e.NRR, 2))})
		}
		elementBlocks = append(elementBlocks, el)
	}

	var replies []pdf.Block
	var texts []string
	for _, s := range rep.Statements {
		by := "dicatat oleh " + s.RecordedBy
		if s.ByStaff {
			by = "ditulis sendiri oleh pegawai (" + s.RecordedBy + ")"
		}
		replies = append(replies, pdf.Para{Text: s.Text}, pdf.Para{Text: by + " · " + idDateTime(s.CreatedAt), Small: true})
		texts = append(texts, s.Text)
	}
	figs.add("statements", "Tanggapan pegawai: jumlah", strconv.Itoa(len(rep.Statements)))
	figs.add("statements.digest", "Tanggapan pegawai: isi", digestOf(texts))
	if len(replies) == 0 {
		replies = []pdf.Block{pdf.Para{Text: "Belum ada tanggapan pegawai untuk periode ini."}}
	}

	doc.Sections = []pdf.Section{
		{Heading: "Identitas", Blocks: []pdf.Block{ident}},
		{Heading: "Indeks individu", Blocks: []pdf.Block{main, variants, unit,
			pdf.Para{Text: "Interval 95 % menurut metode di docs/reports-api.md (Intervals). Hanya hari yang sudah berakhir (WIB) yang dihitung.", Small: true}}},
		{Heading: "Saluran, verifikasi, tanda dan penanda", Blocks: scrutinyBlocks},
		{Heading: "Tren per bulan", Blocks: []pdf.Block{months}},
		{Heading: "Unsur yang menjadi tanggung jawab petugas", Blocks: elementBlocks},
		{Heading: "Tanggapan pegawai (dialog kinerja)", Blocks: replies},
		{Heading: "Aturan yang dipakai", Blocks: []pdf.Block{rulesFields(rep.Rules, &figs)}},
	}
	doc.Closing = []pdf.Block{pdf.Para{Text: tr.T("id", "rpt_disclaimer"), Note: true},
		pdf.Signatures{{Role: "Pegawai yang dinilai", Name: st.Name, NIP: st.NIP}, {Role: "Pejabat penilai kinerja"}}}
	return doc, figs.list
}

// skmExtras are what the SKM report states beside the report view: the
// visit codes issued (the population, when known), the address of the
// public page, and the follow-up of citizens' low ratings (docs/followups.md).
type skmExtras struct {
	Visits    survey.VisitCounts
	PublicURL string
	// FollowUps are the cases opened in the period from low ratings whose
	// citizens asked to be contacted, and how they were answered.
	FollowUps survey.FollowUpStats
	// DueWorkingDays is the answer time the office is held to.
	DueWorkingDays int
}

// skmContent is an office's SKM report in the structure of PermenPAN-RB
// 14/2017, with the PEKPPP indicators of the survey, and the figures it prints.
func skmContent(tr *web.Translator, rep skmReport, x skmExtras) (pdf.Document, []survey.DocFigure) {
	var figs figures
	q, f, minCell := rep.Query, rep.Figures, rep.Rules.MinCell
	doc := pdf.Document{Title: "Laporan Survei Kepuasan Masyarakat", Subtitle: q.Office.Name + " · " + q.Asked.Label}
	method := tr.T("id", "rpt_method")
	if f.Template {
		method += " " + tr.T("id", "rpt_template_mode")
	}
	ident := pdf.Fields{{"Unit pelayanan", q.Office.Name}, {"Periode", figs.add("period", "Periode", periodText(q))},
		{"Jumlah responden", figs.add("responses", "Jumlah responden", count(rep.Count()))}, {"Dasar", "PermenPAN-RB 14/2017"}}
	none := pdf.Para{Text: "Belum ada responden pada periode ini."}
	if rep.Hidden {
		none.Text = fmt.Sprintf("Angka periode ini ditahan: tidak ada kelompok utuh berisi sedikitnya %d penilaian (aturan keterbukaan).", minCell)
	} else if rep.HeldBack > 0 {
		ident = append(ident, [2]string{"Ditahan", figs.add("held_back", "Penilaian ditahan", count(rep.HeldBack)) +
			" penilaian, menurut aturan keterbukaan"})
	}

	profile := pdf.Table{Header: []string{"Karakteristik", "Kelompok", "Responden", "%"}, Widths: []float64{1.4, 2, 1, 0.8}, Right: []bool{false, false, true, true}}
	for _, p := range rep.Profile {
		if p.N == 0 {
			continue
		}
		label := tr.T("id", "profile_"+p.Field)
		group := p.Option.Label("id")
		if p.Code == "" {
			group = "tidak diisi"
		}
		n, share := count(p.N), idDec(p.Share, 2)
		if rep.Rules.Hidden(p.N) { // a profile group under the k-threshold
			n, share = fmt.Sprintf("< %d", minCell), "–"
		}
		key := "profile." + p.Field + "." + p.Code
		profile.Rows = append(profile.Rows, []string{label, group, figs.add(key, label+" "+group, n), share})
	}

	elements := pdf.Table{Header: []string{"Unsur", "Σ nilai", "NRR", "NRR tertimbang", "Mutu"}, Widths: []float64{2.6, 1, 0.8, 1.2, 0.7},
		Right: []bool{false, true, true, true, false}}
	for _, e := range f.Elements {
		name := e.Element.Name("id")
		elements.Rows = append(elements.Rows, []string{name, count(e.Total()), figs.add("nrr."+string(e.Element), "NRR "+name, idDec(e.NRR, 2)),
			figs.add("weighted."+string(e.Element), "NRR tertimbang "+name, idDec(e.Weighted, 6)), string(e.Mutu)})
	}
	elements.Foot = []string{"Jumlah NRR tertimbang", "", "", idDec(f.WeightedSum, 6), ""}
	ikm := pdf.Fields{
		{"Nilai indeks (1–4)", figs.add("index", "Nilai indeks", idDec(f.Value, 4))},
		{"IKM (25–100)", figs.add("ikm", "IKM", idDec(f.IKM, 2))},
		{"Mutu pelayanan", figs.add("mutu", "Mutu pelayanan", string(f.Mutu))},
		{"Kinerja unit pelayanan", f.Kinerja("id")},
	}
	lowest := pdf.Table{Header: []string{"Peringkat", "Unsur", "NRR", "Mutu", "Jawaban 1 / 2 / 3 / 4"}, Widths: []float64{0.8, 2.6, 0.8, 0.7, 1.6},
		Right: []bool{true, false, true, false, true}}
	for _, e := range rep.Ranked[:min(3, len(rep.Ranked))] {
		a := e.Answers
		lowest.Rows = append(lowest.Rows, []string{strconv.Itoa(e.Rank), figs.add(fmt.Sprintf("lowest.%d", e.Rank), fmt.Sprintf("Unsur terendah %d", e.Rank), e.Element.Name("id")),
			idDec(e.NRR, 2), string(e.Mutu), fmt.Sprintf("%d / %d / %d / %d", a[0], a[1], a[2], a[3])})
	}
	groups := func(head, key string, rows []groupRow) pdf.Table {
		t := pdf.Table{Header: []string{head, "Responden", "IKM (mutu)"}, Widths: []float64{2.6, 1, 1.6}, Right: []bool{false, true, false}}
		for _, g := range rows {
			name := g.Name("id")
			if g.Key == "" {
				name = "tidak diisi"
			}
			t.Rows = append(t.Rows, []string{name, figs.add(key+"."+g.Key+".responses", head+" "+name+": responden", count(g.Count())),
				figs.add(key+"."+g.Key+".ikm", head+" "+name+": IKM", groupText(g, minCell))})
		}
		return t
	}

	rtl := pdf.Table{Header: []string{"Unsur", "Tindak lanjut", "Penanggung jawab", "Tenggat", "Status"}, Widths: []float64{1.4, 3, 1.5, 1.1, 1.1}}
	for _, a := range rep.RTL {
		el := "umum"
		if a.Element != "" {
			el = a.Element.Name("id")
		}
		status := tr.T("id", "rpt_rtl_status_"+string(a.Status))
		if a.DoneAt != nil {
			status += " " + idDate(*a.DoneAt)
		}
		rtl.Rows = append(rtl.Rows, []string{el, a.Action, a.Owner, idDay(a.Due), figs.add(fmt.Sprintf("rtl.%d", a.ID), "Tindak lanjut: "+a.Action, status)})
	}
	rtlBlocks := []pdf.Block{pdf.Para{Text: "Belum ada rencana tindak lanjut untuk periode ini."}}
	if len(rep.RTL) > 0 {
		rtlBlocks = []pdf.Block{rtl}
	}

	doc.Sections = []pdf.Section{{Heading: "Identitas dan metode", Blocks: []pdf.Block{ident, pdf.Para{Text: method, Small: true}}}}
	if rep.Hidden || f.Empty() {
		doc.Sections = append(doc.Sections, pdf.Section{Heading: "Hasil", Blocks: []pdf.Block{none}})
	} else {
		doc.Sections = append(doc.Sections,
			pdf.Section{Heading: "Profil responden", Blocks: []pdf.Block{profile}},
			pdf.Section{Heading: "Nilai rata-rata (NRR) per unsur", Blocks: []pdf.Block{elements}},
			pdf.Section{Heading: "Indeks Kepuasan Masyarakat dan mutu pelayanan", Blocks: []pdf.Block{ikm}},
			pdf.Section{Heading: "Unsur dengan nilai terendah", Blocks: []pdf.Block{lowest,
				pdf.Para{Text: "Unsur dengan NRR terendah menjadi prioritas rencana tindak lanjut.", Small: true}}},
			pdf.Section{Heading: "Tren per bulan dan per layanan", Blocks: []pdf.Block{groups("Bulan", "month", rep.Months), groups("Layanan", "service", rep.Services)}})
	}
	doc.Sections = append(doc.Sections,
		pdf.Section{Heading: "Rencana tindak lanjut", Blocks: rtlBlocks},
		pdf.Section{Heading: "Indikator SKM pada PEKPPP", Blocks: []pdf.Block{pekpppTable(rep, x, &figs),
			pdf.Para{Text: "Pemantauan dan Evaluasi Kinerja Penyelenggaraan Pelayanan Publik: apakah survei dilaksanakan sesuai ketentuan, hasilnya dipublikasikan, dan ditindaklanjuti.", Small: true}}})
	doc.Closing = []pdf.Block{pdf.Signatures{{Role: "Mengetahui,\nKepala " + q.Office.Name}}}
	return doc, figs.list
}

// pekpppTable states the PEKPPP indicators of the survey.
func pekpppTable(rep skmReport, x skmExtras, figs *figures) pdf.Table {
	f := rep.Figures
	t := pdf.Table{Header: []string{"Indikator", "Hasil", "Keterangan"}, Widths: []float64{1.6, 0.8, 3}}
	target := survey.SampleTarget(x.Visits.Issued)
	basis := "populasi tidak diketahui: batas tabel Krejcie-Morgan untuk populasi besar"
	if x.Visits.Issued > 0 {
		basis = fmt.Sprintf("populasi %d kode kunjungan yang diterbitkan (Krejcie-Morgan)", x.Visits.Issued)
	}
	done := "belum"
	if f.Responses > 0 {
		done = "ya"
	}
	t.Rows = append(t.Rows, []string{"Survei dilaksanakan sesuai PermenPAN-RB 14/2017", figs.add("pekppp.survey", "Survei dilaksanakan", done),
		fmt.Sprintf("%s responden; sembilan unsur, skala 1–4, bobot %s; sampel minimum %s (%s)", count(f.Responses), map[bool]string{false: "1/9", true: "0,111"}[f.Template],
			figs.add("pekppp.sample_target", "Sampel minimum", count(target)), basis)})
	published := "belum"
	if f.Responses > 0 {
		published = "ya"
	}
	t.Rows = append(t.Rows, []string{"Hasil survei dipublikasikan", figs.add("pekppp.published", "Hasil dipublikasikan", published),
		"Halaman publik kantor, tanpa login: " + x.PublicURL})
	s := survey.SummarizeRTL(rep.RTL)
	speed := "belum ada yang selesai"
	if s.MedianDays != nil {
		speed = fmt.Sprintf("median %s hari dari dicatat sampai selesai", idDec(*s.MedianDays, 1))
	}
	t.Rows = append(t.Rows, []string{"Hasil survei ditindaklanjuti", figs.add("pekppp.rtl_done_share", "Tindak lanjut selesai", idDec(s.DoneShare, 2)+" %"),
		fmt.Sprintf("%s dari %s tindakan selesai, %s tepat waktu; %s", figs.add("pekppp.rtl_done", "Tindakan selesai", strconv.Itoa(s.Done)),
			figs.add("pekppp.rtl_actions", "Tindakan", strconv.Itoa(s.Actions)), figs.add("pekppp.rtl_on_time", "Selesai tepat waktu", strconv.Itoa(s.OnTime)),
			figs.add("pekppp.rtl_speed", "Kecepatan tindak lanjut", speed))})
	fu := x.FollowUps
	answerSpeed := "belum ada yang dijawab"
	if fu.MedianWorkingDays != nil {
		answerSpeed = fmt.Sprintf("median %s hari kerja", idDec(*fu.MedianWorkingDays, 1))
	}
	// A case is a low rating whose citizen asked to be contacted (docs/followups.md).
	t.Rows = append(t.Rows, []string{"Pengaduan warga dijawab",
		figs.add("pekppp.followups_answered_share", "Pengaduan dijawab", idDec(fu.AnsweredShare, 2)+" %"),
		fmt.Sprintf("%s dari %s kasus dijawab, %s dalam %d hari kerja; %s", figs.add("pekppp.followups_answered", "Kasus dijawab", strconv.Itoa(fu.Answered)),
			figs.add("pekppp.followups_opened", "Kasus dibuka", strconv.Itoa(fu.Opened)), figs.add("pekppp.followups_on_time", "Dijawab tepat waktu", strconv.Itoa(fu.OnTime)),
			x.DueWorkingDays, figs.add("pekppp.followups_speed", "Kecepatan menjawab", answerSpeed))})
	return t
}
