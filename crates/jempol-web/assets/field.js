// "Kunjungan saya" offline. Every outcome is kept in this device's IndexedDB (the outbox) with
// an id of its own before anything is sent, so a lost connection, a reload or a closed browser
// loses nothing; the outbox is sent whenever the connection is there, and the server applies
// each id once. Items the server could not take stay, with its message, until the officer
// deletes them. "Ekspor yang belum terkirim" saves the outbox to a file for the office.
(function () {
  'use strict';
  var root = document.getElementById('field');
  if (!root || !window.indexedDB || !window.Promise) return;
  var user = root.getAttribute('data-user');
  var csrf = root.getAttribute('data-csrf');
  var rendered = Number(root.getAttribute('data-rendered') || 0);
  var box = document.getElementById('outbox');
  var syncing = false;
  var lastSent = 0;

  // ---- storage ----
  var dbp = null;
  function db() {
    if (!dbp) {
      dbp = new Promise(function (resolve, reject) {
        var r = indexedDB.open('jempol-lapangan', 1);
        r.onupgradeneeded = function () {
          r.result.createObjectStore('outbox', { keyPath: 'client_id' });
          r.result.createObjectStore('sent', { keyPath: 'client_id' });
        };
        r.onsuccess = function () { resolve(r.result); };
        r.onerror = function () { reject(r.error); };
      });
    }
    return dbp;
  }
  function store(name, mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(name, mode);
        var out = fn(t.objectStore(name));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }
  function all(name) { return store(name, 'readonly', function (s) { return s.getAll(); }); }
  function put(name, v) { return store(name, 'readwrite', function (s) { s.put(v); }); }
  function del(name, k) { return store(name, 'readwrite', function (s) { s.delete(k); }); }

  function newId() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  // ---- the same rules as the server (jempol-core visit::check), for an answer on the spot ----
  var MODS = [['foto', 'Foto wajah'], ['sidik_jari', 'Sidik jari'], ['iris', 'Iris mata'], ['tanda_tangan', 'Tanda tangan']];
  function check(f, form) {
    var errs = [];
    if (f.kind === 'terekam') {
      var any = false;
      MODS.forEach(function (m) {
        if (f['cap_' + m[0]]) { any = true; } else if (!(f['why_' + m[0]] || '').trim()) {
          errs.push({ field: 'why_' + m[0], text: m[1] + ' tidak terekam: tulis alasannya.' });
        }
      });
      if (!any) errs = ['Tidak ada biometrik yang terekam: pilih "Tidak terekam" dengan alasannya.'];
    } else if (f.kind === 'tidak_terekam') {
      if (!f.reason) errs.push({ field: 'reason', text: 'Pilih alasan tidak terekam.' });
      else if (f.reason === 'lainnya' && !(f.note || '').trim()) errs.push({ field: 'note', text: 'Alasan "Lainnya": tulis alasannya di catatan.' });
    } else if (f.kind === 'dijadwal_ulang') {
      var input = form.querySelector('[name=date]');
      if (!f.date) errs.push({ field: 'date', text: 'Isi tanggal kunjungan ulang.' });
      else if ((input.min && f.date < input.min) || (input.max && f.date > input.max)) errs.push({ field: 'date', text: 'Kunjungan ulang harus di dalam masa gelombang.' });
      else {
        var wd = new Date(f.date + 'T00:00:00').getDay();
        if (wd === 0 || wd === 6) errs.push({ field: 'date', text: 'Tanggal itu akhir pekan; pilih hari kerja.' });
      }
    } else {
      errs.push('Pilih hasil kunjungan: terekam, tidak terekam, atau jadwal ulang.');
    }
    if ((f.note || '').length > 500) errs.push({ field: 'note', text: 'Catatan terlalu panjang: paling banyak 500 huruf.' });
    return errs;
  }

  function summary(f) {
    if (f.kind === 'terekam') {
      var miss = MODS.filter(function (m) { return !f['cap_' + m[0]]; }).map(function (m) { return m[1].toLowerCase(); });
      return miss.length ? 'Terekam, tanpa: ' + miss.join(', ') : 'Terekam';
    }
    if (f.kind === 'tidak_terekam') {
      var opt = document.querySelector('select[name=reason] option[value="' + f.reason + '"]');
      return 'Tidak terekam: ' + (opt ? opt.textContent.toLowerCase() : f.reason);
    }
    return 'Dijadwal ulang: ' + f.date.split('-').reverse().join('-');
  }

  function visitEl(item) { return document.getElementById('v' + item.campaign_id + '-' + item.resident_id); }

  function badge(li, text, cls) {
    var p = li.querySelector('[data-state]');
    if (!p) return;
    p.textContent = '';
    var s = document.createElement('span');
    s.className = 'badge ' + cls;
    s.textContent = text;
    p.appendChild(s);
  }

  // Errors are `{field, text}` (or plain text for the form as a whole): the summary goes above
  // the form and each field's own message under it, tied to it for screen readers.
  var errorSeq = 0;
  function showErrors(form, errs) {
    var old = form.querySelector('.error');
    if (old) old.remove();
    form.querySelectorAll('.field-error[data-js]').forEach(function (p) { p.remove(); });
    form.querySelectorAll('[aria-invalid]').forEach(function (el) {
      el.removeAttribute('aria-invalid');
      var keep = (el.getAttribute('aria-describedby') || '').split(' ').filter(function (id) { return id && id.indexOf('-err') < 0; });
      if (keep.length) el.setAttribute('aria-describedby', keep.join(' ')); else el.removeAttribute('aria-describedby');
    });
    if (!errs.length) return;
    errs = errs.map(function (e) { return typeof e === 'string' ? { text: e } : e; });
    errs.forEach(function (e, i) {
      var el = e.field && form.querySelector('[name="' + e.field + '"]');
      if (!el) return;
      if (!el.id) el.id = 'fe' + (++errorSeq) + '-' + e.field;
      var msg = document.createElement('p');
      msg.className = 'field-error';
      msg.setAttribute('data-js', '');
      msg.id = el.id + '-err' + i;
      msg.textContent = e.text;
      el.insertAdjacentElement('afterend', msg);
      el.setAttribute('aria-invalid', 'true');
      el.setAttribute('aria-describedby', ((el.getAttribute('aria-describedby') || '') + ' ' + msg.id).trim());
    });
    var div = document.createElement('div');
    div.className = 'error';
    div.setAttribute('role', 'alert');
    var p = document.createElement('p');
    p.textContent = 'Hasil belum disimpan. Perbaiki:';
    div.appendChild(p);
    var ul = document.createElement('ul');
    errs.forEach(function (e) { var li = document.createElement('li'); li.textContent = e.text; ul.appendChild(li); });
    div.appendChild(ul);
    form.insertBefore(div, form.querySelector('fieldset'));
  }

  // ---- recording ----
  root.addEventListener('submit', function (e) {
    var form = e.target;
    if (form.hasAttribute && form.hasAttribute('data-walkin')) { keepWalkin(e, form); return; }
    if (!form.hasAttribute || !form.hasAttribute('data-outcome')) return;
    e.preventDefault();
    var fields = {};
    new FormData(form).forEach(function (v, k) { if (k !== 'csrf_token' && k !== 'client_id') fields[k] = String(v); });
    var errs = check(fields, form);
    if (errs.length) { showErrors(form, errs); return; }
    var li = form.closest('[data-visit]');
    var item = {
      client_id: newId(),
      campaign_id: Number(fields.campaign_id),
      resident_id: Number(fields.resident_id),
      base: fields.base || '',
      recorded_at: Date.now(),
      fields: fields,
      user: user,
      name: li ? li.getAttribute('data-name') : '',
      summary: summary(fields),
      state: 'waiting',
      messages: []
    };
    put('outbox', item).then(function () {
      showErrors(form, []);
      form.querySelector('[name=base]').value = item.client_id;
      var d = form.closest('details');
      if (d) d.open = false;
      return refresh();
    }).then(sync).catch(function (err) {
      showErrors(form, ['Perangkat tidak bisa menyimpan hasil ini (' + err + '). Catat di kertas dan laporkan ke Kasi.']);
    });
  });

  // A person found on site: kept like an outcome, sent to the walk-in form's address.
  function keepWalkin(e, form) {
    e.preventDefault();
    var fields = {};
    new FormData(form).forEach(function (v, k) { if (k !== 'csrf_token') fields[k] = String(v); });
    if (!(fields.nik || '').trim() || !(fields.name || '').trim() || !fields.desa) {
      showErrors(form, ['Isi paling sedikit desa, NIK dan nama.']);
      return;
    }
    fields.client_id = newId();
    var item = {
      type: 'walkin',
      client_id: fields.client_id,
      campaign_id: Number(fields.campaign_id),
      resident_id: 0,
      recorded_at: Date.now(),
      fields: fields,
      user: user,
      name: fields.name,
      summary: 'warga baru ditemukan di lokasi',
      state: 'waiting',
      messages: []
    };
    var replaces = form.getAttribute('data-replaces');
    (replaces ? del('outbox', replaces) : Promise.resolve()).then(function () {
      return put('outbox', item);
    }).then(function () {
      form.removeAttribute('data-replaces');
      var old = form.querySelector('.error');
      if (old) old.remove();
      form.reset();
      var d = form.closest('details');
      if (d) d.open = false;
      return refresh();
    }).then(sync).catch(function (err) {
      showErrors(form, ['Perangkat tidak bisa menyimpan data ini (' + err + ').']);
    });
  }

  // An item the server did not take goes back into its form to be corrected.
  function reopen(item) {
    var form = root.querySelector('form[data-walkin] [name=campaign_id][value="' + item.campaign_id + '"]');
    form = form && form.form;
    if (!form) return;
    Object.keys(item.fields).forEach(function (k) {
      var el = form.elements[k];
      if (!el || k === 'csrf_token') return;
      if (el.type === 'checkbox') el.checked = true; else el.value = item.fields[k];
    });
    form.setAttribute('data-replaces', item.client_id);
    showErrors(form, item.messages && item.messages.length ? item.messages : ['Periksa isiannya.']);
    var d = form.closest('details');
    if (d) d.open = true;
    form.scrollIntoView();
  }

  var walkinAdded = false;
  function sendWalkin(it) {
    return fetch('/lapangan/warga-baru', {
      method: 'POST',
      credentials: 'same-origin',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'x-csrf-token': csrf },
      body: new URLSearchParams(it.fields).toString()
    }).then(function (res) {
      if (res.type === 'opaqueredirect' || res.status === 401 || res.status === 403) {
        setStatus('Sesi sudah berakhir: masuk lagi untuk mengirim. Data tetap tersimpan di perangkat ini.');
        return;
      }
      if (res.status === 404) {
        it.state = 'invalid';
        it.messages = ['Gelombang ini bukan tugas tim Anda lagi. Hubungi Kasi Pelayanan.'];
        return put('outbox', it);
      }
      if (res.status !== 200 && res.status !== 422) return;
      return res.json().then(function (r) {
        if (r.status === 'applied' || r.status === 'already_applied') {
          walkinAdded = true;
          lastSent = Date.now();
          it.state = 'applied';
          it.sent_at = Date.now();
          return put('sent', it).then(function () { return del('outbox', it.client_id); });
        }
        it.state = 'invalid';
        it.messages = r.messages || [];
        return put('outbox', it);
      });
    });
  }

  // ---- sending ----
  function setStatus(text) {
    var s = box.querySelector('[data-status]');
    if (s) s.textContent = text;
  }

  function sync() {
    if (syncing) return Promise.resolve();
    syncing = true;
    var items;
    return all('outbox').then(function (xs) {
      var mine = xs.filter(function (i) { return i.user === user && i.state === 'waiting'; });
      items = mine.filter(function (i) { return i.type !== 'walkin'; });
      var walkins = mine.filter(function (i) { return i.type === 'walkin'; });
      return walkins.reduce(function (p, w) { return p.then(function () { return sendWalkin(w); }); }, Promise.resolve());
    }).then(function () {
      if (!items.length) return null;
      return fetch('/lapangan/sinkron', {
        method: 'POST',
        credentials: 'same-origin',
        redirect: 'manual',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ outcomes: items.map(function (i) {
          return { client_id: i.client_id, campaign_id: i.campaign_id, resident_id: i.resident_id, base: i.base, recorded_at: i.recorded_at, fields: i.fields };
        }) })
      }).then(function (res) {
        if (res.type === 'opaqueredirect' || res.status === 401 || res.status === 403) {
          setStatus('Sesi sudah berakhir: masuk lagi untuk mengirim. Hasil tetap tersimpan di perangkat ini.');
          return null;
        }
        if (!res.ok) { setStatus('Server belum bisa menerima (' + res.status + '); dicoba lagi otomatis.'); return null; }
        return res.json().then(function (body) {
          return body.results.reduce(function (p, r) {
            var it = items.filter(function (i) { return i.client_id === r.client_id; })[0];
            if (!it) return p;
            if (['applied', 'conflict', 'already_applied', 'already_conflict'].indexOf(r.status) >= 0) {
              it.state = r.status;
              it.messages = r.messages || [];
              it.sent_at = Date.now();
              return p.then(function () { return put('sent', it); }).then(function () { return del('outbox', it.client_id); });
            }
            if (r.status === 'invalid' || r.status === 'refused') {
              it.state = 'invalid';
              it.messages = r.messages || [];
              return p.then(function () { return put('outbox', it); });
            }
            return p;
          }, Promise.resolve()).then(function () { lastSent = Date.now(); });
        });
      });
    }).catch(function () {
      setStatus('Tidak ada sambungan. Hasil tersimpan di perangkat ini dan dikirim otomatis saat tersambung.');
    }).then(function () {
      syncing = false;
      return refresh();
    });
  }

  // ---- what the device shows ----
  function hhmm(ms) {
    var d = new Date(ms);
    return ('0' + d.getHours()).slice(-2) + '.' + ('0' + d.getMinutes()).slice(-2);
  }

  function refresh() {
    return Promise.all([all('outbox'), all('sent')]).then(function (r) {
      var out = r[0], sent = r[1];
      var weekAgo = Date.now() - 14 * 24 * 3600 * 1000;
      sent.forEach(function (s) { if (s.sent_at < weekAgo) del('sent', s.client_id); });
      // Sent outcomes newer than this page (a copy kept on the device), then the outbox.
      sent.filter(function (s) { return s.sent_at > rendered; }).sort(function (a, b) { return a.recorded_at - b.recorded_at; })
        .forEach(function (s) {
          var li = visitEl(s);
          if (!li) return;
          if (s.state === 'conflict' || s.state === 'already_conflict') badge(li, 'Konflik: ' + s.summary + ' — diputuskan Kasi', 'warning');
          else badge(li, s.summary + ' (terkirim)', 'ok');
          var base = li.querySelector('[name=base]');
          if (base && s.state.indexOf('conflict') < 0) base.value = s.client_id;
        });
      out.sort(function (a, b) { return a.recorded_at - b.recorded_at; }).forEach(function (i) {
        var li = visitEl(i);
        if (!li) return;
        badge(li, (i.state === 'invalid' ? 'Perlu diperbaiki: ' : 'Menunggu dikirim: ') + i.summary, i.state === 'invalid' ? 'danger' : 'muted');
        var base = li.querySelector('[name=base]');
        if (base) base.value = i.client_id;
      });
      var waiting = out.filter(function (i) { return i.state === 'waiting'; }).length;
      var list = box.querySelector('[data-items]');
      list.textContent = '';
      out.forEach(function (i) {
        var li = document.createElement('li');
        li.setAttribute('data-item', i.client_id);
        var text = i.name + ' — ' + i.summary + ' (dicatat ' + hhmm(i.recorded_at) + ')';
        if (i.user !== user) text += ' · dicatat oleh ' + i.user + ': masuk sebagai ' + i.user + ' untuk mengirim';
        li.textContent = text;
        if (i.state === 'invalid' && i.type === 'walkin') {
          var fix = document.createElement('button');
          fix.type = 'button';
          fix.className = 'link';
          fix.textContent = 'Perbaiki';
          fix.addEventListener('click', function () { reopen(i); });
          li.appendChild(document.createTextNode(' '));
          li.appendChild(fix);
        }
        if (i.state === 'invalid') {
          var m = document.createElement('strong');
          m.textContent = ' Tidak diterima: ' + (i.messages || []).join(' ');
          li.appendChild(m);
          var b = document.createElement('button');
          b.type = 'button';
          b.className = 'link';
          b.textContent = 'Hapus';
          b.addEventListener('click', function () {
            if (window.confirm('Hapus hasil ' + i.name + ' dari perangkat ini? Catat ulang kunjungannya setelah ini.')) {
              del('outbox', i.client_id).then(refresh);
            }
          });
          li.appendChild(document.createTextNode(' '));
          li.appendChild(b);
        }
        list.appendChild(li);
      });
      box.hidden = out.length === 0 && !lastSent;
      box.setAttribute('data-waiting', String(waiting));
      if (waiting) {
        setStatus(waiting + ' hasil menunggu dikirim' + (navigator.onLine ? '.' : ' — tidak ada sambungan; tersimpan di perangkat ini.'));
      } else if (out.length) {
        setStatus('Ada hasil yang tidak diterima server; lihat alasannya di bawah.');
      } else if (lastSent) {
        setStatus('Semua hasil terkirim (terakhir ' + hhmm(lastSent) + ').' +
          (walkinAdded ? ' Warga baru sudah ditambahkan: muat ulang halaman untuk mencatat hasil kunjungannya.' : ''));
      }
      document.title = (waiting ? '(' + waiting + ') ' : '') + document.title.replace(/^\(\d+\) /, '');
    });
  }

  // ---- export ----
  box.querySelector('[data-export]').addEventListener('click', function () {
    all('outbox').then(function (items) {
      var now = new Date();
      var stamp = now.getFullYear() + ('0' + (now.getMonth() + 1)).slice(-2) + ('0' + now.getDate()).slice(-2) + '-' + hhmm(now.getTime()).replace('.', '');
      var blob = new Blob([JSON.stringify({
        format: 'jempol-hasil-kunjungan', version: 1, exported_at: now.toISOString(), device_user: user, outcomes: items
      }, null, 2)], { type: 'application/json' });
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = 'jempol-belum-terkirim-' + stamp + '.json';
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
  });
  box.querySelector('[data-sync]').addEventListener('click', sync);

  // ---- offline pages ----
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', function (e) {
      if (e.data && e.data.type === 'kept') root.setAttribute('data-offline-ready', String(e.data.count));
    });
    navigator.serviceWorker.register('/sw.js', { scope: '/lapangan' }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      if (!navigator.onLine || !reg.active) return;
      var days = (root.getAttribute('data-days') || '').split(',').filter(Boolean);
      var urls = ['/lapangan', '/lapangan?tanggal=' + root.getAttribute('data-day')].concat(days.map(function (d) { return '/lapangan?tanggal=' + d; }));
      reg.active.postMessage({ type: 'keep', urls: urls });
    }).catch(function () { /* pages still work online */ });
  }
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist();

  window.addEventListener('online', sync);
  setInterval(sync, 30000);
  refresh().then(sync);
})();
