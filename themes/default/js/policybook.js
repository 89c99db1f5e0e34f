// policybook portal behaviour: the theme toggle (remembered in localStorage), the filters of
// the communication log and the search form. Everything but search works without it; nothing
// here makes a request: search loads its library and index as scripts (so it works from
// file://), on first use.
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

  // Search. The form is hidden until this runs. Index data is only ever put in the page as
  // text (textContent), never as markup.
  var MAX_RESULTS = 20;
  var SEARCH_FIELDS = { id: { boost: 5 }, title: { boost: 3 }, type: { boost: 1 }, status: { boost: 1 }, body: { boost: 1 } };

  function setupSearch() {
    var form = document.getElementById("search-form");
    var input = document.getElementById("search-input");
    var results = document.getElementById("search-results");
    if (!form || !input || !results) return;
    var typeSelect = document.getElementById("search-type");
    var statusSelect = document.getElementById("search-status");
    var siteRoot = form.getAttribute("data-root") || "";
    var sources = [
      form.getAttribute("data-search-library") || siteRoot + "assets/js/elasticlunr.min.js",
      form.getAttribute("data-search-index") || siteRoot + "assets/search-index.js"
    ];
    var state = "idle"; // idle, loading, ready or failed
    var index = null;
    var store = null;
    var timer = null;
    form.hidden = false;

    function failed() {
      state = "failed";
      update();
    }
    function loaded() {
      var data = window.policybookSearchIndex;
      if (!window.elasticlunr || !data || !data.index || !data.store) return failed();
      try {
        index = window.elasticlunr.Index.load(data.index);
      } catch (e) {
        return failed();
      }
      store = data.store;
      state = "ready";
      update();
    }
    // Inserts the library, then the index, each a script relative to this page.
    function load() {
      if (state !== "idle") return;
      state = "loading";
      var next = 0;
      (function step() {
        if (next === sources.length) return loaded();
        var script = document.createElement("script");
        script.src = sources[next++];
        script.addEventListener("load", step);
        script.addEventListener("error", failed);
        document.head.appendChild(script);
      })();
    }

    function clear() {
      while (results.firstChild) results.removeChild(results.firstChild);
    }
    function message(text) {
      clear();
      var p = document.createElement("p");
      p.className = "search-status";
      p.textContent = text;
      results.appendChild(p);
    }
    function stem(word) {
      var w = word.toLowerCase();
      try { return window.elasticlunr.stemmer(w); } catch (e) { return w; }
    }
    function queryTerms(query) {
      return query.toLowerCase().split(/[^0-9a-z\u00c0-\uffff]+/).filter(function (t) { return t.length > 1; })
        .map(function (t) { return { raw: t, stem: stem(t) }; });
    }
    // Whether a word of a result is one of the query's (same stem, or the query's as a prefix).
    function matches(word, terms) {
      var w = word.toLowerCase();
      var s = stem(w);
      for (var i = 0; i < terms.length; i++) {
        if (w.indexOf(terms[i].raw) === 0 || s.indexOf(terms[i].stem) === 0) return true;
      }
      return false;
    }
    // Appends `text` to `parent`, the words matching the query wrapped in <mark>.
    function highlighted(parent, text, terms) {
      var parts = String(text).split(/([0-9A-Za-z\u00c0-\uffff]+)/);
      var plain = "";
      for (var i = 0; i < parts.length; i++) {
        if (i % 2 === 1 && terms.length && matches(parts[i], terms)) {
          if (plain) parent.appendChild(document.createTextNode(plain));
          plain = "";
          var mark = document.createElement("mark");
          mark.textContent = parts[i];
          parent.appendChild(mark);
        } else {
          plain += parts[i];
        }
      }
      if (plain) parent.appendChild(document.createTextNode(plain));
    }
    function span(className, text, terms) {
      var el = document.createElement("span");
      el.className = className;
      if (terms) highlighted(el, text, terms); else el.textContent = text;
      return el;
    }
    function result(doc, terms) {
      var link = document.createElement("a");
      link.className = "search-result";
      link.href = siteRoot + doc.url;
      var head = span("search-result-head", "");
      head.appendChild(span("search-result-id", doc.id, terms));
      head.appendChild(span("search-result-title", doc.title, terms));
      head.appendChild(span("search-result-meta", doc.status ? doc.type + " · " + doc.status : doc.type));
      link.appendChild(head);
      if (doc.text) link.appendChild(span("search-result-snippet", doc.text, terms));
      var item = document.createElement("li");
      item.appendChild(link);
      return item;
    }

    function update() {
      var query = input.value.trim();
      var type = typeSelect ? typeSelect.value : "";
      var status = statusSelect ? statusSelect.value : "";
      if (!query && !type && !status) return clear();
      if (state === "failed") return message("Search is not available.");
      if (state !== "ready") {
        load();
        return message("Loading the search index…");
      }
      var refs = query
        ? index.search(query, { fields: SEARCH_FIELDS, bool: "AND", expand: true }).map(function (r) { return r.ref; })
        : Object.keys(store).sort();
      var hits = refs.map(function (ref) { return store[ref]; }).filter(function (doc) {
        return doc && (!type || doc.type === type) && (!status || doc.status === status);
      });
      if (!hits.length) return message("No documents match.");
      clear();
      var count = document.createElement("p");
      count.className = "search-status";
      count.textContent = hits.length > MAX_RESULTS
        ? "Showing " + MAX_RESULTS + " of " + hits.length + " documents"
        : hits.length + (hits.length === 1 ? " document" : " documents");
      results.appendChild(count);
      var list = document.createElement("ol");
      var terms = queryTerms(query);
      for (var i = 0; i < hits.length && i < MAX_RESULTS; i++) list.appendChild(result(hits[i], terms));
      results.appendChild(list);
    }
    function later() {
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(update, 120);
    }
    function links() {
      return results.querySelectorAll("a.search-result");
    }

    input.addEventListener("focus", load);
    input.addEventListener("input", function () { load(); later(); });
    if (typeSelect) typeSelect.addEventListener("change", update);
    if (statusSelect) statusSelect.addEventListener("change", update);
    // Enter in the input follows the first result.
    function follow() {
      if (timer) { window.clearTimeout(timer); timer = null; }
      update();
      var first = links()[0];
      if (first) window.location.href = first.href;
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      follow();
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        follow();
      }
    });
    // Arrow keys move between the input and the results; Escape closes them.
    form.addEventListener("keydown", function (e) {
      var all = links();
      var at = Array.prototype.indexOf.call(all, document.activeElement);
      if (e.key === "ArrowDown" && all.length && (document.activeElement === input || at >= 0)) {
        e.preventDefault();
        all[Math.min(at + 1, all.length - 1)].focus();
      } else if (e.key === "ArrowUp" && at >= 0) {
        e.preventDefault();
        if (at === 0) input.focus(); else all[at - 1].focus();
      } else if (e.key === "Escape" && results.firstChild) {
        e.preventDefault();
        clear();
        input.focus();
      }
    });
    // A click elsewhere closes the results (they come back on the next keystroke).
    document.addEventListener("click", function (e) {
      if (!form.contains(e.target)) clear();
    });
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
    setupSearch();
  });
})();
