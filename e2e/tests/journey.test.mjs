// The SOP as one journey in Chromium: one campaign through all 12 steps, each step done by a
// user of the lane the SOP gives it, checking at each step what that role sees and what it must
// not see. Step 1: a village operator uploads a messy list on a phone, corrects a rejected row
// and sends it; 2: kecamatan staff verify and reject with a reason; 3: the coordination
// meeting's invitation, attendance list and minutes print; 4: the Kasi plans the home visits and
// the Camat approves on a phone; 5: outcomes are recorded with the network cut; 6:
// Dispendukcapil updates production; 7–8: the card passes three handovers; 9–12: assistance is
// coordinated, proposed, evaluated and facilitated. Every page reached is checked with axe-core
// (harness.mjs) and the screenshots feed the user guide (scripts/screenshots).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startServer, startAgain, ensureRunning, stopServer, launchBrowser, launchDevice, newPage, login, checkA11y, shot, pdfText, ADMIN_PASSWORD } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopServer(server);
});

const PHONE = { width: 360, height: 740 };
const FULL_NIK = /(?<!\d)35\d{14}(?!\d)/;

/// The links of the main navigation, as the role sees them.
async function nav(page) {
  return (await page.locator('nav.main-nav a').allInnerTexts()).map((t) => t.trim());
}

/// The HTTP status of a page opened by this user.
async function statusOf(page, path) {
  const r = await page.goto(`${page.base}${path}`);
  return r.status();
}
// The messy list as Excel saves it (fixtures/make.py): merged titles and a merged two-row header,
// a NIK stored as a number, dates typed three ways and one a date cell, a duplicate, a row
// without category, a totals row and a signature block. NIKs are new (not in the demo data).
const XLSX = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'lembah-berantakan.xlsx'));

test('a village operator uploads, corrects and sends a messy list on a phone; staff verify it', async () => {
  const page = await newPage(browser, server.base, PHONE);
  await login(page, 'desa.lembah');
  await shot(page, 'home-desa-360');
  // The village's lane: its list, its residents, its cards and assistance; not the kecamatan's
  // campaigns, production, dashboard or audit log.
  const links = await nav(page);
  for (const own of ['Pengajuan', 'Warga', 'Kartu warga', 'Bantuan']) assert.ok(links.includes(own), `${own} in ${links}`);
  for (const not of ['Gelombang', 'Produksi', 'Dasbor', 'Jejak audit']) assert.ok(!links.includes(not), `${not} not in ${links}`);
  for (const path of ['/gelombang', '/produksi', '/dasbor', '/audit']) assert.equal(await statusOf(page, path), 403, path);
  await page.goto(`${server.base}/`);
  await page.getByRole('link', { name: 'Pengajuan' }).click();
  await page.getByLabel('Berkas daftar').setInputFiles({
    name: 'Data Rentan Lembah.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: XLSX,
  });
  await page.getByRole('button', { name: 'Unggah dan periksa' }).click();
  await page.getByText('Draf: belum dikirim').waitFor();
  const counts = await page.locator('.counts').innerText();
  assert.match(counts, /Diterima: 3/);
  assert.match(counts, /Ditolak: 3/);
  // Row numbers as Excel shows them; title, header, blank, totals and signature rows are not data.
  const rows = await page.locator('tr[data-row]').evaluateAll((trs) => trs.map((tr) => tr.dataset.row));
  assert.deepEqual(rows, ['6', '7', '8', '9', '10', '11']);
  assert.match(await page.locator('tr[data-row="8"]').innerText(), /format kolom NIK menjadi Teks/);
  assert.match(await page.locator('tr[data-row="9"]').innerText(), /sudah ada di baris 7/);
  assert.match(await page.locator('tr[data-row="10"]').innerText(), /Diterima/);
  assert.match(await page.locator('tr[data-row="11"]').innerText(), /bukan lansia/);
  await checkA11y(page, 'the checked draft');
  await shot(page, 'step1-preview-360');
  // A reload loses nothing.
  await page.reload();
  assert.match(await page.locator('.counts').innerText(), /Diterima: 3/);

  // Row 8 is corrected in the browser: the NIK typed again as text, the birth date filled in.
  await page.locator('tr[data-row="8"]').getByRole('link', { name: /Perbaiki/ }).click();
  const nik = page.getByLabel(/^NIK/);
  assert.equal(await nik.getAttribute('aria-invalid'), 'true');
  assert.equal(await nik.inputValue(), '', 'a NIK stored as a number is typed again, not offered');
  await nik.fill('3519024511390003');
  await checkA11y(page, 'a rejected row to correct');
  await page.getByLabel(/^Tanggal/).fill('05-11-1939');
  await shot(page, 'step1-correct-row-360');
  await page.getByRole('button', { name: 'Simpan dan periksa ulang' }).click();
  await page.getByText('Baris diperbaiki dan diperiksa ulang').waitFor();
  const fixed = await page.locator('.counts').innerText();
  assert.match(fixed, /Diterima: 4/);
  assert.match(fixed, /Ditolak: 2/);
  assert.match(await page.locator('tr[data-row="8"]').innerText(), /Diterima/);
  await page.getByRole('button', { name: 'Kirim ke kecamatan' }).click();
  await page.getByText('Langkah 1 SOP selesai').waitFor();
  assert.match(await page.locator('main').innerText(), /terkirim/);
  const sent = page.url().split('?')[0];
  await page.context().close();

  // Kecamatan staff see it; step 2: verify three, reject one with a reason, close the collection.
  const staff = await newPage(browser, server.base);
  await login(staff, 'petugas');
  await staff.goto(`${server.base}/pengajuan`);
  assert.match(await staff.locator('main').innerText(), /Data Rentan Lembah\.xlsx/);
  await staff.goto(sent);
  assert.match(await staff.locator('main').innerText(), /4 warga menunggu verifikasi/);
  for (let i = 0; i < 3; i++) {
    await staff.getByRole('button', { name: 'Verifikasi' }).first().click();
    await staff.locator('main').waitFor();
  }
  await staff.getByLabel('Alasan penolakan').first().fill('Sudah rekam di Dispendukcapil');
  await staff.getByRole('button', { name: 'Tolak' }).first().click();
  await staff.getByRole('button', { name: 'Selesaikan pengumpulan (langkah 2)' }).click();
  const done = await staff.locator('main').innerText();
  assert.match(done, /Langkah 2 SOP selesai/);
  assert.match(done, /Sudah rekam di Dispendukcapil/);
  assert.match(done, /Langkah 2: kecamatan mengumpulkan data/);
  await shot(staff, 'step2-done-1280');
  await staff.context().close();

  const other = await newPage(browser, server.base, PHONE);
  await login(other, 'pendamping.lembah');
  const r = await other.goto(sent);
  assert.equal(r.status(), 403, 'a pendamping has no part in step 1');
  await other.context().close();
});

