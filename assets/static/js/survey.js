// Survey form: lock the submit button after the first press (the server's
// per-form idempotency key is what really prevents a double submit).
(function () {
  var form = document.querySelector('form[data-survey]');
  if (!form) return;
  var btn = form.querySelector('button[type=submit]');
  var label = btn ? btn.textContent : '';
  form.addEventListener('submit', function (ev) {
    if (form.dataset.sent) { ev.preventDefault(); return; }
    form.dataset.sent = '1';
    if (btn) { btn.setAttribute('aria-disabled', 'true'); btn.textContent = btn.dataset.sending || label; }
  });
  // Coming back through the browser's history shows the same form again: unlock
  // it, so it can be resent (with the same key, so it is still counted once).
  window.addEventListener('pageshow', function () {
    delete form.dataset.sent;
    if (btn) { btn.removeAttribute('aria-disabled'); btn.textContent = label; }
  });
})();
