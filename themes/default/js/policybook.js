// policybook portal behaviour: the theme toggle (remembered in localStorage) and the filters
// of the communication log. Everything works without it; nothing here makes a request.
(function () {
  "use strict";
  var KEY = "policybook-theme";
  var root = document.documentElement;

  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function current() {
    var t = stored();
    if (t === "dark" || t === "light") return t;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  function apply(theme) {
    root.setAttribute("data-theme", theme);
    var button = document.getElementById("theme-toggle");
    if (button) {
      button.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
      button.textContent = theme === "dark" ? "Light theme" : "Dark theme";
    }
  }
  if (stored()) root.setAttribute("data-theme", stored());

  function setupFilters() {
    var form = document.getElementById("log-filters");
    var table = document.getElementById("log");
    if (!form || !table) return;
    var rows = table.tBodies[0].rows;
    var count = document.getElementById("log-count");
    function update() {
      var doc = form.elements.document.value, aud = form.elements.audience.value, ch = form.elements.channel.value;
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        var ok = (!doc || (" " + r.getAttribute("data-documents") + " ").indexOf(" " + doc + " ") >= 0) &&
          (!aud || (" " + r.getAttribute("data-audience") + " ").indexOf(" " + aud + " ") >= 0) &&
          (!ch || r.getAttribute("data-channel") === ch);
        r.hidden = !ok;
        if (ok) shown++;
      }
      if (count) count.textContent = shown + " of " + rows.length + " entries";
    }
    form.addEventListener("change", update);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    apply(current());
    var button = document.getElementById("theme-toggle");
    if (button) {
      button.addEventListener("click", function () {
        var next = current() === "dark" ? "light" : "dark";
        try { window.localStorage.setItem(KEY, next); } catch (e) { /* private mode: not remembered */ }
        apply(next);
      });
    }
    setupFilters();
  });
})();
