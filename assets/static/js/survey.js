// Survey form: lock the submit button after the first press (the server's
// per-form idempotency key is what really prevents a double submit).
(function () {
  var form = document.querySelector('form[data-survey]');
  if (!form) return;
  form.addEventListener('submit', function (ev) {
    var btn = form.querySelector('button[type=submit]');
    if (form.dataset.sent) { ev.preventDefault(); return; }
    form.dataset.sent = '1';
    if (btn) { btn.setAttribute('aria-disabled', 'true'); btn.textContent = btn.dataset.sending || btn.textContent; }
  });
  // Coming back through the browser's history shows the same form again; let it be resent (same key).
  window.addEventListener('pageshow', function () { delete form.dataset.sent; });
})();
