// Idle timeout: the hub ends an idle session on its side; this only tells the
// officer, and takes them to sign in again, instead of failing on the next click.
(function () {
  "use strict";
  var minutes = Number(document.body.dataset.idleMinutes || "0");
  if (!minutes) { return; }
  var timer;
  function expire() {
    var notice = document.getElementById("idle-notice");
    if (notice) { notice.hidden = false; }
    window.setTimeout(function () { window.location.assign("/console/login"); }, 3000);
  }
  function reset() {
    window.clearTimeout(timer);
    timer = window.setTimeout(expire, minutes * 60 * 1000);
  }
  ["keydown", "mousedown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, reset, { passive: true });
  });
  reset();
})();
