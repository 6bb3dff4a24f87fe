// Citizen pages: lock the survey's submit button after the first press, the
// large-text switch, and "Bacakan" (read aloud). Every page works without it.
(function () {
  var doc = document;

  // The server's per-form idempotency key is what really prevents a double submit.
  var form = doc.querySelector('form[data-survey]');
  if (form) {
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
  }

  // Large text and high contrast, remembered on this device in the cookie
  // the server reads too (without JavaScript the link sets it).
  var sw = doc.querySelector('a[data-display]');
  if (sw) {
    var root = doc.documentElement, on = root.classList.contains('besar');
    sw.setAttribute('role', 'button');
    sw.setAttribute('aria-pressed', String(on));
    var flip = function (ev) {
      ev.preventDefault();
      on = !on;
      root.classList.toggle('besar', on);
      sw.setAttribute('aria-pressed', String(on));
      doc.cookie = 'tampilan=' + (on ? 'besar' : 'biasa') + ';path=/;max-age=31536000;samesite=lax';
    };
    sw.addEventListener('click', flip);
    sw.addEventListener('keydown', function (ev) { if (ev.key === ' ') flip(ev); });
  }

  // Read aloud with the device's speech: an Indonesian voice for Indonesian,
  // Javanese and Sundanese unless the device has one of the language itself.
  var synth = window.speechSynthesis;
  if (!synth || typeof SpeechSynthesisUtterance === 'undefined') return;
  var tags = { id: 'id-ID', en: 'en-US', jv: 'jv-ID', su: 'su-ID' };
  var lang = tags[doc.documentElement.lang] || 'id-ID';
  function voiceFor(prefix) {
    var vs = synth.getVoices();
    for (var i = 0; i < vs.length; i++) {
      if (vs[i].lang.replace('_', '-').toLowerCase().indexOf(prefix) === 0) return vs[i];
    }
    return null;
  }
  function text(el, b) {
    if (b.dataset.say) return b.dataset.say;
    var parts = [];
    el.querySelectorAll('.el, .qt, .opt label').forEach(function (x) { parts.push(x.textContent.trim()); });
    return parts.length ? parts.join('. ') : el.textContent.trim();
  }
  doc.querySelectorAll('button[data-speak]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () {
      var el = doc.getElementById(b.dataset.speak);
      if (!el) return;
      synth.cancel();
      var u = new SpeechSynthesisUtterance(text(el, b));
      var v = voiceFor(lang.slice(0, 2)) || voiceFor('id');
      u.lang = v ? v.lang : lang;
      if (v) u.voice = v;
      synth.speak(u);
    });
  });
})();
