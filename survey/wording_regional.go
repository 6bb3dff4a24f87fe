package survey

// The Basa Jawa (Jawa Serang/Banten dialect, the "bebasan"-leaning register
// an office uses with the public) and Basa Sunda (lemes) wordings of the
// nine questions are DRAFTS written without a native speaker: every element
// is marked Draft until an office's native speaker reviews and saves it in
// central's admin (Admin → Kantor → Kata-kata survei), which then sends the
// reviewed text to the office's kiosks. They follow the structure of the
// official Indonesian questions; the answers keep their order and values,
// so a rating means the same in every language.

var wordingJV = draftWording(Wording{
	Persyaratan: {Name: "Syarat Pelayanan",
		Text:   "Kepremen pendapat rika tentang cocok orane syarat pelayanan karo jenis pelayanane?",
		Labels: [4]string{"Ora cocok", "Kurang cocok", "Cocok", "Cocok pisan"}},
	Prosedur: {Name: "Sistem, Mekanisme, lan Prosedur",
		Text:   "Kepremen pemahaman rika tentang gampang orane prosedur pelayanan ning kantor kiyen?",
		Labels: [4]string{"Ora gampang", "Kurang gampang", "Gampang", "Gampang pisan"}},
	Waktu: {Name: "Wektu Rampunge",
		Text:   "Kepremen pendapat rika tentang cepet orane wektu pelayanan?",
		Labels: [4]string{"Ora cepet", "Kurang cepet", "Cepet", "Cepet pisan"}},
	Biaya: {Name: "Biaya/Tarif",
		Text:   "Kepremen pendapat rika tentang pantes orane biaya/tarif pelayanan?",
		Labels: [4]string{"Larang pisan", "Rada larang", "Murah", "Gratis"}},
	Produk: {Name: "Hasil Pelayanan",
		Text:   "Kepremen pendapat rika tentang cocok orane hasil pelayanan sing ditampa karo sing ditulis ning standar pelayanan?",
		Labels: [4]string{"Ora cocok", "Kurang cocok", "Cocok", "Cocok pisan"}},
	Kompetensi: {Name: "Kemampuan Petugas",
		Text:   "Kepremen pendapat rika tentang kemampuan petugas sing ngelayani rika?",
		Labels: [4]string{"Ora mampu", "Kurang mampu", "Mampu", "Mampu pisan"}},
	Perilaku: {Name: "Kelakuan Petugas",
		Text:   "Kepremen pendapat rika tentang sopan lan ramah orane petugas sing ngelayani rika?",
		Labels: [4]string{"Ora sopan lan ora ramah", "Kurang sopan lan ramah", "Sopan lan ramah", "Sopan lan ramah pisan"}},
	Pengaduan: {Name: "Penanganan Pengaduan, Saran lan Masukan",
		Text:   "Kepremen pendapat rika tentang penanganan pengaduan sing nganggo layanan?",
		Labels: [4]string{"Ora ana", "Ana tapi ora mlaku", "Mlaku tapi durung maksimal", "Diurus kanthi becik"}},
	Sarana: {Name: "Sarana lan Prasarana",
		Text:   "Kepremen pendapat rika tentang kualitas sarana lan prasarana?",
		Labels: [4]string{"Elek", "Lumayan", "Apik", "Apik pisan"}},
})

var wordingSU = draftWording(Wording{
	Persyaratan: {Name: "Sarat Palayanan",
		Text:   "Kumaha pamanggih Saderek ngeunaan luyu henteuna sarat palayanan sareng jinis palayananana?",
		Labels: [4]string{"Teu luyu", "Kirang luyu", "Luyu", "Luyu pisan"}},
	Prosedur: {Name: "Sistem, Mékanisme, sareng Prosedur",
		Text:   "Kumaha pamahaman Saderek ngeunaan gampil henteuna prosedur palayanan di unit ieu?",
		Labels: [4]string{"Teu gampil", "Kirang gampil", "Gampil", "Gampil pisan"}},
	Waktu: {Name: "Waktos Réngséna",
		Text:   "Kumaha pamanggih Saderek ngeunaan gancang henteuna waktos palayanan?",
		Labels: [4]string{"Teu gancang", "Kirang gancang", "Gancang", "Gancang pisan"}},
	Biaya: {Name: "Biaya/Tarif",
		Text:   "Kumaha pamanggih Saderek ngeunaan pantes henteuna biaya/tarif palayanan?",
		Labels: [4]string{"Mahal pisan", "Rada mahal", "Murah", "Gratis"}},
	Produk: {Name: "Hasil Palayanan",
		Text:   "Kumaha pamanggih Saderek ngeunaan luyu henteuna hasil palayanan anu ditampi sareng anu kaserat dina standar palayanan?",
		Labels: [4]string{"Teu luyu", "Kirang luyu", "Luyu", "Luyu pisan"}},
	Kompetensi: {Name: "Kamampuh Patugas",
		Text:   "Kumaha pamanggih Saderek ngeunaan kamampuh patugas anu ngalayanan Saderek?",
		Labels: [4]string{"Teu mampuh", "Kirang mampuh", "Mampuh", "Mampuh pisan"}},
	Perilaku: {Name: "Paripolah Patugas",
		Text:   "Kumaha pamanggih Saderek ngeunaan sopan santun sareng someah henteuna patugas anu ngalayanan Saderek?",
		Labels: [4]string{"Teu sopan sareng teu someah", "Kirang sopan sareng someah", "Sopan sareng someah", "Sopan sareng someah pisan"}},
	Pengaduan: {Name: "Penanganan Pangaduan, Saran sareng Masukan",
		Text:   "Kumaha pamanggih Saderek ngeunaan penanganan pangaduan ti pangguna layanan?",
		Labels: [4]string{"Teu aya", "Aya tapi teu jalan", "Jalan tapi kirang maksimal", "Diurus kalayan saé"}},
	Sarana: {Name: "Sarana sareng Prasarana",
		Text:   "Kumaha pamanggih Saderek ngeunaan kualitas sarana sareng prasarana?",
		Labels: [4]string{"Awon", "Lumayan", "Saé", "Saé pisan"}},
})

// draftWording marks every element of w as a draft.
func draftWording(w Wording) Wording {
	for e, q := range w {
		q.Draft = true
		w[e] = q
	}
	return w
}
