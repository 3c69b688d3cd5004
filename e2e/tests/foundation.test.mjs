// Login, each role's home page, what a role must not reach, the SOP sheet, language, and
// that no request leaves the server's origin — in a real headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, stopServer, launchBrowser, newPage, login, ADMIN_PASSWORD, OUT } from './harness.mjs';

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

const ROLES = [
  { user: 'admin', password: ADMIN_PASSWORD, label: 'Admin', sees: 'Kelola pengguna dan peran' },
  { user: 'camat', label: 'Camat', sees: 'Penentuan Jadwal Perekaman Layanan Jemput Bola' },
  { user: 'kasi', label: 'Kasi Pelayanan', sees: 'Melakukan evaluasi terhadap hasil usulan' },
  { user: 'petugas', label: 'Staf/Petugas', sees: 'Pelaksanaan Perekaman' },
  { user: 'desa.lembah', label: 'Operator Desa/Kelurahan', sees: 'Aparatur Pemerintahan Desa/Kelurahan mengumpulkan' },
  { user: 'dukcapil', label: 'Dispendukcapil', sees: 'Melakukan proses cetak e-ktp' },
  { user: 'dinsos', label: 'Dinsos/Kesra', sees: 'Melakukan Koordinasi dengan Dinas Sosial' },
  { user: 'pendamping.lembah', label: 'Pendamping Desa/Kel', sees: 'Memfasilitasi pengusulan DTKS dll' },
];

function assertSameOrigin(page) {
  const foreign = page.requests.filter((u) => !u.startsWith(page.base) && !u.startsWith('data:'));
  assert.deepEqual(foreign, [], 'no request leaves the origin');
}

test('a wrong password is explained and the username kept, on a phone', async () => {
  const page = await newPage(browser, server.base, PHONE);
  await page.goto(`${server.base}/`);
  assert.match(page.url(), /\/login\?next=%2F$/);
  await page.getByLabel('Nama pengguna').fill('camat');
  await page.getByLabel('Kata sandi').fill('bukan-sandinya');
  await page.getByRole('button', { name: 'Masuk' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /Nama pengguna atau kata sandi salah/);
  assert.equal(await page.getByLabel('Nama pengguna').inputValue(), 'camat');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 360 px (overflow ${overflow})`);
  await page.screenshot({ path: join(OUT, 'login-360.png'), fullPage: true });
  assertSameOrigin(page);
  await page.context().close();
});

for (const role of ROLES) {
  test(`${role.user} logs in and sees the ${role.label} home`, async () => {
    const page = await newPage(browser, server.base, PHONE);
    await login(page, role.user, role.password);
    assert.equal(new URL(page.url()).pathname, '/');
    const main = await page.locator('main').innerText();
    assert.match(main, new RegExp(`Peran: ${role.label.replace('/', '\\/')}`));
    assert.ok(main.includes(role.sees), `${role.user} home shows "${role.sees}"`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${role.user} home fits 360 px (overflow ${overflow})`);
    await page.screenshot({ path: join(OUT, `home-${role.user}-360.png`), fullPage: true });
    assertSameOrigin(page);
    await page.context().close();
  });
}

test('a village operator cannot reach admin or audit pages, and sees only their desa', async () => {
  const page = await newPage(browser, server.base, PHONE);
  await login(page, 'desa.lembah');
  const home = await page.locator('main').innerText();
  assert.match(home, /Lembah \(35\.19\.02\.2001\)/);
  assert.ok(!home.includes('Kradinan'), 'no other desa on the home page');
  for (const path of ['/admin/users', '/audit', '/admin/sop']) {
    const r = await page.goto(`${server.base}${path}`);
    assert.equal(r.status(), 403, path);
    assert.match(await page.locator('main').innerText(), /tidak berwenang/);
  }
  await page.goto(`${server.base}/`);
  const nav = await page.locator('nav.main-nav').innerText();
  assert.ok(!nav.includes('Pengguna') && !nav.includes('Jejak audit'));
  await page.context().close();
});

