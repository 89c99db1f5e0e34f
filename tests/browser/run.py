#!/usr/bin/python3
"""Browser tests of the portal, run by .ci/run (not by `cargo test`: they need a browser).

Loads a built site from file:// (no server: the portal must work offline) in Debian's headless
Chromium driven by chromedriver (Debian packages `chromium`, `chromium-driver`,
`python3-selenium`; nothing is downloaded), and checks what only a browser can:

- the dashboard, a document page, a history page, the roles page and the communication log load
  with no console errors and no failed requests;
- every internal link of every page reachable from the dashboard leads to a file that exists,
  and every #fragment to an element with that id;
- typing into the search box lists the expected document;
- the theme toggle switches to dark, persists across a reload, and both themes keep body text
  contrast at WCAG AA (4.5:1);
- accessibility basics: `lang`, a skip link that is the first tab stop and shows a focus
  outline, landmarks, native buttons, scoped table headers;
- layout, on every crawled page at 400 px (light and dark) and 1400 px: the page never scrolls
  sideways (wide tables scroll in their own box), the header takes at most a quarter of a
  phone's screen, and no two pieces of visible text overprint each other.

Usage: tests/browser/run.py SITE_DIR [--screenshots DIR]
Exits 1 with one line per failure.
"""
import argparse
import os
import sys
import time
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

FAILURES = []


def fail(message):
    FAILURES.append(message)
    print(f"FAIL {message}", flush=True)


def ok(message):
    print(f"ok   {message}", flush=True)


def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--allow-file-access-from-files"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


def url_of(site, rel):
    return "file://" + urllib.parse.quote(os.path.join(site, rel))


def load(d, url):
    d.get(url)
    for _ in range(100):
        if d.execute_script("return document.readyState") == "complete":
            break
        time.sleep(0.05)


def console_errors(d):
    """SEVERE browser log entries since the last call (failed requests are logged as SEVERE)."""
    return [e["message"] for e in d.get_log("browser") if e.get("level") == "SEVERE"]


def check_page(d, site, rel, label):
    load(d, url_of(site, rel))
    errors = console_errors(d)
    if errors:
        fail(f"{label} ({rel}): console errors: {errors}")
    else:
        ok(f"{label} ({rel}) loads with no console errors or failed requests")
    problems = d.execute_script("""
        var p = [];
        if (!document.documentElement.lang) p.push('no lang on <html>');
        if (!document.querySelector('a.skip-link[href="#main"]')) p.push('no skip link to #main');
        if (!document.querySelector('main#main')) p.push('no <main id=main>');
        if (!document.querySelector('header')) p.push('no <header> landmark');
        if (!document.querySelector('nav[aria-label]')) p.push('no labelled <nav>');
        if (!document.querySelector('footer')) p.push('no <footer> landmark');
        document.querySelectorAll('table th').forEach(function (th) {
          if (!th.getAttribute('scope')) p.push('th without scope: ' + th.textContent.trim().slice(0, 40));
        });
        document.querySelectorAll('[onclick], div[role=button], span[role=button]').forEach(function (e) {
          p.push('non-native control: ' + e.outerHTML.slice(0, 60));
        });
        return p;
    """)
    for problem in problems:
        fail(f"{label}: {problem}")
    if not problems:
        ok(f"{label}: lang, skip link, landmarks, scoped headers, native controls")


def contrast(d):
    """Contrast ratio of the main text against the page background."""
    return d.execute_script("""
        function rgb(s) { var m = s.match(/[\\d.]+/g).map(Number); return m.slice(0, 3); }
        function lum(c) { c = c.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
          return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; }
        var main = document.querySelector('main');
        var fg = rgb(getComputedStyle(main).color);
        var el = main, bg = 'rgba(0, 0, 0, 0)';
        while (el && /rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) { bg = getComputedStyle(el).backgroundColor; el = el.parentElement; }
        if (/rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) bg = 'rgb(255, 255, 255)';
        var a = lum(fg), b = lum(rgb(bg));
        return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    """)


def check_theme(d, site, shots):
    load(d, url_of(site, "index.html"))
    d.execute_script("localStorage.clear()")
    load(d, url_of(site, "index.html"))
    light = contrast(d)
    if light < 4.5:
        fail(f"light theme: body text contrast {light:.2f} < 4.5")
    if shots:
        d.save_screenshot(os.path.join(shots, "dashboard-light.png"))
    buttons = d.find_elements(By.ID, "theme-toggle")
    if not buttons or buttons[0].tag_name != "button":
        fail("no native <button id=theme-toggle>")
        return
    buttons[0].click()
    theme = d.execute_script("return document.documentElement.getAttribute('data-theme')")
    if theme != "dark":
        fail(f"theme toggle: data-theme is {theme!r} after a click, not 'dark'")
        return
    load(d, url_of(site, "roles.html"))
    theme = d.execute_script("return document.documentElement.getAttribute('data-theme')")
    if theme != "dark":
        fail(f"theme toggle: not remembered on the next page (data-theme {theme!r})")
    dark = contrast(d)
    if dark < 4.5:
        fail(f"dark theme: body text contrast {dark:.2f} < 4.5")
    if shots:
        load(d, url_of(site, "index.html"))
        d.save_screenshot(os.path.join(shots, "dashboard-dark.png"))
    background = d.execute_script("return getComputedStyle(document.body).backgroundColor")
    d.execute_script("localStorage.clear()")
    if theme == "dark" and dark >= 4.5 and light >= 4.5:
        ok(f"theme toggle: dark persists across pages (background {background}); contrast light {light:.1f}, dark {dark:.1f}")


