// Starts a real `jempol serve` on a fresh database with demo data, and a headless Debian
// Chromium driven by playwright-core. Every test file uses one server and one browser.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

export const ADMIN_PASSWORD = 'sandi-pengelola-e2e-1';
export const DEMO_PASSWORD = 'jempol-demo-2026';
export const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');
// `scripts/screenshots` sets this to docs/screenshots: the journey's pictures for the guide.
const DOCS_SHOTS = process.env.E2E_SCREENSHOTS_DIR || '';
// axe-core, injected into every page by the browser itself (an init script is not subject to
// the page's Content-Security-Policy, so the app's CSP stays as users get it).
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

export async function startServer() {
  const bin = process.env.JEMPOL_BIN;
  if (!bin) throw new Error('JEMPOL_BIN must point to the jempol binary');
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'jempol-e2e-'));
  const env = { ...process.env, JEMPOL_ADMIN_PASSWORD: ADMIN_PASSWORD, JEMPOL_LOG: 'warn' };
  delete env.JEMPOL_DATABASE_URL;
  // The journeys build their own campaign: the demo's residents and users, not its campaign.
  const args = ['--data-dir', dataDir, 'serve', '--demo', '--no-demo-campaign', '--listen', `127.0.0.1:${port}`];
  if (process.env.E2E_DATABASE_URL) args.unshift('--database-url', process.env.E2E_DATABASE_URL);
  const server = { base: `http://127.0.0.1:${port}`, bin, args, env };
  await spawnServer(server);
  return server;
}

/// Starts the server again on the same port and database (after `stopServer`): the network
/// "comes back" for a device that was cut off.
export async function startAgain(server) {
  await spawnServer(server);
}

/// Starts the server again if a test stopped it and failed before restarting it.
export async function ensureRunning(server) {
  if (server.proc && server.proc.exitCode !== null) await spawnServer(server);
}

async function spawnServer(server) {
  const proc = spawn(server.bin, server.args, { env: server.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  server.proc = proc;
  server.log = () => log;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${server.base}/readyz`);
      if (r.ok) return;
    } catch { /* not yet listening */ }
    if (proc.exitCode !== null) throw new Error(`jempol exited: ${log}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  proc.kill();
  throw new Error(`jempol did not become ready: ${log}`);
}

export async function stopServer(server) {
  if (!server || !server.proc || server.proc.exitCode !== null) return;
  const exited = new Promise((r) => server.proc.once('exit', r));
  server.proc.kill('SIGTERM');
  await exited;
}

export async function launchBrowser() {
  mkdirSync(OUT, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/// A phone that keeps its storage between browser restarts (a profile directory): what the
/// field officer carries. Close it and launch it again on the same directory to restart.
export async function launchDevice(profileDir, viewport) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale: 'id-ID',
    acceptDownloads: true,
  }).then(async (context) => {
    await context.addInitScript({ content: AXE });
    context.on('request', (r) => { if (hasNik(r.url())) DEVICE_NIK_URLS.push(r.url()); });
    return context;
  });
}

/// Whether an address holds a NIK (a run of 16 digits). Every address any page or device of
/// the run requested is checked: on closing a page, and for the devices when the run ends.
export const hasNik = (url) => /\d{16}/.test(url);
const DEVICE_NIK_URLS = [];
process.on('exit', () => {
  if (DEVICE_NIK_URLS.length) {
    console.log(`# a NIK in an address on a device: ${DEVICE_NIK_URLS.join(' ')}`);
    process.exitCode = 1;
  }
});

/// A page that records every request, so tests can prove nothing leaves the origin.
export async function newPage(browser, base, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, locale: 'id-ID' });
  await context.addInitScript({ content: AXE });
  const page = await context.newPage();
  page.requests = [];
  page.on('request', (r) => page.requests.push(r.url()));
  page.base = base;
  // Every HTML page this user reached; checked with axe when the context closes.
  page.visited = new Set();
  page.on('response', (r) => {
    const req = r.request();
    if (req.isNavigationRequest() && req.method() === 'GET' && req.frame() === page.mainFrame()
      && (r.headers()['content-type'] || '').startsWith('text/html')) page.visited.add(r.url());
  });
  const close = context.close.bind(context);
  context.close = async (...args) => {
    const withNik = page.requests.filter(hasNik);
    if (withNik.length) throw new Error(`a NIK in an address (${page.user || 'anonymous'}): ${withNik.join(' ')}`);
    try {
      for (const url of page.visited) {
        const key = `${page.user || '-'} ${url.replace(/[?#].*$/, '')}`;
        if (AUDITED.has(key)) continue;
        await page.goto(url);
        await checkA11y(page, `revisit as ${page.user || 'anonymous'}`);
      }
    } finally {
      await close(...args);
    }
  };
  return page;
}

const AUDITED = new Set();
process.on('exit', () => { if (AUDITED.size) console.log(`# axe-core: ${AUDITED.size} pages checked (page and user)`); });

/// axe-core on the page as it is now: no serious or critical violation (WCAG 2.x A and AA and
/// axe's best practices), and every field marked invalid names its error message. Throws with
/// the rule, the element and what to fix.
export async function checkA11y(page, label = '') {
  AUDITED.add(`${page.user || '-'} ${page.url().replace(/[?#].*$/, '')}`);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    const out = r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} — ${n.failureSummary.replace(/\s+/g, ' ')}`).join(' | ')}`);
    for (const el of document.querySelectorAll('[aria-invalid="true"]')) {
      const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
      const text = ids.map((id) => document.getElementById(id)?.textContent.trim() || '').join(' ');
      if (!text) out.push(`field-error ${el.id || el.name}: marked invalid without a described error message`);
    }
    return out;
  });
  if (found.length) throw new Error(`accessibility of ${page.url()} ${label}:\n  ${found.join('\n  ')}`);
}

/// A screenshot for the run's output (e2e/out) and, under `scripts/screenshots`, for the guide.
export async function shot(page, name, options = {}) {
  const path = join(OUT, `${name}.png`);
  await page.screenshot({ path, fullPage: true, ...options });
  if (DOCS_SHOTS) {
    mkdirSync(DOCS_SHOTS, { recursive: true });
    copyFileSync(path, join(DOCS_SHOTS, `${name}.png`));
  }
}

export async function login(page, username, password = DEMO_PASSWORD) {
  page.user = username;
  await page.goto(`${page.base}/login`);
  await page.getByLabel('Nama pengguna').fill(username);
  await page.getByLabel('Kata sandi').fill(password);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Masuk' }).click()]);
}

/// The text of a downloaded PDF (poppler's pdftotext), to check what a printed document says.
export async function pdfText(download) {
  const path = await download.path();
  const bytes = readFileSync(path);
  if (bytes.subarray(0, 5).toString() !== '%PDF-') throw new Error(`not a PDF: ${download.suggestedFilename()}`);
  return execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
}
