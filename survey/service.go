package survey

import (
	"fmt"
	"regexp"
	"strings"
)

// Service is one entry of an office's service catalogue (jenis layanan).
type Service struct {
	Code   string `json:"code"`
	NameID string `json:"name_id"`
	NameEN string `json:"name_en,omitempty"`
	Group  string `json:"group,omitempty"`
	Active bool   `json:"active"`
}

// Name returns the service name in lang, falling back to Indonesian.
func (s Service) Name(lang string) string {
	if lang == "en" && s.NameEN != "" {
		return s.NameEN
	}
	return s.NameID
}

var serviceCode = regexp.MustCompile(`^[A-Z0-9_]{2,32}$`)

// Normalize upper-cases the code and trims the names.
func (s *Service) Normalize() {
	s.Code = strings.ToUpper(strings.TrimSpace(s.Code))
	s.NameID = strings.TrimSpace(s.NameID)
	s.NameEN = strings.TrimSpace(s.NameEN)
	s.Group = strings.TrimSpace(s.Group)
}

// Validate checks the code's form and that the service has a name.
func (s Service) Validate() error {
	if !serviceCode.MatchString(s.Code) {
		return Invalid("code", fmt.Sprintf("service code %q must be 2–32 capital letters, digits or _", s.Code),
			fmt.Sprintf("kode layanan %q harus 2–32 huruf kapital, angka atau _", s.Code))
	}
	if s.NameID == "" || len(s.NameID) > 200 {
		return Invalid("name_id", "the service needs an Indonesian name of at most 200 characters",
			"layanan harus punya nama (bahasa Indonesia) paling banyak 200 karakter")
	}
	return nil
}

// DefaultServices is the Disdukcapil catalogue of docs/domain.md#services, the default of a new office.
func DefaultServices() []Service {
	out := make([]Service, len(disdukcapil))
	for i, s := range disdukcapil {
		s.Active = true
		out[i] = s
	}
	return out
}

var disdukcapil = []Service{
	{Code: "KTPEL_REKAM", NameID: "Perekaman KTP-el", NameEN: "e-KTP biometric recording", Group: "Dafduk"},
	{Code: "KTPEL_BARU", NameID: "Penerbitan KTP-el baru", NameEN: "New e-KTP", Group: "Dafduk"},
	{Code: "KTPEL_GANTI", NameID: "KTP-el hilang/rusak", NameEN: "Lost or damaged e-KTP", Group: "Dafduk"},
	{Code: "KTPEL_UBAH", NameID: "KTP-el perubahan data", NameEN: "e-KTP data change", Group: "Dafduk"},
	{Code: "KK_BARU", NameID: "Kartu Keluarga baru", NameEN: "New family card (KK)", Group: "Dafduk"},
	{Code: "KK_UBAH", NameID: "Perubahan Kartu Keluarga", NameEN: "Family card change", Group: "Dafduk"},
	{Code: "KK_GANTI", NameID: "Kartu Keluarga hilang/rusak", NameEN: "Lost or damaged family card", Group: "Dafduk"},
	{Code: "KIA", NameID: "Kartu Identitas Anak", NameEN: "Child identity card (KIA)", Group: "Dafduk"},
	{Code: "PINDAH_KELUAR", NameID: "Surat Keterangan Pindah", NameEN: "Moving out certificate", Group: "Dafduk"},
	{Code: "PINDAH_DATANG", NameID: "Pindah datang", NameEN: "Moving in", Group: "Dafduk"},
	{Code: "PINDAH_LN", NameID: "Pindah/datang luar negeri", NameEN: "Moving abroad or from abroad", Group: "Dafduk"},
	{Code: "SKTT_WNA", NameID: "Surat Keterangan Tempat Tinggal (WNA)", NameEN: "Residence certificate (foreigners)", Group: "Dafduk"},
	{Code: "IKD", NameID: "Aktivasi Identitas Kependudukan Digital", NameEN: "Digital ID activation", Group: "Dafduk"},
	{Code: "BIODATA", NameID: "Perubahan/pembetulan biodata", NameEN: "Personal data correction", Group: "Dafduk"},
	{Code: "AKTA_LAHIR", NameID: "Akta kelahiran", NameEN: "Birth certificate", Group: "Capil"},
	{Code: "AKTA_MATI", NameID: "Akta kematian", NameEN: "Death certificate", Group: "Capil"},
	{Code: "AKTA_KAWIN", NameID: "Akta perkawinan", NameEN: "Marriage certificate", Group: "Capil"},
	{Code: "AKTA_CERAI", NameID: "Akta perceraian", NameEN: "Divorce certificate", Group: "Capil"},
	{Code: "AKTA_ANAK", NameID: "Pengakuan/pengesahan/pengangkatan anak", NameEN: "Child recognition or adoption", Group: "Capil"},
	{Code: "AKTA_UBAH", NameID: "Perubahan nama/kewarganegaraan, pembetulan akta", NameEN: "Name or citizenship change, certificate correction", Group: "Capil"},
	{Code: "AKTA_KUTIPAN2", NameID: "Kutipan kedua akta", NameEN: "Duplicate certificate", Group: "Capil"},
	{Code: "LEGALISIR", NameID: "Legalisasi dokumen", NameEN: "Document legalisation", Group: "Lainnya"},
	{Code: "INFO", NameID: "Informasi/konsultasi", NameEN: "Information or advice", Group: "Lainnya"},
	{Code: "PENGADUAN", NameID: "Pengaduan", NameEN: "Complaint", Group: "Lainnya"},
	{Code: "LAINNYA", NameID: "Lainnya", NameEN: "Other", Group: "Lainnya"},
}
