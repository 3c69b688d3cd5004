// Jempol's service worker: keeps the field officer's own visit pages ("Kunjungan saya") and the
// assets on the device, so the pages open without a connection. Pages are fetched from the
// network first (with a time limit for a weak signal) and the copy on the device is used when
// the network fails. Outcomes are not handled here: field.js keeps them in IndexedDB.
'use strict';
var VERSION = 'jempol-sw-1';
var PAGES = 'jempol-lapangan-halaman';
var ASSETS = 'jempol-aset-' + VERSION;
var ASSET_URLS = ['/assets/app.css', '/assets/app.js', '/assets/field.js', '/assets/icon.svg'];

self.addEventListener('install', function (e) {
  e.waitUntil(caches.open(ASSETS).then(function (c) { return c.addAll(ASSET_URLS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf('jempol-aset-') === 0 && k !== ASSETS; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function withTimeout(p, ms) {
  return new Promise(function (resolve, reject) {
    var t = setTimeout(function () { reject(new Error('timeout')); }, ms);
    p.then(function (r) { clearTimeout(t); resolve(r); }, function (e) { clearTimeout(t); reject(e); });
  });
}

// The key a field page is kept under: its day only (flash messages and anchors vary).
function pageKey(url) {
  var day = url.searchParams.get('tanggal');
  return day ? '/lapangan?tanggal=' + day : '/lapangan';
}

function fromDevice(url, cacheName) {
  return caches.open(cacheName).then(function (c) { return c.match(url); });
}

function offlinePage() {
  var html = '<!doctype html><html lang="id"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>Tidak ada sambungan · Jempol</title><link rel="stylesheet" href="/assets/app.css">' +
    '<main><h1>Tidak ada sambungan</h1><p>Halaman hari ini belum tersimpan di perangkat ini. Buka daftar kunjungan yang sudah tersimpan: ' +
    '<a href="/lapangan">Kunjungan saya</a>.</p></main></html>';
  return new Response(html, { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

self.addEventListener('fetch', function (e) {
  var req = e.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === '/lapangan') {
    var key = pageKey(url);
    e.respondWith(withTimeout(fetch(req), 8000).then(function (res) {
      if (res.ok && res.type === 'basic') {
        var copy = res.clone();
        caches.open(PAGES).then(function (c) { return c.put(key, copy); });
      }
      return res;
    }).catch(function () {
      return fromDevice(key, PAGES).then(function (r) {
        return r || fromDevice('/lapangan', PAGES).then(function (t) { return t || offlinePage(); });
      });
    }));
  } else if (url.pathname.indexOf('/assets/') === 0) {
    e.respondWith(fetch(req).then(function (res) {
      if (res.ok) {
        var copy = res.clone();
        caches.open(ASSETS).then(function (c) { return c.put(req, copy); });
      }
      return res;
    }).catch(function () {
      return fromDevice(req, ASSETS).then(function (r) { return r || Response.error(); });
    }));
  }
});

// field.js asks to keep the officer's days on the device.
self.addEventListener('message', function (e) {
  var d = e.data || {};
  if (d.type === 'keep' && Array.isArray(d.urls)) {
    e.waitUntil(caches.open(PAGES).then(function (c) {
      return d.urls.reduce(function (p, u) {
        return p.then(function (n) {
          return fetch(u, { credentials: 'same-origin', redirect: 'manual' }).then(function (res) {
            if (res.ok && res.type === 'basic') return c.put(pageKey(new URL(u, self.location.origin)), res).then(function () { return n + 1; });
            return n;
          }).catch(function () { return n; });
        });
      }, Promise.resolve(0));
    }).then(function (n) {
      if (e.source) e.source.postMessage({ type: 'kept', count: n });
    }));
  } else if (d.type === 'forget') {
    e.waitUntil(caches.delete(PAGES));
  }
});
