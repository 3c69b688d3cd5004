// Stored XSS, in a real Chromium: every free-text field of the forms people use, and the cells
// of an uploaded list, get markup that would add elements to the page (and run a script where
// it could), the forms are sent, and every page that shows what was typed (the form sent back
// with its errors, the lists, the record pages, the audit log) must show it as text: no element
// of the payload in the document, no script run, no dialog. The check does not rely on the CSP
// (which would stop the script anyway): an unescaped payload leaves `data-xss` elements behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, launchBrowser, newPage, login, ADMIN_PASSWORD } from './harness.mjs';

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

// Closes a quoted attribute, a textarea and a title, then adds elements.
const PAYLOAD = `XSS"'></textarea></title><b data-xss>x</b><img src=x data-xss onerror="window.__xss=1"><script>window.__xss=1</script>`;

/// The page as it is now holds no element of a payload, ran none, opened no dialog.
async function assertInert(page, label) {
  const found = await page.evaluate(() => ({
    elements: document.querySelectorAll('[data-xss]').length,
    ran: window.__xss === 1,
  }));
  assert.equal(found.elements, 0, `${label}: the payload became elements (${page.url()})`);
  assert.equal(found.ran, false, `${label}: the payload ran (${page.url()})`);
  assert.deepEqual(page.dialogs, [], `${label}: a dialog opened`);
}

/// Fills every free-text field of each form in the page's main content (not the search or
/// language forms) with the payload, sends it without the browser's own checks (so the
/// server's answer, with what was typed, is what is shown), and checks the answer.
async function sendEveryForm(page, path, label, plain = {}) {
  await page.goto(`${server.base}${path}`);
  await assertInert(page, `${label} (form)`);
  const forms = await page.locator('main form:not([role="search"])').count();
  let sent = 0;
  for (let i = 0; i < forms; i += 1) {
    await page.goto(`${server.base}${path}`);
    const filled = await page.evaluate(({ i, payload, plain }) => {
      const form = document.querySelectorAll('main form:not([role="search"])')[i];
      if (!form) return 0;
      const fields = form.querySelectorAll(
        'textarea, input:not([type]), input[type="text"], input[type="search"], input[type="tel"]');
      // A field that takes a number or a time (inputmode) gets one; every other gets markup.
      const numeric = (f) => ['decimal', 'numeric'].includes(f.getAttribute('inputmode'));
      fields.forEach((f, n) => { f.value = numeric(f) ? '09.00' : `${payload}${n}`; });
      // A code with a fixed shape (given by the caller) gets a real one, so the record saves.
      for (const [name, value] of Object.entries(plain)) {
        const f = form.querySelector(`[name="${name}"]`);
        if (f) f.value = value;
      }
      // Dates and numbers as a person would give them, so the record can be saved.
      form.querySelectorAll('input[type="date"]').forEach((f, n) => { if (!f.value) f.value = n ? '2026-12-31' : '2026-12-14'; });
      form.querySelectorAll('input[type="time"]').forEach((f) => { if (!f.value) f.value = '09:00'; });
      form.querySelectorAll('input[type="number"]').forEach((f) => { if (!f.value) f.value = '1'; });
      form.noValidate = true;
      return fields.length;
    }, { i, payload: PAYLOAD, plain });
    if (!filled) continue;
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.evaluate((i) => document.querySelectorAll('main form:not([role="search"])')[i].requestSubmit(), i),
    ]);
    await assertInert(page, `${label}: form ${i + 1} sent`);
    if (process.env.XSS_DEBUG) console.log(label, page.url(), await page.locator('.error, [role="alert"]').allInnerTexts());
    sent += 1;
  }
  return sent;
}

async function userPage(user, password) {
  const page = await newPage(browser, server.base);
  page.dialogs = [];
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await login(page, user, password);
  return page;
}

