// Reloads a page that shows work in progress (harvest job, bulk upload) every few seconds,
// in place of <meta http-equiv="refresh"> which the reader can't stop (axe `meta-refresh`,
// WCAG 2.2.1 / F41). The page marks the region with data-auto-refresh="<seconds>"; this
// adds a live status line and a stop/resume button. The choice is kept per page in
// sessionStorage so a reload does not restart what the reader stopped. Without JavaScript
// the region's plain "refresh" link is all there is.
(function () {
  "use strict";
  var region = document.querySelector("[data-auto-refresh]");
  if (!region) return;
  var seconds = parseInt(region.getAttribute("data-auto-refresh"), 10);
  if (!(seconds > 0)) return;
  var key = "auto-refresh-paused:" + window.location.pathname;
  var timer = null;

  function paused() {
    try { return window.sessionStorage.getItem(key) === "1"; } catch (e) { return false; }
  }
  function remember(value) {
    try {
      if (value) window.sessionStorage.setItem(key, "1");
      else window.sessionStorage.removeItem(key);
    } catch (e) { /* storage refused: the choice lasts until the next reload */ }
  }

  var status = document.createElement("span");
  status.setAttribute("role", "status");
  status.className = "auto-refresh__status";
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button button--secondary button--small auto-refresh__toggle";

  function show(isPaused) {
    status.textContent = region.getAttribute(isPaused ? "data-paused" : "data-running");
    button.textContent = region.getAttribute(isPaused ? "data-resume" : "data-stop");
    button.setAttribute("aria-pressed", isPaused ? "true" : "false");
  }
  function start() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
  function stop() {
    window.clearTimeout(timer);
    timer = null;
  }

  button.addEventListener("click", function () {
    var nowPaused = !paused();
    remember(nowPaused);
    show(nowPaused);
    if (nowPaused) stop(); else start();
  });

  region.insertBefore(button, region.firstChild);
  region.insertBefore(document.createTextNode(" "), button.nextSibling);
  region.insertBefore(status, region.firstChild);
  region.insertBefore(document.createTextNode(" "), status.nextSibling);
  var isPaused = paused();
  show(isPaused);
  if (!isPaused) start();
})();