def check_keyboard(d, site):
    load(d, url_of(site, "index.html"))
    d.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = d.execute_script("""
        var e = document.activeElement, s = getComputedStyle(e);
        return [e.className, s.outlineStyle, s.outlineWidth, s.boxShadow];
    """)
    if "skip-link" not in (focused[0] or ""):
        fail(f"keyboard: the first tab stop is not the skip link ({focused[0]!r})")
    elif focused[1] == "none" and focused[3] == "none":
        fail("keyboard: the focused skip link shows no outline")
    else:
        ok("keyboard: the skip link is the first tab stop and shows its focus")


def check_search(d, site, shots, query, expected):
    load(d, url_of(site, "index.html"))
    boxes = d.find_elements(By.ID, "search-input")
    if not boxes:
        fail("search: no #search-input on the dashboard")
        return
    boxes[0].click()
    boxes[0].send_keys(query)
    found = []
    for _ in range(100):
        # Read the results in one script call: they are re-rendered while the query is typed.
        found = d.execute_script(
            "return Array.from(document.querySelectorAll('#search-results a.search-result'))"
            ".map(function (a) { return a.textContent; })")
        if any(expected in text for text in found):
            break
        time.sleep(0.1)
    errors = console_errors(d)
    if errors:
        fail(f"search: console errors: {errors}")
    if not any(expected in text for text in found):
        fail(f"search: typing {query!r} did not list {expected} (results: {found[:5]})")
        return
    if shots:
        d.save_screenshot(os.path.join(shots, "search.png"))
    time.sleep(0.3)  # let the last keystroke's results settle before clicking
    first = d.find_elements(By.CSS_SELECTOR, "#search-results a.search-result")[0]
    href = first.get_attribute("href")
    first.click()
    if d.current_url.split("#")[0] != href.split("#")[0]:
        fail(f"search: the first result did not open {href}")
        return
    ok(f"search: {query!r} lists {expected} ({len(found)} results) and the result opens it")


OVERLAPS_JS = """
const skip = 'script, style, noscript, [hidden], .visually-hidden, .skip-link, .draft-watermark, '
  + '.print-header, .print-footer, .search-results';
const clips = new Map();
function clipOf(el) {
  // The visible box of an element: its scrolling or clipping ancestors cut it.
  if (!el || el === document.body) return null;
  if (clips.has(el)) return clips.get(el);
  let clip = clipOf(el.parentElement);
  const style = getComputedStyle(el);
  if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
    const b = el.getBoundingClientRect();
    const box = {left: b.left, right: b.right, top: b.top, bottom: b.bottom};
    clip = clip ? {left: Math.max(clip.left, box.left), right: Math.min(clip.right, box.right),
                   top: Math.max(clip.top, box.top), bottom: Math.min(clip.bottom, box.bottom)} : box;
  }
  clips.set(el, clip);
  return clip;
}
const boxes = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
let node = 0;
while (walker.nextNode()) {
  const n = walker.currentNode;
  const el = n.parentElement;
  if (!n.textContent.trim() || !el || el.closest(skip)) continue;
  if (getComputedStyle(el).visibility === 'hidden') continue;
  // A closed <details> lays out its content without showing it.
  const closed = el.closest('details:not([open])');
  if (closed && !(el.closest('summary') && el.closest('summary').parentElement === closed)) continue;
  const range = document.createRange();
  range.selectNodeContents(n);
  const clip = clipOf(el);
  node += 1;
  for (const r of range.getClientRects()) {
    let b = {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    if (clip) b = {left: Math.max(b.left, clip.left), right: Math.min(b.right, clip.right),
                   top: Math.max(b.top, clip.top), bottom: Math.min(b.bottom, clip.bottom)};
    if (b.right - b.left < 1 || b.bottom - b.top < 1) continue;
    boxes.push({b: b, node: node, text: n.textContent.trim().slice(0, 40)});
  }
}
boxes.sort((x, y) => x.b.top - y.b.top);
const found = [];
for (let i = 0; i < boxes.length && found.length < 5; i++) {
  const a = boxes[i];
  for (let j = i + 1; j < boxes.length && boxes[j].b.top < a.b.bottom; j++) {
    const c = boxes[j];
    if (c.node === a.node) continue;
    const w = Math.min(a.b.right, c.b.right) - Math.max(a.b.left, c.b.left);
    const h = Math.min(a.b.bottom, c.b.bottom) - Math.max(a.b.top, c.b.top);
    const lower = Math.min(a.b.bottom - a.b.top, c.b.bottom - c.b.top);
    if (w > 2 && h > 0.4 * lower) found.push(JSON.stringify(a.text) + ' over ' + JSON.stringify(c.text));
  }
}
const header = document.querySelector('.site-header');
return {overlaps: found, scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth,
        header: header ? header.getBoundingClientRect().height : 0, height: window.innerHeight};
"""