test('steps 3–4: the meeting documents print; the Kasi plans the home visits and the Camat approves on a phone', async () => {
  const kasi = await newPage(browser, server.base);
  await login(kasi, 'kasi');
  await kasi.getByRole('link', { name: 'Gelombang' }).click();
  await kasi.getByLabel('Nama gelombang').fill('Gelombang I 2026');
  await kasi.getByLabel('Tanggal mulai').fill('2026-12-14');
  await kasi.getByLabel('Tanggal selesai').fill('2026-12-31');
  await kasi.getByRole('button', { name: 'Buat gelombang' }).click();
  await kasi.locator('.flash', { hasText: 'Gelombang dibuat' }).waitFor();
  // The three people verified in step 2 (the test above) are there to add.
  assert.match(await kasi.locator('main').innerText(), /belum masuk gelombang: 3/);
  await kasi.getByRole('button', { name: 'Tambahkan warga terverifikasi' }).click();
  await kasi.getByText('Warga dalam gelombang (3)').waitFor();
  const campaignAt = kasi.url().split('?')[0];
  await meeting(campaignAt);
  await kasi.reload();
  await kasi.getByLabel('Nama tim').fill('Tim 1');
  await kasi.getByLabel('Anggota (pisahkan dengan koma)').fill('Sugeng, Wahyu (Dispendukcapil)');
  await kasi.getByRole('button', { name: 'Tambah tim' }).click();
  await kasi.locator('.flash', { hasText: 'Tim ditambahkan' }).waitFor();
  // The demo's staff officer goes with Tim 1: their field list will show its visits.
  await kasi.getByLabel(/Petugas Pelayanan \(demo\)/).check();
  // So does the Dispendukcapil operator with the recording kit (a second device in step 5).
  await kasi.getByLabel(/Operator Dispendukcapil \(demo\)/).check();
  await kasi.getByRole('button', { name: 'Simpan akun tim' }).click();
  await kasi.locator('.flash', { hasText: 'Akun tim disimpan' }).waitFor();
  await kasi.getByLabel('Kunjungan mulai').fill('2026-12-14');
  await kasi.getByRole('button', { name: 'Susun jadwal' }).click();
  await kasi.locator('.flash', { hasText: 'Jadwal disusun' }).waitFor();
  const sched = await kasi.locator('main').innerText();
  assert.match(sched, /Terjadwal: 3/);
  assert.match(sched, /Senin, 14-12-2026/);
  assert.match(sched, /KASMINI/);
  await shot(kasi, 'step4-schedule-1280');
  // Adjust: one visit moves to Tuesday and is pinned there; the schedule becomes version 2.
  await kasi.locator('select[name=target]').first().selectOption({ label: 'Tim 1 · Selasa, 15-12-2026' });
  await kasi.getByRole('button', { name: 'Pindahkan' }).first().click();
  await kasi.locator('.flash', { hasText: 'Kunjungan dipindah' }).waitFor();
  const adjusted = await kasi.locator('main').innerText();
  assert.match(adjusted, /Versi 2/);
  assert.match(adjusted, /Selasa, 15-12-2026/);
  assert.match(adjusted, /dikunci/);
  await kasi.getByRole('button', { name: 'Setujui jadwal (Kasi Pelayanan)' }).click();
  await kasi.getByText('disetujui Kasi, menunggu persetujuan Camat').waitFor();
  const at = kasi.url().split('?')[0];
  await kasi.context().close();

  const camat = await newPage(browser, server.base, PHONE);
  await login(camat, 'camat');
  await camat.goto(at);
  // The Camat approves; planning and moving visits stay with the Kasi.
  assert.equal(await camat.getByRole('button', { name: 'Susun jadwal' }).count(), 0);
  assert.equal(await camat.getByRole('button', { name: 'Pindahkan' }).count(), 0);
  await camat.getByRole('button', { name: 'Setujui jadwal (Camat)' }).click();
  await camat.getByText('disetujui Camat (langkah 4 selesai)').waitFor();
  assert.match(await camat.locator('main').innerText(), /Langkah 4: menetapkan jadwal/);
  const overflow = await camat.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the schedule fits 360 px (overflow ${overflow})`);
  await shot(camat, 'step4-approved-360');
  await camat.context().close();

  // Step 5 begins: the officer in Tim 1 sees Monday's visits on a phone, in plan order.
  const officer = await newPage(browser, server.base, PHONE);
  await login(officer, 'petugas');
  await officer.getByRole('link', { name: 'Kunjungan saya' }).click();
  await officer.goto(`${server.base}/lapangan?tanggal=2026-12-14`);
  const field = await officer.locator('main').innerText();
  assert.match(field, /Senin, 14 Desember 2026/);
  assert.match(field, /Tim 1/);
  assert.match(field, /KASMINI|PAINEM|WAGIMAN/);
  assert.doesNotMatch(field, /Dusun\s*$/m, 'no empty address parts');
  assert.doesNotMatch(field, FULL_NIK, 'the phone carries masked NIKs only');
  const fieldWide = await officer.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(fieldWide <= 0, `the field list fits 360 px (overflow ${fieldWide})`);
  await shot(officer, 'step5-field-360');
  // Staff see the approved schedule but approve nothing.
  await officer.goto(at);
  assert.equal(await officer.getByRole('button', { name: /Setujui jadwal/ }).count(), 0);
  await officer.context().close();
  const village = await newPage(browser, server.base, PHONE);
  await login(village, 'desa.lembah');
  assert.equal(await statusOf(village, '/lapangan'), 403, 'a village records no visits');
  assert.equal(await statusOf(village, new URL(at).pathname), 403);
  await village.context().close();

  // The campaign page with the Kasi's forms fits a phone too.
  const phone = await newPage(browser, server.base, PHONE);
  await login(phone, 'kasi');
  await phone.goto(at.replace(/\/jadwal$/, ''));
  await phone.getByText('Warga dalam gelombang (3)').waitFor();
  await shot(phone, 'campaign-360');
  const wide = await phone.evaluate(() => {
    const over = [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1);
    return { px: document.documentElement.scrollWidth - window.innerWidth, what: over.slice(0, 3).map((e) => e.tagName + '.' + e.className + '#' + e.id) };
  });
  assert.ok(wide.px <= 0, `the campaign page fits 360 px (overflow ${wide.px}: ${wide.what.join(', ')})`);
  await phone.context().close();
});

test('step 5 with the network cut: outcomes survive a reload and a browser restart, arrive exactly once, and a second device conflicts', async () => {
  try {
    await recordOffline();
  } finally {
    await ensureRunning(server);
  }
});

// Step 3: staff plan the coordination meeting; its invitation and attendance list print, then
// the minutes with the special arrangement decided for one person. The Camat and
// Dispendukcapil read it without the forms; a village opens neither the campaign nor the meeting.
async function meeting(campaignAt) {
  const staff = await newPage(browser, server.base);
  await login(staff, 'petugas');
  await staff.goto(campaignAt);
  await staff.getByRole('link', { name: 'Rencanakan rapat koordinasi' }).click();
  await staff.getByLabel('Tanggal rapat').fill('2026-12-07');
  await staff.getByLabel('Jam mulai (WIB)').fill('25.00');
  await staff.getByLabel('Tempat').fill('Pendopo Kecamatan Dolopo');
  await staff.getByLabel('Acara').fill('Koordinasi data dan jadwal perekaman e-KTP');
  await staff.getByLabel('Tanggal surat undangan').fill('2026-12-01');
  await staff.getByRole('button', { name: 'Simpan dan beri nomor surat' }).click();
  // A time that does not exist is named under its field; what was typed stays.
  await staff.locator('#m-time-err').waitFor();
  await checkA11y(staff, 'the meeting form with an error');
  assert.equal(await staff.getByLabel('Tempat').inputValue(), 'Pendopo Kecamatan Dolopo');
  await staff.getByLabel('Jam mulai (WIB)').fill('09.00');
  await staff.getByRole('button', { name: 'Simpan dan beri nomor surat' }).click();
  await staff.locator('.flash', { hasText: 'Rapat direncanakan' }).waitFor();
  const meetingAt = staff.url().split('?')[0];
  const [inv] = await Promise.all([
    staff.waitForEvent('download'),
    staff.getByRole('link', { name: 'Surat undangan (PDF)' }).click(),
  ]);
  const invitation = await pdfText(inv);
  for (const part of ['KECAMATAN DOLOPO', 'Senin, 7 Desember 2026', '09.00 WIB', 'Pendopo Kecamatan Dolopo', 'Camat Dolopo']) {
    assert.ok(invitation.includes(part), `${part} in the invitation:\n${invitation}`);
  }
  const [att] = await Promise.all([
    staff.waitForEvent('download'),
    staff.getByRole('link', { name: 'Daftar hadir (PDF)' }).click(),
  ]);
  assert.match(await pdfText(att), /DAFTAR HADIR/);
  await staff.getByLabel('Rapat selesai (jam)').fill('11.00');
  await staff.getByLabel('Yang hadir').fill('Camat Dolopo — Camat\nKasi Pelayanan — Kecamatan Dolopo\nKepala Desa Lembah — Desa Lembah\nOperator — Dispendukcapil');
  await staff.getByLabel('Notulen: pokok pembahasan').fill('Data tiga warga Lembah; jadwal perekaman mulai 14 Desember.');
  await staff.getByLabel('Keputusan').fill('Perekaman di rumah warga oleh Tim 1.');
  await staff.getByLabel('Notulis').fill('SUGENG');
  await staff.getByRole('button', { name: 'Simpan hasil rapat' }).click();
  await staff.locator('.flash', { hasText: 'Hasil rapat disimpan' }).waitFor();
  assert.match(await staff.locator('main').innerText(), /Langkah 3: rapat koordinasi/);
  const person = staff.locator('tbody tr').first();
  await person.getByRole('textbox').fill('keluarga harus hadir');
  await person.getByRole('button', { name: 'Simpan' }).click();
  await staff.locator('.flash', { hasText: 'Pengaturan khusus disimpan' }).waitFor();
  const [min] = await Promise.all([
    staff.waitForEvent('download'),
    staff.getByRole('link', { name: 'Notulen (PDF)' }).click(),
  ]);
  const minutes = await pdfText(min);
  assert.ok(minutes.includes('Perekaman di rumah warga oleh Tim 1.'), minutes);
  await shot(staff, 'step3-meeting-1280');
  await staff.context().close();

  const camat = await newPage(browser, server.base, PHONE);
  await login(camat, 'camat');
  await camat.goto(meetingAt);
  assert.match(await camat.locator('main').innerText(), /Surat undangan \(PDF\)/);
  assert.equal(await camat.getByRole('button', { name: 'Simpan hasil rapat' }).count(), 0, 'the Camat reads, staff write');
  assert.doesNotMatch(await camat.locator('main').innerText(), FULL_NIK);
  // UU 27/2022 drill: the breach report for today, and one person's own report from it.
  const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
  await camat.goto(`${server.base}/audit`);
  await camat.getByRole('link', { name: 'Laporan dugaan kebocoran data' }).click();
  await camat.getByLabel('Dari tanggal').fill(today);
  await camat.getByLabel('Sampai tanggal').fill(today);
  await camat.getByRole('button', { name: 'Susun laporan' }).click();
  await camat.getByRole('heading', { name: 'Akun yang bertindak' }).waitFor();
  const report = await camat.locator('main').innerText();
  assert.match(report, /desa\.lembah|operator/, report);
  assert.doesNotMatch(report, FULL_NIK);
  await camat.getByRole('link', { name: 'Laporan warga' }).first().click();
  await camat.getByRole('heading', { name: 'Siapa yang membuka atau mengubah data ini' }).waitFor();
  assert.doesNotMatch(await camat.locator('main').innerText(), FULL_NIK);
  await camat.context().close();

  const desa = await newPage(browser, server.base, PHONE);
  await login(desa, 'desa.lembah');
  assert.equal(await statusOf(desa, new URL(meetingAt).pathname), 403);
  assert.equal(await statusOf(desa, new URL(campaignAt).pathname), 403);
  await desa.context().close();
}

async function recordOffline() {
  const profile = mkdtempSync(join(tmpdir(), 'jempol-phone-'));
  let phone = await launchDevice(profile, PHONE);
  let page = phone.pages()[0] || await phone.newPage();
  page.base = server.base;
  await login(page, 'petugas');
  await page.goto(`${server.base}/lapangan?tanggal=2026-12-14`);
  // The device keeps the officer's days (Monday and Tuesday) for offline use.
  await page.locator('#field[data-offline-ready]').waitFor();
  const monday = page.locator('[data-visit]');
  assert.equal(await monday.count(), 2);
  const first = await monday.nth(0).getAttribute('data-name');

  // A second device in the same team opens Monday while both are online.
  const other = await newPage(browser, server.base, PHONE);
  await login(other, 'dukcapil');
  await other.goto(`${server.base}/lapangan?tanggal=2026-12-14`);
  await other.locator('[data-visit]').first().waitFor();

  // The network is cut: the server is gone and the phone is offline.
  await stopServer(server);
  await phone.setOffline(true);
  const v1 = monday.nth(0);
  await v1.locator('summary').click();
  await v1.getByLabel('Terekam', { exact: true }).check();
  await v1.getByLabel('Sidik jari terekam').uncheck();
  await v1.getByLabel(/alasan sidik jari/).fill('jari tangan kaku');
  await v1.getByLabel('Pengecualian sudah dilaporkan ke pusat').check();
  await v1.getByRole('button', { name: 'Simpan hasil' }).click();
  await page.locator('#outbox[data-waiting="1"]').waitFor();
  const v2 = monday.nth(1);
  await v2.locator('summary').click();
  await v2.getByLabel('Tidak terekam', { exact: true }).check();
  // Without a reason the device says what to fix, and nothing is queued.
  await v2.getByRole('button', { name: 'Simpan hasil' }).click();
  await v2.getByRole('alert').getByText('Pilih alasan tidak terekam.').waitFor();
  // The message is also under the field it is about, and tied to it for a screen reader.
  const reason = v2.getByLabel('Alasan tidak terekam');
  assert.equal(await reason.getAttribute('aria-invalid'), 'true');
  assert.equal(await v2.locator(`#${(await reason.getAttribute('aria-describedby')).split(' ').pop()}`).innerText(), 'Pilih alasan tidak terekam.');
  await checkA11y(page, 'an outcome without its reason, offline');
  await v2.getByLabel('Alasan tidak terekam').selectOption('tidak_di_rumah');
  await v2.getByLabel('Catatan').fill('ke sawah, pulang sore');
  await v2.getByRole('button', { name: 'Simpan hasil' }).click();
  await page.locator('#outbox[data-waiting="2"]').waitFor();
  assert.match(await v1.locator('[data-state]').innerText(), /Menunggu dikirim: Terekam, tanpa: sidik jari/);
  // A neighbour who is not on the list is found on site and added, still offline.
  await page.getByText('Tambah warga yang ditemukan di lokasi').click();
  const walkin = page.locator('form[data-walkin]');
  await walkin.getByLabel('Desa').selectOption({ label: 'Lembah' });
  await walkin.getByLabel('NIK').fill('3519025205450777');
  await walkin.getByLabel('Nama').fill('SUMIATI TETANGGA');
  await walkin.getByRole('button', { name: 'Tambahkan ke kunjungan hari ini' }).click();
  await page.locator('#outbox[data-waiting="3"]').waitFor();
  await shot(page, 'step5-offline-360');

  // A reload without a connection: the page comes from the device, the outbox is intact.
  await page.reload();
  await page.locator('#outbox[data-waiting="3"]').waitFor();
  // Tuesday was kept too: its visit moves to the Monday after, inside the campaign's window.
  await page.goto(`${server.base}/lapangan?tanggal=2026-12-15`);
  const v3 = page.locator('[data-visit]').first();
  await v3.locator('summary').click();
  await v3.getByLabel('Jadwal ulang', { exact: true }).check();
  await v3.getByLabel('Tanggal kunjungan ulang').fill('2026-12-21');
  await v3.getByRole('button', { name: 'Simpan hasil' }).click();
  await page.locator('#outbox[data-waiting="4"]').waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Ekspor yang belum terkirim' }).click(),
  ]);
  const exported = readFileSync(await download.path(), 'utf8');
  assert.equal(JSON.parse(exported).outcomes.length, 4);

  // The browser is closed and started again, still without a connection.
  await phone.close();
  phone = await launchDevice(profile, PHONE);
  await phone.setOffline(true);
  page = phone.pages()[0] || await phone.newPage();
  await page.goto(`${server.base}/lapangan?tanggal=2026-12-14`);
  await page.locator('#outbox[data-waiting="4"]').waitFor();

  // The connection returns: everything is sent, once.
  await startAgain(server);
  await phone.setOffline(false);
  await page.locator('#outbox[data-waiting="0"]').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('#outbox').innerText(), /Semua hasil terkirim/);
  // The person found on site is now on Monday's list, verified, to record.
  await page.reload();
  await page.locator('[data-visit]', { hasText: 'SUMIATI TETANGGA' }).waitFor();

  // The second device had not seen the officer's outcome: it records the same person offline.
  await other.context().setOffline(true);
  const o1 = other.locator('[data-visit]', { hasText: first });
  await o1.locator('summary').click();
  await o1.getByLabel('Tidak terekam', { exact: true }).check();
  await o1.getByLabel('Alasan tidak terekam').selectOption('menolak');
  await o1.getByRole('button', { name: 'Simpan hasil' }).click();
  await other.locator('#outbox[data-waiting="1"]').waitFor();
  await other.context().setOffline(false);
  await other.locator('#outbox[data-waiting="0"]').waitFor({ timeout: 60_000 });
  assert.match(await o1.locator('[data-state]').innerText(), /Konflik/);
  await other.context().close();

  // The same outcomes uploaded from the exported file change nothing.
  await page.goto(`${server.base}/lapangan/impor`);
  await page.getByLabel('Berkas ekspor (.json)').setInputFiles({ name: 'jempol-belum-terkirim.json', mimeType: 'application/json', buffer: Buffer.from(exported) });
  await page.getByRole('button', { name: 'Unggah dan kirim' }).click();
  assert.match(await page.locator('.counts').innerText(), /sudah diterima sebelumnya: 4/);
  await phone.close();

  // The Kasi sees each outcome once, the exception, and the conflict to settle.
  const kasi = await newPage(browser, server.base);
  await login(kasi, 'kasi');
  await kasi.getByRole('link', { name: 'Gelombang' }).click();
  await kasi.getByRole('link', { name: 'Gelombang I 2026' }).click();
  await kasi.getByRole('link', { name: 'Lihat hasil kunjungan' }).click();
  const progress = await kasi.locator('main').innerText();
  assert.match(progress, /terekam: 1/);
  assert.match(progress, /dijadwal ulang: 1/);
  assert.match(progress, /Sidik jari: jari tangan kaku/);
  assert.match(progress, /Konflik hasil kunjungan \(1\)/);
  await shot(kasi, 'step5-kasi-1280');
  await kasi.getByRole('button', { name: 'Tetap pakai hasil yang berlaku' }).click();
  await kasi.locator('.flash', { hasText: 'Konflik diputuskan' }).waitFor();
  await kasi.getByRole('link', { name: first }).first().click();
  // One outcome applied (once, though sent by sync and again by file), one conflict kept.
  const kinds = await kasi.locator('ol.history li strong').allInnerTexts();
  assert.equal(kinds.filter((k) => k === 'hasil kunjungan').length, 1, kinds.join(' | '));
  assert.equal(kinds.filter((k) => k.startsWith('hasil kunjungan bertentangan')).length, 1, kinds.join(' | '));
  assert.match(await kasi.locator('ol.history').innerText(), /terekam, tanpa sidik jari \(jari tangan kaku\)/);
  await kasi.context().close();
}

