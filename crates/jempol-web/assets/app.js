// Progressive enhancement only: every page works without this file.
document.querySelectorAll('[data-print]').forEach(function (b) {
  b.hidden = false;
  b.addEventListener('click', function () { window.print(); });
});
// Logging out forgets the field pages kept on this device (unsent outcomes stay in the outbox).
document.querySelectorAll('form[action="/logout"]').forEach(function (f) {
  f.addEventListener('submit', function () {
    if (window.caches) caches.delete('jempol-lapangan-halaman');
  });
});