test('payloads in every free-text field are shown as text, never run', async () => {
  let sent = 0;
  // The village: one person by form.
  const desa = await userPage('desa.lembah');
  sent += await sendEveryForm(desa, '/pengajuan/baru', 'village: a person by form');
  // A person's record: the care form and the identity correction.
  await desa.goto(`${server.base}/warga`);
  const first = await desa.locator('main table a[href^="/warga/"]').first().getAttribute('href');
  sent += await sendEveryForm(desa, first, 'village: care form');
  sent += await sendEveryForm(desa, `${first}/ubah`, 'village: identity correction');
  // An uploaded list whose cells carry payloads: the draft's row checks show every cell.
  await desa.goto(`${server.base}/pengajuan`);
  const csv = `NO;NIK;NAMA;L/P;TGL LAHIR;KATEGORI;ALAMAT\r\n1;3519024703480012;${PAYLOAD};P;07-03-1948;LANSIA;${PAYLOAD}\r\n`;
  await desa.locator('input[type="file"]').setInputFiles({ name: 'daftar.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await Promise.all([
    desa.waitForNavigation({ waitUntil: 'load' }),
    desa.evaluate(() => document.querySelector('input[type="file"]').form.requestSubmit()),
  ]);
  await assertInert(desa, 'village: an uploaded list with payloads');
  assert.ok((await desa.locator('body').innerText()).includes('<b data-xss>'), 'the cells are shown as text');
  const draft = desa.url().replace(server.base, '').replace(/[?#].*$/, '');
  sent += 1;

  // The Kasi: a campaign, its team; the letter register; a paused clock; a program.
  const kasi = await userPage('kasi');
  sent += await sendEveryForm(kasi, '/gelombang', 'kasi: a campaign');
  await kasi.goto(`${server.base}/gelombang`);
  const links = kasi.locator('main a[href^="/gelombang/"]');
  const campaign = (await links.count()) ? await links.first().getAttribute('href') : null;
  assert.ok(campaign, 'the campaign with a payload for a name was saved');
  if (campaign) sent += await sendEveryForm(kasi, campaign, 'kasi: the campaign page');
  // A meeting of that campaign (step 3), then its minutes.
  sent += await sendEveryForm(kasi, `${campaign}/rapat`, 'kasi: a meeting', { classification: '005' });
  const meetings = kasi.locator('main a[href^="/rapat/"]');
  await kasi.goto(`${server.base}${campaign}`);
  const meeting = (await meetings.count()) ? await meetings.first().getAttribute('href') : null;
  assert.ok(meeting, 'the meeting with payloads was saved');
  sent += await sendEveryForm(kasi, meeting, 'kasi: minutes and arrangements');
  sent += await sendEveryForm(kasi, '/surat', 'kasi: letter register');
  sent += await sendEveryForm(kasi, '/waktu', 'kasi: pause a clock');
  sent += await sendEveryForm(kasi, '/bantuan/program', 'kasi: assistance programs');

  // The Camat: an SOP review. The admin: a user, a holiday, the letterhead.
  const camat = await userPage('camat');
  sent += await sendEveryForm(camat, '/sop/pemantauan', 'camat: SOP review');
  const admin = await userPage('admin', ADMIN_PASSWORD);
  sent += await sendEveryForm(admin, '/admin/users', 'admin: a user');
  sent += await sendEveryForm(admin, '/admin/kalender', 'admin: calendar');
  sent += await sendEveryForm(admin, '/admin/kop', 'admin: letterhead');
  assert.ok(sent >= 12, `forms sent: ${sent}`);

  // Where what was saved is shown again.
  const views = [
    [desa, ['/warga', first, '/pengajuan', draft, `${draft}/kolom`]],
    [kasi, ['/warga', first, '/gelombang', campaign, meeting, '/surat', '/waktu', '/bantuan/program', '/dasbor']],
    [camat, ['/audit', '/sop/pemantauan', '/dasbor', `${first}/akses`]],
    [admin, ['/admin/users', '/admin/kalender', '/admin/kop', '/audit']],
  ];
  let shown = 0;
  for (const [page, paths] of views) {
    for (const path of paths.filter(Boolean)) {
      await page.goto(`${server.base}${path}`);
      await assertInert(page, `view ${path}`);
      const text = await page.locator('body').innerText();
      if (text.includes('<b data-xss>')) shown += 1;
    }
  }
  // The payloads were stored and are on those pages as text (a test that saved nothing
  // would prove nothing).
  assert.ok(shown >= 6, `pages showing a payload as text: ${shown}`);
  for (const page of [desa, kasi, camat, admin]) await page.context().close();
});
