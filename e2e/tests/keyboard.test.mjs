// The main flows by keyboard alone, as someone who cannot use a mouse works: Tab to a field or
// a button (the focus must be visible), type, press Enter. A village operator logs in and sends
// one person with the form; kecamatan staff verify the person and close the collection; the
// Camat skips the menu to the content and opens the dashboard. No click anywhere. Last, the
// accessibility check itself is shown to catch a broken page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, launchBrowser, newPage, checkA11y, DEMO_PASSWORD } from './harness.mjs';

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

/// What has the focus: its accessible name as a user hears it, and whether the focus is drawn.
async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { name: '', visible: false };
    const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
    const name = (label || e.getAttribute('aria-label') || e.innerText || e.value || '').trim();
    const st = getComputedStyle(e);
    return { name, visible: st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2 };
  });
}

/// Presses Tab until the element named `name` has the focus, which must be visible.
async function tabTo(page, name, max = 120) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    seen.push(f.name);
    if (typeof name === 'string' ? f.name === name : name.test(f.name)) {
      assert.ok(f.visible, `the focus on "${f.name}" is visible`);
      return;
    }
  }
  throw new Error(`"${name}" is not reached by Tab on ${page.url()}; focus went through: ${seen.join(' → ')}`);
}

/// Presses a key that opens a page (a link or a form's button) and waits for the new page.
async function press(page, key = 'Enter') {
  await page.evaluate(() => { window.beforeKey = true; });
  await page.keyboard.press(key);
  await page.waitForFunction(() => !window.beforeKey && document.readyState === 'complete');
}

async function keyboardLogin(page, username) {
  page.user = username;
  await page.goto(`${server.base}/login`);
  await tabTo(page, 'Nama pengguna');
  await page.keyboard.type(username);
  await tabTo(page, 'Kata sandi');
  await page.keyboard.type(DEMO_PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.keyboard.press('Enter')]);
}

async function keyboardLogout(page) {
  await tabTo(page, 'Keluar');
  await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/login')), page.keyboard.press('Enter')]);
}

test('a village sends one person and staff verify it, by keyboard alone', async () => {
  const desa = await newPage(browser, server.base, { width: 360, height: 740 });
  await keyboardLogin(desa, 'desa.lembah');
  await tabTo(desa, 'Pengajuan');
  await press(desa);
  await tabTo(desa, 'Ajukan satu warga lewat formulir');
  await press(desa);
  await tabTo(desa, 'NIK');
  // Born 15-05-1950 (a lansia); sex and birth date come from the NIK.
  await desa.keyboard.type('3519021505509871');
  await tabTo(desa, 'Nama');
  await desa.keyboard.type('PAIJO PAPAN KETIK');
  await tabTo(desa, 'Periksa');
  await press(desa);
  assert.match(await desa.locator('main').innerText(), /Data sudah benar/);
  assert.equal(await desa.getByLabel('Nama').inputValue(), 'PAIJO PAPAN KETIK', 'what was typed stays');
  await checkA11y(desa, 'the checked form');
  await tabTo(desa, 'Kirim ke kecamatan');
  await press(desa);
  await desa.getByText('Langkah 1 SOP selesai').waitFor();
  const sent = new URL(desa.url()).pathname;
  const id = sent.split('/').pop();
  await keyboardLogout(desa);
  await desa.context().close();

  const staff = await newPage(browser, server.base);
  await keyboardLogin(staff, 'petugas');
  await tabTo(staff, 'Pengajuan');
  await press(staff);
  await tabTo(staff, `#${id}`);
  await press(staff);
  assert.match(await staff.locator('main').innerText(), /PAIJO PAPAN KETIK/);
  await tabTo(staff, 'Verifikasi');
  await press(staff);
  await tabTo(staff, 'Selesaikan pengumpulan (langkah 2)');
  await press(staff);
  assert.match(await staff.locator('main').innerText(), /Langkah 2 SOP selesai/);
  await staff.context().close();
});

test('the Camat skips the menu and reads the dashboard by keyboard', async () => {
  const camat = await newPage(browser, server.base);
  await keyboardLogin(camat, 'camat');
  await tabTo(camat, 'Dasbor');
  await press(camat);
  assert.match(new URL(camat.url()).pathname, /^\/dasbor/);
  // On a new page the first Tab reaches the skip link; Enter moves the focus to the content.
  await camat.keyboard.press('Tab');
  assert.equal((await focused(camat)).name, 'Langsung ke isi');
  await camat.keyboard.press('Enter');
  assert.equal(await camat.evaluate(() => document.activeElement.id), 'main');
  // From there the next Tab is inside the content, not back in the menu.
  await camat.keyboard.press('Tab');
  assert.ok(await camat.evaluate(() => document.getElementById('main').contains(document.activeElement)));
  await camat.context().close();
});

test('the accessibility check fails a page with an unlabelled field, faint text or an untied error', async () => {
  const page = await newPage(browser, server.base);
  await page.goto(`${server.base}/login`);
  await checkA11y(page, 'the login page as shipped');
  for (const [what, breakIt, rule] of [
    ['an input without a label', () => document.querySelector('main').append(document.createElement('input')), /critical label/],
    ['text too faint to read', () => { const p = document.createElement('p'); p.textContent = 'pucat'; p.style.color = '#eee'; document.querySelector('main').append(p); }, /serious color-contrast/],
    ['a field marked invalid without its message', () => document.getElementById('username').setAttribute('aria-invalid', 'true'), /field-error username/],
  ]) {
    await page.reload();
    await page.evaluate(breakIt);
    await assert.rejects(checkA11y(page, what), rule, what);
  }
  await page.context().close();
});