def check_layout(d, site, urls):
    """Every page at a phone's width in both themes and at a desktop's: no sideways page
    scroll, a compact header on the phone, no overprinted text."""
    prefix = "file://" + urllib.parse.quote(site)
    problems = []
    for width, height, theme in [(400, 800, "light"), (400, 800, "dark"), (1400, 900, "light")]:
        d.set_window_size(width, height)
        for url in urls:
            load(d, url)
            d.execute_script("document.documentElement.setAttribute('data-theme', arguments[0]);", theme)
            m = d.execute_script(OVERLAPS_JS)
            where = f"{url[len(prefix):]} at {width} px ({theme})"
            if m["scrollWidth"] > m["width"] + 1:
                problems.append(f"{where}: the page scrolls sideways ({m['scrollWidth']} px wide)")
            if width <= 400 and m["header"] > 0.25 * m["height"]:
                problems.append(f"{where}: the header is {m['header']:.0f} px of {m['height']}")
            for overlap in m["overlaps"]:
                problems.append(f"{where}: overlapping text: {overlap}")
    d.set_window_size(1280, 900)
    for p in problems[:60]:
        fail(f"layout: {p}")
    if not problems:
        ok(f"layout: {len(urls)} pages at 400 px (light, dark) and 1400 px: no sideways scroll, "
           "header within a quarter of the screen, no overlapping text")


def crawl(d, site):
    """Every page reachable from the dashboard; every internal link must resolve."""
    start = url_of(site, "index.html")
    seen, queue, pages, broken = set(), [start], 0, []
    ids_by_page, fragments = {}, []
    prefix = "file://" + urllib.parse.quote(site)
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        load(d, url)
        pages += 1
        errors = console_errors(d)
        if errors:
            fail(f"{url[len(prefix):]}: console errors: {errors}")
        links = d.execute_script(
            "return Array.from(document.querySelectorAll('a[href], link[href], script[src], img[src]'))"
            ".map(function (e) { return e.href || e.src; })")
        ids = set(d.execute_script("return Array.from(document.querySelectorAll('[id], a[name]')).map(function (e) { return e.id || e.name; })"))
        ids_by_page[url.split("#")[0]] = ids
        for link in links:
            if not link.startswith("file://"):
                continue  # external links (e.g. the repository) are not the portal's to check
            target, _, fragment = link.partition("#")
            path = urllib.parse.unquote(target[len("file://"):])
            if not os.path.isfile(path):
                broken.append(f"{url[len(prefix):]} -> {path[len(site):]} (no such file)")
                continue
            if fragment:
                fragments.append((url, target, urllib.parse.unquote(fragment)))
            if target.endswith(".html") and target not in seen:
                queue.append(target)
    # Fragments: each must name an element of its target page.
    for source, target, fragment in fragments:
        if target.endswith(".html") and fragment not in ids_by_page.get(target, set()):
            broken.append(f"{source[len(prefix):]} -> {target[len(prefix):]}#{fragment} (no such id)")
    for b in broken:
        fail(f"broken link: {b}")
    if not broken:
        ok(f"crawl: {pages} pages, every internal link and #fragment resolves ({len(fragments)} fragments)")
    return sorted(u for u in seen if u.endswith(".html"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("--screenshots")
    ap.add_argument("--query", default="information security policy")
    ap.add_argument("--expect", default="POL-001")
    args = ap.parse_args()
    site = os.path.abspath(args.site)
    if args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
    started = time.time()
    d = driver()
    try:
        pages = [
            ("index.html", "dashboard"),
            ("docs/policies/information-security-policy.html", "document page"),
            ("history/POL-001.html", "history page"),
            ("roles.html", "roles page"),
            ("communications.html", "communication log"),
        ]
        for rel, label in pages:
            if not os.path.isfile(os.path.join(site, rel)):
                fail(f"{label}: {rel} was not built")
                continue
            check_page(d, site, rel, label)
            if args.screenshots and label in ("document page", "history page"):
                d.save_screenshot(os.path.join(args.screenshots, label.replace(" ", "-") + ".png"))
        check_keyboard(d, site)
        check_theme(d, site, args.screenshots)
        check_search(d, site, args.screenshots, args.query, args.expect)
        urls = crawl(d, site)
        check_layout(d, site, urls)
    finally:
        d.quit()
    print(f"browser tests: {len(FAILURES)} failures in {time.time() - started:.1f} s"
          + (f"; screenshots in {args.screenshots}" if args.screenshots else ""))
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
