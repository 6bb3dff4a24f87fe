// Tablet flow: return to the start after inactivity, and after the thank-you
// page's delay. Without JavaScript a <noscript> meta refresh does the same.
(function () {
  var body = document.body, home = body.dataset.home;
  if (!home) return;
  var idle = parseInt(body.dataset.idle || '0', 10) * 1000, timer = 0;
  function reset() {
    if (!idle) return;
    clearTimeout(timer);
    timer = setTimeout(function () { location.replace(home); }, idle);
  }
  ['pointerdown', 'keydown', 'input', 'scroll', 'touchstart'].forEach(function (t) {
    document.addEventListener(t, reset, { passive: true });
  });
  reset();
  document.addEventListener('contextmenu', function (e) { e.preventDefault(); });
})();
