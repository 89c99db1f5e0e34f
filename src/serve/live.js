// policybook serve: reloads the page after each rebuild, and shows the last build's problems
// in an overlay until a build without them. Injected by the preview server only.
(function () {
  "use strict";
  var overlay = null;
  function clear() {
    if (overlay) { overlay.remove(); overlay = null; }
  }
  function show(status) {
    clear();
    overlay = document.createElement("div");
    overlay.setAttribute("role", "alert");
    overlay.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;" +
      "z-index:2147483647;background:#2b0b0b;color:#fff;font:13px/1.45 ui-monospace,monospace;" +
      "padding:12px 16px;border-top:3px solid #e5484d;white-space:pre-wrap";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Close");
    close.style.cssText = "float:right;background:none;border:0;color:#fff;font-size:18px;cursor:pointer";
    close.onclick = clear;
    var title = document.createElement("strong");
    title.textContent = status.title || "policybook: the last build has problems";
    overlay.appendChild(close);
    overlay.appendChild(title);
    (status.problems || []).forEach(function (p) {
      var line = document.createElement("div");
      line.textContent = p;
      overlay.appendChild(line);
    });
    document.body.appendChild(overlay);
  }
  var source = new EventSource("/__policybook/events");
  source.addEventListener("reload", function () { location.reload(); });
  source.addEventListener("status", function (e) {
    var status = JSON.parse(e.data);
    if (status.ok) { clear(); } else { show(status); }
  });
})();