test('step 6: Dispendukcapil pastes NIKs from SIAK, checks the list, and applies a state', async () => {
  const dukcapil = await newPage(browser, server.base);
  await login(dukcapil, 'dukcapil');
  await dukcapil.getByRole('link', { name: 'Produksi' }).click();
  const rows = dukcapil.locator('tbody tr[data-resident]');
  await rows.first().waitFor();
  // Recorded in step 5 (the others were not at home, rescheduled, or not recorded yet).
  const niks = await rows.locator('td[data-label="NIK"]').allInnerTexts();
  assert.equal(niks.length, 1, niks.join(','));
  assert.ok(niks.every((n) => /^\d{16}$/.test(n)), 'Dispendukcapil sees full NIKs');
  await dukcapil.getByLabel(/^Daftar NIK/).fill(`${niks.join('\n')}\n3.51902E+15`);
  await dukcapil.getByLabel('Status atau masalah').first().selectOption({ label: 'Siap cetak (PRR)' });
  await dukcapil.getByRole('button', { name: 'Periksa daftar' }).click();
  const check = await dukcapil.locator('main').innerText();
  assert.match(check, new RegExp(`${niks.length} warga di antrean akan diperbarui`));
  assert.match(check, /1 isian bukan NIK 16 angka/);
  await dukcapil.getByRole('button', { name: /^Terapkan/ }).click();
  await dukcapil.locator('.flash', { hasText: 'Status produksi diperbarui' }).waitFor();
  assert.equal(await dukcapil.locator('tbody .badge', { hasText: 'Siap cetak (PRR)' }).count(), niks.length);
  await shot(dukcapil, 'step6-production-1280');
  await dukcapil.context().close();

  // The Camat follows production with masked NIKs and changes nothing; staff cannot update it.
  const camat = await newPage(browser, server.base);
  await login(camat, 'camat');
  await camat.goto(`${server.base}/produksi`);
  await camat.locator('tbody tr[data-resident]').first().waitFor();
  assert.doesNotMatch(await camat.locator('main').innerText(), FULL_NIK);
  assert.equal(await camat.getByRole('button', { name: /^Terapkan|Periksa daftar/ }).count(), 0);
  await camat.context().close();
});

