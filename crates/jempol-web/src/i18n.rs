//! Interface language: Bahasa Indonesia by default, English on request (a cookie). Texts are
//! one table of key → (id, en); a test checks every key the templates use is in it.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    pub fn from_cookie(v: Option<&str>) -> Lang {
        match v {
            Some("en") => Lang::En,
            _ => Lang::Id,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
}

/// Translator handed to templates: `{{ t.s("key") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn s(&self, key: &str) -> &'static str {
        match TEXTS.iter().find(|(k, _, _)| *k == key) {
            Some((_, id, en)) => match self.0 {
                Lang::Id => id,
                Lang::En => en,
            },
            None => "??",
        }
    }
    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
    pub fn is_en(&self) -> bool {
        self.0 == Lang::En
    }
}

pub const TEXTS: &[(&str, &str, &str)] = &[
    (
        "app.tagline",
        "Jemput Bola Perekaman E-KTP",
        "Home-visit e-KTP recording",
    ),
    ("nav.home", "Beranda", "Home"),
    ("nav.sop", "SOP", "SOP"),
    ("nav.residents", "Warga", "Residents"),
    (
        "res.saved",
        "Data warga disimpan dan tercatat di riwayatnya.",
        "The record was saved and added to its history.",
    ),
    ("res.record", "Data warga", "Record"),
    ("res.needs", "Kebutuhan saat kunjungan", "Needs for the visit"),
    ("res.history", "Riwayat", "History"),
    ("res.bedridden", "Terbaring di tempat tidur", "Bedridden"),
    ("res.companion", "Perlu pendamping", "Needs a companion"),
    (
        "res.no_fingers",
        "Sidik jari tidak mungkin direkam",
        "Fingerprints impossible",
    ),
    ("res.no_iris", "Iris tidak mungkin direkam", "Iris impossible"),
    ("res.no_sign", "Tidak bisa tanda tangan", "Cannot sign"),
    ("res.severity", "Tingkat disabilitas", "Disability severity"),
    (
        "res.ektp",
        "Status e-KTP sebelum kunjungan",
        "e-KTP status before the visit",
    ),
    ("res.phone", "No. HP warga/keluarga", "Phone of the person or family"),
    (
        "res.consent",
        "Persetujuan pengolahan data (UU 27/2022 Pasal 26)",
        "Consent to processing (UU 27/2022 art. 26)",
    ),
    ("res.consent_none", "belum dicatat", "not recorded"),
    ("res.consent_self", "warga sendiri", "the person"),
    ("res.consent_wali", "wali", "the guardian (wali)"),
    ("res.wali_name", "Nama wali", "Guardian's name"),
    ("res.wali_nik", "NIK wali", "Guardian's NIK"),
    ("res.wali_rel", "Hubungan wali dengan warga", "Guardian's relationship"),
    ("res.notes", "Catatan", "Notes"),
    ("res.title", "Daftar warga rentan", "Vulnerable residents"),
    ("res.search", "Cari nama atau NIK", "Search name or NIK"),
    ("res.all", "— semua —", "— all —"),
    ("res.category", "Kategori", "Category"),
    ("res.stage", "Tahap", "Stage"),
    ("res.filter", "Tampilkan", "Show"),
    ("res.none", "Tidak ada warga yang cocok.", "No resident matches."),
    ("res.next", "Berikutnya", "Next"),
    ("res.export_csv", "Ekspor CSV", "Export CSV"),
    ("res.export_xlsx", "Ekspor Excel", "Export Excel"),
    (
        "res.masked",
        "NIK disamarkan untuk peran Anda.",
        "NIKs are masked for your role.",
    ),
    ("res.born", "Lahir", "Born"),
    ("res.age", "Umur", "Age"),
    ("nav.submissions", "Pengajuan", "Submissions"),
    (
        "sub.title",
        "Pengajuan data warga rentan",
        "Submissions of vulnerable residents",
    ),
    ("sub.upload", "Unggah daftar dari desa", "Upload the village's list"),
    (
        "sub.upload_help",
        "Berkas Excel (.xlsx, .xls), OpenDocument (.ods) atau CSV, paling besar 4 MB. Kolom NIK sebaiknya berformat Teks. Setelah diunggah Anda melihat hasil pemeriksaan setiap baris sebelum mengirim.",
        "Excel (.xlsx, .xls), OpenDocument (.ods) or CSV, at most 4 MB. Format the NIK column as Text. After uploading you see each row's check before sending.",
    ),
    (
        "sub.template",
        "Unduh templat Excel (kolom NIK sudah berformat Teks)",
        "Download the Excel template (NIK column already formatted as Text)",
    ),
    ("sub.person_title", "Ajukan satu warga", "Submit one person"),
    (
        "sub.person_link",
        "Ajukan satu warga lewat formulir",
        "Submit one person with the form",
    ),
    (
        "sub.person_help",
        "Isi NIK dulu, lalu tekan Periksa: jenis kelamin dan tanggal lahir diisi dari NIK bila kosong. Tekan Kirim bila pemeriksaan sudah benar.",
        "Fill in the NIK, then press Check: sex and birth date are filled from the NIK when empty. Press Send when the check is right.",
    ),
    ("sub.check_one", "Periksa", "Check"),
    ("sub.send_one", "Kirim ke kecamatan", "Send to the kecamatan"),
    (
        "sub.checked_ok",
        "Data sudah benar; tekan Kirim ke kecamatan.",
        "The data is right; press Send to the kecamatan.",
    ),
    ("sub.sex", "Jenis kelamin", "Sex"),
    ("sub.sex_m", "Laki-laki", "Male"),
    ("sub.sex_f", "Perempuan", "Female"),
    ("sub.birth_place", "Tempat lahir", "Place of birth"),
    ("sub.birth_date", "Tanggal lahir", "Date of birth"),
    ("sub.ragam", "Ragam disabilitas", "Type of disability"),
    (
        "sub.step1",
        "Langkah 1: desa mengirim data",
        "Step 1: the village sends its data",
    ),
    (
        "sub.step2",
        "Langkah 2: kecamatan mengumpulkan data",
        "Step 2: the kecamatan collects the data",
    ),
    ("sub.time_taken", "Waktu", "Time taken"),
    ("sub.standard", "Standar SOP", "SOP standard"),
    ("sub.person", "Warga", "Person"),
    ("sub.verify", "Verifikasi", "Verify"),
    ("sub.reject", "Tolak", "Reject"),
    ("sub.reason", "Alasan penolakan", "Reason for rejecting"),
    (
        "sub.pending",
        "warga menunggu verifikasi",
        "people awaiting verification",
    ),
    (
        "sub.complete",
        "Selesaikan pengumpulan (langkah 2)",
        "Complete the collection (step 2)",
    ),
    (
        "sub.completed",
        "Pengumpulan selesai. Langkah 2 SOP selesai.",
        "Collection complete. SOP step 2 is done.",
    ),
    ("sub.file", "Berkas daftar", "List file"),
    ("sub.check", "Unggah dan periksa", "Upload and check"),
    ("sub.none", "Belum ada pengajuan.", "No submissions yet."),
    ("sub.no", "No.", "No."),
    ("sub.when", "Tanggal", "Date"),
    ("sub.status", "Status", "Status"),
    ("sub.accepted", "Diterima", "Accepted"),
    ("sub.warnings", "Dengan peringatan", "With warnings"),
    ("sub.rejected", "Ditolak", "Rejected"),
    ("sub.row", "Baris", "Row"),
    ("sub.name", "Nama", "Name"),
    ("sub.result", "Hasil pemeriksaan", "Check result"),
    ("sub.send", "Kirim ke kecamatan", "Send to the kecamatan"),
    (
        "sub.send_help",
        "Baris yang diterima (juga yang berperingatan) dikirim sebagai pengajuan desa. Baris yang ditolak tetap tercatat di sini dengan alasannya; perbaiki di berkas lalu unggah lagi.",
        "Accepted rows (also those with warnings) are sent as the village's submission. Rejected rows stay listed here with their reasons; fix them in the file and upload again.",
    ),
    ("sub.discard", "Batalkan draf", "Discard draft"),
    (
        "sub.sent",
        "Pengajuan terkirim ke kecamatan. Langkah 1 SOP selesai.",
        "Submission sent to the kecamatan. SOP step 1 is done.",
    ),
    (
        "sub.discarded",
        "Draf dibatalkan; tidak ada data yang dikirim.",
        "Draft discarded; nothing was sent.",
    ),
    (
        "sub.draft_note",
        "Draf: belum dikirim. Periksa hasilnya, lalu kirim.",
        "Draft: not sent yet. Check the result, then send.",
    ),
    ("sub.nothing_saved", "Tidak ada yang disimpan.", "Nothing was saved."),
    ("nav.audit", "Jejak audit", "Audit log"),
    ("nav.users", "Pengguna", "Users"),
    ("nav.sop_admin", "Kelola SOP", "Manage SOP"),
    ("nav.account", "Akun saya", "My account"),
    ("nav.logout", "Keluar", "Log out"),
    ("nav.skip", "Langsung ke isi", "Skip to content"),
    ("lang.switch", "English", "Bahasa Indonesia"),
    ("login.title", "Masuk", "Log in"),
    ("login.username", "Nama pengguna", "Username"),
    ("login.password", "Kata sandi", "Password"),
    ("login.submit", "Masuk", "Log in"),
    (
        "login.expired",
        "Sesi Anda sudah berakhir karena lama tidak dipakai. Silakan masuk lagi.",
        "Your session ended after a period of inactivity. Please log in again.",
    ),
    (
        "login.help",
        "Lupa kata sandi? Minta admin Jempol di kecamatan untuk menggantinya.",
        "Forgot your password? Ask the Jempol admin at the kecamatan to reset it.",
    ),
    ("home.greeting", "Selamat datang", "Welcome"),
    ("home.role", "Peran", "Role"),
    ("home.scope", "Wilayah kerja", "Area"),
    ("home.todo", "Yang perlu Anda lakukan", "What you need to do"),
    (
        "home.steps",
        "Langkah SOP yang melibatkan Anda",
        "SOP steps you take part in",
    ),
    (
        "home.no_steps",
        "Peran Anda tidak memiliki langkah dalam SOP; tugas Anda adalah pengaturan sistem.",
        "Your role has no SOP step; your work is system administration.",
    ),
    (
        "home.residents",
        "Warga rentan tercatat di wilayah Anda",
        "Vulnerable residents recorded in your area",
    ),
    ("home.per_desa", "Per desa/kelurahan", "Per village"),
    (
        "home.none_yet",
        "Belum ada data warga di wilayah Anda.",
        "No resident data in your area yet.",
    ),
    (
        "home.admin_users",
        "Kelola pengguna dan peran",
        "Manage users and roles",
    ),
    ("home.admin_sop", "Muat revisi SOP", "Load a revised SOP"),
    ("home.admin_audit", "Periksa jejak audit", "Review the audit log"),
    ("home.regions", "Wilayah tersimpan", "Regions stored"),
    ("home.users", "Pengguna", "Users"),
    ("home.sop_active", "SOP aktif", "Active SOP"),
    ("home.open_sop", "Lihat lembar SOP", "Open the SOP sheet"),
    ("home.open_audit", "Buka jejak audit", "Open the audit log"),
    ("col.no", "No", "No"),
    ("col.step", "Langkah", "Step"),
    ("col.activity", "Kegiatan", "Activity"),
    ("col.time", "Waktu baku", "Standard time"),
    ("col.output", "Output", "Output"),
    ("col.desa", "Desa/Kelurahan", "Village"),
    ("col.count", "Jumlah", "Count"),
    ("sop.print", "Cetak (A4 mendatar)", "Print (A4 landscape)"),
    ("sop.version", "Versi definisi", "Definition version"),
    ("audit.title", "Jejak audit", "Audit log"),
    ("audit.when", "Waktu", "When"),
    ("audit.who", "Pelaku", "Who"),
    ("audit.action", "Tindakan", "Action"),
    ("audit.entity", "Data", "Record"),
    ("audit.before", "Sebelum", "Before"),
    ("audit.after", "Sesudah", "After"),
    ("audit.from", "Dari tanggal", "From date"),
    ("audit.until", "Sampai tanggal", "Until date"),
    ("audit.filter", "Saring", "Filter"),
    ("audit.reset", "Hapus saringan", "Clear filter"),
    ("audit.older", "Lebih lama", "Older"),
    (
        "audit.empty",
        "Tidak ada catatan yang cocok dengan saringan.",
        "No entries match the filter.",
    ),
    ("users.title", "Pengguna", "Users"),
    ("users.add", "Tambah pengguna", "Add user"),
    ("users.full_name", "Nama lengkap", "Full name"),
    ("users.role", "Peran", "Role"),
    (
        "users.desa",
        "Desa/Kelurahan (untuk operator desa dan pendamping)",
        "Village (for village operators and facilitators)",
    ),
    (
        "users.kecamatan",
        "Kecamatan (kosongkan: semua kecamatan yang dilayani)",
        "Kecamatan (empty: all served)",
    ),
    ("users.status", "Status", "Status"),
    ("users.active", "Aktif", "Active"),
    ("users.disabled", "Nonaktif", "Disabled"),
    ("users.disable", "Nonaktifkan", "Disable"),
    ("users.enable", "Aktifkan", "Enable"),
    ("users.logout_all", "Akhiri semua sesi", "End all sessions"),
    ("users.reset_pw", "Ganti kata sandi", "Reset password"),
    ("users.created", "Pengguna berhasil ditambahkan.", "User added."),
    (
        "users.fix",
        "Periksa isian yang ditandai, lalu kirim lagi.",
        "Check the marked fields and submit again.",
    ),
    ("users.choose", "— pilih —", "— choose —"),
    ("users.none", "— tidak ada —", "— none —"),
    (
        "users.password_set",
        "Kata sandi diganti; semua sesi pengguna itu diakhiri.",
        "Password changed; all of that user's sessions ended.",
    ),
    ("users.new_password", "Kata sandi baru", "New password"),
    ("confirm.title", "Konfirmasi", "Confirm"),
    ("confirm.yes", "Ya, lanjutkan", "Yes, continue"),
    ("confirm.no", "Batal", "Cancel"),
    ("account.title", "Akun saya", "My account"),
    ("account.change_pw", "Ganti kata sandi", "Change password"),
    ("account.current_pw", "Kata sandi sekarang", "Current password"),
    (
        "account.logout_all",
        "Keluar dari semua perangkat",
        "Log out everywhere",
    ),
    (
        "account.logout_all_help",
        "Mengakhiri semua sesi Anda, termasuk di perangkat ini.",
        "Ends all your sessions, including this one.",
    ),
    (
        "account.saved",
        "Kata sandi diganti. Semua sesi lama diakhiri; silakan masuk lagi.",
        "Password changed. All old sessions ended; please log in again.",
    ),
    ("sopadmin.title", "Kelola SOP", "Manage SOP"),
    ("sopadmin.versions", "Versi yang tersimpan", "Stored versions"),
    ("sopadmin.active", "aktif", "active"),
    (
        "sopadmin.load",
        "Muat definisi SOP (TOML)",
        "Load an SOP definition (TOML)",
    ),
    (
        "sopadmin.help",
        "Tempel isi berkas definisi SOP. Kasus yang sudah berjalan tetap memakai versi saat mereka dimulai.",
        "Paste the SOP definition file. Running cases keep the version they started under.",
    ),
    ("sopadmin.activate", "Jadikan SOP aktif", "Make it the active SOP"),
    ("sopadmin.submit", "Periksa dan muat", "Check and load"),
    (
        "sopadmin.problems",
        "Definisi belum bisa dimuat. Perbaiki hal berikut:",
        "The definition cannot be loaded yet. Fix the following:",
    ),
    ("sopadmin.loaded", "Definisi SOP dimuat.", "SOP definition loaded."),
    ("error.title", "Tidak bisa dilanjutkan", "Cannot continue"),
    ("error.back", "Kembali ke beranda", "Back to home"),
    ("form.save", "Simpan", "Save"),
    ("sub.fix", "Perbaiki", "Correct"),
    ("sub.columns", "Atur kolom", "Map columns"),
    ("sub.columns_title", "Kolom berkas", "Columns of the file"),
    (
        "sub.columns_help",
        "Pilih kolom berkas untuk tiap isian. NIK dan Nama wajib; isian yang tidak ada di berkas biarkan kosong. Berkas aslinya tidak diubah.",
        "Choose the file's column for each field. NIK and Name are required; leave fields the file does not have empty. The uploaded file is not changed.",
    ),
    ("sub.header_row", "Baris judul kolom", "Header row"),
    (
        "sub.header_row_help",
        "Nomor baris seperti di spreadsheet. Data dibaca mulai baris sesudahnya.",
        "The row number as the spreadsheet shows it. Data is read from the row after it.",
    ),
    (
        "sub.show_columns",
        "Tampilkan kolom baris ini",
        "Show this row's columns",
    ),
    ("sub.no_column", "— tidak ada di berkas —", "— not in the file —"),
    ("sub.recheck", "Simpan dan periksa ulang", "Save and check again"),
    ("sub.file_start", "Awal berkas", "Start of the file"),
    (
        "sub.needs_mapping",
        "Jempol belum menemukan baris judul kolom di berkas ini. Atur kolomnya agar baris-barisnya bisa diperiksa; berkas sudah tersimpan sebagai draf.",
        "Jempol could not find the header row in this file. Map its columns so its rows can be checked; the file is kept as a draft.",
    ),
    (
        "sub.mapped",
        "Kolom disimpan dan semua baris diperiksa ulang.",
        "Columns saved and every row checked again.",
    ),
    ("sub.row_title", "Perbaiki baris", "Correct row"),
    (
        "sub.row_help",
        "Ubah isi sel yang salah lalu periksa ulang. Berkas aslinya tidak diubah; perbaikan disimpan bersama draf.",
        "Change the wrong cells and check again. The uploaded file is not changed; the corrections are kept with the draft.",
    ),
    (
        "sub.row_fixed",
        "Baris diperbaiki dan diperiksa ulang.",
        "Row corrected and checked again.",
    ),
    (
        "sub.row_still",
        "Baris ini masih ditolak. Perbaiki yang disebut di bawah.",
        "This row is still rejected. Fix what is listed below.",
    ),
    ("sub.corrected", "diperbaiki", "corrected"),
    (
        "sub.maybe_same",
        "Mungkin orang yang sama dengan:",
        "Possibly the same person as:",
    ),
    ("sub.merge", "Gabungkan ke", "Merge into"),
    (
        "sub.merged",
        "Data digabung; riwayat keduanya tetap tersimpan.",
        "Records merged; both histories are kept.",
    ),
    ("sub.back_to_draft", "Kembali ke draf", "Back to the draft"),
    ("res.edit_identity", "Ubah data pokok", "Edit identity"),
    (
        "res.nik_fixed",
        "NIK tidak bisa diubah: NIK lain berarti orang lain. Bila NIK salah, tolak pengajuannya dan ajukan ulang.",
        "The NIK cannot be changed: another NIK is another person. If it is wrong, reject the submission and submit again.",
    ),
    ("res.address", "Alamat", "Address"),
    (
        "res.coords",
        "Koordinat rumah (boleh kosong)",
        "Home coordinates (optional)",
    ),
    (
        "res.coords_help",
        "Dari aplikasi peta: lintang lalu bujur, misalnya -7,6543 dan 111,5123. Dipakai untuk menyusun jadwal kunjungan.",
        "From a map app: latitude then longitude, e.g. -7.6543 and 111.5123. Used to plan the home visits.",
    ),
    ("res.lat", "Lintang (latitude)", "Latitude"),
    ("res.lng", "Bujur (longitude)", "Longitude"),
    ("res.coords_none", "belum dicatat", "not recorded"),
    (
        "sub.retype",
        "Ketik ulang dari KK: Excel menyimpannya sebagai angka dan terbaca",
        "Type it again from the family card: Excel stored it as a number and it reads",
    ),
    ("nav.campaigns", "Gelombang", "Campaigns"),
    ("camp.title", "Gelombang jemput bola", "Campaigns"),
    (
        "camp.help",
        "Satu gelombang adalah satu putaran SOP di kecamatan: warga terverifikasi, tim perekaman, dan jadwal kunjungan rumah (langkah 4).",
        "A campaign is one run of the SOP in the kecamatan: verified residents, recording teams and the home-visit schedule (step 4).",
    ),
    ("camp.none", "Belum ada gelombang.", "No campaigns yet."),
    ("camp.name", "Nama gelombang", "Campaign name"),
    ("camp.period", "Periode", "Period"),
    ("camp.new", "Gelombang baru", "New campaign"),
    ("camp.start", "Tanggal mulai", "Start date"),
    ("camp.end", "Tanggal selesai", "End date"),
    ("camp.create", "Buat gelombang", "Create campaign"),
    (
        "camp.created",
        "Gelombang dibuat. Tambahkan warga terverifikasi dan bentuk timnya.",
        "Campaign created. Add the verified residents and form the teams.",
    ),
    (
        "camp.added",
        "Warga terverifikasi ditambahkan.",
        "Verified residents added.",
    ),
    (
        "camp.removed",
        "Warga dikeluarkan dari gelombang.",
        "Resident removed from the campaign.",
    ),
    ("camp.team_added", "Tim ditambahkan.", "Team added."),
    ("camp.team_removed", "Tim dihapus.", "Team removed."),
    (
        "camp.planned",
        "Jadwal disusun. Periksa, lalu setujui.",
        "Schedule drafted. Check it, then approve.",
    ),
    ("camp.approved", "Jadwal disetujui.", "Schedule approved."),
    ("camp.schedule", "Jadwal kunjungan rumah", "Home-visit schedule"),
    ("camp.version", "Versi", "Version"),
    ("camp.planned_n", "Terjadwal:", "Scheduled:"),
    ("camp.unplanned_n", "Belum masuk jadwal:", "Not scheduled:"),
    ("camp.open_schedule", "Buka jadwal", "Open the schedule"),
    ("camp.no_schedule", "Jadwal belum disusun.", "No schedule yet."),
    ("camp.visit_start", "Kunjungan mulai", "Visits start"),
    ("camp.working_days", "Jumlah hari kerja", "Working days"),
    ("camp.make_schedule", "Susun jadwal", "Draft the schedule"),
    (
        "camp.plan_help",
        "Jempol membagi kunjungan ke tim dan hari kerja (tanpa Sabtu, Minggu, libur nasional dan cuti bersama), dalam jam kantor; warga terbaring, ODGJ dan berumur 80+ didahulukan. Menyusun ulang membuat versi baru yang perlu disetujui lagi.",
        "Jempol divides the visits over teams and working days (no weekends, national holidays or cuti bersama), within office hours; bedridden, ODGJ and 80+ residents first. Re-planning makes a new version that needs approval again.",
    ),
    ("camp.teams", "Tim perekaman", "Recording teams"),
    ("camp.no_teams", "Belum ada tim.", "No teams yet."),
    ("camp.kit", "Alat rekam", "Recording kit"),
    ("camp.remove_team", "Hapus tim", "Remove team"),
    ("camp.team_name", "Nama tim", "Team name"),
    (
        "camp.team_members",
        "Anggota (pisahkan dengan koma)",
        "Members (comma-separated)",
    ),
    ("camp.add_team", "Tambah tim", "Add team"),
    ("camp.residents", "Warga dalam gelombang", "Residents in the campaign"),
    (
        "camp.eligible",
        "Warga terverifikasi yang belum masuk gelombang",
        "Verified residents not yet in a campaign",
    ),
    ("camp.from_desa", "Dari desa", "From village"),
    ("camp.all_desa", "semua desa", "all villages"),
    (
        "camp.add_verified",
        "Tambahkan warga terverifikasi",
        "Add verified residents",
    ),
    ("camp.age", "Umur", "Age"),
    ("camp.needs", "Kebutuhan", "Needs"),
    ("camp.centroid", "titik tengah desa", "village centroid"),
    ("camp.remove", "Keluarkan", "Remove"),
    ("camp.team_days", "Hari-tim terpakai", "Team-days used"),
    ("camp.travel", "Perjalanan", "Travel"),
    ("camp.minutes", "menit", "minutes"),
    ("camp.extra_days", "Perlu tambahan hari-tim:", "More team-days needed:"),
    (
        "camp.step4",
        "Langkah 4: menetapkan jadwal",
        "Step 4: setting the schedule",
    ),
    (
        "camp.approve_kasi",
        "Setujui jadwal (Kasi Pelayanan)",
        "Approve the schedule (Kasi Pelayanan)",
    ),
    (
        "camp.approve_camat",
        "Setujui jadwal (Camat)",
        "Approve the schedule (Camat)",
    ),
    ("camp.leave", "Berangkat", "Leaves"),
    ("camp.back", "Kembali", "Back"),
    ("camp.time", "Jam", "Time"),
    ("camp.priority", "didahulukan", "priority"),
    ("camp.unplanned", "Belum masuk jadwal", "Not scheduled"),
    (
        "camp.moved",
        "Kunjungan dipindah dan dikunci; jadwal menjadi versi baru yang perlu disetujui lagi.",
        "Visit moved and pinned; the schedule is a new version that needs approval again.",
    ),
    (
        "camp.locked",
        "Kunjungan dikunci: penyusunan ulang tidak memindahkannya.",
        "Visit pinned: re-planning will not move it.",
    ),
    ("camp.unlocked", "Kunci dibuka.", "Visit unpinned."),
    ("camp.move_to", "Pindah ke", "Move to"),
    ("camp.move", "Pindahkan", "Move"),
    ("camp.lock", "Kunci", "Pin"),
    ("camp.unlock", "Buka kunci", "Unpin"),
    ("camp.locked_badge", "dikunci", "pinned"),
    ("camp.adjust", "Ubah", "Adjust"),
    ("camp.replan", "Susun ulang sisanya", "Re-plan the rest"),
    (
        "camp.replan_help",
        "Kunjungan yang dikunci tetap pada tim dan harinya; yang lain disusun ulang.",
        "Pinned visits stay with their team and day; the others are planned again.",
    ),
    ("camp.home_times", "Waktu di rumah", "At home"),
    (
        "camp.home_times_help",
        "Kapan keluarga bilang warga ada di rumah: 08.00-11.00 (setiap hari) atau 16-12-2026 13.00-14.00 (hari itu); beberapa waktu dipisah titik koma. Kosong: kapan saja dalam jam kantor.",
        "When the family says the person is at home: 08.00-11.00 (every day) or 16-12-2026 13.00-14.00 (that day); separate several with semicolons. Empty: any time in office hours.",
    ),
    (
        "camp.times_saved",
        "Waktu di rumah disimpan; susun ulang jadwal agar dipakai.",
        "Home times saved; re-plan the schedule to use them.",
    ),
    ("camp.wa", "Kabari keluarga (WhatsApp)", "Tell the family (WhatsApp)"),
    (
        "camp.xlsx",
        "Unduh jadwal (Excel: per tim dan per desa)",
        "Download the schedule (Excel: per team and per village)",
    ),
    ("camp.map", "Peta titik kunjungan", "Map of the visits"),
    (
        "camp.map_desc",
        "Kantor kecamatan (kotak hitam), setiap rumah yang dikunjungi berwarna menurut tim, garis untuk perjalanan setiap tim per hari; abu-abu: belum masuk jadwal. Warga tanpa koordinat rumah digambar di titik tengah desanya.",
        "The kantor kecamatan (black square), every home coloured by team, a line for each team's day; grey: not scheduled. Residents without home coordinates are drawn at their village's centre.",
    ),
    ("camp.depot", "Kantor kecamatan", "Kantor kecamatan"),
    ("camp.pdf_a4", "Cetak jadwal (PDF, A4)", "Print the schedule (PDF, A4)"),
    ("camp.pdf_f4", "Cetak jadwal (PDF, F4)", "Print the schedule (PDF, F4)"),
    ("nav.kop", "Kop surat", "Letterhead"),
    ("kop.title", "Kop surat dan penanda tangan", "Letterhead and signatory"),
    (
        "kop.help",
        "Dipakai di setiap dokumen yang dicetak Jempol (surat, daftar hadir, notulen, jadwal). Kosongkan untuk memakai nama wilayah dari daftar wilayah.",
        "Used on every document Jempol prints (letters, attendance lists, minutes, schedules). Leave empty to use the region names.",
    ),
    ("kop.saved", "Kop surat disimpan.", "Letterhead saved."),
    ("nav.letters", "Surat", "Letters"),
    (
        "meet.new",
        "Rencanakan rapat koordinasi (langkah 3)",
        "Plan the coordination meeting (step 3)",
    ),
    (
        "meet.new_help",
        "Surat undangannya mendapat nomor surat keluar berikutnya dan bisa langsung dicetak.",
        "Its invitation gets the next outgoing-letter number and can be printed at once.",
    ),
    ("meet.date", "Tanggal rapat", "Meeting date"),
    ("meet.time", "Jam mulai (WIB)", "Start time (WIB)"),
    ("meet.place", "Tempat", "Place"),
    ("meet.agenda", "Acara", "Agenda"),
    (
        "meet.invitees",
        "Yang diundang (satu per baris: peran, instansi, desa)",
        "Invitees (one per line: roles, agencies, villages)",
    ),
    (
        "meet.classification",
        "Kode klasifikasi surat",
        "Letter classification code",
    ),
    ("meet.letter_date", "Tanggal surat undangan", "Date of the invitation"),
    (
        "meet.create",
        "Simpan dan beri nomor surat",
        "Save and number the letter",
    ),
    (
        "meet.created",
        "Rapat direncanakan; surat undangan sudah bernomor.",
        "Meeting planned; the invitation is numbered.",
    ),
    ("meet.title", "Rapat koordinasi", "Coordination meeting"),
    ("meet.documents", "Dokumen", "Documents"),
    ("meet.invitation_number", "Nomor surat undangan", "Invitation number"),
    ("meet.invitation_pdf", "Surat undangan (PDF)", "Invitation (PDF)"),
    ("meet.attendance_pdf", "Daftar hadir (PDF)", "Attendance list (PDF)"),
    ("meet.minutes_pdf", "Notulen (PDF)", "Minutes (PDF)"),
    (
        "meet.step3",
        "Langkah 3: rapat koordinasi",
        "Step 3: coordination meeting",
    ),
    ("meet.minutes", "Hasil rapat", "Outcome of the meeting"),
    ("meet.started", "Rapat mulai (jam)", "Started at"),
    ("meet.ended", "Rapat selesai (jam)", "Ended at"),
    ("meet.attendees", "Yang hadir", "Present"),
    (
        "meet.attendees_help",
        "Satu per baris: Nama — Jabatan/Instansi.",
        "One per line: Name — Position/Agency.",
    ),
    (
        "meet.discussion",
        "Notulen: pokok pembahasan",
        "Minutes: what was discussed",
    ),
    ("meet.decisions", "Keputusan", "Decisions"),
    ("meet.taker", "Notulis", "Minute taker"),
    ("meet.save_minutes", "Simpan hasil rapat", "Save the outcome"),
    (
        "meet.minutes_saved",
        "Hasil rapat disimpan. Notulen bisa dicetak.",
        "Outcome saved. The minutes can be printed.",
    ),
    (
        "meet.people",
        "Warga yang akan dijadwalkan",
        "Residents to be scheduled",
    ),
    (
        "meet.people_help",
        "Catat pengaturan khusus yang diputuskan rapat per warga (misalnya keluarga harus hadir, ODGJ didampingi petugas kesehatan). Pengaturan ikut tercetak di jadwal. Warga yang tidak jadi dijadwalkan dikeluarkan di halaman gelombang.",
        "Record the special arrangements decided per person (e.g. the family must be present, an ODGJ needs a health worker). They print on the schedule. Residents not to be scheduled are removed on the campaign page.",
    ),
    ("meet.arrangement", "Pengaturan khusus", "Special arrangement"),
    (
        "meet.arrangement_saved",
        "Pengaturan khusus disimpan.",
        "Arrangement saved.",
    ),
    ("meet.to_campaign", "Ke halaman gelombang", "To the campaign"),
    (
        "meet.plan",
        "Rencanakan rapat koordinasi",
        "Plan the coordination meeting",
    ),
    (
        "meet.list",
        "Rapat koordinasi (langkah 3)",
        "Coordination meetings (step 3)",
    ),
    ("letters.title", "Buku agenda surat", "Letters register"),
    ("letters.out", "Surat keluar", "Outgoing"),
    ("letters.in", "Surat masuk", "Incoming"),
    (
        "letters.none",
        "Belum ada surat pada tahun ini.",
        "No letters this year.",
    ),
    ("letters.number", "Nomor", "Number"),
    ("letters.date", "Tanggal surat", "Letter date"),
    ("letters.from", "Pengirim", "From"),
    ("letters.to", "Tujuan", "To"),
    ("letters.subject", "Perihal", "Subject"),
    ("letters.campaign", "gelombang", "campaign"),
    (
        "letters.register_in",
        "Catat surat masuk",
        "Register an incoming letter",
    ),
    (
        "letters.register_out",
        "Beri nomor surat keluar",
        "Number an outgoing letter",
    ),
    (
        "letters.number_as_written",
        "Nomor surat (seperti tertulis)",
        "Letter number (as written)",
    ),
    ("letters.save_in", "Catat surat masuk", "Register"),
    ("letters.save_out", "Beri nomor", "Number it"),
    ("letters.saved", "Surat dicatat.", "Letter registered."),
    ("camp.calendar", "Kalender jadwal", "Schedule calendar"),
    ("camp.day", "Hari", "Day"),
    (
        "camp.calendar_help",
        "Tiap sel: jumlah kunjungan · berangkat–kembali ke kantor kecamatan.",
        "Each cell: visits · leaving and returning to the office.",
    ),
    ("camp.notify_desa", "Pemberitahuan ke desa", "Notifying the villages"),
    ("camp.not_numbered", "surat belum bernomor", "letter not numbered yet"),
    (
        "camp.number_letters",
        "Beri nomor surat pemberitahuan untuk setiap desa",
        "Number a notification letter for every village",
    ),
    (
        "camp.letters_numbered",
        "Surat pemberitahuan untuk setiap desa sudah bernomor dan siap dicetak.",
        "A notification letter for every village is numbered and ready to print.",
    ),
    (
        "camp.plan_settings",
        "Pengaturan penyusunan (lama kunjungan, kecepatan, jam kantor)",
        "Planning settings (visit length, speed, office hours)",
    ),
    (
        "camp.minutes_default",
        "Lama kunjungan biasa (menit)",
        "Usual visit length (minutes)",
    ),
    (
        "camp.minutes_odgj",
        "Lama kunjungan ODGJ (menit)",
        "Visit length for ODGJ (minutes)",
    ),
    (
        "camp.minutes_bedridden",
        "Lama kunjungan warga terbaring (menit)",
        "Visit length for the bedridden (minutes)",
    ),
    (
        "camp.speed",
        "Kecepatan rata-rata di jalan (km/jam)",
        "Average road speed (km/h)",
    ),
    (
        "camp.hours_mon_thu",
        "Jam kantor Senin–Kamis",
        "Office hours Monday–Thursday",
    ),
    ("camp.hours_fri", "Jam kantor Jumat", "Office hours Friday"),
    ("camp.team_accounts", "Akun anggota", "Member accounts"),
    (
        "camp.no_field_users",
        "Belum ada akun staf atau operator Dispendukcapil; admin membuatnya di Pengguna.",
        "No staff or Dispendukcapil accounts yet; the admin creates them under Users.",
    ),
    ("camp.save_accounts", "Simpan akun tim", "Save the team's accounts"),
    ("camp.accounts", "akun", "accounts"),
    (
        "camp.team_users_saved",
        "Akun tim disimpan: jadwal tim muncul di halaman Kunjungan saya anggotanya.",
        "Team accounts saved: the team's visits appear on its members' My visits page.",
    ),
    ("nav.field", "Kunjungan saya", "My visits"),
    ("field.title", "Kunjungan saya", "My visits"),
    (
        "field.none",
        "Tidak ada kunjungan Anda pada hari ini di jadwal yang sudah disetujui Camat.",
        "You have no visits on this day in a schedule the Camat approved.",
    ),
    (
        "field.no_team",
        "Anda belum masuk tim perekaman mana pun. Kasi Pelayanan memasukkan akun Anda ke tim di halaman gelombang.",
        "You are in no recording team yet. The Kasi Pelayanan adds your account to a team on the campaign page.",
    ),
    ("field.prev", "Hari sebelumnya", "Previous day"),
    ("field.next", "Hari berikutnya", "Next day"),
    ("field.call", "Telepon", "Call"),
    ("field.at_home", "Di rumah", "At home"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t.s("key")` in the templates and the code has both languages.
    #[test]
    fn every_used_key_is_translated() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut used = Vec::new();
        for dir in ["templates", "src"] {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
                let path = entry.unwrap().path();
                if path.ends_with("i18n.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(path).unwrap();
                for part in text.split(".s(\"").skip(1) {
                    used.push(part[..part.find('"').unwrap()].to_string());
                }
            }
        }
        assert!(used.len() > 50, "found the keys ({})", used.len());
        for key in used {
            assert!(TEXTS.iter().any(|(k, _, _)| *k == key), "untranslated key {key:?}");
        }
        for (k, id, en) in TEXTS {
            assert!(!id.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(Tr(Lang::En).s("nav.logout"), "Log out");
        assert_eq!(Tr(Lang::Id).s("nav.logout"), "Keluar");
    }
}