test('the Camat reads the audit log; logging out ends the session', async () => {
  const page = await newPage(browser, server.base);
  await login(page, 'camat');
  await page.getByRole('link', { name: 'Jejak audit' }).first().click();
  await page.getByLabel('Tindakan').fill('login');
  await page.getByRole('button', { name: 'Saring' }).click();
  assert.match(await page.locator('table.audit').innerText(), /camat/);
  await page.getByRole('button', { name: 'Keluar' }).click();
  assert.match(page.url(), /\/login$/);
  await page.goto(`${server.base}/audit`);
  assert.match(page.url(), /\/login\?next=/);
  await page.context().close();
});

test('the SOP sheet: identity block, 12 rows, lanes, flowchart, printable on A4 landscape', async () => {
  const page = await newPage(browser, server.base);
  await login(page, 'kasi');
  await page.goto(`${server.base}/sop`);
  const identity = await page.locator('table.sop-identity').innerText();
  for (const s of ['130/547/402.403/2020', '18 Juni 2020', '01 Juli 2020', 'HERY PAKAR NUGROHO, S.Sos, M.Si']) {
    assert.ok(identity.includes(s), `identity has ${s}`);
  }
  assert.equal(await page.locator('table.sop-proc tbody tr').count(), 12);
  const lanes = await page.locator('table.sop-proc th.lane').allInnerTexts();
  assert.deepEqual(lanes.map((s) => s.trim()), ['Camat', 'Kasi Pelayanan', 'Staf/ Petugas', 'Pemerintah Desa/kel', 'Dispendukcapil /Kesra/Dinsos', 'Penedes/ kel']);
  assert.equal(await page.locator('svg.flow .sym:not(.sub)').count(), 12);
  assert.equal(await page.locator('svg.flow .flowline').count(), 11);
  // The drawing lines up with the rows: step 5's symbol sits inside step 5's row.
  const row = await page.locator('tr[data-step="5"]').boundingBox();
  const sym = await page.locator('svg.flow .sym:not(.sub)').nth(4).boundingBox();
  const mid = sym.y + sym.height / 2;
  assert.ok(mid > row.y && mid < row.y + row.height, `symbol 5 (y ${mid}) inside row 5 (${row.y}..${row.y + row.height})`);
  assert.ok(await page.getByRole('button', { name: /Cetak/ }).isVisible(), 'print button shown when JS runs');
  await page.screenshot({ path: join(OUT, 'sop-1280.png'), fullPage: true });
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ path: join(OUT, 'sop-a4-landscape.pdf'), format: 'A4', landscape: true, preferCSSPageSize: true });
  assert.ok(pdf.length > 10_000, 'a PDF was printed');
  assertSameOrigin(page);
  await page.context().close();
});

test('English is one click away and stays', async () => {
  const page = await newPage(browser, server.base, PHONE);
  await page.goto(`${server.base}/login`);
  await page.getByRole('link', { name: 'English' }).click();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.getByLabel('Username').fill('petugas');
  await page.getByLabel('Password').fill('jempol-demo-2026');
  await page.getByRole('button', { name: 'Log in' }).click();
  assert.match(await page.locator('main').innerText(), /SOP steps you take part in/);
  await page.getByRole('link', { name: 'Bahasa Indonesia' }).click();
  assert.match(await page.locator('main').innerText(), /Langkah SOP yang melibatkan Anda/);
  await page.context().close();
});

test('the core flow works without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: PHONE });
  const page = await context.newPage();
  page.base = server.base;
  await login(page, 'petugas');
  assert.match(await page.locator('main').innerText(), /Pelaksanaan Perekaman/);
  await page.goto(`${server.base}/sop`);
  assert.equal(await page.locator('table.sop-proc tbody tr').count(), 12);
  await context.close();
});