test('step 7: the printed card goes to the kecamatan with a berita acara, and the kecamatan checks it', async () => {
  const dukcapil = await newPage(browser, server.base);
  await login(dukcapil, 'dukcapil');
  await dukcapil.goto(`${server.base}/produksi`);
  const row = dukcapil.locator('tbody tr[data-resident]').first();
  await row.getByLabel('Status atau masalah').selectOption({ label: 'Kartu e-KTP tercetak' });
  await row.getByRole('button', { name: 'Simpan' }).click();
  await dukcapil.locator('.flash', { hasText: 'Status produksi diperbarui' }).waitFor();
  await dukcapil.getByRole('link', { name: 'Serah terima' }).click();
  assert.match(await dukcapil.locator('main').innerText(), /KASMINI/);
  await dukcapil.getByLabel('Nama yang menerima (kecamatan)').fill('SUGENG');
  await dukcapil.getByRole('button', { name: 'Buat berita acara serah terima' }).click();
  await dukcapil.locator('.flash', { hasText: 'Berita acara dibuat' }).waitFor();
  const number = (await dukcapil.locator('h1').innerText()).replace('Berita acara serah terima ', '');
  assert.match(number, /^001\/BAST-KEC\/35\.19\.02\/\d{4}$/);
  const [pdf] = await Promise.all([
    dukcapil.waitForEvent('download'),
    dukcapil.getByRole('link', { name: 'Cetak berita acara (PDF)' }).click(),
  ]);
  assert.equal(readFileSync(await pdf.path()).subarray(0, 5).toString(), '%PDF-');
  const at = dukcapil.url().split('?')[0];
  await dukcapil.context().close();

  const staff = await newPage(browser, server.base);
  await login(staff, 'petugas');
  await staff.goto(at);
  await staff.getByRole('button', { name: 'Simpan pemeriksaan' }).click();
  await staff.locator('.flash', { hasText: 'Semua kartu diterima' }).waitFor();
  assert.match(await staff.locator('tbody').innerText(), /diterima/);
  await shot(staff, 'step7-handover-1280');
  await staff.context().close();

  // The handover between Dispendukcapil and the kecamatan is not the village's: for the
  // village it does not exist (its own handovers share the address space).
  const desa = await newPage(browser, server.base, PHONE);
  await login(desa, 'desa.lembah');
  assert.equal(await statusOf(desa, new URL(at).pathname), 404);
  await desa.context().close();
});

