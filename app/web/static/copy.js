// Copy buttons for the examples on /api (progressive enhancement). The buttons are made
// here, so a page without JavaScript shows no dead controls; the outcome is announced in
// the page's live region (#copy-status, which also carries the translated strings).
(function () {
  "use strict";
  var status = document.getElementById("copy-status");
  if (!status) return;

  function announce(message) {
    // Emptied first, so the same message twice is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function fallbackCopy(text) {
    // http:// on a host other than localhost has no navigator.clipboard.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  var blocks = document.querySelectorAll("pre[data-copy]");
  Array.prototype.forEach.call(blocks, function (pre) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--secondary button--small copy-button";
    button.textContent = status.getAttribute("data-label");
    // The visible word starts the name (WCAG 2.5.3); which example follows.
    button.setAttribute("aria-label", status.getAttribute("data-label") + ": " + pre.getAttribute("data-copy"));
    button.addEventListener("click", function () {
      copy(pre.textContent).then(
        function () { announce(status.getAttribute("data-done")); },
        function () { announce(status.getAttribute("data-failed")); }
      );
    });
    var wrapper = document.createElement("div");
    wrapper.className = "copyable";
    pre.parentNode.insertBefore(wrapper, pre);
    wrapper.appendChild(pre);
    wrapper.appendChild(button);
  });
})();
