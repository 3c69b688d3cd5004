// SOP steps 1-2 in Chromium: a village operator uploads a messy list on a phone, reads the
// row-by-row check, corrects a rejected row, and sends it; kecamatan staff verify and reject with a reason, then close
// the collection; a role without a part in these steps cannot open it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, stopServer, launchBrowser, newPage, login, OUT } from './harness.mjs';

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
// A Windows-Excel CSV: title row, semicolons, a NIK that Excel turned into a number, a row
// without category, a blank row and a totals row. NIKs are new (not in the demo data).
const CSV = [
  'DAFTAR KAUM RENTAN DESA LEMBAH;;;;;',
  'NO;NIK;NAMA;L/P;TGL LAHIR;KATEGORI',
  '1;3519024511390001;KASMINI;P;05-11-1939;LANSIA',
  '2;3519021507400002;WAGIMAN;L;15/7/40;LANSIA, DISABILITAS NETRA',
  '3;3,51902E+15;PAINEM;P;;LANSIA',
  '4;3519020202870003;SARDI;L;02-02-1987;',
  ';;;;;',
  'JUMLAH;4;;;;',
].join('\r\n');

test('a village operator uploads, checks and sends the list on a phone', async () => {
  const page = await newPage(browser, server.base, PHONE);
  await login(page, 'desa.lembah');
  await page.getByRole('link', { name: 'Pengajuan' }).click();
  await page.getByLabel('Berkas daftar').setInputFiles({ name: 'Data Rentan Lembah.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'latin1') });
  await page.getByRole('button', { name: 'Unggah dan periksa' }).click();
  await page.getByText('Draf: belum dikirim').waitFor();
  const counts = await page.locator('.counts').innerText();
  assert.match(counts, /Diterima: 2/);
  assert.match(counts, /Ditolak: 2/);
  const row5 = await page.locator('tr[data-row="5"]').innerText();
  assert.match(row5, /Ditolak/);
  assert.match(row5, /format kolom NIK menjadi Teks/);
  const row6 = await page.locator('tr[data-row="6"]').innerText();
  assert.match(row6, /bukan lansia/);
  await page.screenshot({ path: join(OUT, 'step1-preview-360.png'), fullPage: true });
  // A reload loses nothing.
  await page.reload();
  assert.match(await page.locator('.counts').innerText(), /Diterima: 2/);
  // Row 5 is corrected in the browser: the NIK typed as text, the birth date filled in.
  await page.locator('tr[data-row="5"]').getByRole('link', { name: /Perbaiki/ }).click();
  const nik = page.getByLabel(/^NIK/);
  assert.equal(await nik.getAttribute('aria-invalid'), 'true');
  await nik.fill('3519024511390003');
  await page.getByLabel(/^Tanggal lahir/).fill('05-11-1939');
  await page.screenshot({ path: join(OUT, 'step1-correct-row-360.png'), fullPage: true });
  await page.getByRole('button', { name: 'Simpan dan periksa ulang' }).click();
  await page.getByText('Baris diperbaiki dan diperiksa ulang').waitFor();
  const fixed = await page.locator('.counts').innerText();
  assert.match(fixed, /Diterima: 3/);
  assert.match(fixed, /Ditolak: 1/);
  assert.match(await page.locator('tr[data-row="5"]').innerText(), /Diterima/);
  await page.getByRole('button', { name: 'Kirim ke kecamatan' }).click();
  await page.getByText('Langkah 1 SOP selesai').waitFor();
  assert.match(await page.locator('main').innerText(), /terkirim/);
  const sent = page.url();
  await page.context().close();

  // Kecamatan staff see it; another village's operator cannot open it.
  const staff = await newPage(browser, server.base);
  await login(staff, 'petugas');
  await staff.goto(`${server.base}/pengajuan`);
  assert.match(await staff.locator('main').innerText(), /Data Rentan Lembah\.csv/);
  // Step 2: staff verify one person, reject the other with a reason, and close the collection.
  await staff.goto(sent);
  assert.match(await staff.locator('main').innerText(), /3 warga menunggu verifikasi/);
  await staff.getByRole('button', { name: 'Verifikasi' }).first().click();
  await staff.getByRole('button', { name: 'Verifikasi' }).first().click();
  await staff.getByLabel('Alasan penolakan').first().fill('Sudah rekam di Dispendukcapil');
  await staff.getByRole('button', { name: 'Tolak' }).first().click();
  await staff.getByRole('button', { name: 'Selesaikan pengumpulan (langkah 2)' }).click();
  const done = await staff.locator('main').innerText();
  assert.match(done, /Langkah 2 SOP selesai/);
  assert.match(done, /Sudah rekam di Dispendukcapil/);
  assert.match(done, /Langkah 2: kecamatan mengumpulkan data/);
  await staff.screenshot({ path: join(OUT, 'step2-done-1280.png'), fullPage: true });
  await staff.context().close();

  const other = await newPage(browser, server.base, PHONE);
  await login(other, 'pendamping.lembah');
  const r = await other.goto(sent);
  assert.equal(r.status(), 403, 'a pendamping has no part in step 1');
  await other.context().close();
});

test('a file that cannot be read is explained and nothing is saved', async () => {
  const page = await newPage(browser, server.base, PHONE);
  await login(page, 'desa.lembah');
  await page.goto(`${server.base}/pengajuan`);
  await page.getByLabel('Berkas daftar').setInputFiles({ name: 'foto.jpg', mimeType: 'image/jpeg', buffer: Buffer.from([0xff, 0xd8, 0xff]) });
  await page.getByRole('button', { name: 'Unggah dan periksa' }).click();
  const alert = await page.getByRole('alert').innerText();
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
  await desa.screenshot({ path: join(OUT, 'residents-360.png') });
  await desa.context().close();
});