test('step 8: the desa receives the card and a family member signs for it, on a phone', async () => {
  const staff = await newPage(browser, server.base);
  await login(staff, 'petugas');
  await staff.goto(`${server.base}/serah-terima`);
  await staff.getByLabel('Nama yang menyerahkan (kecamatan)').fill('SUGENG');
  await staff.getByLabel('Nama yang menerima (desa)').fill('KASUN LEMBAH');
  await staff.getByRole('button', { name: 'Buat berita acara serah terima ke desa' }).click();
  await staff.locator('.flash', { hasText: 'Berita acara dibuat' }).waitFor();
  assert.match(await staff.locator('h1').innerText(), /BAST-DESA/);
  await staff.context().close();

  const desa = await newPage(browser, server.base, PHONE);
  await login(desa, 'desa.lembah');
  await desa.getByRole('link', { name: 'Kartu warga' }).click();
  await desa.getByRole('link', { name: /BAST-DESA/ }).click();
  await desa.getByRole('button', { name: 'Simpan pemeriksaan' }).click();
  await desa.locator('.flash', { hasText: 'Semua kartu diterima' }).waitFor();
  await desa.getByRole('link', { name: 'Kartu warga' }).click();
  const card = desa.locator('[data-card]').first();
  await card.getByLabel('anggota keluarga').check();
  await card.getByLabel('Nama yang menerima').fill('SITI');
  // Without the relationship the desa is told what to add; what was typed stays.
  await card.getByRole('button', { name: 'Catat diterima warga' }).click();
  await desa.getByRole('alert').getByText('tulis hubungannya').waitFor();
  await checkA11y(desa, 'the card form with an error');
  assert.equal(await desa.locator('[data-card]').first().getByLabel(/^Hubungan/).getAttribute('aria-invalid'), 'true');
  const again = desa.locator('[data-card]').first();
  assert.equal(await again.getByLabel('Nama yang menerima').inputValue(), 'SITI');
  await again.getByLabel(/^Hubungan/).fill('anak');
  await again.getByRole('button', { name: 'Catat diterima warga' }).click();
  await desa.locator('.flash', { hasText: 'Kartu tercatat diterima' }).waitFor();
  assert.match(await desa.locator('main').innerText(), /SITI \(anak\)/);
  const wide = await desa.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 0, `the desa's page fits 360 px (overflow ${wide})`);
  await shot(desa, 'step8-desa-360');
  const [receipt] = await Promise.all([
    desa.waitForEvent('download'),
    desa.getByRole('link', { name: 'Tanda terima (PDF)' }).click(),
  ]);
  assert.equal(readFileSync(await receipt.path()).subarray(0, 5).toString(), '%PDF-');
  await desa.context().close();

  // Only the village operator confirms what reached the village.
  const pend = await newPage(browser, server.base, PHONE);
  await login(pend, 'pendamping.lembah');
  assert.equal(await statusOf(pend, '/kartu'), 403);
  await pend.context().close();
});

