-- Central appraisal database, schema 3, for PostgreSQL: monthly rollups.
-- The same tallies as daily_rollups, per calendar month (Asia/Jakarta days),
-- maintained by Ingest next to them. A report sums the months its period
-- covers whole from here and only the days before and after them from
-- daily_rollups: an office's year is a few thousand rows instead of a few
-- hundred thousand (BenchmarkReportIKM10M: 10 million responses). It is an
-- index of daily_rollups, which stays the record; SQLite's central, for
-- small installations, reads daily_rollups alone and has no such table.
-- A month's rows are updated by every night's uploads: fillfactor leaves room
-- on each page for the new row versions (HOT updates, no new index entries).
CREATE TABLE monthly_rollups (
	office_id bigint NOT NULL,
	month     date NOT NULL, -- the month's first day
	unit      text NOT NULL,
	counter   text NOT NULL,
	nip       text NOT NULL,
	service   text NOT NULL,
	verified  boolean NOT NULL,
	suspect   boolean NOT NULL,
	n         bigint NOT NULL DEFAULT 0,
	persyaratan_sum bigint NOT NULL DEFAULT 0, persyaratan_1 bigint NOT NULL DEFAULT 0, persyaratan_2 bigint NOT NULL DEFAULT 0, persyaratan_3 bigint NOT NULL DEFAULT 0, persyaratan_4 bigint NOT NULL DEFAULT 0,
	prosedur_sum bigint NOT NULL DEFAULT 0, prosedur_1 bigint NOT NULL DEFAULT 0, prosedur_2 bigint NOT NULL DEFAULT 0, prosedur_3 bigint NOT NULL DEFAULT 0, prosedur_4 bigint NOT NULL DEFAULT 0,
	waktu_sum bigint NOT NULL DEFAULT 0, waktu_1 bigint NOT NULL DEFAULT 0, waktu_2 bigint NOT NULL DEFAULT 0, waktu_3 bigint NOT NULL DEFAULT 0, waktu_4 bigint NOT NULL DEFAULT 0,
	biaya_sum bigint NOT NULL DEFAULT 0, biaya_1 bigint NOT NULL DEFAULT 0, biaya_2 bigint NOT NULL DEFAULT 0, biaya_3 bigint NOT NULL DEFAULT 0, biaya_4 bigint NOT NULL DEFAULT 0,
	produk_sum bigint NOT NULL DEFAULT 0, produk_1 bigint NOT NULL DEFAULT 0, produk_2 bigint NOT NULL DEFAULT 0, produk_3 bigint NOT NULL DEFAULT 0, produk_4 bigint NOT NULL DEFAULT 0,
	kompetensi_sum bigint NOT NULL DEFAULT 0, kompetensi_1 bigint NOT NULL DEFAULT 0, kompetensi_2 bigint NOT NULL DEFAULT 0, kompetensi_3 bigint NOT NULL DEFAULT 0, kompetensi_4 bigint NOT NULL DEFAULT 0,
	perilaku_sum bigint NOT NULL DEFAULT 0, perilaku_1 bigint NOT NULL DEFAULT 0, perilaku_2 bigint NOT NULL DEFAULT 0, perilaku_3 bigint NOT NULL DEFAULT 0, perilaku_4 bigint NOT NULL DEFAULT 0,
	pengaduan_sum bigint NOT NULL DEFAULT 0, pengaduan_1 bigint NOT NULL DEFAULT 0, pengaduan_2 bigint NOT NULL DEFAULT 0, pengaduan_3 bigint NOT NULL DEFAULT 0, pengaduan_4 bigint NOT NULL DEFAULT 0,
	sarana_sum bigint NOT NULL DEFAULT 0, sarana_1 bigint NOT NULL DEFAULT 0, sarana_2 bigint NOT NULL DEFAULT 0, sarana_3 bigint NOT NULL DEFAULT 0, sarana_4 bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (office_id, month, unit, counter, nip, service, verified, suspect)
) WITH (fillfactor = 50);

INSERT INTO monthly_rollups (office_id, month, unit, counter, nip, service, verified, suspect, n, persyaratan_sum, persyaratan_1, persyaratan_2, persyaratan_3, persyaratan_4, prosedur_sum, prosedur_1, prosedur_2, prosedur_3, prosedur_4, waktu_sum, waktu_1, waktu_2, waktu_3, waktu_4, biaya_sum, biaya_1, biaya_2, biaya_3, biaya_4, produk_sum, produk_1, produk_2, produk_3, produk_4, kompetensi_sum, kompetensi_1, kompetensi_2, kompetensi_3, kompetensi_4, perilaku_sum, perilaku_1, perilaku_2, perilaku_3, perilaku_4, pengaduan_sum, pengaduan_1, pengaduan_2, pengaduan_3, pengaduan_4, sarana_sum, sarana_1, sarana_2, sarana_3, sarana_4)
	SELECT office_id, date_trunc('month', day)::date, unit, counter, nip, service, verified, suspect,
		SUM(n), SUM(persyaratan_sum), SUM(persyaratan_1), SUM(persyaratan_2), SUM(persyaratan_3), SUM(persyaratan_4), SUM(prosedur_sum), SUM(prosedur_1), SUM(prosedur_2), SUM(prosedur_3), SUM(prosedur_4), SUM(waktu_sum), SUM(waktu_1), SUM(waktu_2), SUM(waktu_3), SUM(waktu_4), SUM(biaya_sum), SUM(biaya_1), SUM(biaya_2), SUM(biaya_3), SUM(biaya_4), SUM(produk_sum), SUM(produk_1), SUM(produk_2), SUM(produk_3), SUM(produk_4), SUM(kompetensi_sum), SUM(kompetensi_1), SUM(kompetensi_2), SUM(kompetensi_3), SUM(kompetensi_4), SUM(perilaku_sum), SUM(perilaku_1), SUM(perilaku_2), SUM(perilaku_3), SUM(perilaku_4), SUM(pengaduan_sum), SUM(pengaduan_1), SUM(pengaduan_2), SUM(pengaduan_3), SUM(pengaduan_4), SUM(sarana_sum), SUM(sarana_1), SUM(sarana_2), SUM(sarana_3), SUM(sarana_4)
	FROM daily_rollups
	GROUP BY office_id, date_trunc('month', day)::date, unit, counter, nip, service, verified, suspect;
