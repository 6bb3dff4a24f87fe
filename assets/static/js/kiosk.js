// Desk tablet (/kiosk). The flow adds nothing to the browser's history, an
// idle survey asks "Perlu waktu lagi?" and waits (data-prompt seconds, at
// least 20) before it resets, and a reset leaves nothing of the citizen in
// the page, the form or the history. Without JavaScript a <noscript> meta
// refresh returns to the start. docs/accessibility.md, "Desk tablet".
(function () {
  var doc = document, body = doc.body, home = body.dataset.home;
  if (!home) return;
  var idle = parseInt(body.dataset.idle || '0', 10) * 1000;
  var wait = parseInt(body.dataset.prompt || '0', 10) * 1000;
  var form = doc.querySelector('form[data-survey]');
  var dialog = doc.getElementById('more-time');
  var timer = 0, tick = 0, asking = false, leaving = false;

  // location.replace: every page takes the place of the last, so Back
  // cannot bring a former citizen's pages back.
  function go(url) { leaving = true; location.replace(url); }

  function answered() {
    return !!(form && (form.querySelector('input[type=radio]:checked') ||
      (form.elements.service && form.elements.service.value)));
  }

  function reset() {
    clearTimeout(timer);
    clearInterval(tick);
    if (form) form.reset();
    go(home);
  }

  // What a reset does with an unfinished survey is the office's choice
  // ([kiosk] unfinished): data-partial is set only when it keeps them.
  function timeUp() {
    asking = false;
    clearInterval(tick);
    if (dialog && dialog.open) dialog.close();
    var url = body.dataset.partial, done = false;
    var finish = function () { if (!done) { done = true; reset(); } };
    if (!url || !answered() || !window.fetch) { finish(); return; }
    fetch(url, { method: 'POST', body: new URLSearchParams(new FormData(form)), credentials: 'same-origin', keepalive: true })
      .then(finish, finish);
    setTimeout(finish, 3000); // never wait on the network for long
  }

  function ask() {
    if (!form || !dialog || typeof dialog.showModal !== 'function' || wait <= 0) { timeUp(); return; }
    asking = true;
    var left = Math.round(wait / 1000), out = dialog.querySelector('[data-countdown]');
    if (out) out.textContent = left;
    dialog.showModal();
    tick = setInterval(function () { if (left > 0 && out) out.textContent = --left; }, 1000);
    timer = setTimeout(timeUp, wait);
  }

  function more() {
    asking = false;
    clearTimeout(timer);
    clearInterval(tick);
    if (dialog.open) dialog.close();
    arm();
  }

  function arm() {
    if (!idle || asking || leaving) return;
    clearTimeout(timer);
    timer = setTimeout(form ? ask : function () { go(home); }, idle);
  }

  if (dialog) {
    dialog.querySelector('[data-more-time]').addEventListener('click', more);
    dialog.querySelector('[data-reset-now]').addEventListener('click', timeUp);
    dialog.addEventListener('cancel', function (ev) { ev.preventDefault(); more(); }); // Escape
  }

  // Links within the tablet flow replace the page instead of adding to the history.
  doc.addEventListener('click', function (ev) {
    var a = ev.target.closest ? ev.target.closest('a[href]') : null;
    if (!a || ev.defaultPrevented || a.origin !== location.origin || a.pathname.indexOf('/kiosk') !== 0) return;
    ev.preventDefault();
    go(a.href);
  });

  // The survey is sent in the background and its thank-you page replaces
  // it; anything but a thank-you page (a refusal) is sent again the usual way.
  if (form && window.fetch) {
    form.addEventListener('submit', function (ev) {
      if (ev.defaultPrevented) return; // survey.js stopped a second press
      ev.preventDefault();
      clearTimeout(timer);
      leaving = true;
      var native = function () { HTMLFormElement.prototype.submit.call(form); };
      fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)), credentials: 'same-origin' })
        .then(function (r) {
          if (r.ok && r.redirected && r.url.indexOf('/kiosk/terima-kasih') >= 0) { form.reset(); go(r.url); } else { native(); }
        }, native);
    });
  }

  // A page restored from the back/forward cache starts clean.
  window.addEventListener('pageshow', function (ev) { if (ev.persisted && form) reset(); });

  ['pointerdown', 'keydown', 'input', 'scroll', 'touchstart'].forEach(function (t) {
    doc.addEventListener(t, arm, { passive: true });
  });
  arm();
  doc.addEventListener('contextmenu', function (e) { e.preventDefault(); });
})();