test('steps 9–12: assistance is coordinated, proposed, evaluated and facilitated for one resident', async () => {
  // Step 9: Dinsos opens a coordination session for Lembah and records the person's standing.
  const dinsos = await newPage(browser, server.base);
  await login(dinsos, 'dinsos');
  await dinsos.getByRole('link', { name: 'Bantuan', exact: true }).click();
  const row = dinsos.locator('tbody tr[data-resident]', { hasText: 'KASMINI' });
  assert.match(await row.innerText(), /sudah diterima/, 'the card reached her in step 8');
  assert.match(await row.innerText(), /belum dibahas/);
  await dinsos.getByLabel('Jenis sesi').selectOption({ label: 'Koordinasi bantuan (langkah 9)' });
  await dinsos.locator('#s-desa').selectOption('35.19.02.2001');
  await dinsos.getByLabel('Peserta').fill('Kasi Pelayanan, Kesra, Dinsos, Pemdes Lembah');
  await dinsos.getByRole('button', { name: 'Mulai sesi' }).click();
  await dinsos.getByRole('heading', { name: /Sesi bantuan: koordinasi/ }).waitFor();
  await dinsos.getByRole('link', { name: 'KASMINI' }).click();
  await dinsos.getByLabel('Status DTSEN').selectOption({ label: 'terdaftar di DTSEN' });
  await dinsos.getByLabel(/^Desil/).fill('12');
  await dinsos.getByLabel('Sumber').first().fill('SIKS-NG');
  await dinsos.getByRole('button', { name: 'Simpan' }).first().click();
  // A wrong desil is explained next to the form; what was typed stays.
  await dinsos.getByRole('alert').getByText('Desil DTSEN antara 1 dan 10').waitFor();
  await checkA11y(dinsos, 'the DTSEN form with an error');
  assert.equal(await dinsos.getByLabel(/^Desil/).getAttribute('aria-invalid'), 'true', 'the error is on the desil field');
  assert.equal(await dinsos.getByLabel('Sumber').first().inputValue(), 'SIKS-NG');
  await dinsos.getByLabel(/^Desil/).fill('2');
  await dinsos.getByRole('button', { name: 'Simpan' }).first().click();
  await dinsos.locator('.flash', { hasText: 'Status DTSEN disimpan' }).waitFor();
  assert.match(await dinsos.locator('main').innerText(), /PBI Jaminan Kesehatan: tampak berhak, belum menerima/);
  await shot(dinsos, 'step9-dtsen-1280');
  await dinsos.getByRole('link', { name: /dalam sesi/ }).click();
  await dinsos.getByRole('button', { name: 'Tutup sesi' }).click();
  await dinsos.locator('.flash', { hasText: 'Sesi ditutup' }).waitFor();
  // Dinsos has no access to the resident register with its care details.
  const reg = await dinsos.goto(`${server.base}/warga`);
  assert.equal(reg.status(), 403);
  await dinsos.context().close();

  // Step 10: the village proposes her for PBI-JK through the musyawarah desa, on a phone.
  const desa = await newPage(browser, server.base, PHONE);
  await login(desa, 'desa.lembah');
  await desa.getByRole('link', { name: 'Bantuan', exact: true }).click();
  await desa.getByRole('link', { name: 'KASMINI' }).click();
  await desa.getByLabel('Diusulkan ke').selectOption({ label: 'PBI Jaminan Kesehatan' });
  await desa.getByLabel('Jalur usulan').selectOption({ label: 'musyawarah desa/kelurahan' });
  await desa.getByLabel('Alasan', { exact: true }).fill('lansia tunggal, tidak bekerja');
  await desa.getByRole('button', { name: 'Simpan usulan' }).click();
  await desa.locator('.flash', { hasText: 'Usulan' }).waitFor();
  const wide = await desa.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 0, `the assistance page fits 360 px (overflow ${wide})`);
  await shot(desa, 'step10-proposal-360');
  await desa.goto(`${server.base}/bantuan/usulan`);
  const [ba] = await Promise.all([
    desa.waitForEvent('download'),
    desa.getByRole('link', { name: 'Berita acara musyawarah desa (PDF)' }).click(),
  ]);
  assert.equal(readFileSync(await ba.path()).subarray(0, 5).toString(), '%PDF-');
  const [bnba] = await Promise.all([
    desa.waitForEvent('download'),
    desa.getByRole('link', { name: 'Unduh daftar BNBA (XLSX)' }).click(),
  ]);
  assert.equal(readFileSync(await bnba.path()).subarray(0, 2).toString(), 'PK');
  await desa.context().close();

  // Step 11: Dinsos records the result in an evaluation session.
  const eval11 = await newPage(browser, server.base);
  await login(eval11, 'dinsos');
  await eval11.goto(`${server.base}/bantuan`);
  await eval11.getByLabel('Jenis sesi').selectOption({ label: 'Evaluasi hasil usulan (langkah 11)' });
  await eval11.getByLabel('Peserta').fill('Kasi Pelayanan, Dinsos');
  await eval11.getByRole('button', { name: 'Mulai sesi' }).click();
  await eval11.getByRole('link', { name: 'KASMINI' }).click();
  await eval11.getByText(/Catat hasil/).click();
  await eval11.locator('[data-proposal] select[name="result"]').selectOption({ label: 'diterima' });
  await eval11.locator('[data-proposal]').getByRole('button', { name: 'Simpan' }).click();
  await eval11.locator('.flash', { hasText: 'Hasil usulan disimpan' }).waitFor();
  assert.match(await eval11.locator('[data-proposal]').innerText(), /Hasil: diterima/);
  await shot(eval11, 'step11-result-1280');
  await eval11.context().close();

  // Step 12: the pendamping accompanies her to activate PBI-JK, on a phone.
  const pend = await newPage(browser, server.base, PHONE);
  await login(pend, 'pendamping.lembah');
  await pend.goto(`${server.base}/bantuan`);
  await pend.getByRole('link', { name: 'KASMINI' }).click();
  await pend.getByLabel('Yang dilakukan').selectOption({ label: 'kepesertaan PBI-JK/BPJS diaktifkan' });
  await pend.locator('#f-program').selectOption({ label: 'PBI Jaminan Kesehatan' });
  await pend.getByLabel('Jam mulai').fill('09:00');
  await pend.getByLabel('Jam selesai').fill('09:08');
  await pend.getByRole('button', { name: 'Simpan fasilitasi' }).click();
  await pend.locator('.flash', { hasText: 'Fasilitasi dicatat' }).waitFor();
  assert.match(await pend.locator('#facilitated').innerText(), /8 menit/);
  await shot(pend, 'step12-facilitation-360');
  await pend.context().close();

  // The Camat reads the report: one resident of Lembah receives assistance and was facilitated.
  const camat = await newPage(browser, server.base);
  await login(camat, 'camat');
  await camat.goto(`${server.base}/bantuan/laporan`);
  const total = await camat.locator('#per-desa tbody tr').last().innerText();
  // Everyone of the campaign (three listed and a walk-in); she holds her card, is in DTSEN,
  // receives PBI-JK after the accepted proposal, and was facilitated.
  assert.match(total, /Jumlah\s+4\s+1\s+1\s+1\s+1\s+1\s+1/);
  await shot(camat, 'step9-12-report-1280');
  await camat.context().close();

  // The Camat's dashboard on a phone: the funnel reaches the facilitated resident.
  const dash = await newPage(browser, server.base, PHONE);
  await login(dash, 'camat');
  await dash.getByRole('link', { name: 'Dasbor' }).click();
  await dash.locator('svg.chart').waitFor();
  await dash.getByText(/Tampilkan tabel/).click();
  const facilitated = await dash.locator('#funnel-desa tr.total td').last().innerText();
  assert.equal(facilitated.trim(), '1', 'the last stage of the funnel: facilitated');
  const overflow = await dash.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the dashboard fits 360 px (overflow ${overflow})`);
  await dash.evaluate(() => window.scrollTo(0, 0));
  await shot(dash, 'dashboard-360', { fullPage: false });
  await dash.context().close();
});

test('the SOP measured: the admin sets a holiday, the Kasi reads service times, tasks and monitors the SOP', async () => {
  const admin = await newPage(browser, server.base);
  await login(admin, 'admin', ADMIN_PASSWORD);
  await admin.getByRole('link', { name: 'Kalender kerja' }).click();
  assert.match(await admin.locator('main').innerText(), /37 jam 30 menit/);
  await admin.getByLabel('Tanggal', { exact: true }).fill('2027-01-05');
  await admin.getByLabel('Nama hari libur').fill('Hari Jadi Kabupaten Madiun');
  await admin.getByLabel('Jenis').selectOption({ label: 'libur daerah' });
  await admin.getByRole('button', { name: 'Tambahkan' }).click();
  await admin.locator('.flash', { hasText: 'Hari libur ditambahkan' }).waitFor();
  assert.match(await admin.locator('main').innerText(), /Hari Jadi Kabupaten Madiun/);
  await shot(admin, 'admin-calendar-1280');
  await admin.getByRole('link', { name: 'Pengguna' }).click();
  await shot(admin, 'admin-users-1280');
  await admin.context().close();

  const kasi = await newPage(browser, server.base);
  await login(kasi, 'kasi');
  await kasi.getByRole('link', { name: 'Waktu layanan' }).click();
  assert.equal(await kasi.locator('#per-step tbody tr').count(), 12, 'every step of the SOP');
  await shot(kasi, 'sla-1280');
  await kasi.getByRole('link', { name: 'Tugas saya' }).click();
  await kasi.getByRole('heading', { name: 'Tugas saya' }).waitFor();
  await shot(kasi, 'tasks-1280');
  await kasi.getByRole('link', { name: 'Monev SOP' }).click();
  await kasi.getByLabel('Jenis').selectOption({ label: 'Monitoring SOP' });
  await kasi.getByLabel('Periode dari').fill('2026-01-01');
  await kasi.getByRole('button', { name: 'Buat formulir' }).click();
  await kasi.getByRole('heading', { name: 'Monitoring SOP' }).waitFor();
  await kasi.getByRole('button', { name: 'Selesai dan kunci' }).click();
  await kasi.getByRole('alert').getByText('Tulis nama penilai').waitFor();
  await checkA11y(kasi, 'the review form with an error');
  assert.equal(await kasi.getByLabel('Nama penilai').getAttribute('aria-invalid'), 'true');
  await kasi.getByLabel('Nama penilai').fill('Kasi Pelayanan');
  await kasi.getByRole('button', { name: 'Simpan draf' }).click();
  await kasi.locator('.flash', { hasText: 'Formulir disimpan' }).waitFor();
  const [form] = await Promise.all([
    kasi.waitForEvent('download'),
    kasi.getByRole('link', { name: 'Cetak formulir (PDF)' }).click(),
  ]);
  assert.equal(readFileSync(await form.path()).subarray(0, 5).toString(), '%PDF-');
  await shot(kasi, 'sop-monitoring-1280', { fullPage: false });
  await kasi.context().close();
});

test('a file that cannot be read is explained and nothing is saved', async () => {
  const page = await newPage(browser, server.base, PHONE);
  await login(page, 'desa.lembah');
  await page.goto(`${server.base}/pengajuan`);
  await page.getByLabel('Berkas daftar').setInputFiles({ name: 'foto.jpg', mimeType: 'image/jpeg', buffer: Buffer.from([0xff, 0xd8, 0xff]) });
  await page.getByRole('button', { name: 'Unggah dan periksa' }).click();
  const alert = await page.getByRole('alert').innerText();
  await checkA11y(page, 'a refused file');
  assert.match(alert, /Jenis berkas/);
  assert.match(alert, /Tidak ada yang disimpan/);
  await page.context().close();
});

test('the register: the Camat sees masked NIKs, a village only its own people', async () => {
  const camat = await newPage(browser, server.base);
  await login(camat, 'camat');
  await camat.getByRole('link', { name: 'Warga' }).click();
  const text = await camat.locator('main').innerText();
  assert.match(text, /NIK disamarkan untuk peran Anda/);
  assert.match(text, /351902\*{8}\d\d/);
  await camat.context().close();

  const desa = await newPage(browser, server.base, PHONE);
  await login(desa, 'desa.lembah');
  await desa.goto(`${server.base}/warga`);
  const cells = await desa.locator('td[data-label="Desa/Kelurahan"]').allInnerTexts();
  assert.ok(cells.length > 0 && cells.every((c) => c.trim() === 'Lembah'), 'only Lembah');
  const overflow = await desa.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the register fits 360 px (overflow ${overflow})`);
  await shot(desa, 'residents-360', { fullPage: false });
  // Searching by a person's NIK: the page finds them, and the NIK is in no address.
  const nik = (await desa.locator('td[data-label="NIK"]').first().innerText()).trim();
  assert.match(nik, /^\d{16}$/, 'the village sees whole NIKs');
  await desa.getByLabel('Cari nama atau NIK').fill(nik);
  await desa.getByRole('button', { name: 'Tampilkan' }).click();
  await desa.waitForURL(/\/warga\?cari=1/);
  assert.equal(await desa.locator('td[data-label="NIK"]').count(), 1);
  assert.equal(await desa.getByLabel('Cari nama atau NIK').inputValue(), nik, 'the box keeps the search');
  assert.ok(!desa.url().includes(nik), desa.url());
  await desa.context().close();
});
